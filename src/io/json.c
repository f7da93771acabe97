/* src/io/json.c: a small strict JSON (RFC 8259) reader that builds a DOM,
 * used for safetensors headers and config files, and string escaping.
 *
 * The input is `len` bytes, need not be NUL-terminated and is never read past
 * its end. Nesting is limited to 64 levels. Strings must be valid UTF-8;
 * escapes (including surrogate pairs) are decoded to UTF-8. "\u0000" is
 * rejected because strings are handed out NUL-terminated. Duplicate object
 * keys are kept (vl_json_get returns the first). */
#include "valle/io.h"

#include <locale.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define JSON_MAX_DEPTH 64

typedef struct parser {
    const char *s;
    size_t n, i;
} parser;

static vl_json *fail(parser *p, const char *what) {
    vl_error(VL_ERR_FORMAT, "JSON: %s at offset %zu", what, p->i);
    return NULL;
}

static void skip_ws(parser *p) {
    while (p->i < p->n && (p->s[p->i] == ' ' || p->s[p->i] == '\t' ||
                           p->s[p->i] == '\n' || p->s[p->i] == '\r'))
        p->i++;
}

static vl_json *new_node(parser *p, vl_json_type type) {
    vl_json *j = calloc(1, sizeof *j);
    if (!j) vl_error(VL_ERR_NOMEM, "JSON: out of memory at offset %zu", p->i);
    else j->type = type;
    return j;
}

/* Four hex digits at s[k..k+3] (caller checked bounds); -1 if not hex. */
static long hex4(const char *s) {
    long v = 0;
    for (int k = 0; k < 4; k++) {
        char c = s[k];
        int d = c >= '0' && c <= '9' ? c - '0'
              : c >= 'a' && c <= 'f' ? c - 'a' + 10
              : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        if (d < 0) return -1;
        v = v << 4 | d;
    }
    return v;
}

/* Parses the string literal at p->i (which is '"') into a new heap string. */
static char *parse_string(parser *p) {
    const char *s = p->s;
    size_t end = p->i + 1;
    while (end < p->n && s[end] != '"') end += s[end] == '\\' ? 2 : 1;
    if (end >= p->n) { fail(p, "unterminated string"); return NULL; }
    /* decoding never makes the text longer */
    char *out = malloc(end - p->i);
    if (!out) {
        vl_error(VL_ERR_NOMEM, "JSON: out of memory at offset %zu", p->i);
        return NULL;
    }
    size_t o = 0;
    p->i++;
    while (p->i < end) {
        unsigned char c = (unsigned char)s[p->i];
        if (c < 0x20) { fail(p, "control character in string"); goto bad; }
        if (c < 0x80 && c != '\\') { out[o++] = (char)c; p->i++; continue; }
        if (c >= 0x80) {
            uint32_t cp;
            int len = vl_utf8_decode((const unsigned char *)s + p->i, end - p->i, &cp);
            if (!len) { fail(p, "invalid UTF-8 in string"); goto bad; }
            memcpy(out + o, s + p->i, (size_t)len);
            o += (size_t)len, p->i += (size_t)len;
            continue;
        }
        char e = s[p->i + 1];    /* exists: the scan above skipped it */
        const char *simple = strchr("\"\\/bfnrt", e);
        if (e && simple) {
            out[o++] = "\"\\/\b\f\n\r\t"[simple - "\"\\/bfnrt"];
            p->i += 2;
            continue;
        }
        if (e != 'u') { fail(p, "invalid escape in string"); goto bad; }
        long cp = end - p->i >= 6 ? hex4(s + p->i + 2) : -1;
        if (cp < 0) { fail(p, "invalid \\u escape"); goto bad; }
        if (cp >= 0xdc00 && cp <= 0xdfff) { fail(p, "lone low surrogate"); goto bad; }
        if (cp >= 0xd800 && cp <= 0xdbff) {
            long lo = end - p->i >= 12 && s[p->i + 6] == '\\' && s[p->i + 7] == 'u'
                          ? hex4(s + p->i + 8) : -1;
            if (lo < 0xdc00 || lo > 0xdfff) { fail(p, "unpaired high surrogate"); goto bad; }
            cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
            p->i += 6;
        }
        if (cp == 0) { fail(p, "\\u0000 is not supported"); goto bad; }
        o += (size_t)vl_utf8_encode(out + o, (uint32_t)cp);
        p->i += 6;
    }
    out[o] = 0;
    p->i = end + 1;
    return out;
bad:
    free(out);
    return NULL;
}

static vl_json *parse_number(parser *p) {
    const char *s = p->s;
    size_t st = p->i, i = p->i, n = p->n;
#define DIGIT(k) ((k) < n && s[k] >= '0' && s[k] <= '9')
    if (i < n && s[i] == '-') i++;
    if (i < n && s[i] == '0') i++;
    else if (DIGIT(i)) while (DIGIT(i)) i++;
    else return fail(p, "invalid number");
    if (i < n && s[i] == '.') {
        if (!DIGIT(i + 1)) { p->i = i; return fail(p, "invalid number"); }
        for (i++; DIGIT(i);) i++;
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-')) i++;
        if (!DIGIT(i)) { p->i = i; return fail(p, "invalid number"); }
        while (DIGIT(i)) i++;
    }
#undef DIGIT
    /* strtod on a bounded, NUL-terminated copy; '.' follows the C locale */
    char small[64], *buf = i - st < sizeof small ? small : malloc(i - st + 1);
    if (!buf) {
        vl_error(VL_ERR_NOMEM, "JSON: out of memory at offset %zu", st);
        return NULL;
    }
    memcpy(buf, s + st, i - st);
    buf[i - st] = 0;
    const char *dp = localeconv()->decimal_point;
    char *dot = strchr(buf, '.');
    if (dot && dp && dp[0] && !dp[1]) *dot = dp[0];
    double v = strtod(buf, NULL);
    if (buf != small) free(buf);
    if (!isfinite(v)) return fail(p, "number out of range");
    vl_json *j = new_node(p, VL_JSON_NUMBER);
    if (j) j->number = v;
    p->i = i;
    return j;
}

static vl_json *parse_value(parser *p, int depth);

/* Array or object at p->i (which is '[' or '{'). */
static vl_json *parse_container(parser *p, int depth) {
    bool obj = p->s[p->i] == '{';
    char close = obj ? '}' : ']';
    if (depth > JSON_MAX_DEPTH) return fail(p, "nesting deeper than 64 levels");
    vl_json *j = new_node(p, obj ? VL_JSON_OBJECT : VL_JSON_ARRAY), *tail = NULL;
    if (!j) return NULL;
    p->i++;
    skip_ws(p);
    if (p->i < p->n && p->s[p->i] == close) { p->i++; return j; }
    for (;;) {
        char *key = NULL;
        skip_ws(p);
        if (obj) {
            if (p->i >= p->n || p->s[p->i] != '"') { fail(p, "expected a string key"); goto bad; }
            if (!(key = parse_string(p))) goto bad;
            skip_ws(p);
            if (p->i >= p->n || p->s[p->i] != ':') { free(key); fail(p, "expected ':'"); goto bad; }
            p->i++;
        }
        vl_json *v = parse_value(p, depth);
        if (!v) { free(key); goto bad; }
        v->key = key;
        if (tail) tail->next = v; else j->child = v;
        tail = v;
        j->count++;
        skip_ws(p);
        if (p->i < p->n && p->s[p->i] == ',') { p->i++; continue; }
        if (p->i < p->n && p->s[p->i] == close) { p->i++; return j; }
        fail(p, obj ? "expected ',' or '}'" : "expected ',' or ']'");
        goto bad;
    }
bad:
    vl_json_free(j);
    return NULL;
}

static vl_json *parse_value(parser *p, int depth) {
    static const char *const lits[] = {"null", "true", "false"};
    skip_ws(p);
    if (p->i >= p->n) return fail(p, "unexpected end of input");
    char c = p->s[p->i];
    if (c == '{' || c == '[') return parse_container(p, depth + 1);
    if (c == '"') {
        char *str = parse_string(p);
        vl_json *j = str ? new_node(p, VL_JSON_STRING) : NULL;
        if (j) j->string = str; else free(str);
        return j;
    }
    if (c == '-' || (c >= '0' && c <= '9')) return parse_number(p);
    for (int k = 0; k < 3; k++) {
        size_t len = strlen(lits[k]);
        if (p->n - p->i >= len && memcmp(p->s + p->i, lits[k], len) == 0) {
            vl_json *j = new_node(p, k ? VL_JSON_BOOL : VL_JSON_NULL);
            if (j) j->number = k == 1;
            p->i += len;
            return j;
        }
    }
    return fail(p, "unexpected character");
}

vl_json *vl_json_parse(const char *text, size_t len) {
    parser p = {text, text ? len : 0, 0};
    vl_json *j = parse_value(&p, 0);
    if (!j) return NULL;
    skip_ws(&p);
    if (p.i != p.n) {
        vl_json_free(j);
        return fail(&p, "trailing characters after the JSON value");
    }
    return j;
}

void vl_json_free(vl_json *j) {
    while (j) {
        vl_json *next = j->next;
        vl_json_free(j->child);
        free(j->string);
        free(j->key);
        free(j);
        j = next;
    }
}

const vl_json *vl_json_get(const vl_json *obj, const char *key) {
    if (!obj || obj->type != VL_JSON_OBJECT || !key) return NULL;
    for (const vl_json *m = obj->child; m; m = m->next)
        if (strcmp(m->key, key) == 0) return m;
    return NULL;
}

double vl_json_number(const vl_json *obj, const char *key, double dflt) {
    const vl_json *v = vl_json_get(obj, key);
    return v && (v->type == VL_JSON_NUMBER || v->type == VL_JSON_BOOL)
               ? v->number : dflt;
}

const char *vl_json_string(const vl_json *obj, const char *key,
                           const char *dflt) {
    const vl_json *v = vl_json_get(obj, key);
    return v && v->type == VL_JSON_STRING ? v->string : dflt;
}

/* Writes s as a quoted JSON literal at buf (truncated to cap-1 bytes and
 * NUL-terminated when cap > 0); returns the full length, like snprintf. */
size_t vl_json_escape(char *buf, size_t cap, const char *s) {
    size_t n = 0;
    char tmp[8];
#define PUT(c) do { if (n + 1 < cap) buf[n] = (c); n++; } while (0)
    PUT('"');
    for (const unsigned char *q = (const unsigned char *)s; q && *q; q++) {
        const char *esc = NULL;
        switch (*q) {
        case '"': esc = "\\\""; break;
        case '\\': esc = "\\\\"; break;
        case '\b': esc = "\\b"; break;
        case '\f': esc = "\\f"; break;
        case '\n': esc = "\\n"; break;
        case '\r': esc = "\\r"; break;
        case '\t': esc = "\\t"; break;
        default:
            if (*q < 0x20) snprintf(tmp, sizeof tmp, "\\u%04x", *q), esc = tmp;
        }
        if (!esc) PUT((char)*q);
        else for (; *esc; esc++) PUT(*esc);
    }
    PUT('"');
#undef PUT
    if (cap) buf[n < cap ? n : cap - 1] = 0;
    return n;
}
