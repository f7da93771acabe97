/* src/models/word2vec/query.c: questions asked of trained vectors: nearest
 * words by cosine, analogies (b - a + c), the analogy benchmark with
 * word2vec.c's compute-accuracy protocol, and word-similarity benchmarks
 * scored by Spearman rank correlation. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "valle/word2vec.h"

static inline float dotf(const float *restrict a, const float *restrict b, int n) {
    float s = 0;
#pragma omp simd reduction(+ : s)
    for (int c = 0; c < n; c++) s += a[c] * b[c];
    return s;
}

/* top-k of q . unit[i] over i < limit, skipping excl[0..3) */
static int top_k(const vl_w2v_vectors *vv, const float *q, int limit, const int *excl, int nex,
                 vl_w2v_hit *hits, int k) {
    int got = 0;
    for (int i = 0; i < limit; i++) {
        bool skip = false;
        for (int e = 0; e < nex; e++) skip |= excl[e] == i;
        if (skip) continue;
        float s = dotf(q, vv->unit + (size_t)i * vv->dim, vv->dim);
        if (got == k && s <= hits[k - 1].cosine) continue;
        int p = got < k ? got++ : k - 1;
        while (p > 0 && hits[p - 1].cosine < s) {
            hits[p] = hits[p - 1];
            p--;
        }
        hits[p].index = i;
        hits[p].cosine = s;
    }
    return got;
}

int vl_w2v_similar(vl_w2v_vectors *vv, const char *word, vl_w2v_hit *hits, int k) {
    int i = vl_w2v_vectors_find(vv, word);
    if (i < 0) return vl_error(VL_ERR_NOTFOUND, "'%s' is not in the vocabulary", word);
    if (k < 1) return 0;
    return top_k(vv, vv->unit + (size_t)i * vv->dim, vv->n, &i, 1, hits, k);
}

int vl_w2v_analogy(vl_w2v_vectors *vv, const char *a, const char *b, const char *c,
                   vl_w2v_hit *hits, int k) {
    const char *w[3] = {a, b, c};
    int id[3];
    for (int t = 0; t < 3; t++) {
        id[t] = vl_w2v_vectors_find(vv, w[t]);
        if (id[t] < 0) return vl_error(VL_ERR_NOTFOUND, "'%s' is not in the vocabulary", w[t]);
    }
    int dim = vv->dim;
    float *q = vl_xmalloc((size_t)dim * sizeof(float));
    double s = 0;
    for (int x = 0; x < dim; x++) {
        q[x] = vv->unit[(size_t)id[1] * dim + x] - vv->unit[(size_t)id[0] * dim + x] +
               vv->unit[(size_t)id[2] * dim + x];
        s += (double)q[x] * q[x];
    }
    float inv = s > 0 ? (float)(1 / sqrt(s)) : 0;
    for (int x = 0; x < dim; x++) q[x] *= inv;
    int got = k < 1 ? 0 : top_k(vv, q, vv->n, id, 3, hits, k);
    free(q);
    return got;
}

static void upper(char *s) {
    for (; *s; s++) *s = (char)toupper((unsigned char)*s);
}

int vl_w2v_eval_analogy(vl_w2v_vectors *vv, const char *path, int threshold,
                        vl_w2v_analogy_result *r) {
    memset(r, 0, sizeof *r);
    FILE *f = fopen(path, "rb");
    if (!f) return vl_error(VL_ERR_IO, "%s: %s", path, strerror(errno));
    int limit = threshold > 0 && threshold < vv->n ? threshold : vv->n;
    /* upper-cased lookup over the first `limit` words (first spelling wins) */
    vl_w2v_vectors up = {.n = limit, .dim = vv->dim};
    up.words = vl_xmalloc((size_t)limit * sizeof(char *));
    for (int i = 0; i < limit; i++) {
        up.words[i] = vl_xstrdup(vv->words[i]);
        upper(up.words[i]);
    }
    uint32_t cap = 1024;
    while (cap < (uint32_t)limit * 2) cap *= 2;
    up.hash_cap = cap;
    up.hash = vl_xmalloc(cap * sizeof(int));
    memset(up.hash, 0xff, cap * sizeof(int));
    for (int i = 0; i < limit; i++) {
        if (vl_w2v_vectors_find(&up, up.words[i]) >= 0) continue;
        uint32_t h = 2166136261u;
        for (const char *s = up.words[i]; *s; s++) h = (h ^ (uint8_t)*s) * 16777619u;
        h &= cap - 1;
        while (up.hash[h] >= 0) h = (h + 1) & (cap - 1);
        up.hash[h] = i;
    }
    int dim = vv->dim, section = 0, line = 0, status = VL_OK;
    float *q = vl_xmalloc((size_t)dim * sizeof(float));
    char buf[4096];
    while (fgets(buf, sizeof buf, f)) {
        line++;
        char w[4][1024], extra[2];
        if (buf[0] == ':') {
            section++;
            continue;
        }
        int nw = sscanf(buf, "%1023s %1023s %1023s %1023s %1s", w[0], w[1], w[2], w[3], extra);
        if (nw <= 0) continue;
        if (nw != 4) {
            status = vl_error(VL_ERR_FORMAT, "%s:%d: expected 4 words or a ': section' line",
                              path, line);
            break;
        }
        r->total++;
        int id[4];
        bool ok = true;
        for (int t = 0; t < 4; t++) {
            upper(w[t]);
            id[t] = vl_w2v_vectors_find(&up, w[t]);
            ok &= id[t] >= 0;
        }
        if (!ok) continue;
        /* compute-accuracy: unnormalised b - a + c against unit vectors */
        for (int x = 0; x < dim; x++)
            q[x] = vv->unit[(size_t)id[1] * dim + x] - vv->unit[(size_t)id[0] * dim + x] +
                   vv->unit[(size_t)id[2] * dim + x];
        vl_w2v_hit best;
        int got = top_k(vv, q, limit, id, 3, &best, 1);
        bool correct = got == 1 && best.cosine > 0 && best.index == id[3];
        bool sem = section <= 5;
        r->seen++;
        r->correct += correct;
        if (sem) r->sem_seen++, r->sem_correct += correct;
        else r->syn_seen++, r->syn_correct += correct;
    }
    fclose(f);
    free(q);
    for (int i = 0; i < limit; i++) free(up.words[i]);
    free(up.words);
    free(up.hash);
    if (status < 0) return status;
    if (r->total == 0) return vl_error(VL_ERR_FORMAT, "%s: no questions", path);
    r->total_acc = r->seen ? 100.0 * r->correct / r->seen : 0;
    r->sem_acc = r->sem_seen ? 100.0 * r->sem_correct / r->sem_seen : 0;
    r->syn_acc = r->syn_seen ? 100.0 * r->syn_correct / r->syn_seen : 0;
    return VL_OK;
}

static const double *rank_src;
static int by_value(const void *a, const void *b) {
    double x = rank_src[*(const int *)a], y = rank_src[*(const int *)b];
    return (x > y) - (x < y);
}

static void ranks(const double *x, int n, double *rk) {
    int *o = vl_xmalloc((size_t)n * sizeof(int));
    for (int i = 0; i < n; i++) o[i] = i;
    rank_src = x;
    qsort(o, (size_t)n, sizeof(int), by_value);
    for (int i = 0; i < n;) {
        int j = i;
        while (j + 1 < n && x[o[j + 1]] == x[o[i]]) j++;
        double avg = (i + j) / 2.0 + 1;
        for (int k = i; k <= j; k++) rk[o[k]] = avg;
        i = j + 1;
    }
    free(o);
}

double vl_w2v_spearman(const double *x, const double *y, int n) {
    if (n < 2) return NAN;
    double *rx = vl_xmalloc((size_t)n * sizeof(double)), *ry = vl_xmalloc((size_t)n * sizeof(double));
    ranks(x, n, rx);
    ranks(y, n, ry);
    double mx = 0, my = 0;
    for (int i = 0; i < n; i++) mx += rx[i], my += ry[i];
    mx /= n, my /= n;
    double sxy = 0, sxx = 0, syy = 0;
    for (int i = 0; i < n; i++) {
        sxy += (rx[i] - mx) * (ry[i] - my);
        sxx += (rx[i] - mx) * (rx[i] - mx);
        syy += (ry[i] - my) * (ry[i] - my);
    }
    free(rx);
    free(ry);
    return sxx > 0 && syy > 0 ? sxy / sqrt(sxx * syy) : NAN;
}

static int find_any_case(const vl_w2v_vectors *vv, char *w) {
    int i = vl_w2v_vectors_find(vv, w);
    if (i >= 0) return i;
    for (char *s = w; *s; s++) *s = (char)tolower((unsigned char)*s);
    return vl_w2v_vectors_find(vv, w);
}

int vl_w2v_eval_similarity(vl_w2v_vectors *vv, const char *path, vl_w2v_similarity_result *r) {
    memset(r, 0, sizeof *r);
    FILE *f = fopen(path, "rb");
    if (!f) return vl_error(VL_ERR_IO, "%s: %s", path, strerror(errno));
    int cap = 256, line = 0, status = VL_OK;
    double *human = vl_xmalloc((size_t)cap * sizeof(double));
    double *model = vl_xmalloc((size_t)cap * sizeof(double));
    char buf[4096];
    while (fgets(buf, sizeof buf, f)) {
        line++;
        char a[1024], b[1024], sc[64];
        for (char *s = buf; *s; s++)
            if (*s == '\t' || *s == ',') *s = ' ';
        if (buf[0] == '#') continue;
        int nw = sscanf(buf, "%1023s %1023s %63s", a, b, sc);
        if (nw <= 0) continue;
        char *end;
        double score = nw == 3 ? strtod(sc, &end) : 0;
        if (nw != 3 || *end || !isfinite(score)) {
            if (r->pairs == 0 && line == 1) continue;  /* a header line */
            status = vl_error(VL_ERR_FORMAT, "%s:%d: expected 'word1 word2 score'", path, line);
            break;
        }
        r->pairs++;
        int i = find_any_case(vv, a), j = find_any_case(vv, b);
        if (i < 0 || j < 0) continue;
        if (r->found == cap) {
            cap *= 2;
            human = vl_xrealloc(human, (size_t)cap * sizeof(double));
            model = vl_xrealloc(model, (size_t)cap * sizeof(double));
        }
        human[r->found] = score;
        model[r->found] = dotf(vv->unit + (size_t)i * vv->dim, vv->unit + (size_t)j * vv->dim, vv->dim);
        r->found++;
    }
    fclose(f);
    if (status == VL_OK && r->pairs == 0)
        status = vl_error(VL_ERR_FORMAT, "%s: no word pairs", path);
    if (status == VL_OK && r->found < 2)
        status = vl_error(VL_ERR_NOTFOUND, "%s: fewer than 2 of %d pairs have both words in the "
                                           "vocabulary", path, r->pairs);
    if (status == VL_OK) r->spearman = vl_w2v_spearman(model, human, r->found);
    free(human);
    free(model);
    return status;
}
