/* src/text/sentences.c: sentence splitting for long text, on the tagger's
 * tokens. A sentence ends at a period, question or exclamation mark or an
 * ellipsis, with the closing quotes and brackets written right after it.
 * Meant for normalised text, where abbreviation periods are gone; a sentence
 * still longer than the limit is cut at its last pause before the limit,
 * else at a word boundary, else inside the word at a UTF-8 character
 * boundary. */
#include <stdlib.h>
#include <string.h>

#include "text_internal.h"
#include "valle/core.h"

static bool ends_sentence(const vl_token *t) {
    return t->kind == VL_TOKEN_PUNCT &&
           (!strcmp(t->name, "period") || !strcmp(t->name, "question_mark") ||
            !strcmp(t->name, "exclamation_mark") || !strcmp(t->name, "ellipsis"));
}

static bool closes(const vl_token *t) {
    return t->kind == VL_TOKEN_PUNCT &&
           (!strcmp(t->name, "quote") || !strcmp(t->name, "single_quote") ||
            !strcmp(t->name, "close_paren") || !strcmp(t->name, "close_bracket") ||
            !strcmp(t->name, "close_brace"));
}

typedef struct list {
    char **v;
    int n, cap;
} list;

static void add(list *l, const char *s, size_t a, size_t b) {
    while (a < b && (unsigned char)s[a] <= ' ') a++;
    while (b > a && (unsigned char)s[b - 1] <= ' ') b--;
    if (a == b) return;
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 8;
        l->v = vl_xrealloc(l->v, (size_t)l->cap * sizeof *l->v);
    }
    char *c = vl_xmalloc(b - a + 1);
    memcpy(c, s + a, b - a);
    c[b - a] = 0;
    l->v[l->n++] = c;
}

/* Emits tokens [i, j) of t as sentences of at most max bytes. */
static void add_limited(list *l, vl_tokens *t, int i, int j, size_t max) {
    const char *s = t->text;
    while (i < j) {
        size_t a = t->v[i].start, end = t->v[j - 1].start + t->v[j - 1].len;
        if (!max || end - a <= max) {
            add(l, s, a, end);
            return;
        }
        /* the last token ending within the limit: a pause, else any token */
        int cut = -1, word = -1;
        for (int k = i; k < j && t->v[k].start + t->v[k].len - a <= max; k++) {
            if (t->v[k].kind == VL_TOKEN_PUNCT && t->v[k].pause) cut = k;
            word = k;
        }
        if (cut < 0) cut = word;
        if (cut >= i) {
            add(l, s, a, t->v[cut].start + t->v[cut].len);
            i = cut + 1;
            continue;
        }
        /* one token longer than the limit: cut it at a character boundary */
        size_t b = a + max;
        while (b > a && ((unsigned char)s[b] & 0xc0) == 0x80) b--;
        if (b == a) b = a + max;
        add(l, s, a, b);
        size_t rest = t->v[i].start + t->v[i].len - b;
        t->v[i].start = b;  /* the rest of the token starts the next piece */
        t->v[i].len = rest;
    }
}

int vl_text_split_sentences(const char *text, size_t max_chars, char ***out, int *n) {
    if (!out || !n) return vl_error(VL_ERR_ARG, "vl_text_split_sentences: NULL output");
    vl_tokens t;
    int rc = vl_text_tag(text, &t);
    if (rc < 0) return rc;
    list l = {0};
    int start = 0;
    for (int i = 0; i < t.n; i++) {
        if (!ends_sentence(&t.v[i])) continue;
        int j = i + 1;
        /* "Stop!" he said: closing marks written right after the end */
        while (j < t.n && (closes(&t.v[j]) || ends_sentence(&t.v[j])) &&
               t.v[j].start == t.v[j - 1].start + t.v[j - 1].len)
            j++;
        add_limited(&l, &t, start, j, max_chars);
        start = j;
        i = j - 1;
    }
    add_limited(&l, &t, start, t.n, max_chars);
    vl_tokens_free(&t);
    *out = l.v;
    *n = l.n;
    return VL_OK;
}
