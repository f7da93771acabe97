/* src/text/normalize_numbers.c: numbers as English words: cardinals (short
 * scale, up to 10^36 - 1, "one thousand three hundred eight" with hyphenated
 * tens as LJSpeech writes them), ordinals, digit strings, years, decades and
 * fractions. Digit strings come in as ASCII and may be of any length. */
#include <string.h>

#include "text_internal.h"

static const char *const ONES[20] = {
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight",
    "nine", "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen",
    "sixteen", "seventeen", "eighteen", "nineteen"};
static const char *const TENS[10] = {"", "", "twenty", "thirty", "forty",
                                     "fifty", "sixty", "seventy", "eighty",
                                     "ninety"};
static const char *const SCALES[NUM_MAX_CARDINAL_DIGITS / 3] = {
    "", "thousand", "million", "billion", "trillion", "quadrillion",
    "quintillion", "sextillion", "septillion", "octillion", "nonillion",
    "decillion"};

/* 0 < v < 100 */
static void below_hundred(tbuf *b, int v) {
    tb_space(b);
    if (v < 20) {
        tb_puts(b, ONES[v]);
        return;
    }
    tb_puts(b, TENS[v / 10]);
    if (v % 10) {
        tb_putc(b, '-');
        tb_puts(b, ONES[v % 10]);
    }
}

/* 0 < v < 1000 */
static void below_thousand(tbuf *b, int v) {
    if (v >= 100) {
        tb_word(b, ONES[v / 100]);
        tb_word(b, "hundred");
    }
    if (v % 100) below_hundred(b, v % 100);
}

void num_digits(tbuf *b, const char *d, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (is_digit(d[i])) tb_word(b, ONES[d[i] - '0']);
}

void num_cardinal(tbuf *b, const char *d, size_t n) {
    while (n > 1 && d[0] == '0') d++, n--;
    if (n > NUM_MAX_CARDINAL_DIGITS) {
        num_digits(b, d, n);
        return;
    }
    if (n == 1 && d[0] == '0') {
        tb_word(b, "zero");
        return;
    }
    int groups = (int)((n + 2) / 3);
    size_t pos = 0;
    for (int g = groups - 1; g >= 0; g--) {
        size_t len = n - pos - (size_t)g * 3;  /* digits in this group */
        int v = 0;
        for (size_t i = 0; i < len; i++) v = v * 10 + (d[pos + i] - '0');
        pos += len;
        if (!v) continue;
        below_thousand(b, v);
        if (g) tb_word(b, SCALES[g]);
    }
}

void num_cardinal_int(tbuf *b, long long v) {
    char s[24];
    int n = 0;
    if (v < 0) v = -v;
    do s[n++] = (char)('0' + v % 10); while ((v /= 10) && n < 23);
    for (int i = 0; i < n / 2; i++) {
        char t = s[i];
        s[i] = s[n - 1 - i], s[n - 1 - i] = t;
    }
    num_cardinal(b, s, (size_t)n);
}

/* Turns the last word of b (from `from`) into its ordinal form. */
static void ordinalize_last(tbuf *b, size_t from) {
    size_t s = b->len;
    while (s > from && b->p[s - 1] != ' ' && b->p[s - 1] != '-') s--;
    static const char *const irregular[][2] = {
        {"one", "first"},   {"two", "second"}, {"three", "third"},
        {"five", "fifth"},  {"eight", "eighth"}, {"nine", "ninth"},
        {"twelve", "twelfth"}};
    for (size_t i = 0; i < sizeof irregular / sizeof *irregular; i++)
        if (!strcmp(b->p + s, irregular[i][0])) {
            b->len = s;
            tb_puts(b, irregular[i][1]);
            return;
        }
    if (b->len > s && b->p[b->len - 1] == 'y') {
        b->len--;
        tb_puts(b, "ieth");
    } else {
        tb_puts(b, "th");
    }
}

void num_ordinal(tbuf *b, const char *d, size_t n) {
    tb_space(b);
    size_t from = b->len;
    num_cardinal(b, d, n);
    ordinalize_last(b, from);
}

void num_ordinal_int(tbuf *b, long long v) {
    tb_space(b);
    size_t from = b->len;
    num_cardinal_int(b, v);
    ordinalize_last(b, from);
}

void num_year(tbuf *b, int y) {
    if (y <= 0 || y >= 10000) {
        num_cardinal_int(b, y);
        return;
    }
    int hi = y / 100, lo = y % 100;
    if (y < 1000 || (y >= 2000 && y < 2010) || (y % 1000 == 0)) {
        num_cardinal_int(b, y);  /* 866, 2000, 2005, 1000, 3000 */
    } else if (lo == 0) {
        below_hundred(b, hi);    /* 1900: nineteen hundred */
        tb_word(b, "hundred");
    } else {
        below_hundred(b, hi);
        if (lo < 10) tb_word(b, "oh");
        below_hundred(b, lo);
    }
}

void num_decade(tbuf *b, int y) {
    num_year(b, y);
    if (b->len && b->p[b->len - 1] == 'y') {
        b->len--;
        tb_puts(b, "ies");
    } else {
        tb_puts(b, "s");
    }
}

bool num_fraction(tbuf *b, long long num, long long den, bool mixed) {
    if (den <= 1 || den > 1000 || num < 0 || num > 1000000) return false;
    bool one = num == 1;
    if (mixed) tb_word(b, "and");
    if (mixed && one && (den == 2 || den == 4)) tb_word(b, "a");
    else num_cardinal_int(b, num);
    if (den == 2) {
        tb_word(b, one ? "half" : "halves");
    } else if (den == 4) {
        tb_word(b, one ? "quarter" : "quarters");
    } else {
        num_ordinal_int(b, den);
        if (!one) tb_putc(b, 's');
    }
    return true;
}
