/* src/text/normalize.c: English text normalisation, the word pass.
 *
 * After the Unicode pass (normalize_unicode.c) the text is ASCII with single
 * spaces. It is cut at spaces into chunks; a chunk is leading punctuation
 * ("(, ", '), a core and trailing punctuation (.,;:!?)" '). Rules look at the
 * core and, where the reading depends on it, at the neighbouring chunks
 * ("Jan. 3" -> "January third", "$2 million" -> "two million dollars",
 * "St. Louis" vs "Main St."). A rule may consume the next chunks (a unit,
 * "p.m.", a scale word) and the period of an abbreviation. What no rule
 * claims is read context-free by expand_simple, which splits hyphens, letter
 * and digit runs and symbols and reads each piece.
 *
 * Each chunk's reading is built in a scratch buffer, then written out with
 * the chunk's punctuation, so the output keeps the input's punctuation where
 * it is punctuation and words where it was something else. The whole pass is
 * linear in the input: lookahead is one or two chunks, splitting loops are
 * iterative and recursion is bounded (MAX_DEPTH).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "normalize_internal.h"
#include "valle/core.h"

#define MAX_DEPTH 4

typedef struct chunk {
    const char *s;  /* the chunk */
    size_t ln;      /* leading punctuation s[0..ln) */
    const char *c;  /* core */
    size_t cn;
    const char *t;  /* trailing punctuation */
    size_t tn;
} chunk;

typedef struct nctx {
    chunk *ch;
    int nch;
    tbuf w;            /* reading of the current chunk(s) */
    tbuf digits;       /* scratch for numbers with thousands separators */
    int last;          /* last chunk consumed by the rule that fired */
    size_t trail_skip; /* bytes of that chunk's trail consumed (a period) */
} nctx;

/* ------------------------------------------------------------------ chunks */

static bool is_lead_punct(int c) { return c == '(' || c == '[' || c == '{' || c == '"'; }
static bool is_trail_punct(int c) {
    return c == '.' || c == ',' || c == ';' || c == ':' || c == '!' || c == '?' ||
           c == ')' || c == ']' || c == '}' || c == '"' || c == '\'';
}

/* Words written with a leading apostrophe. */
static bool apostrophe_word(const char *s, size_t n) {
    return in_list_ci(s, n, "'em 'tis 'twas 'cause 'bout 'til 'round 'n 'n' 'ol 'kay");
}

static void split_chunk(chunk *k, const char *s, size_t n) {
    size_t a = 0, b = n;
    for (;;) {
        if (a < b && is_lead_punct((unsigned char)s[a])) {
            a++;
        } else if (a + 1 < b && s[a] == '-' && s[a + 1] == '-') {
            a += 2;
        } else if (a + 2 < b && !strncmp(s + a, "...", 3)) {
            a += 3;
        } else if (a < b && s[a] == '\'') {
            /* keep '90s, 'em; otherwise an opening quote */
            size_t e = a + 1;
            while (e < b && !is_trail_punct((unsigned char)s[e])) e++;
            bool year = a + 2 < b && is_digit(s[a + 1]) && is_digit(s[a + 2]);
            if (year || apostrophe_word(s + a, e - a)) break;
            a++;
        } else {
            break;
        }
    }
    while (b > a) {
        int c = (unsigned char)s[b - 1];
        if (is_trail_punct(c)) {
            /* keep the apostrophe of "students'" and "rock 'n'" in the core */
            if (c == '\'' && b - 1 > a && (s[b - 2] == 's' || s[b - 2] == 'n') &&
                is_alpha((unsigned char)s[b - 2]) && b - a > 2)
                break;
            b--;
        } else if (b - a >= 2 && s[b - 1] == '-' && s[b - 2] == '-') {
            b -= 2;
        } else {
            break;
        }
    }
    k->s = s, k->ln = a, k->c = s + a, k->cn = b - a, k->t = s + b, k->tn = n - b;
}

static bool ok(const nctx *x, int j) { return j >= 0 && j < x->nch; }
/* chunk j ends right after its core and chunk j+1 starts with its core */
static bool joinable(const nctx *x, int j) {
    return ok(x, j + 1) && x->ch[j].tn == 0 && x->ch[j + 1].ln == 0 && x->ch[j + 1].cn > 0;
}
static bool cap_word(const chunk *k) { return k->cn && is_upper((unsigned char)k->c[0]); }
static bool all_alpha(const char *s, size_t n) {
    if (!n) return false;
    for (size_t i = 0; i < n; i++)
        if (!is_alpha((unsigned char)s[i])) return false;
    return true;
}
static bool all_digits(const char *s, size_t n) {
    if (!n) return false;
    for (size_t i = 0; i < n; i++)
        if (!is_digit((unsigned char)s[i])) return false;
    return true;
}
static bool all_upper(const char *s, size_t n) {
    if (!n) return false;
    for (size_t i = 0; i < n; i++)
        if (!is_upper((unsigned char)s[i])) return false;
    return true;
}
static bool all_zero(const char *s, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (s[i] != '0') return false;
    return true;
}
static long long small_int(const char *s, size_t n) { /* n <= 18 digits */
    long long v = 0;
    for (size_t i = 0; i < n; i++) v = v * 10 + (s[i] - '0');
    return v;
}

static bool ends_with_stop(const chunk *k) {
    return k->tn && (k->t[k->tn - 1] == '.' || k->t[k->tn - 1] == '!' || k->t[k->tn - 1] == '?');
}

/* Does a sentence end after chunk j if its trail has a period? True at the
 * end of the text and before a word that usually starts a sentence. */
static bool sentence_ends_after(const nctx *x, int j) {
    if (!ok(x, j + 1)) return true;
    const chunk *n = &x->ch[j + 1];
    if (!cap_word(n)) return false;
    return in_list_ci(n->c, n->cn,
        "the a an he she it they we i you this that these those there then "
        "but and so if when while after before as in on at for his her its "
        "our their my your one some many most no not what who why how where "
        "yes however although though because since today yesterday "
        "tomorrow mr mrs ms dr meanwhile finally also later now");
}

/* The period of chunk j's trail, if the trail starts with one, is consumed by
 * the abbreviation unless it also ends the sentence. */
static void eat_period(nctx *x, int j, bool keep_at_sentence_end) {
    const chunk *k = &x->ch[j];
    if (k->tn && k->t[0] == '.' && !(k->tn >= 3 && !strncmp(k->t, "...", 3))) {
        if (!(keep_at_sentence_end && sentence_ends_after(x, j))) x->trail_skip = 1;
    }
}

/* ------------------------------------------------------------------ output */

static void word(nctx *x, const char *w) { tb_word(&x->w, w); }
static void word_n(nctx *x, const char *s, size_t n) {
    tb_space(&x->w);
    tb_putn(&x->w, s, n);
}
/* w with its first letter upper case when cap */
static void word_cap(nctx *x, const char *w, bool cap) {
    tb_space(&x->w);
    size_t at = x->w.len;
    tb_puts(&x->w, w);
    if (cap) x->w.p[at] = (char)to_upper((unsigned char)x->w.p[at]);
}
static void letters(nctx *x, const char *s, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (is_alpha((unsigned char)s[i])) {
            char l[2] = {(char)to_upper((unsigned char)s[i]), 0};
            word(x, l);
        }
}
static void plural_last(nctx *x) {
    tbuf *b = &x->w;
    if (!b->len) return;
    char c = b->p[b->len - 1];
    if (c == 'y') {
        b->len--;
        tb_puts(b, "ies");
    } else if (c == 'x' || c == 's') {
        tb_puts(b, "es");
    } else {
        tb_putc(b, 's');
    }
}

/* ----------------------------------------------------------------- numbers */

typedef struct number {
    bool neg;
    const char *ip;  /* integer digits (in x->digits when they had commas) */
    size_t in;
    const char *fp;  /* digits after the point */
    size_t fn;
    bool point;      /* had a decimal point */
    bool commas;     /* had thousands separators */
    size_t len;      /* bytes of s used */
} number;

/* [-] digits [,ddd]* [.digits] | [-] .digits ; returns false if s does not
 * start with a number. */
static bool parse_number(nctx *x, const char *s, size_t n, number *v) {
    memset(v, 0, sizeof *v);
    size_t i = 0;
    if (i < n && s[i] == '-' && i + 1 < n && (is_digit((unsigned char)s[i + 1]) ||
        (s[i + 1] == '.' && i + 2 < n && is_digit((unsigned char)s[i + 2]))))
        v->neg = true, i++;
    size_t a = i;
    while (i < n && is_digit((unsigned char)s[i])) i++;
    size_t first = i - a;
    v->ip = s + a, v->in = first;
    /* thousands separators: 1-3 digits, then groups of exactly three */
    if (first >= 1 && first <= 3) {
        size_t j = i;
        while (j + 3 < n && s[j] == ',' && is_digit((unsigned char)s[j + 1]) &&
               is_digit((unsigned char)s[j + 2]) && is_digit((unsigned char)s[j + 3]) &&
               !(j + 4 < n && is_digit((unsigned char)s[j + 4])))
            j += 4;
        if (j > i) {
            x->digits.len = 0;
            for (size_t k = a; k < j; k++)
                if (s[k] != ',') tb_putc(&x->digits, s[k]);
            v->ip = x->digits.p, v->in = x->digits.len, v->commas = true;
            i = j;
        }
    }
    if (i + 1 < n && s[i] == '.' && is_digit((unsigned char)s[i + 1])) {
        v->point = true;
        size_t b = ++i;
        while (i < n && is_digit((unsigned char)s[i])) i++;
        v->fp = s + b, v->fn = i - b;
    }
    if (v->in == 0 && !v->point) return false;
    v->len = i;
    return true;
}

static bool number_is_one(const number *v) {
    return !v->neg && !v->point && v->in == 1 && v->ip[0] == '1';
}

/* Reads a number; `years`: a bare 4-digit integer 1000..2099 is a year. */
static void say_number(nctx *x, const number *v, bool years) {
    if (v->neg) word(x, "minus");
    if (v->in) {
        bool zeros = v->in > 1 && v->ip[0] == '0' && !v->commas && !v->point;
        if (zeros) {
            num_digits(&x->w, v->ip, v->in);  /* 007 */
        } else if (years && !v->point && !v->commas && v->in == 4 &&
                   small_int(v->ip, 4) >= 1000 && small_int(v->ip, 4) <= 2099) {
            num_year(&x->w, (int)small_int(v->ip, 4));
        } else {
            num_cardinal(&x->w, v->ip, v->in);
        }
    }
    if (v->point) {
        if (!v->in) tb_space(&x->w);
        word(x, "point");
        num_digits(&x->w, v->fp, v->fn);
    }
}

/* 1990s, 1990's -> nineteen nineties; 80s -> eighties; 1s -> ones */
static bool say_plural_number(nctx *x, const number *v, const char *rest, size_t rn) {
    if (v->neg || v->point || !(eq_ci(rest, rn, "s") || eq_ci(rest, rn, "'s"))) return false;
    long long val = v->in <= 18 ? small_int(v->ip, v->in) : -1;
    if (v->in == 4 && val >= 1000 && val % 10 == 0 && !v->commas) {
        num_decade(&x->w, (int)val);
    } else {
        num_cardinal(&x->w, v->ip, v->in);
        plural_last(x);
    }
    return true;
}

static const char *currency_name(int c, bool one, bool sub) {
    switch (c) {
    case '$': return sub ? (one ? "cent" : "cents") : (one ? "dollar" : "dollars");
    case 1: return sub ? (one ? "penny" : "pence") : (one ? "pound" : "pounds");
    case 2: return sub ? (one ? "cent" : "cents") : (one ? "euro" : "euros");
    case 3: return "yen";
    }
    return "";
}

static bool is_scale_word(const char *s, size_t n) {
    return in_list_ci(s, n, "hundred thousand million billion trillion");
}

static const char *scale_suffix(const char *s, size_t n) {
    if (n == 1 && (s[0] == 'k' || s[0] == 'K')) return "thousand";
    if (n == 1 && (s[0] == 'm' || s[0] == 'M')) return "million";
    if (eq_ci(s, n, "mn")) return "million";
    if (eq_ci(s, n, "bn") || (n == 1 && s[0] == 'B')) return "billion";
    if (eq_ci(s, n, "tn")) return "trillion";
    return NULL;
}

/* $5, $5.50, $0.99, £13,000, €2.5m, $2 million, -$3 */
static bool rule_currency(nctx *x, int i) {
    const chunk *k = &x->ch[i];
    const char *s = k->c;
    size_t n = k->cn, p = 0;
    bool neg = false;
    if (p < n && s[p] == '-') neg = true, p++;
    if (p >= n) return false;
    int cur = (unsigned char)s[p];
    if (cur != '$' && cur != 1 && cur != 2 && cur != 3) return false;
    p++;
    number v;
    if (!parse_number(x, s + p, n - p, &v) || v.neg) return false;
    const char *rest = s + p + v.len;
    size_t rn = n - p - v.len;
    const char *scale = NULL;
    if (rn) {
        if (!(scale = scale_suffix(rest, rn))) return false;
    } else if (joinable(x, i) && is_scale_word(x->ch[i + 1].c, x->ch[i + 1].cn)) {
        x->last = i + 1;
    }
    if (neg) word(x, "minus");
    if (v.point && v.fn == 2 && !scale && x->last == i && cur != 3) {
        /* $5.50: units and cents */
        bool units = v.in && !all_zero(v.ip, v.in);
        long long c = small_int(v.fp, 2);
        if (units) {
            num_cardinal(&x->w, v.ip, v.in);
            word(x, currency_name(cur, v.in == 1 && v.ip[0] == '1', false));
        }
        if (c) {
            if (units) word(x, "and");
            num_cardinal_int(&x->w, c);
            word(x, currency_name(cur, c == 1, true));
        } else if (!units) {
            word(x, "zero");
            word(x, currency_name(cur, false, false));
        }
        return true;
    }
    say_number(x, &v, false);
    if (scale) word(x, scale);
    if (x->last != i) word_n(x, x->ch[i + 1].c, x->ch[i + 1].cn);  /* $2 million */
    word(x, currency_name(cur, number_is_one(&v) && !scale && x->last == i, false));
    return true;
}

/* ------------------------------------------------------------------- times */

static bool is_ampm(const char *s, size_t n, char *which) {
    if (eq_ci(s, n, "am") || eq_ci(s, n, "a.m")) return *which = 'A', true;
    if (eq_ci(s, n, "pm") || eq_ci(s, n, "p.m")) return *which = 'P', true;
    return false;
}

/* H:MM[:SS][am|pm], Ham, H pm, H:MM a.m. */
static bool rule_time(nctx *x, int i) {
    const chunk *k = &x->ch[i];
    const char *s = k->c;
    size_t n = k->cn, p = 0;
    while (p < n && p < 2 && is_digit((unsigned char)s[p])) p++;
    if (p == 0 || (p < n && is_digit((unsigned char)s[p]))) return false;
    int h = (int)small_int(s, p), m = -1, sec = -1;
    if (p + 2 < n && s[p] == ':' && is_digit((unsigned char)s[p + 1]) &&
        is_digit((unsigned char)s[p + 2])) {
        m = (int)small_int(s + p + 1, 2);
        p += 3;
        if (p + 2 < n && s[p] == ':' && is_digit((unsigned char)s[p + 1]) &&
            is_digit((unsigned char)s[p + 2])) {
            sec = (int)small_int(s + p + 1, 2);
            p += 3;
        }
    }
    char ap = 0;
    if (p < n) {
        if (!is_ampm(s + p, n - p, &ap)) return false;
        eat_period(x, i, true);
    } else if (joinable(x, i) && is_ampm(x->ch[i + 1].c, x->ch[i + 1].cn, &ap)) {
        x->last = i + 1;
        eat_period(x, i + 1, true);
    }
    if (m < 0 && !ap) return false;
    if (h > 24 || m > 59 || sec > 59 || (ap && (h == 0 || h > 12))) return false;
    num_cardinal_int(&x->w, h);
    if (m == 0 && !ap && sec < 0) word(x, "o'clock");
    else if (m > 0 && m < 10) word(x, "oh"), num_cardinal_int(&x->w, m);
    else if (m >= 10) num_cardinal_int(&x->w, m);
    if (sec >= 0) {
        if (m == 0) word(x, "oh"), word(x, "oh");
        word(x, "and");
        num_cardinal_int(&x->w, sec);
        word(x, sec == 1 ? "second" : "seconds");
    }
    if (ap) {
        char l[2] = {ap, 0};
        word(x, l);
        word(x, "M");
    }
    return true;
}

/* ------------------------------------------------------------------- dates */

static void say_date(nctx *x, int month, int day, int year) {
    word(x, MONTH_NAMES[month]);
    num_ordinal_int(&x->w, day);
    if (year >= 0) {
        tb_putc(&x->w, ',');
        num_year(&x->w, year);
    }
}

static int two_digit_year(int y) { return y < 50 ? 2000 + y : 1900 + y; }

/* 2024-01-15, 12/25/2024, 25/12/2024, 1/5/99 */
static bool rule_date(nctx *x, int i) {
    const chunk *k = &x->ch[i];
    const char *s = k->c;
    size_t n = k->cn;
    int part[3], len[3], np = 0;
    char sep = 0;
    size_t p = 0;
    while (np < 3) {
        size_t a = p;
        while (p < n && is_digit((unsigned char)s[p]) && p - a < 5) p++;
        if (p == a || p - a > 4) return false;
        part[np] = (int)small_int(s + a, p - a), len[np] = (int)(p - a), np++;
        if (p == n) break;
        if (sep && s[p] != sep) return false;
        sep = s[p++];
        if (sep != '-' && sep != '/') return false;
    }
    if (np != 3 || p != n) return false;
    if (sep == '-') {  /* ISO: YYYY-MM-DD */
        if (len[0] != 4 || len[1] != 2 || len[2] != 2) return false;
        if (part[1] < 1 || part[1] > 12 || part[2] < 1 || part[2] > 31) return false;
        say_date(x, part[1], part[2], part[0]);
        return true;
    }
    if (len[2] != 2 && len[2] != 4) return false;
    int y = len[2] == 2 ? two_digit_year(part[2]) : part[2];
    if (part[0] >= 1 && part[0] <= 12 && part[1] >= 1 && part[1] <= 31)
        say_date(x, part[0], part[1], y);        /* US: month first */
    else if (part[1] >= 1 && part[1] <= 12 && part[0] >= 1 && part[0] <= 31)
        say_date(x, part[1], part[0], y);        /* day first */
    else
        return false;
    return true;
}

/* Month of chunk j: "March", "Mar." (abbreviation with its period). */
static int chunk_month(const nctx *x, int j) {
    if (!ok(x, j)) return 0;
    const chunk *k = &x->ch[j];
    if (!cap_word(k)) return 0;
    int m = month_number(k->c, k->cn);
    if (m) return m;
    const abbrev *a = find_abbrev(k->c, k->cn);
    if (a && a->kind == ABBR_MONTH && k->tn && k->t[0] == '.') return month_number(a->word, strlen(a->word));
    return 0;
}

/* ----------------------------------------------------------- ordinal, day */

/* digits + st/nd/rd/th: returns the digit count, 0 if not an ordinal */
static size_t ordinal_digits(const char *s, size_t n) {
    size_t p = 0;
    while (p < n && is_digit((unsigned char)s[p])) p++;
    if (p == 0 || n - p != 2) return 0;
    const char *f = s + p;
    if (eq_ci(f, 2, "st") || eq_ci(f, 2, "nd") || eq_ci(f, 2, "rd") || eq_ci(f, 2, "th")) return p;
    return 0;
}

/* A day of the month: 1..31 with or without an ordinal suffix. */
static int day_number(const char *s, size_t n) {
    size_t d = ordinal_digits(s, n);
    if (!d) d = all_digits(s, n) ? n : 0;
    if (!d || d > 2) return 0;
    int v = (int)small_int(s, d);
    return v >= 1 && v <= 31 ? v : 0;
}

static bool rule_day(nctx *x, int i) {
    const chunk *k = &x->ch[i];
    int d = day_number(k->c, k->cn);
    if (!d || k->ln) return false;
    if (ok(x, i - 1) && x->ch[i - 1].tn <= 1 && chunk_month(x, i - 1) &&
        (x->ch[i - 1].tn == 0 || find_abbrev(x->ch[i - 1].c, x->ch[i - 1].cn))) {
        num_ordinal_int(&x->w, d);  /* March 5 -> March fifth */
        return true;
    }
    if (k->tn == 0 && chunk_month(x, i + 1) && x->ch[i + 1].ln == 0) {
        const chunk *p = ok(x, i - 1) ? &x->ch[i - 1] : NULL;
        if (!p || p->tn || !eq_ci(p->c, p->cn, "the")) word(x, "the");
        num_ordinal_int(&x->w, d);  /* 5 March -> the fifth of March */
        word(x, "of");
        return true;
    }
    return false;
}

/* ------------------------------------------------- numbers with neighbours */

static bool plural_noun(const chunk *k) {
    if (k->cn < 3 || !all_alpha(k->c, k->cn) || !is_lower((unsigned char)k->c[0])) return false;
    if (k->c[k->cn - 1] != 's') return false;
    return !in_list_ci(k->c, k->cn,
        "was has is its this his as us yes always perhaps thus plus less "
        "unless across towards afterwards besides whereas");
}

static const char *degree_scale(const char *s, size_t n) {
    if (n == 1 && s[0] == 'C') return "Celsius";
    if (n == 1 && s[0] == 'F') return "Fahrenheit";
    if (n == 1 && s[0] == 'K') return "Kelvin";
    return NULL;
}

/* A unit after the number (attached or the next chunk); returns true if it
 * read one. */
static bool say_unit(nctx *x, int i, const number *v, const char *rest, size_t rn) {
    bool one = number_is_one(v);
    if (rn && rest[0] == PH_DEGREE[0]) {
        word(x, one ? "degree" : "degrees");
        const char *sc = degree_scale(rest + 1, rn - 1);
        if (sc) word(x, sc);
        else if (rn > 1) return false;
        return true;
    }
    if (rn) {
        const unit *u = find_unit(rest, rn);
        if (!u) return false;
        word(x, one ? u->one : u->many);
        eat_period(x, i, true);
        return true;
    }
    if (!joinable(x, i)) return false;
    const chunk *nx = &x->ch[i + 1];
    if (nx->c[0] == PH_DEGREE[0]) {
        const char *sc = degree_scale(nx->c + 1, nx->cn - 1);
        if (nx->cn > 1 && !sc) return false;
        word(x, one ? "degree" : "degrees");
        if (sc) word(x, sc);
        x->last = i + 1;
        return true;
    }
    const unit *u = find_unit(nx->c, nx->cn);
    if (!u) return false;
    bool period = nx->tn && nx->t[0] == '.';
    if (eq_ci(nx->c, nx->cn, "in") && !period) return false;  /* "5 in the" */
    if (nx->cn == 1 && ok(x, i + 2) && nx->tn == 0 &&
        all_alpha(x->ch[i + 2].c, x->ch[i + 2].cn) && is_lower((unsigned char)x->ch[i + 2].c[0]) &&
        strcmp(u->abbr, "m") && strcmp(u->abbr, "g"))
        return false;  /* "5 t" followed by words: not a unit */
    word(x, one ? u->one : u->many);
    x->last = i + 1;
    if (period) eat_period(x, i + 1, true);
    return true;
}

/* ddd-dddd, ddd-ddd-dddd, 1-ddd-ddd-dddd */
static bool is_phone(const char *s, size_t n) {
    static const char *const forms[] = {"ddd-dddd", "ddd-ddd-dddd", "d-ddd-ddd-dddd"};
    for (int f = 0; f < 3; f++) {
        const char *p = forms[f];
        if (strlen(p) != n) continue;
        size_t k = 0;
        while (k < n && (p[k] == 'd' ? is_digit((unsigned char)s[k]) : s[k] == p[k])) k++;
        if (k == n) return true;
    }
    return false;
}

static void say_phone(nctx *x, const char *s, size_t n) {
    for (size_t a = 0; a < n;) {
        size_t b = a;
        while (b < n && s[b] != '-') b++;
        num_digits(&x->w, s + a, b - a);
        if (b < n) tb_putc(&x->w, ',');
        a = b + 1;
    }
}

static bool special_pair(const char *s, size_t n) {
    return in_list_ci(s, n, "24/7 9/11 50/50 20/20 7/11 4/20 360/360");
}

static void say_simple_number(nctx *x, const char *s, size_t n, bool years);

/* Numbers whose reading depends on the next or previous chunk, and number
 * forms that stand alone in a chunk: years, plurals, units, fractions,
 * ranges, phone numbers, percentages, ordinals. */
static bool rule_number(nctx *x, int i) {
    const chunk *k = &x->ch[i];
    const char *s = k->c;
    size_t n = k->cn;
    if (!is_digit((unsigned char)s[0]) && !(n > 1 && (s[0] == '-' || s[0] == '.') &&
                                           (is_digit((unsigned char)s[1]) || s[1] == '.')))
        return false;
    if (is_phone(s, n)) {
        say_phone(x, s, n);
        return true;
    }
    /* (555) 123-4567 */
    if (n == 3 && all_digits(s, 3) && k->ln == 1 && k->s[0] == '(' && k->tn == 1 &&
        k->t[0] == ')' && ok(x, i + 1) && is_phone(x->ch[i + 1].c, x->ch[i + 1].cn)) {
        num_digits(&x->w, s, 3);
        return true;
    }
    number v;
    if (!parse_number(x, s, n, &v)) return false;
    const char *rest = s + v.len;
    size_t rn = n - v.len;
    /* fraction: 3/4, and "3 1/2" after a whole number */
    if (!v.neg && !v.point && !v.commas && rn > 1 && rest[0] == '/' && all_digits(rest + 1, rn - 1) &&
        v.in <= 6 && rn - 1 <= 6) {
        if (special_pair(s, n)) {
            num_cardinal(&x->w, v.ip, v.in);
            num_cardinal(&x->w, rest + 1, rn - 1);
            return true;
        }
        long long a = small_int(v.ip, v.in), b = small_int(rest + 1, rn - 1);
        bool mixed = ok(x, i - 1) && all_digits(x->ch[i - 1].c, x->ch[i - 1].cn) &&
                     x->ch[i - 1].tn == 0 && k->ln == 0 && a < b;
        if ((a < b || b <= 4) && num_fraction(&x->w, a, b, mixed)) return true;
        num_cardinal(&x->w, v.ip, v.in);
        word(x, "over");
        num_cardinal(&x->w, rest + 1, rn - 1);
        return true;
    }
    /* range: 10-20, 1990-1995, 1939-45 */
    if (!v.point && rn > 1 && rest[0] == '-' && all_digits(rest + 1, rn - 1) && rn - 1 <= 4 && v.in <= 12) {
        say_number(x, &v, true);
        word(x, "to");
        number w;
        parse_number(x, rest + 1, rn - 1, &w);
        say_number(x, &w, v.in == 4 && rn - 1 == 4);
        return true;
    }
    if (rn == 1 && rest[0] == '%') {
        say_number(x, &v, false);
        word(x, "percent");
        return true;
    }
    if (rn == 1 && rest[0] == PH_CENT[0]) {
        say_number(x, &v, false);
        word(x, number_is_one(&v) ? "cent" : "cents");
        return true;
    }
    /* ordinal: 1st, 22nd, 103rd, 4th */
    if (!v.neg && !v.point && !v.commas && rn == 2 && ordinal_digits(s, n) == v.in) {
        num_ordinal(&x->w, v.ip, v.in);
        return true;
    }
    /* plural and decades: 1990s, 1990's, 80s, '90s handled by the caller */
    if (say_plural_number(x, &v, rest, rn)) return true;
    /* 4x4, 1920x1080 */
    if (!v.point && rn > 1 && (rest[0] == 'x' || rest[0] == 'X') && all_digits(rest + 1, rn - 1)) {
        say_number(x, &v, false);
        word(x, "by");
        say_simple_number(x, rest + 1, rn - 1, false);
        return true;
    }
    if (rn) {
        say_number(x, &v, false);
        return say_unit(x, i, &v, rest, rn);  /* else 5G, 3D: the splitter */
    }
    /* Box 2915, Room 101, Flight 370: digit by digit */
    if (!v.neg && !v.point && !v.commas && v.in >= 3 && ok(x, i - 1) && x->ch[i - 1].tn == 0 &&
        in_list_ci(x->ch[i - 1].c, x->ch[i - 1].cn, "box room suite flight code zip pin extension")) {
        num_digits(&x->w, v.ip, v.in);
        return true;
    }
    bool year = !v.neg && !v.point && !v.commas && v.in == 4;
    if (year && joinable(x, i) && plural_noun(&x->ch[i + 1])) year = false;  /* 1308 prisoners */
    if (year && ok(x, i - 1)) {
        const chunk *p = &x->ch[i - 1];
        const abbrev *a = find_abbrev(p->c, p->cn);
        if ((a && a->kind == ABBR_NUM) || eq_ci(p->c, p->cn, "number")) year = false;
    }
    say_number(x, &v, year);
    say_unit(x, i, &v, "", 0);
    return true;
}

/* ----------------------------------------------------------- abbreviations */

static bool rule_abbrev(nctx *x, int i) {
    const chunk *k = &x->ch[i];
    bool period = k->tn && k->t[0] == '.' && !(k->tn >= 3 && !strncmp(k->t, "...", 3));
    const char *s = k->c;
    size_t n = k->cn;
    if (period && (eq_ci(s, n, "e.g") || eq_ci(s, n, "i.e") || eq_ci(s, n, "a.k.a"))) {
        word(x, eq_ci(s, n, "e.g") ? "for example" : eq_ci(s, n, "i.e") ? "that is" : "also known as");
        eat_period(x, i, false);
        return true;
    }
    const abbrev *a = find_abbrev(s, n);
    if (!a) return false;
    bool cap = is_upper((unsigned char)s[0]);
    bool next_cap = ok(x, i + 1) && cap_word(&x->ch[i + 1]) && x->ch[i + 1].ln == 0;
    bool next_num = ok(x, i + 1) && x->ch[i + 1].cn &&
                    (is_digit((unsigned char)x->ch[i + 1].c[0]) || x->ch[i + 1].c[0] == '#');
    bool bare = k->tn == (size_t)period;  /* no punctuation but the period */
    switch (a->kind) {
    case ABBR_TITLE:
        if (!next_cap || !bare || !cap) return false;
        if (!period && !in_list_ci(s, n, "mr mrs ms dr st")) return false;
        word_cap(x, a->word, cap);
        if (period) eat_period(x, i, false);
        return true;
    case ABBR_SAINT: {
        if (!bare || !cap) return false;
        const char *bar = strchr(a->word, '|');
        char first[16], second[16];
        snprintf(first, sizeof first, "%.*s", (int)(bar - a->word), a->word);
        snprintf(second, sizeof second, "%s", bar + 1);
        /* a capitalised word before: a street's name when it is not the
         * first word of its sentence, perhaps one when it is */
        bool weak_prev = ok(x, i - 1) && cap_word(&x->ch[i - 1]) && x->ch[i - 1].tn == 0;
        bool strong_prev = weak_prev && ok(x, i - 2) && !ends_with_stop(&x->ch[i - 2]);
        if (strong_prev && period) {
            word_cap(x, second, cap);
            eat_period(x, i, true);
            return true;
        }
        if (next_cap && !(weak_prev && period && sentence_ends_after(x, i))) {
            if (!period && !in_list_ci(s, n, "st dr mt")) return false;
            word_cap(x, first, cap);
            if (period) eat_period(x, i, false);
            return true;
        }
        if (weak_prev && period) {
            word_cap(x, second, cap);
            eat_period(x, i, true);
            return true;
        }
        return false;
    }
    case ABBR_WORD:
        if (!period && !in_list_ci(s, n, "vs etc")) return false;
        word_cap(x, a->word, cap && strcmp(a->abbr, "etc") && strcmp(a->abbr, "vs"));
        if (period) eat_period(x, i, true);
        return true;
    case ABBR_NUM:
        if (!period || !next_num) return false;
        word_cap(x, a->word, cap);
        eat_period(x, i, false);
        return true;
    case ABBR_MONTH:
        if (!period || !cap) return false;
        word(x, MONTH_NAMES[month_number(a->word, strlen(a->word))]);
        eat_period(x, i, true);
        return true;
    case ABBR_DAY:
        if (!period || !cap || !(next_num || chunk_month(x, i + 1))) return false;
        word_cap(x, a->word, true);
        eat_period(x, i, false);
        return true;
    }
    return false;
}

/* U.S., U.S.A., Ph.D., a.m. (without a time): letters */
static bool rule_dotted(nctx *x, int i) {
    const chunk *k = &x->ch[i];
    const char *s = k->c;
    size_t n = k->cn;
    if (n < 3 || !memchr(s, '.', n)) return false;
    size_t seg = 0;
    for (size_t p = 0; p < n; p++) {
        if (s[p] == '.') {
            if (seg == 0 || seg > 2) return false;
            seg = 0;
        } else if (is_alpha((unsigned char)s[p])) {
            seg++;
        } else {
            return false;
        }
    }
    if (seg == 0 || seg > 2) return false;
    letters(x, s, n);
    eat_period(x, i, true);
    return true;
}

/* "John F. Kennedy", "A. Hidell": an initial before a capitalised word */
static bool rule_initial(nctx *x, int i) {
    const chunk *k = &x->ch[i];
    if (k->cn != 1 || !is_upper((unsigned char)k->c[0]) || k->tn != 1 || k->t[0] != '.') return false;
    if (!ok(x, i + 1) || !cap_word(&x->ch[i + 1]) || sentence_ends_after(x, i)) return false;
    letters(x, k->c, 1);
    x->trail_skip = 1;
    return true;
}

/* ----------------------------------------------------------------- Romans */

static int roman_value(const char *s, size_t n) {
    static const char sym[] = "IVXLCDM";
    static const int val[] = {1, 5, 10, 50, 100, 500, 1000};
    if (n == 0 || n > 15) return 0;
    int total = 0, prev = 0;
    for (size_t p = n; p-- > 0;) {
        const char *q = strchr(sym, s[p]);
        if (!q || !*q) return 0;
        int v = val[q - sym];
        total += v < prev ? -v : v;
        if (v > prev) prev = v;
    }
    /* canonical form only: re-encode and compare */
    if (total <= 0 || total >= 4000) return 0;
    static const char *const th[] = {"", "M", "MM", "MMM"};
    static const char *const hu[] = {"", "C", "CC", "CCC", "CD", "D", "DC", "DCC", "DCCC", "CM"};
    static const char *const te[] = {"", "X", "XX", "XXX", "XL", "L", "LX", "LXX", "LXXX", "XC"};
    static const char *const on[] = {"", "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX"};
    char buf[32];
    snprintf(buf, sizeof buf, "%s%s%s%s", th[total / 1000], hu[total / 100 % 10],
             te[total / 10 % 10], on[total % 10]);
    return strlen(buf) == n && !memcmp(buf, s, n) ? total : 0;
}

/* Henry VIII -> Henry the eighth; Chapter IV -> Chapter four */
static bool rule_roman(nctx *x, int i) {
    const chunk *k = &x->ch[i];
    if (!ok(x, i - 1) || k->ln || x->ch[i - 1].tn) return false;
    const chunk *p = &x->ch[i - 1];
    if (!cap_word(p) || all_upper(p->c, p->cn)) return false;
    size_t n = k->cn;
    bool poss = n > 2 && k->c[n - 2] == '\'' && k->c[n - 1] == 's';
    if (poss) n -= 2;
    int v = roman_value(k->c, n);
    if (!v) return false;
    if (is_roman_cardinal_context(p->c, p->cn)) {
        num_cardinal_int(&x->w, v);
    } else if (is_regnal_name(p->c, p->cn)) {
        word(x, "the");
        num_ordinal_int(&x->w, v);
    } else {
        return false;
    }
    if (poss) tb_puts(&x->w, "'s");
    return true;
}

/* ---------------------------------------------------------------- acronyms */

static bool valid_onset(char a, char b) {
    static const char *const ok2[] = {
        "BL", "BR", "CH", "CL", "CR", "DR", "DW", "FL", "FR", "GL", "GR", "GN", "KN",
        "KL", "KR", "PH", "PL", "PR", "PS", "QU", "SC", "SH", "SK", "SL", "SM", "SN",
        "SP", "ST", "SW", "TH", "TR", "TW", "WH", "WR", "SCH", NULL};
    for (int k = 0; ok2[k]; k++)
        if (ok2[k][0] == a && ok2[k][1] == b) return true;
    return false;
}

static bool is_vowel_letter(int c) { return strchr("AEIOUY", to_upper(c)) != NULL; }

/* Spelled letter by letter? `s` is all capitals, n >= 2; `alone`: a word of
 * its own (not a piece of AT&T or R&D), which may be an ordinary word. */
static bool spell_caps(const char *s, size_t n, bool alone) {
    if (is_word_acronym(s, n)) return false;
    if (alone && is_common_caps_word(s, n)) return false;
    if (n <= 3) return true;
    bool vowel = false;
    for (size_t i = 0; i < n; i++) vowel |= is_vowel_letter((unsigned char)s[i]);
    if (!vowel) return true;
    if (!is_vowel_letter((unsigned char)s[0]) && !is_vowel_letter((unsigned char)s[1]) &&
        !valid_onset(s[0], s[1]))
        return true;
    for (size_t i = 0; i + 2 < n; i++)
        if (s[i] == s[i + 1] && s[i] == s[i + 2]) return true;
    /* three consonants in a row at the end (HTML, CNBC are caught above) */
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        run = is_vowel_letter((unsigned char)s[i]) ? 0 : run + 1;
        if (run >= 4) return true;
    }
    return false;
}

/* A caps word among caps words is shouting, not an acronym. */
static bool shouting(const nctx *x, int i) {
    for (int j = i - 1; j <= i + 1; j += 2) {
        if (!ok(x, j)) continue;
        const chunk *k = &x->ch[j];
        if (k->cn >= 2 && all_upper(k->c, k->cn) && is_common_caps_word(k->c, k->cn)) return true;
    }
    return false;
}

/* Reads an all-capitals word (with an optional plural s / 's). */
static void say_caps(nctx *x, const char *s, size_t n, bool allow_spell, bool alone) {
    size_t core = n;
    const char *suffix = "";
    if (n > 2 && s[n - 2] == '\'' && (s[n - 1] == 's' || s[n - 1] == 'S')) core = n - 2, suffix = "'s";
    else if (n > 2 && s[n - 1] == 's' && all_upper(s, n - 1)) core = n - 1, suffix = "'s";
    if (allow_spell && core >= 2 && all_upper(s, core) && spell_caps(s, core, alone)) {
        letters(x, s, core);
        tb_puts(&x->w, suffix);
        return;
    }
    word_n(x, s, n);
}

static bool rule_caps(nctx *x, int i) {
    const chunk *k = &x->ch[i];
    size_t n = k->cn;
    size_t core = n;
    if (n > 2 && k->c[n - 2] == '\'' && k->c[n - 1] == 's') core = n - 2;
    else if (n > 2 && k->c[n - 1] == 's') core = n - 1;
    if (core < 2 || !all_upper(k->c, core)) return false;
    say_caps(x, k->c, n, !shouting(x, i), true);
    return true;
}

/* --------------------------------------------------------- URLs, e-mails */

static void say_url_piece(nctx *x, const char *s, size_t n, bool tld) {
    size_t a = 0;
    while (a < n) {
        size_t b = a;
        if (is_digit((unsigned char)s[a])) {
            while (b < n && is_digit((unsigned char)s[b])) b++;
            if (b - a <= 2) num_cardinal(&x->w, s + a, b - a);
            else num_digits(&x->w, s + a, b - a);
        } else {
            while (b < n && is_alpha((unsigned char)s[b])) b++;
            bool vowel = false;
            for (size_t i = a; i < b; i++) vowel |= is_vowel_letter((unsigned char)s[i]);
            bool say = tld ? in_list_ci(s + a, b - a, "com org net gov info biz app dev")
                           : (vowel && b - a >= 2 && !eq_ci(s + a, b - a, "www"));
            if (say) {
                tb_space(&x->w);
                for (size_t i = a; i < b; i++) tb_putc(&x->w, (char)to_lower((unsigned char)s[i]));
            } else {
                letters(x, s + a, b - a);
            }
        }
        a = b;
    }
}

static const char *url_symbol(int c) {
    switch (c) {
    case '.': return "dot";
    case '/': return "slash";
    case '-': return "dash";
    case '_': return "underscore";
    case '@': return "at";
    case ':': return "colon";
    case '?': return "question mark";
    case '=': return "equals";
    case '&': return "and";
    case '#': return "hash";
    case '~': return "tilde";
    case '%': return "percent";
    case '+': return "plus";
    }
    return NULL;
}

static void say_url(nctx *x, const char *s, size_t n) {
    while (n && s[n - 1] == '/') n--;
    /* the last dot-separated label before the first '/' is the TLD */
    size_t host_end = 0;
    while (host_end < n && s[host_end] != '/' && s[host_end] != '?' && s[host_end] != '#' &&
           s[host_end] != ':')
        host_end++;
    size_t tld_start = host_end;
    while (tld_start > 0 && s[tld_start - 1] != '.' && s[tld_start - 1] != '@') tld_start--;
    for (size_t a = 0; a < n;) {
        if (is_alnum((unsigned char)s[a])) {
            size_t b = a;
            while (b < n && is_alnum((unsigned char)s[b])) b++;
            say_url_piece(x, s + a, b - a, a == tld_start && b == host_end && tld_start > 0);
            a = b;
        } else {
            const char *w = url_symbol((unsigned char)s[a]);
            if (w) word(x, w);
            a++;
        }
    }
}

static bool rule_url(nctx *x, int i) {
    const chunk *k = &x->ch[i];
    const char *s = k->c;
    size_t n = k->cn;
    if (n < 4) return false;
    const char *at = memchr(s, '@', n);
    if (at && at > s && memchr(at, '.', n - (size_t)(at - s))) {
        /* e-mail: local@host.tld */
        const char *dot = s + n;
        while (dot > at && dot[-1] != '.') dot--;
        if (dot > at + 1 && all_alpha(dot, (size_t)(s + n - dot))) {
            say_url(x, s, n);
            return true;
        }
    }
    size_t p = 0;
    if (n > 8 && !strncmp(s, "https://", 8)) p = 8;
    else if (n > 7 && !strncmp(s, "http://", 7)) p = 7;
    else if (n > 6 && !strncmp(s, "ftp://", 6)) p = 6;
    if (p) {
        say_url(x, s + p, n - p);
        return true;
    }
    if (n > 4 && eq_ci(s, 4, "www.")) {
        say_url(x, s, n);
        return true;
    }
    /* bare host: label(.label)+.tld[/path], a letter in every label */
    size_t host_end = 0;
    while (host_end < n && s[host_end] != '/') host_end++;
    int labels = 0;
    size_t a = 0, last = 0;
    while (a < host_end) {
        size_t b = a;
        bool letter = false;
        while (b < host_end && (is_alnum((unsigned char)s[b]) || s[b] == '-')) letter |= is_alpha((unsigned char)s[b]), b++;
        if (b == a || !letter || (b < host_end && s[b] != '.')) return false;
        labels++, last = a;
        a = b + 1;
    }
    if (labels < 2 || s[host_end - 1] == '.' || !is_tld(s + last, host_end - last)) return false;
    if (host_end - last < 2 || !is_lower((unsigned char)s[last])) return false;
    say_url(x, s, n);
    return true;
}

/* --------------------------------------------------- context-free reading */

static const char *symbol_word(int c) {
    switch (c) {
    case '&': return "and";
    case '+': return "plus";
    case '=': return "equals";
    case '@': return "at";
    case '%': return "percent";
    case '#': return "number";
    case '$': return "dollars";
    case 1: return "pounds";
    case 2: return "euros";
    case 3: return "yen";
    case 4: return "cents";
    case 5: return "degrees";
    case '<': return "less than";
    case '>': return "greater than";
    case '~': return "about";
    }
    return NULL;
}

static void expand_simple(nctx *x, const char *s, size_t n, int depth);

static void say_simple_number(nctx *x, const char *s, size_t n, bool years) {
    number v;
    if (parse_number(x, s, n, &v) && v.len == n) say_number(x, &v, years);
    else num_digits(&x->w, s, n);
}

static bool word_char(int c) { return is_alnum(c) || c == '\''; }

/* Reads s[0..n) without looking at neighbours. */
static void expand_simple(nctx *x, const char *s, size_t n, int depth) {
    if (!n) return;
    if (depth > MAX_DEPTH) {  /* pathological nesting: letter and digit runs */
        for (size_t i = 0; i < n;) {
            size_t b = i;
            if (is_digit((unsigned char)s[i])) {
                while (b < n && is_digit((unsigned char)s[b])) b++;
                num_digits(&x->w, s + i, b - i);
            } else if (is_alpha((unsigned char)s[i])) {
                while (b < n && is_alpha((unsigned char)s[b])) b++;
                word_n(x, s + i, b - i);
            } else {
                b++;
            }
            i = b;
        }
        return;
    }
    /* a plain word (letters and apostrophes) */
    bool plain = true, digit = false, alpha = false;
    for (size_t i = 0; i < n; i++) {
        int c = (unsigned char)s[i];
        plain &= word_char(c);
        digit |= is_digit(c);
        alpha |= is_alpha(c);
    }
    if (plain && !digit) {
        if (!alpha) return;  /* only apostrophes */
        size_t core = n;
        if (n > 2 && s[n - 2] == '\'' && s[n - 1] == 's') core = n - 2;
        else if (n > 2 && s[n - 1] == 's') core = n - 1;
        if (core >= 2 && all_upper(s, core)) {
            say_caps(x, s, n, true, depth == 0);
        } else if (n <= 3 && !is_upper((unsigned char)s[0]) && all_alpha(s, n) && n >= 2) {
            /* lower-case letter runs without a vowel next to digits: mp3 */
            bool vowel = false;
            for (size_t i = 0; i < n; i++) vowel |= is_vowel_letter((unsigned char)s[i]);
            if (!vowel && depth > 0) letters(x, s, n);
            else word_n(x, s, n);
        } else if (n == 1 && depth > 0) {
            letters(x, s, 1);  /* x86, 5G, A4 */
        } else {
            word_n(x, s, n);
        }
        return;
    }
    /* '90s, '99 */
    if (s[0] == '\'' && n >= 3 && is_digit((unsigned char)s[1]) && is_digit((unsigned char)s[2])) {
        long long v = small_int(s + 1, 2);
        if (n == 4 && s[3] == 's' && v % 10 == 0) {
            if (v == 0) word(x, "two thousands");
            else num_cardinal_int(&x->w, v), plural_last(x);
            return;
        }
        if (n == 3) {
            if (v < 10) word(x, "oh");
            num_cardinal_int(&x->w, v);
            return;
        }
    }
    /* #5 -> number five; #hashtag -> hashtag */
    if (s[0] == '#' && n > 1 && all_digits(s + 1, n - 1)) {
        word(x, "number");
        num_cardinal(&x->w, s + 1, n - 1);
        return;
    }
    if (s[0] == '#' && n > 1 && is_alpha((unsigned char)s[1])) {
        expand_simple(x, s + 1, n - 1, depth + 1);
        return;
    }
    /* a number with a suffix we know */
    number v;
    if (parse_number(x, s, n, &v)) {
        const char *rest = s + v.len;
        size_t rn = n - v.len;
        if (rn == 0) {
            say_number(x, &v, depth > 0);  /* pre-1990 */
            return;
        }
        if (say_plural_number(x, &v, rest, rn)) return;  /* mid-1800s */
        if (rn == 1 && rest[0] == '%') {
            say_number(x, &v, false);
            word(x, "percent");
            return;
        }
        if (!v.neg && !v.point && !v.commas && rn == 2 && ordinal_digits(s, n) == v.in) {
            num_ordinal(&x->w, v.ip, v.in);
            return;
        }
    }
    /* hyphenated: words keep the hyphen, other pieces are read apart */
    const char *hy = memchr(s, '-', n);
    if (hy && n > 1) {
        size_t a = 0;
        bool prev_word = false, prev_number = false;
        while (a <= n) {
            size_t b = a;
            while (b < n && s[b] != '-') b++;
            if (b > a) {
                bool is_word = all_alpha(s + a, b - a) && !(b - a >= 2 && all_upper(s + a, b - a));
                bool lower_word = is_word && is_lower((unsigned char)s[a]);
                /* well-known, fifteen-minute, three-year-old */
                if (((is_word && prev_word) || (lower_word && prev_number)) && x->w.len &&
                    x->w.p[x->w.len - 1] != ' ') {
                    tb_putc(&x->w, '-');
                    tb_putn(&x->w, s + a, b - a);
                } else {
                    expand_simple(x, s + a, b - a, depth + 1);
                }
                prev_word = is_word;
                prev_number = is_digit((unsigned char)s[a]);
            } else if (b < n && b == a && a == 0) {
                word(x, "minus");  /* a lone leading '-' before a non-number */
            }
            a = b + 1;
        }
        return;
    }
    /* a number and letters: 1.5x, 2.5mm-ish forms the rules above left */
    if (parse_number(x, s, n, &v) && v.len < n && is_alpha((unsigned char)s[v.len]) &&
        (v.point || v.commas || (v.len + 1 == n && (s[n - 1] == 'x' || s[n - 1] == 'X')))) {
        say_number(x, &v, false);
        if (n - v.len == 1 && (s[v.len] == 'x' || s[v.len] == 'X')) word(x, "times");
        else expand_simple(x, s + v.len, n - v.len, depth + 1);
        return;
    }
    /* letters and digits mixed: COVID19, mp3, 3D, B2B, H2O */
    bool only_alnum = true;
    for (size_t i = 0; i < n; i++) only_alnum &= is_alnum((unsigned char)s[i]) || s[i] == '\'';
    if (only_alnum) {
        for (size_t a = 0; a < n;) {
            size_t b = a;
            bool d = is_digit((unsigned char)s[a]);
            while (b < n && (d ? is_digit((unsigned char)s[b]) : !is_digit((unsigned char)s[b]))) b++;
            if (d) say_simple_number(x, s + a, b - a, false);
            else expand_simple(x, s + a, b - a, depth + 1);
            a = b;
        }
        return;
    }
    /* symbols: split and read each piece; a piece keeps the points and
     * commas of a number (3.5, 1,000), unless that would be all of s (1.2.3) */
    bool whole = false;
    for (size_t a = 0; a < n;) {
        int c = (unsigned char)s[a];
        if (is_alnum(c) || (((c == '.' && !whole) || c == '-') && a + 1 < n && is_digit((unsigned char)s[a + 1])) ||
            (c == '\'' && a + 1 < n && is_alnum((unsigned char)s[a + 1]))) {
            size_t b = a + 1;
            while (b < n && (is_alnum((unsigned char)s[b]) || s[b] == '\'' || s[b] == '-' ||
                             (!whole && (s[b] == '.' || s[b] == ',') && b + 1 < n &&
                              is_digit((unsigned char)s[b + 1]) && is_digit((unsigned char)s[b - 1]))))
                b++;
            if (a == 0 && b == n && !whole) {
                whole = true;  /* rescan without number punctuation */
                continue;
            }
            expand_simple(x, s + a, b - a, depth + 1);
            a = b;
            continue;
        }
        if (c == '.' && a > 0 && a + 1 < n && is_digit((unsigned char)s[a - 1]) && is_digit((unsigned char)s[a + 1])) {
            word(x, "point");  /* 1.2.3 */
            a++;
            continue;
        }
        const char *w = symbol_word(c);
        if (c == '/') {
            /* and/or, he/she: "or"; km/h is a unit (caught earlier) */
            bool words = a > 0 && is_alpha((unsigned char)s[a - 1]) && a + 1 < n && is_alpha((unsigned char)s[a + 1]);
            w = words ? (a >= 3 && eq_ci(s + a - 3, 3, "and") ? NULL : "or") : "slash";
            if (a == 0 || a + 1 == n) w = NULL;
        }
        if (w) word(x, w);
        else if (c == ',' || c == ';' || c == '!' || c == '?' || c == ':') {
            if (x->w.len) tb_putc(&x->w, (char)c);  /* "a,b" -> "a, b" */
        }
        a++;
    }
}

/* ----------------------------------------------------------------- driver */

/* The rules, first match wins. A rule that declines may have written
 * words or consumed chunks on the way: all of it is undone. */
static bool (*const RULES[])(nctx *, int) = {
    rule_url, rule_abbrev, rule_dotted, rule_initial, rule_currency, rule_time,
    rule_date, rule_day, rule_number, rule_roman, rule_caps};

static void expand_chunk(nctx *x, int i) {
    const chunk *k = &x->ch[i];
    if (!k->cn) return;
    for (size_t r = 0; r < sizeof RULES / sizeof *RULES; r++) {
        if (RULES[r](x, i)) return;
        x->w.len = 0;
        if (x->w.p) x->w.p[0] = 0;
        x->last = i;
        x->trail_skip = 0;
    }
    expand_simple(x, k->c, k->cn, 0);
}

int vl_text_normalize(const char *text, char **out) {
    if (!out) return vl_error(VL_ERR_ARG, "vl_text_normalize: NULL output");
    char *t = norm_unicode(text, true);
    size_t len = strlen(t), cap = 16;
    nctx x = {0};
    x.ch = vl_xmalloc(cap * sizeof *x.ch);
    for (size_t a = 0; a < len;) {
        size_t b = a;
        while (b < len && t[b] != ' ') b++;
        if (x.nch == (int)cap) {
            cap *= 2;
            x.ch = vl_xrealloc(x.ch, cap * sizeof *x.ch);
        }
        split_chunk(&x.ch[x.nch++], t + a, b - a);
        a = b + 1;
    }
    tbuf o = {0};
    for (int i = 0; i < x.nch; i++) {
        x.w.len = 0;
        if (x.w.p) x.w.p[0] = 0;
        x.last = i;
        x.trail_skip = 0;
        expand_chunk(&x, i);
        const chunk *k = &x.ch[i], *e = &x.ch[x.last];
        size_t start = 0;
        while (start < x.w.len && x.w.p[start] == ' ') start++;
        if (k->ln || x.w.len > start || e->tn > x.trail_skip) tb_space(&o);
        tb_putn(&o, k->s, k->ln);
        if (x.w.len > start) tb_putn(&o, x.w.p + start, x.w.len - start);
        tb_putn(&o, e->t + x.trail_skip, e->tn - x.trail_skip);
        i = x.last;
    }
    tb_free(&x.w);
    tb_free(&x.digits);
    free(x.ch);
    free(t);
    tb_rtrim(&o);
    *out = tb_take(&o);
    return VL_OK;
}
