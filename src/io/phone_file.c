/* src/io/phone_file.c: phone files (<name>.phn.txt of the VALL-E data):
 * whitespace-separated phone symbols. Bounded and validated: at most 1 MiB,
 * 100000 symbols of at most 64 bytes, each well-formed UTF-8 without
 * control characters. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "valle/io.h"
#include "valle/valle_data.h"

#define PHONE_FILE_MAX_BYTES (1u << 20)
#define PHONE_MAX_SYMBOLS 100000
#define PHONE_MAX_SYMBOL_BYTES 64

static int is_separator(unsigned char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* Length of the well-formed UTF-8 character at s[0..n) (1..4), or 0 when it
 * is malformed, overlong, a surrogate, beyond U+10FFFF or a control. */
static size_t utf8_char_len(const unsigned char *s, size_t n) {
    uint32_t cp;
    int len = vl_utf8_decode(s, n, &cp);
    if (!len || cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0)) return 0;
    return (size_t)len;
}

static void free_symbols(char **syms, int n) {
    for (int i = 0; i < n; i++) free(syms[i]);
    free(syms);
}

int vl_phone_parse(const char *text, size_t len, char ***out, int *n) {
    *out = NULL;
    *n = 0;
    if (len > PHONE_FILE_MAX_BYTES)
        return vl_error(VL_ERR_FORMAT, "phone text is %zu bytes (at most %u)", len,
                        PHONE_FILE_MAX_BYTES);
    const unsigned char *s = (const unsigned char *)text;
    char **syms = NULL;
    int count = 0, cap = 0;
    size_t i = 0;
    while (i < len) {
        if (is_separator(s[i])) {
            i++;
            continue;
        }
        size_t start = i;
        while (i < len && !is_separator(s[i])) {
            size_t cl = utf8_char_len(s + i, len - i);
            if (!cl) {
                free_symbols(syms, count);
                return vl_error(VL_ERR_FORMAT,
                                "byte %zu: control character or malformed UTF-8 (0x%02x) "
                                "in phone symbol %d", i, s[i], count + 1);
            }
            i += cl;
        }
        if (i - start > PHONE_MAX_SYMBOL_BYTES) {
            free_symbols(syms, count);
            return vl_error(VL_ERR_FORMAT, "byte %zu: phone symbol %d is %zu bytes (at most %d)",
                            start, count + 1, i - start, PHONE_MAX_SYMBOL_BYTES);
        }
        if (count == PHONE_MAX_SYMBOLS) {
            free_symbols(syms, count);
            return vl_error(VL_ERR_FORMAT, "more than %d phone symbols", PHONE_MAX_SYMBOLS);
        }
        if (count == cap) {
            cap = cap ? 2 * cap : 32;
            syms = vl_xrealloc(syms, (size_t)cap * sizeof *syms);
        }
        char *sym = vl_xmalloc(i - start + 1);
        memcpy(sym, s + start, i - start);
        sym[i - start] = 0;
        syms[count++] = sym;
    }
    *out = syms;
    *n = count;
    return VL_OK;
}

int vl_phone_file_read(const char *path, char ***out, int *n) {
    *out = NULL;
    *n = 0;
    struct stat st;
    if (stat(path, &st) != 0) return vl_error(VL_ERR_IO, "%s: %s", path, strerror(errno));
    if (st.st_size > (off_t)PHONE_FILE_MAX_BYTES)
        return vl_error(VL_ERR_FORMAT, "%s: phone file is %lld bytes (at most %u)", path,
                        (long long)st.st_size, PHONE_FILE_MAX_BYTES);
    char *text;
    size_t len;
    int rc = vl_read_file(path, &text, &len);
    if (rc < 0) return rc;
    rc = vl_phone_parse(text, len, out, n);
    free(text);
    if (rc < 0) {
        char msg[512];
        snprintf(msg, sizeof msg, "%s", vl_last_error());
        return vl_error(rc, "%s: %s", path, msg);
    }
    return VL_OK;
}
