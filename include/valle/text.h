/* valle/text.h: the text front-end of the TTS pipeline: English text
 * normalisation, punctuation tagging, sentence splitting and G2P (grapheme to
 * phoneme) to ARPAbet with stress, in the phone-file format of the reference
 * VALL-E repository; espeak-ng IPA for other languages.
 *
 * Usage:
 *   char *norm;
 *   vl_text_normalize("Dr. Smith paid $5.50 on Jan. 3rd, 1999.", &norm);
 *   // "Doctor Smith paid five dollars and fifty cents on January third,
 *   //  nineteen ninety-nine."
 *   vl_tokens t;
 *   vl_text_tag("Hello, how are you?", &t);   // Hello | comma | how | are |
 *   vl_tokens_free(&t);                        // you | question_mark
 *
 *   vl_g2p *g;
 *   vl_g2p_open(&g, NULL);                     // built-in CMUdict + espeak OOV
 *   char *phones;
 *   vl_g2p_phonemize(g, "hello world", &phones);  // "HH AH0 L OW1 _ W ER1 L D"
 *   free(phones); free(norm);
 *   vl_g2p_close(g);
 *
 * Every string in and out is UTF-8, NUL-terminated and owned by the caller
 * (free() it). Invalid UTF-8, control characters and any length are accepted:
 * bad bytes become spaces. See docs/text.md for the rules and their sources.
 */
#ifndef VALLE_TEXT_H
#define VALLE_TEXT_H

#include <stddef.h>

#include "valle/core.h"  /* status codes */

/* ---- normalisation ---- */

/* English normalisation to plain ASCII words and punctuation: numbers,
 * ordinals, decimals, fractions, years, currency, percentages, dates, times,
 * abbreviations, acronyms (spelled as "F B I"), units, Roman numerals, URLs,
 * e-mail addresses, Unicode punctuation and accents. Deterministic. */
int vl_text_normalize(const char *text, char **out);
/* Language-neutral clean-up only (for espeak's other languages): valid UTF-8,
 * no control characters, ASCII quotes, dashes and spaces; letters of every
 * script are kept. */
int vl_text_clean(const char *text, char **out);
/* Number of invalid UTF-8 sequences in text[0..n) (0: valid). */
size_t vl_utf8_invalid_count(const char *text, size_t n);

/* ---- tagger ---- */

typedef enum vl_token_kind { VL_TOKEN_WORD, VL_TOKEN_PUNCT } vl_token_kind;

typedef struct vl_token {
    vl_token_kind kind;
    size_t start, len;  /* bytes of the tagged text */
    const char *name;   /* punctuation: "comma", "question_mark", ...; NULL for words */
    int pause;          /* punctuation read as a pause (, . ? ! ; : dash ellipsis) */
} vl_token;

typedef struct vl_tokens {
    vl_token *v;
    int n, cap;
    const char *text;   /* the tagged text (the caller's; not copied) */
} vl_tokens;

/* Splits text into words (letters, digits, inner apostrophes and hyphens; any
 * non-ASCII letter) and named punctuation marks. Runs of one mark ("!!!")
 * are one token; "..." is "ellipsis", "--" and a free-standing "-" "dash". */
int vl_text_tag(const char *text, vl_tokens *out);
void vl_tokens_free(vl_tokens *t);
/* "Hello | comma | how | ..." (words as written, punctuation by name). */
char *vl_tokens_format(const vl_tokens *t);

/* Splits text into sentences at . ? ! and ellipses (closing quotes and
 * brackets stay with their sentence); a sentence longer than max_chars bytes
 * (0: no limit) is cut again at its last pause (, ; : dash) before the limit,
 * else at a space, else at a character boundary. Sentences are trimmed copies;
 * *out is an array of *n strings (free each, then the array). */
int vl_text_split_sentences(const char *text, size_t max_chars, char ***out,
                            int *n);

/* ---- G2P ---- */

/* A pronunciation source for words the dictionary lacks. `word` is lower
 * case ASCII letters and apostrophes; the result is ARPAbet with stress
 * digits separated by single spaces ("HH AH0 L OW1") written into out[0..cap)
 * with a NUL; returns its length, or a negative status. The neural G2P model
 * plugs in here (vl_g2p_set_oov). */
typedef struct vl_g2p_oov {
    const char *name;  /* shown in statistics: "espeak", "spell", ... */
    void *state;
    int (*word)(void *state, const char *word, char *out, size_t cap);
    void (*free)(void *state);  /* may be NULL */
} vl_g2p_oov;

typedef struct vl_g2p_options {
    const char *dict_path;  /* NULL: $VALLE_CMUDICT, else the built-in CMUdict */
    const char *oov;        /* NULL: "neural" if its model loads, else "espeak",
                               else "spell"; or one of those three by name */
    int no_normalize;       /* 1: the input is already normalised */
} vl_g2p_options;

typedef struct vl_g2p_stats {
    long words;       /* word tokens phonemized */
    long dict;        /* found in the dictionary (incl. letters, compounds) */
    long homographs;  /* chosen by the homograph table */
    long derived;     /* possessive 's / s' added to a dictionary word */
    long oov;         /* sent to the OOV model (espeak, neural, ...) */
    long oov_distinct;
    long spelled;     /* spelled letter by letter (no OOV model, or too long) */
} vl_g2p_stats;

typedef struct vl_g2p vl_g2p;

int vl_g2p_open(vl_g2p **g, const vl_g2p_options *opt);
void vl_g2p_close(vl_g2p *g);
/* Replaces the OOV model (the old one is freed); g owns `oov` afterwards. */
void vl_g2p_set_oov(vl_g2p *g, vl_g2p_oov oov);
/* Text to phones: words' phones separated by spaces, "_" between words and
 * for each pause mark, exactly as the reference repo's .phn.txt files
 * ("hello, world." -> "HH AH0 L OW1 _ _ _ W ER1 L D _ _"). */
int vl_g2p_phonemize(vl_g2p *g, const char *text, char **out);
/* One word's phones (dictionary, then OOV model); *source is set to
 * "dict", "homograph", "derived", the OOV model's name or "spell". */
int vl_g2p_word(vl_g2p *g, const char *word, char **out, const char **source);
const vl_g2p_stats *vl_g2p_get_stats(const vl_g2p *g);
void vl_g2p_reset_stats(vl_g2p *g);
/* Number of dictionary entries (all pronunciations) loaded. */
long vl_g2p_dict_size(const vl_g2p *g);

/* ---- espeak-ng ---- */

/* 1 when libvalle was built with libespeak-ng and its data loads. */
int vl_espeak_available(void);
/* OOV model: espeak-ng's en-us letter-to-sound rules mapped to ARPAbet. */
int vl_g2p_oov_espeak(vl_g2p_oov *out);
/* OOV model that spells the word with the dictionary's letter names. */
void vl_g2p_oov_spell(vl_g2p *g, vl_g2p_oov *out);
/* espeak-ng's IPA for any language it has (lang: "en-us", "de", "fr", ...):
 * phones separated by spaces, "_" between words and for pause marks. */
int vl_espeak_ipa(const char *lang, const char *text, char **out);
/* The espeak phoneme string (its ASCII names, for debugging) of one word. */
int vl_espeak_phonemes(const char *lang, const char *word, char **out);
/* Maps espeak en-us ASCII phonemes ("h @ l 'oU") to ARPAbet ("HH AH0 L OW1"). */
int vl_espeak_to_arpabet(const char *espeak, char *out, size_t cap);
/* Writes "code\tname" lines of espeak's voices to a malloc'd string. */
int vl_espeak_list_languages(char **out);

#endif
