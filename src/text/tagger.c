/* src/text/tagger.c: the token stream of the front-end's first stage: words
 * and named punctuation ("Hello, how are you?" -> Hello | comma | how | are |
 * you | question_mark).
 *
 * A word is a run of letters, digits and non-ASCII bytes (letters of other
 * scripts, for espeak), with apostrophes and single hyphens between word
 * characters ("don't", "twenty-one"), a decimal point or thousands comma
 * between digits, a leading apostrophe in "'em"/"'tis"-style words and the
 * trailing apostrophe of a plural possessive ("students'") unless it closes a
 * single quote. Everything else that is not a space is a punctuation token;
 * a run of one mark is one token ("!!!"), "..." (two or more dots) is an
 * ellipsis, "--" and a free-standing "-" a dash. */
#include <stdlib.h>
#include <string.h>

#include "text_internal.h"
#include "valle/core.h"

static bool wchar(int c) { return is_alnum(c) || c >= 0x80; }

typedef struct mark {
    char c;
    const char *name;
    int pause;
    int runs;  /* a run of this mark is one token */
} mark;

static const mark MARKS[] = {
    {',', "comma", 1, 1},          {'.', "period", 1, 1},
    {'?', "question_mark", 1, 1},  {'!', "exclamation_mark", 1, 1},
    {';', "semicolon", 1, 1},      {':', "colon", 1, 1},
    {'-', "dash", 1, 1},           {'"', "quote", 0, 0},
    {'\'', "single_quote", 0, 0},  {'(', "open_paren", 0, 0},
    {')', "close_paren", 0, 0},    {'[', "open_bracket", 0, 0},
    {']', "close_bracket", 0, 0},  {'{', "open_brace", 0, 0},
    {'}', "close_brace", 0, 0},    {'&', "ampersand", 0, 1},
    {'/', "slash", 0, 1},          {'*', "asterisk", 0, 1},
    {'#', "hash", 0, 1},           {'@', "at_sign", 0, 1},
    {'%', "percent_sign", 0, 1},   {'+', "plus_sign", 0, 1},
    {'=', "equals_sign", 0, 1},    {'<', "less_than", 0, 1},
    {'>', "greater_than", 0, 1},   {'_', "underscore", 0, 1},
    {'~', "tilde", 0, 1},          {'`', "backtick", 0, 1},
    {'^', "caret", 0, 1},          {'|', "vertical_bar", 0, 1},
    {'\\', "backslash", 0, 1},     {'$', "dollar_sign", 0, 1},
};

static const mark *find_mark(int c) {
    for (size_t i = 0; i < sizeof MARKS / sizeof *MARKS; i++)
        if (MARKS[i].c == c) return &MARKS[i];
    return NULL;
}

static void push(vl_tokens *t, vl_token_kind kind, size_t start, size_t len,
                 const char *name, int pause) {
    if (t->n == t->cap) {
        t->cap = t->cap ? 2 * t->cap : 16;
        t->v = vl_xrealloc(t->v, (size_t)t->cap * sizeof *t->v);
    }
    t->v[t->n++] = (vl_token){kind, start, len, name, pause};
}

static bool apostrophe_word_at(const char *s, size_t n) {
    static const char *const words[] = {"em", "tis", "twas", "cause", "bout", "til",
                                        "round", "n", "ol", "kay", NULL};
    for (int k = 0; words[k]; k++) {
        size_t len = strlen(words[k]);
        if (n >= len && eq_ci(s, len, words[k]) && (n == len || !wchar((unsigned char)s[len])))
            return true;
    }
    return false;
}

int vl_text_tag(const char *text, vl_tokens *out) {
    if (!out) return vl_error(VL_ERR_ARG, "vl_text_tag: NULL output");
    memset(out, 0, sizeof *out);
    const char *s = text ? text : "";
    out->text = s;
    size_t n = strlen(s);
    bool squote_open = false;
    for (size_t i = 0; i < n;) {
        int c = (unsigned char)s[i];
        if (c <= ' ' || c == 0x7f) {
            i++;
            continue;
        }
        bool lead_apos = c == '\'' && i + 1 < n && apostrophe_word_at(s + i + 1, n - i - 1) &&
                         (i == 0 || !wchar((unsigned char)s[i - 1]));
        if (wchar(c) || lead_apos) {
            size_t j = i + 1;
            while (j < n) {
                int d = (unsigned char)s[j];
                int nx = j + 1 < n ? (unsigned char)s[j + 1] : 0;
                int pv = (unsigned char)s[j - 1];
                if (wchar(d)) j++;
                else if ((d == '\'' || d == '-') && wchar(pv) && wchar(nx)) j++;
                else if ((d == '.' || d == ',') && is_digit(pv) && is_digit(nx)) j++;
                else break;
            }
            /* students' : a possessive unless it closes a single quote */
            if (j < n && s[j] == '\'' && s[j - 1] == 's' && j - i > 1 && !squote_open &&
                (j + 1 == n || !wchar((unsigned char)s[j + 1])))
                j++;
            push(out, VL_TOKEN_WORD, i, j - i, NULL, 0);
            i = j;
            continue;
        }
        const mark *m = find_mark(c);
        size_t j = i + 1;
        if (c == '.' && j < n && s[j] == '.') {
            while (j < n && s[j] == '.') j++;
            push(out, VL_TOKEN_PUNCT, i, j - i, "ellipsis", 1);
            i = j;
            continue;
        }
        if (m && m->runs)
            while (j < n && s[j] == c) j++;
        if (c == '\'') {
            /* opening if it starts a word, else closing */
            bool opening = (i == 0 || !wchar((unsigned char)s[i - 1])) && j < n &&
                           wchar((unsigned char)s[j]);
            squote_open = opening;
        }
        push(out, VL_TOKEN_PUNCT, i, j - i, m ? m->name : "symbol", m ? m->pause : 0);
        i = j;
    }
    return VL_OK;
}

void vl_tokens_free(vl_tokens *t) {
    if (!t) return;
    free(t->v);
    memset(t, 0, sizeof *t);
}

char *vl_tokens_format(const vl_tokens *t) {
    tbuf b = {0};
    for (int i = 0; i < t->n; i++) {
        if (i) tb_puts(&b, " | ");
        const vl_token *k = &t->v[i];
        if (k->kind == VL_TOKEN_WORD) tb_putn(&b, t->text + k->start, k->len);
        else tb_puts(&b, k->name);
    }
    return tb_take(&b);
}
