/* src/text/text_internal.h: helpers shared by the text front-end: a growable
 * string, UTF-8 decoding, number spelling, the CMU dictionary, homographs. */
#ifndef VALLE_TEXT_INTERNAL_H
#define VALLE_TEXT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "valle/io.h"
#include "valle/text.h"

/* ---- growable string ---- */
typedef struct tbuf {
    char *p;
    size_t len, cap;
} tbuf;

void tb_putn(tbuf *b, const char *s, size_t n);
void tb_puts(tbuf *b, const char *s);
void tb_putc(tbuf *b, char c);
/* Appends a space unless the buffer is empty or already ends in one. */
void tb_space(tbuf *b);
/* Appends `word` after a space (see tb_space). */
void tb_word(tbuf *b, const char *word);
/* Drops trailing spaces. */
void tb_rtrim(tbuf *b);
/* NUL-terminated result (never NULL); the buffer is emptied. */
char *tb_take(tbuf *b);
void tb_free(tbuf *b);

/* ---- character classes (ASCII; bytes >= 0x80 are none of these) ---- */
static inline bool is_digit(int c) { return c >= '0' && c <= '9'; }
static inline bool is_upper(int c) { return c >= 'A' && c <= 'Z'; }
static inline bool is_lower(int c) { return c >= 'a' && c <= 'z'; }
static inline bool is_alpha(int c) { return is_upper(c) || is_lower(c); }
static inline bool is_alnum(int c) { return is_alpha(c) || is_digit(c); }
static inline int to_lower(int c) { return is_upper(c) ? c + 32 : c; }
static inline int to_upper(int c) { return is_lower(c) ? c - 32 : c; }

/* Case-insensitive comparison of s[0..n) with the NUL-terminated word. */
bool eq_ci(const char *s, size_t n, const char *word);
/* Is s[0..n) (case-insensitive) one of the space-separated words of list? */
bool in_list_ci(const char *s, size_t n, const char *list);

/* ---- number words (normalize_numbers.c); digits are ASCII '0'-'9' ---- */
/* Largest integer (in digits, leading zeros stripped) read as a cardinal;
 * longer ones are read digit by digit. */
#define NUM_MAX_CARDINAL_DIGITS 36
void num_cardinal(tbuf *b, const char *digits, size_t n);
void num_ordinal(tbuf *b, const char *digits, size_t n);
void num_digits(tbuf *b, const char *digits, size_t n);  /* "one two three" */
void num_year(tbuf *b, int year);                        /* 0 < year < 10000 */
/* Plural of the year reading: 1980 -> "nineteen eighties". */
void num_decade(tbuf *b, int year);
/* Small non-negative value as cardinal/ordinal words. */
void num_cardinal_int(tbuf *b, long long v);
void num_ordinal_int(tbuf *b, long long v);
/* Fraction num/den in words ("three quarters"); false if den is too big. */
bool num_fraction(tbuf *b, long long num, long long den, bool mixed);

/* ---- CMU dictionary (cmudict.c) ---- */
typedef struct vl_cmudict vl_cmudict;
int cmudict_load_builtin(vl_cmudict **d);
int cmudict_load_file(vl_cmudict **d, const char *path);
void cmudict_free(vl_cmudict *d);
/* Pronunciation `variant` (0: the first) of the lower-case word w[0..n), or
 * NULL. The string is owned by the dictionary. */
const char *cmudict_lookup(const vl_cmudict *d, const char *w, size_t n,
                           int variant);
long cmudict_size(const vl_cmudict *d);
/* The gzipped built-in dictionary (cmudict_blob.c). */
const unsigned char *cmudict_blob(size_t *size);

/* ---- homographs (homographs.c) ---- */
/* If the lower-case word w is in the homograph table, returns the
 * pronunciation chosen from its neighbours (lower-case words, NULL at the
 * text's edges or across a pause), else NULL. */
const char *homograph_pron(const char *w, const char *prev2, const char *prev,
                           const char *next);
/* The table, for tests: entry i's word and its two pronunciations. */
int homograph_count(void);
const char *homograph_word(int i, const char **a, const char **b);

/* ---- espeak ---- */
/* The process id of the espeak worker (espeak_worker.c), -1 if none runs:
 * for tests that kill it. */
int espeak_worker_pid(void);

/* ---- ARPAbet ---- */
/* Is p[0..n) one of the 39 CMUdict phones, vowels with a stress digit? */
bool arpabet_valid(const char *p, size_t n);

#endif
