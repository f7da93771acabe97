/* src/models/word2vec/io.c: word vectors in word2vec.c's two formats, which
 * gensim's KeyedVectors.load_word2vec_format reads:
 *   text:   "<count> <dim>\n" then "<word> <v1> ... <vdim> \n" per word;
 *   binary: "<count> <dim>\n" then "<word> " + dim float32 (little endian)
 *           + "\n" per word.
 * Writing is atomic. Reading detects the format, checks every size against
 * the file and reports truncation with the record number. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "valle/io.h"
#include "valle/word2vec.h"

int vl_w2v_save(const vl_w2v_model *m, const vl_w2v_vocab *v, const char *path, bool binary) {
    vl_atomic_file a;
    int rc = vl_atomic_open(&a, path);
    if (rc < 0) return rc;
    fprintf(a.f, "%d %d\n", m->vocab_size, m->dim);
    for (int i = 0; i < m->vocab_size; i++) {
        const float *x = m->syn0 + (size_t)i * m->dim;
        fprintf(a.f, "%s ", v->words[i]);
        if (binary) {
            fwrite(x, sizeof(float), (size_t)m->dim, a.f);
        } else {
            for (int c = 0; c < m->dim; c++) fprintf(a.f, "%.6f ", x[c]);
        }
        fputc('\n', a.f);
    }
    if (ferror(a.f)) {
        vl_atomic_abort(&a);
        return vl_error(VL_ERR_IO, "%s: write failed", path);
    }
    return vl_atomic_commit(&a);
}

static uint32_t hash_word(const char *s) {
    uint32_t h = 2166136261u;
    for (; *s; s++) h = (h ^ (uint8_t)*s) * 16777619u;
    return h;
}

int vl_w2v_vectors_find(const vl_w2v_vectors *vv, const char *word) {
    if (!vv->hash) return -1;
    uint32_t h = hash_word(word) & (vv->hash_cap - 1);
    for (;;) {
        int i = vv->hash[h];
        if (i < 0) return -1;
        if (!strcmp(vv->words[i], word)) return i;
        h = (h + 1) & (vv->hash_cap - 1);
    }
}

void vl_w2v_vectors_free(vl_w2v_vectors *vv) {
    if (vv->words)
        for (int i = 0; i < vv->n; i++) free(vv->words[i]);
    free(vv->words);
    free(vv->vec);
    free(vv->unit);
    free(vv->hash);
    memset(vv, 0, sizeof *vv);
}

#define MAX_VEC_WORD 4096

/* Word at *p (leading newlines skipped) up to a space; NULL at EOF. */
static char *read_word(const char *buf, size_t size, size_t *p) {
    while (*p < size && (buf[*p] == '\n' || buf[*p] == '\r')) (*p)++;
    size_t s = *p;
    while (*p < size && buf[*p] != ' ' && buf[*p] != '\n' && *p - s <= MAX_VEC_WORD) (*p)++;
    if (*p >= size || buf[*p] != ' ' || *p == s) return NULL;
    char *w = vl_xmalloc(*p - s + 1);
    memcpy(w, buf + s, *p - s);
    w[*p - s] = 0;
    (*p)++;
    return w;
}

int vl_w2v_vectors_load(vl_w2v_vectors *vv, const char *path) {
    memset(vv, 0, sizeof *vv);
    FILE *f = fopen(path, "rb");
    if (!f) return vl_error(VL_ERR_IO, "%s: %s", path, strerror(errno));
    if (fseek(f, 0, SEEK_END) != 0) {
        fclose(f);
        return vl_error(VL_ERR_IO, "%s: not a seekable file", path);
    }
    long fs = ftell(f);
    rewind(f);
    if (fs < 0) {
        fclose(f);
        return vl_error(VL_ERR_IO, "%s: cannot size", path);
    }
    size_t size = (size_t)fs;
    char *buf = vl_xmalloc(size + 1);
    if (fread(buf, 1, size, f) != size) {
        fclose(f);
        free(buf);
        return vl_error(VL_ERR_IO, "%s: read error", path);
    }
    fclose(f);
    buf[size] = 0;
    int status = VL_OK;
    long long n = -1, dim = -1;
    size_t p = 0;
    {
        char *nl = memchr(buf, '\n', size < 64 ? size : 64);
        char head[65], extra;
        size_t hl = nl ? (size_t)(nl - buf) : 0;
        memcpy(head, buf, hl);
        head[hl] = 0;
        if (!nl || sscanf(head, "%lld %lld %c", &n, &dim, &extra) != 2 || n < 1 || dim < 1 ||
            dim > 100000) {
            free(buf);
            return vl_error(VL_ERR_FORMAT,
                            "%s: not a word2vec vectors file (expected a '<count> <dim>' "
                            "first line with count >= 1, 1 <= dim <= 100000)",
                            path);
        }
        p = (size_t)(nl - buf) + 1;
    }
    /* the smallest possible record: 1-byte word, space, data, newline */
    bool binary;
    {
        size_t q = p;
        char *w = read_word(buf, size, &q);
        if (!w) {
            free(buf);
            return vl_error(VL_ERR_FORMAT, "%s: truncated or malformed at record 1 of %lld",
                            path, n);
        }
        free(w);
        /* text if the rest of the line parses as dim numbers */
        binary = false;
        for (long long c = 0; c < dim && !binary; c++) {
            char *end;
            while (q < size && buf[q] == ' ') q++;
            strtof(buf + q, &end);
            if (end == buf + q) binary = true;
            else q = (size_t)(end - buf);
        }
        while (!binary && q < size && buf[q] == ' ') q++;
        if (!binary && q < size && buf[q] != '\n') binary = true;
    }
    size_t min_rec = binary ? (size_t)dim * 4 + 2 : (size_t)dim * 2 + 2;
    if ((unsigned long long)n > (size - p) / min_rec + 1) {
        free(buf);
        return vl_error(VL_ERR_FORMAT,
                        "%s: truncated: the header claims %lld vectors of %lld, the file "
                        "(%zu bytes) cannot hold them",
                        path, n, dim, size);
    }
    vv->n = (int)n;
    vv->dim = (int)dim;
    vv->words = vl_xcalloc((size_t)n, sizeof(char *));
    vv->vec = vl_xmalloc((size_t)n * dim * sizeof(float));
    for (long long i = 0; i < n && status == VL_OK; i++) {
        char *w = read_word(buf, size, &p);
        float *x = vv->vec + (size_t)i * dim;
        if (!w) {
            status = vl_error(VL_ERR_FORMAT, "%s: truncated or malformed at record %lld of %lld",
                              path, i + 1, n);
            break;
        }
        vv->words[i] = w;
        if (binary) {
            if (size - p < (size_t)dim * 4) {
                status = vl_error(VL_ERR_FORMAT, "%s: truncated in record %lld of %lld", path,
                                  i + 1, n);
                break;
            }
            memcpy(x, buf + p, (size_t)dim * 4);
            p += (size_t)dim * 4;
        } else {
            for (long long c = 0; c < dim; c++) {
                while (p < size && buf[p] == ' ') p++;
                char *end;
                errno = 0;
                x[c] = strtof(buf + p, &end);
                if (end == buf + p || (*end != ' ' && *end != '\n' && *end != 0 && *end != '\r')) {
                    status = vl_error(VL_ERR_FORMAT,
                                      "%s: record %lld of %lld: expected %lld numbers "
                                      "(truncated or malformed)",
                                      path, i + 1, n, dim);
                    break;
                }
                p = (size_t)(end - buf);
            }
            while (p < size && (buf[p] == ' ' || buf[p] == '\r')) p++;
            if (status == VL_OK && p < size && buf[p] != '\n') {
                status = vl_error(VL_ERR_FORMAT, "%s: record %lld of %lld has more than %lld numbers",
                                  path, i + 1, n, dim);
            }
            /* every record ends with a newline: a file cut inside its last
             * number would otherwise load silently */
            if (status == VL_OK && p >= size)
                status = vl_error(VL_ERR_FORMAT, "%s: truncated in record %lld of %lld (no end "
                                  "of line)", path, i + 1, n);
        }
        for (long long c = 0; c < dim && status == VL_OK; c++)
            if (!isfinite(x[c]))
                status = vl_error(VL_ERR_FORMAT, "%s: record %lld ('%s'): non-finite value", path,
                                  i + 1, w);
    }
    free(buf);
    if (status < 0) {
        vl_w2v_vectors_free(vv);
        return status;
    }
    uint32_t cap = 1024;
    while (cap < (uint32_t)n * 2) cap *= 2;
    vv->hash_cap = cap;
    vv->hash = vl_xmalloc(cap * sizeof(int));
    memset(vv->hash, 0xff, cap * sizeof(int));
    for (int i = 0; i < vv->n; i++) {
        if (vl_w2v_vectors_find(vv, vv->words[i]) >= 0) continue;  /* first wins */
        uint32_t h = hash_word(vv->words[i]) & (cap - 1);
        while (vv->hash[h] >= 0) h = (h + 1) & (cap - 1);
        vv->hash[h] = i;
    }
    vv->unit = vl_xmalloc((size_t)n * dim * sizeof(float));
    for (size_t i = 0; i < (size_t)n; i++) {
        const float *x = vv->vec + i * dim;
        float *u = vv->unit + i * dim;
        double s = 0;
        for (long long c = 0; c < dim; c++) s += (double)x[c] * x[c];
        float inv = s > 0 ? (float)(1.0 / sqrt(s)) : 0.0f;
        for (long long c = 0; c < dim; c++) u[c] = x[c] * inv;
    }
    return VL_OK;
}
