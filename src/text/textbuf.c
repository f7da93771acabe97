/* src/text/textbuf.c: the growable string, UTF-8 decoding and word-list
 * helpers shared by the text front-end. */
#include <stdlib.h>
#include <string.h>

#include "text_internal.h"
#include "valle/core.h"

void tb_putn(tbuf *b, const char *s, size_t n) {
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->len + n + 1) cap *= 2;
        b->p = vl_xrealloc(b->p, cap);
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = 0;
}

void tb_puts(tbuf *b, const char *s) { tb_putn(b, s, strlen(s)); }
void tb_putc(tbuf *b, char c) { tb_putn(b, &c, 1); }

void tb_space(tbuf *b) {
    if (b->len && b->p[b->len - 1] != ' ') tb_putc(b, ' ');
}

void tb_word(tbuf *b, const char *word) {
    tb_space(b);
    tb_puts(b, word);
}

void tb_rtrim(tbuf *b) {
    while (b->len && b->p[b->len - 1] == ' ') b->p[--b->len] = 0;
}

char *tb_take(tbuf *b) {
    char *p = b->p ? b->p : vl_xstrdup("");
    b->p = NULL;
    b->len = b->cap = 0;
    return p;
}

void tb_free(tbuf *b) {
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}

size_t vl_utf8_invalid_count(const char *text, size_t n) {
    size_t bad = 0;
    uint32_t cp;
    for (size_t i = 0; i < n;) {
        int k = vl_utf8_decode((const unsigned char *)text + i, n - i, &cp);
        if (k == 0) bad++, k = 1;
        i += (size_t)k;
    }
    return bad;
}

bool eq_ci(const char *s, size_t n, const char *word) {
    for (size_t i = 0; i < n; i++)
        if (!word[i] || to_lower((unsigned char)s[i]) != to_lower((unsigned char)word[i]))
            return false;
    return word[n] == 0;
}

bool in_list_ci(const char *s, size_t n, const char *list) {
    if (!s || !n) return false;
    for (const char *p = list; *p;) {
        const char *e = strchr(p, ' ');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == n) {
            size_t i = 0;
            while (i < n && to_lower((unsigned char)s[i]) == p[i]) i++;
            if (i == n) return true;
        }
        if (!e) break;
        p = e + 1;
    }
    return false;
}
