/* src/text/normalize_unicode.c: the first pass of normalisation: UTF-8 in,
 * one space between words out. Invalid UTF-8 and control characters become
 * spaces; typographic quotes, dashes, ellipses and spaces become ASCII. For
 * English (ascii mode) accented Latin letters lose their accents (é -> e,
 * ß -> ss, æ -> ae), a few symbols become words (× -> times), vulgar
 * fractions become "1/2", currency and degree signs become one-byte
 * placeholders the word pass reads (PH_*), and every other character
 * (other scripts, emoji) becomes a space. vl_text_clean is the non-ascii mode:
 * letters of every script stay, for espeak's other languages. */
#include <string.h>

#include "normalize_internal.h"
#include "valle/core.h"

/* Base letters of U+00C0..U+017F; "" where the code point is no letter. */
static const char *const LATIN1[64] = {
    "A", "A", "A", "A", "A", "A", "AE", "C", "E", "E", "E", "E", "I", "I", "I", "I",
    "D", "N", "O", "O", "O", "O", "O", "",  "O", "U", "U", "U", "U", "Y", "TH", "ss",
    "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i",
    "d", "n", "o", "o", "o", "o", "o", "",  "o", "u", "u", "u", "u", "y", "th", "y"};
/* U+0100..U+017F, two bytes per code point: the letter, then a second one
 * or a space (IJ, OE, 'n). */
static const char LATIN_EXT_A[] =
    "A a A a A a C c C c C c C c D d D d E e E e E e E e E e G g G g G g G g "
    "H h H h I i I i I i I i I i IJijJ j K k k L l L l L l L l L l N n N n N "
    "n 'nN n O o O o O o OEoeR r R r R r S s S s S s S s T t T t T t U u U u "
    "U u U u U u U u W w Y y Y Z z Z z Z z s ";

static const char *latin_fold(uint32_t cp, char tmp[3]) {
    if (cp >= 0xc0 && cp <= 0xff) return LATIN1[cp - 0xc0];
    if (cp >= 0x100 && cp <= 0x17f) {
        const char *p = LATIN_EXT_A + 2 * (cp - 0x100);
        tmp[0] = p[0];
        tmp[1] = p[1] == ' ' ? 0 : p[1];
        tmp[2] = 0;
        return tmp;
    }
    switch (cp) {  /* Latin Extended-B: Romanian, pinyin, Vietnamese horns */
    case 0x218: return "S";
    case 0x219: return "s";
    case 0x21a: return "T";
    case 0x21b: return "t";
    case 0x192: return "f";
    case 0x1a0: return "O";
    case 0x1a1: return "o";
    case 0x1af: return "U";
    case 0x1b0: return "u";
    case 0x1e9e: return "SS";
    }
    if (cp >= 0x1cd && cp <= 0x1dc) {  /* Ǎǎ Ǐǐ Ǒǒ Ǔǔ Ǖǖ Ǘǘ Ǚǚ Ǜǜ */
        static const char base[] = "AaIiOoUuUuUuUuUu";
        tmp[0] = base[cp - 0x1cd], tmp[1] = 0;
        return tmp;
    }
    if (cp >= 0x1ea0 && cp <= 0x1ef9) {  /* Vietnamese: Ạạ ... Ỹỹ */
        uint32_t k = cp - 0x1ea0;
        char c = k < 0x18 ? 'a' : k < 0x28 ? 'e' : k < 0x2c ? 'i' : k < 0x44 ? 'o'
               : k < 0x52 ? 'u' : 'y';
        tmp[0] = (char)(cp % 2 == 0 ? to_upper(c) : c), tmp[1] = 0;
        return tmp;
    }
    return NULL;
}

static bool is_space_cp(uint32_t cp) {
    return cp == 0xa0 || (cp >= 0x2000 && cp <= 0x200a) || cp == 0x202f ||
           cp == 0x205f || cp == 0x3000 || cp == 0x1680 || cp == 0x85 ||
           cp == 0x2028 || cp == 0x2029;
}

static bool is_invisible_cp(uint32_t cp) {
    return (cp >= 0x200b && cp <= 0x200f) || cp == 0x2060 || cp == 0xfeff ||
           cp == 0xad || (cp >= 0x202a && cp <= 0x202e) ||
           (cp >= 0x2066 && cp <= 0x2069) || (cp >= 0xfe00 && cp <= 0xfe0f);
}

/* Typographic punctuation shared by both modes; NULL if cp is none. */
static const char *punct_cp(uint32_t cp) {
    switch (cp) {
    case 0x2018: case 0x2019: case 0x201a: case 0x201b: case 0x2032:
    case 0x2035: case 0x2039: case 0x203a:
        return "'";
    case 0x201c: case 0x201d: case 0x201e: case 0x201f: case 0xab: case 0xbb:
    case 0x2033: case 0x2036: case 0x300c: case 0x300d:
        return "\"";
    case 0x2010: case 0x2011: case 0x2212: case 0xfe63: case 0xff0d:
        return "-";
    case 0x2014: case 0x2015: case 0x2e3a: case 0x2e3b:
        return " -- ";
    case 0x2026: return "...";
    case 0xfffd: return " ";
    }
    return NULL;
}

/* Symbols read as words in English; NULL if none. */
static const char *symbol_cp(uint32_t cp) {
    switch (cp) {
    case 0xa3: return PH_POUND;
    case 0x20ac: return PH_EURO;
    case 0xa5: return PH_YEN;
    case 0xa2: return PH_CENT;
    case 0xb0: return PH_DEGREE;
    case 0xd7: return " times ";
    case 0xf7: return " divided by ";
    case 0xb1: return " plus or minus ";
    case 0x2248: return " approximately ";
    case 0x2260: return " not equal to ";
    case 0x2264: return " less than or equal to ";
    case 0x2265: return " greater than or equal to ";
    case 0x221e: return " infinity ";
    case 0xa7: return " section ";
    case 0xb6: return " paragraph ";
    case 0xa9: return " copyright ";
    case 0x2116: return " No. ";
    case 0xb2: return " squared ";
    case 0xb3: return " cubed ";
    case 0x2030: return " per mille ";
    case 0x2192: return " to ";
    }
    return NULL;
}

/* Vulgar fractions U+00BC..U+00BE and U+2150..U+215E. */
static const char *fraction_cp(uint32_t cp) {
    static const char *const latin1[] = {"1/4", "1/2", "3/4"};
    static const char *const forms[] = {"1/7", "1/9", "1/10", "1/3", "2/3",
                                        "1/5", "2/5", "3/5", "4/5", "1/6",
                                        "5/6", "1/8", "3/8", "5/8", "7/8"};
    if (cp >= 0xbc && cp <= 0xbe) return latin1[cp - 0xbc];
    if (cp >= 0x2150 && cp <= 0x215e) return forms[cp - 0x2150];
    return NULL;
}

static void put_space(tbuf *b) {
    if (b->len && b->p[b->len - 1] != ' ') tb_putc(b, ' ');
}

/* Appends s, turning its spaces into single separators. */
static void put_text(tbuf *b, const char *s) {
    for (; *s; s++) {
        if (*s == ' ') put_space(b);
        else tb_putc(b, *s);
    }
}

char *norm_unicode(const char *text, bool ascii) {
    tbuf b = {0};
    const unsigned char *s = (const unsigned char *)(text ? text : "");
    size_t n = strlen((const char *)s);
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        int k = vl_utf8_decode(s + i, n - i, &cp);
        if (k == 0) {  /* invalid byte: a space, resynchronise on the next */
            put_space(&b);
            i++;
            continue;
        }
        const unsigned char *next = s + i + k;
        i += (size_t)k;
        if (cp < 0x80) {
            if (cp < 0x20 || cp == 0x7f) put_space(&b);
            else if (cp == ' ') put_space(&b);
            else tb_putc(&b, (char)cp);
            continue;
        }
        if ((cp >= 0x80 && cp < 0xa0) || is_space_cp(cp)) {
            put_space(&b);
            continue;
        }
        if (is_invisible_cp(cp)) continue;
        if (cp == 0x2012 || cp == 0x2013) {  /* figure / en dash */
            bool digits = b.len && is_digit(b.p[b.len - 1]) && i < n && is_digit(*next);
            put_text(&b, digits ? "-" : " -- ");
            continue;
        }
        const char *r = punct_cp(cp);
        if (r) {
            put_text(&b, r);
            continue;
        }
        if (!ascii) {
            tb_putn(&b, (const char *)s + i - k, (size_t)k);
            continue;
        }
        char tmp[3];
        if ((r = latin_fold(cp, tmp)) != NULL && *r) {
            tb_puts(&b, r);
            continue;
        }
        if (cp >= 0x300 && cp <= 0x36f) continue;  /* combining accents */
        if ((r = fraction_cp(cp)) != NULL) {
            if (b.len && is_digit(b.p[b.len - 1])) put_space(&b);
            tb_puts(&b, r);
            continue;
        }
        if ((r = symbol_cp(cp)) != NULL) {
            put_text(&b, r);
            continue;
        }
        put_space(&b);  /* another script, an emoji, a symbol we do not read */
    }
    tb_rtrim(&b);
    char *out = tb_take(&b);
    if (out[0] == ' ') memmove(out, out + 1, strlen(out));
    return out;
}

int vl_text_clean(const char *text, char **out) {
    if (!out) return vl_error(VL_ERR_ARG, "vl_text_clean: NULL output");
    *out = norm_unicode(text, false);
    return VL_OK;
}
