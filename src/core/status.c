/* src/core/status.c: status codes, thread-local error messages, panics and
 * the aborting allocators. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "valle/core.h"

static _Thread_local char last_error[1024];

const char *vl_strerror(int status) {
    switch (status) {
    case VL_OK: return "ok";
    case VL_ERR_IO: return "I/O error";
    case VL_ERR_FORMAT: return "malformed input";
    case VL_ERR_SHAPE: return "shape mismatch";
    case VL_ERR_NOMEM: return "out of memory or size too large";
    case VL_ERR_ARG: return "invalid argument";
    case VL_ERR_NOTFOUND: return "not found";
    case VL_ERR_NUMERIC: return "non-finite value";
    case VL_ERR_UNSUPPORTED: return "unsupported";
    default: return "unknown error";
    }
}

const char *vl_last_error(void) {
    return last_error[0] ? last_error : "no error details";
}

int vl_error(int status, const char *fmt, ...) {
    /* formatted aside first: callers may pass vl_last_error() itself as an
     * argument to add context ("FILE: <previous message>") */
    char msg[sizeof last_error];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    memcpy(last_error, msg, sizeof msg);
    return status;
}

_Noreturn void vl_panic(const char *file, int line, const char *cond,
                        const char *fmt, ...) {
    va_list ap;
    fprintf(stderr, "valle: internal error at %s:%d: %s", file, line, cond);
    if (fmt && *fmt) {
        fputs(": ", stderr);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
    }
    fputc('\n', stderr);
    abort();
}

void *vl_xmalloc(size_t n) {
    void *p = malloc(n ? n : 1);
    if (!p) vl_panic(__FILE__, __LINE__, "malloc", "%zu bytes", n);
    return p;
}

void *vl_xcalloc(size_t n, size_t size) {
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p) vl_panic(__FILE__, __LINE__, "calloc", "%zu x %zu bytes", n, size);
    return p;
}

void *vl_xrealloc(void *p, size_t n) {
    void *q = realloc(p, n ? n : 1);
    if (!q) vl_panic(__FILE__, __LINE__, "realloc", "%zu bytes", n);
    return q;
}

char *vl_xstrdup(const char *s) {
    size_t n = strlen(s) + 1;
    return memcpy(vl_xmalloc(n), s, n);
}

int vl_parse_name(const char *s, const char *const *names, int n,
                  const char *what) {
    char choices[256] = "";
    size_t len = 0;
    for (int i = 0; i < n; i++) {
        if (s && names[i] && strcmp(s, names[i]) == 0) return i;
        if (names[i] && len < sizeof choices)
            len += (size_t)snprintf(choices + len, sizeof choices - len, "%s%s",
                                    len ? ", " : "", names[i]);
    }
    return vl_error(VL_ERR_ARG, "unknown %s '%s' (expected %s)", what,
                    s ? s : "(null)", choices);
}
