/* src/text/cmudict.c: the CMU Pronouncing Dictionary: loading (the built-in
 * gzipped copy or a user's file, plain or gzipped) and lookup.
 *
 * Format, one pronunciation per line: `word PH PH ...` with optional
 * variants `word(2) ...` after the first and an optional `# comment`; the
 * classic upper-case files (two spaces after the word, ";;;" comments) load
 * too. Words are stored lower case; the first pronunciation in the file is
 * variant 0. The file's bytes are kept and edited in place; an
 * open-addressing hash table maps a word to its first entry, and entries of
 * one word are chained in file order. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "text_internal.h"
#include "valle/core.h"

typedef struct entry {
    const char *word;
    const char *pron;
    int wlen;
    int next;  /* next variant of the same word, -1 at the end */
} entry;

struct vl_cmudict {
    char *buf;
    entry *e;
    int n, cap;
    int *slot;       /* first entry of a word, -1 if empty */
    size_t mask;
};

static uint64_t hash(const char *s, size_t n) {
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
    return h;
}

static int *find_slot(const vl_cmudict *d, const char *w, size_t n) {
    size_t i = (size_t)hash(w, n) & d->mask;
    for (;;) {
        int *s = &d->slot[i];
        if (*s < 0) return s;
        const entry *e = &d->e[*s];
        if ((size_t)e->wlen == n && !memcmp(e->word, w, n)) return s;
        i = (i + 1) & d->mask;
    }
}

/* Parses d->buf (NUL-terminated, `name` for messages) into entries. */
static int parse(vl_cmudict *d, const char *name) {
    char *p = d->buf;
    long line = 0;
    while (*p) {
        char *eol = strchr(p, '\n');
        if (eol) *eol = 0;
        line++;
        char *next = eol ? eol + 1 : p + strlen(p);
        char *s = p;
        p = next;
        while (*s == ' ' || *s == '\t' || *s == '\r') s++;
        if (!*s || *s == '#' || !strncmp(s, ";;;", 3)) continue;
        char *w = s;
        while (*s && *s != ' ' && *s != '\t') *s = (char)to_lower((unsigned char)*s), s++;
        size_t wlen = (size_t)(s - w);
        /* word(2) -> word */
        if (wlen > 3 && w[wlen - 1] == ')') {
            char *par = memchr(w, '(', wlen);
            if (par && par > w) wlen = (size_t)(par - w);
        }
        if (!*s) return vl_error(VL_ERR_FORMAT, "%s:%ld: '%.*s' has no pronunciation", name, line,
                                 (int)wlen > 32 ? 32 : (int)wlen, w);
        /* the phones are compacted (single spaces) to start after the
         * separator, so ending the word with a NUL below touches none */
        char *pron = s + 1, *o = s + 1;
        bool any = false;
        while (*s && *s != '#') {
            while (*s == ' ' || *s == '\t' || *s == '\r') s++;
            if (!*s || *s == '#') break;
            char *a = s;
            while (*s && *s != ' ' && *s != '\t' && *s != '\r' && *s != '#') s++;
            if (!arpabet_valid(a, (size_t)(s - a)))
                return vl_error(VL_ERR_FORMAT, "%s:%ld: '%.*s' is not an ARPAbet phone (39 phones, vowels with stress 0-2)", name,
                                line, (int)(s - a) > 16 ? 16 : (int)(s - a), a);
            if (any) *o++ = ' ';
            memmove(o, a, (size_t)(s - a));
            o += s - a;
            any = true;
        }
        if (!any) return vl_error(VL_ERR_FORMAT, "%s:%ld: '%.*s' has no pronunciation", name, line,
                                  (int)wlen > 32 ? 32 : (int)wlen, w);
        *o = 0;
        if (wlen > 255) return vl_error(VL_ERR_FORMAT, "%s:%ld: word too long", name, line);
        if (d->n == d->cap) {
            d->cap = d->cap ? 2 * d->cap : 1 << 16;
            d->e = vl_xrealloc(d->e, (size_t)d->cap * sizeof *d->e);
        }
        w[wlen] = 0;
        d->e[d->n] = (entry){w, pron, (int)wlen, -1};
        d->n++;
    }
    if (d->n == 0) return vl_error(VL_ERR_FORMAT, "%s: no dictionary entries", name);
    size_t slots = 1;
    while (slots < (size_t)d->n * 2) slots <<= 1;
    d->slot = vl_xmalloc(slots * sizeof *d->slot);
    memset(d->slot, 0xff, slots * sizeof *d->slot);
    d->mask = slots - 1;
    int *tail = vl_xmalloc((size_t)d->n * sizeof *tail);  /* last variant per first entry */
    for (int i = 0; i < d->n; i++) {
        int *s = find_slot(d, d->e[i].word, (size_t)d->e[i].wlen);
        if (*s < 0) {
            *s = i;
            tail[i] = i;
        } else {
            d->e[tail[*s]].next = i;
            tail[*s] = i;
        }
    }
    free(tail);
    return VL_OK;
}

static int finish(vl_cmudict **out, char *buf, const char *name) {
    vl_cmudict *d = vl_xcalloc(1, sizeof *d);
    d->buf = buf;
    int rc = parse(d, name);
    if (rc < 0) {
        cmudict_free(d);
        return rc;
    }
    *out = d;
    return VL_OK;
}

int cmudict_load_builtin(vl_cmudict **out) {
    size_t n;
    const unsigned char *gz = cmudict_blob(&n);
    z_stream z;
    memset(&z, 0, sizeof z);
    if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
        return vl_error(VL_ERR_NOMEM, "built-in CMUdict: zlib init failed");
    size_t cap = 4u << 20, len = 0;
    char *buf = vl_xmalloc(cap);
    z.next_in = (unsigned char *)gz;
    z.avail_in = (uInt)n;
    int zr;
    do {
        if (cap - len < 65536) buf = vl_xrealloc(buf, cap *= 2);
        z.next_out = (unsigned char *)buf + len;
        z.avail_out = (uInt)(cap - len - 1);
        zr = inflate(&z, Z_NO_FLUSH);
        len = cap - 1 - z.avail_out;
    } while (zr == Z_OK);
    inflateEnd(&z);
    if (zr != Z_STREAM_END) {
        free(buf);
        return vl_error(VL_ERR_FORMAT, "built-in CMUdict: corrupt gzip data (zlib %d)", zr);
    }
    buf[len] = 0;
    return finish(out, buf, "built-in CMUdict");
}

/* The largest dictionary read (after gunzip). */
#define MAX_DICT_BYTES (1 << 26)

int cmudict_load_file(vl_cmudict **out, const char *path) {
    gzFile f = gzopen(path, "rb");
    if (!f) return vl_error(VL_ERR_IO, "%s: %s", path, strerror(errno ? errno : ENOENT));
    size_t cap = 1u << 20, len = 0;
    char *buf = vl_xmalloc(cap);
    for (;;) {
        if (cap - len < 65536) {
            if (cap >= MAX_DICT_BYTES) {  /* CMUdict is 3.5 MB; a .gz may inflate without end */
                gzclose(f);
                free(buf);
                return vl_error(VL_ERR_FORMAT, "%s: larger than %d MiB, not a pronouncing dictionary",
                                path, MAX_DICT_BYTES >> 20);
            }
            buf = vl_xrealloc(buf, cap *= 2);
        }
        int k = gzread(f, buf + len, (unsigned)(cap - len - 1));
        if (k < 0) {
            int err;
            const char *msg = gzerror(f, &err);
            vl_error(VL_ERR_IO, "%s: %s", path, err == Z_ERRNO ? strerror(errno) : msg);
            gzclose(f);
            free(buf);
            return VL_ERR_IO;
        }
        if (k == 0) break;
        len += (size_t)k;
    }
    gzclose(f);
    buf[len] = 0;
    if (memchr(buf, 0, len)) {
        free(buf);
        return vl_error(VL_ERR_FORMAT, "%s: binary data (a NUL byte), not a dictionary", path);
    }
    return finish(out, buf, path);
}

void cmudict_free(vl_cmudict *d) {
    if (!d) return;
    free(d->buf);
    free(d->e);
    free(d->slot);
    free(d);
}

const char *cmudict_lookup(const vl_cmudict *d, const char *w, size_t n, int variant) {
    if (!d || !n || n > 255) return NULL;
    char low[256];
    for (size_t i = 0; i < n; i++) low[i] = (char)to_lower((unsigned char)w[i]);
    int i = *find_slot(d, low, n);
    while (i >= 0 && variant-- > 0) i = d->e[i].next;
    return i >= 0 ? d->e[i].pron : NULL;
}

long cmudict_size(const vl_cmudict *d) { return d ? d->n : 0; }
