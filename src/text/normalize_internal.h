/* src/text/normalize_internal.h: what the passes of the English normaliser
 * share: the one-byte placeholders the Unicode pass leaves for the word pass
 * (control bytes, which never survive the Unicode pass otherwise), and the
 * word tables. */
#ifndef VALLE_NORMALIZE_INTERNAL_H
#define VALLE_NORMALIZE_INTERNAL_H

#include "text_internal.h"

#define PH_POUND "\x01"
#define PH_EURO "\x02"
#define PH_YEN "\x03"
#define PH_CENT "\x04"
#define PH_DEGREE "\x05"

/* Pass 1 (normalize_unicode.c): malloc'd, single spaces, trimmed. */
char *norm_unicode(const char *text, bool ascii);

/* ---- tables (normalize_tables.c) ---- */
typedef struct abbrev {
    const char *abbr;  /* lower case, without the final period */
    const char *word;  /* expansion, lower case */
    int kind;          /* ABBR_* */
} abbrev;
enum {
    ABBR_TITLE = 1,    /* before a name: Mr. Dr. (never ends a sentence) */
    ABBR_WORD = 2,     /* anywhere: etc. vs. (may end a sentence) */
    ABBR_MONTH = 3,    /* Jan. ... Dec. */
    ABBR_SAINT = 4,    /* St. Dr. Ft. Mt.: before a name vs after one */
    ABBR_NUM = 5,      /* only before a number: No. 5, p. 12, Vol. 3 */
    ABBR_DAY = 6,      /* Mon. ... Sun.: capitalised, before a date */
};
/* The abbreviation s[0..n) (case-insensitive, no period), or NULL. */
const abbrev *find_abbrev(const char *s, size_t n);

typedef struct unit {
    const char *abbr;  /* case-sensitive: "km", "kg", "mph", "GB" */
    const char *one, *many;
} unit;
const unit *find_unit(const char *s, size_t n);

/* Month 1..12 of a full (case-insensitive) month name, else 0. */
int month_number(const char *s, size_t n);
extern const char *const MONTH_NAMES[13];  /* [1] = "January" */

/* Acronyms spoken as words although written in capitals (NASA, NATO). */
bool is_word_acronym(const char *s, size_t n);
/* Common English words never spelled when written in capitals (IT, THE). */
bool is_common_caps_word(const char *s, size_t n);
/* Names that take a regnal number ("Henry VIII", "Elizabeth I"). */
bool is_regnal_name(const char *s, size_t n);
/* Words after which a Roman numeral is a cardinal ("Chapter IV"). */
bool is_roman_cardinal_context(const char *s, size_t n);
/* Top-level domains recognised in bare host names ("example.com"). */
bool is_tld(const char *s, size_t n);

#endif
