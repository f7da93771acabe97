/* src/io/strbuf.c: a growing NUL-terminated string (printf-style appends and
 * JSON string literals), used to write JSON metadata and config dumps. */
#include <stdarg.h>
#include <stdio.h>

#include "valle/io.h"

static void reserve(vl_strbuf *b, size_t more) {
    if (b->len + more + 1 <= b->cap) return;
    while (b->len + more + 1 > b->cap) b->cap = b->cap ? b->cap * 2 : 1024;
    b->s = vl_xrealloc(b->s, b->cap);
}

void vl_strbuf_printf(vl_strbuf *b, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    reserve(b, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void vl_strbuf_json_string(vl_strbuf *b, const char *s) {
    if (!s) {
        vl_strbuf_printf(b, "null");
        return;
    }
    size_t n = vl_json_escape(NULL, 0, s);
    reserve(b, n);
    vl_json_escape(b->s + b->len, n + 1, s);
    b->len += n;
}
