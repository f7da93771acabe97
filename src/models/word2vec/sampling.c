/* src/models/word2vec/sampling.c: the two random choices of Word2Vec's data
 * pipeline: negative words drawn from count^0.75 (Walker's alias method,
 * exact and 8 bytes per word instead of word2vec.c's 400 MB table), and the
 * probability of keeping a frequent word (word2vec.c's subsampling formula). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "valle/word2vec.h"

int vl_w2v_alias_build(vl_w2v_alias *a, const vl_w2v_vocab *v, double power) {
    memset(a, 0, sizeof *a);
    int n = v->size;
    if (n < 2) return vl_error(VL_ERR_ARG, "negative sampling: need at least 2 words");
    double *p = vl_xmalloc((size_t)n * sizeof(double));
    double z = 0;
    for (int i = 0; i < n; i++) {
        p[i] = i == 0 ? 0.0 : pow((double)v->counts[i], power);
        z += p[i];
    }
    if (!(z > 0)) {
        free(p);
        return vl_error(VL_ERR_ARG, "negative sampling: all counts are zero");
    }
    /* scaled so the mean is 1; small (< 1) and large (>= 1) worklists */
    int *small = vl_xmalloc((size_t)n * sizeof(int)), *large = vl_xmalloc((size_t)n * sizeof(int));
    int ns = 0, nl = 0;
    for (int i = 0; i < n; i++) {
        p[i] = p[i] * n / z;
        if (p[i] < 1.0) small[ns++] = i;
        else large[nl++] = i;
    }
    a->n = n;
    a->prob = vl_xmalloc((size_t)n * sizeof(uint32_t));
    a->alias = vl_xmalloc((size_t)n * sizeof(int));
    while (ns && nl) {
        int s = small[--ns], l = large[nl - 1];
        double t = p[s] * 4294967296.0;
        a->prob[s] = t >= 4294967295.0 ? 0xffffffffu : (uint32_t)t;
        a->alias[s] = l;
        p[l] -= 1.0 - p[s];
        if (p[l] < 1.0) {
            nl--;
            small[ns++] = l;
        }
    }
    /* leftovers are 1 up to rounding: always accept (the alias is never
     * used, except for the 2^-32 chance at 0xffffffff, which points home) */
    while (nl) {
        int l = large[--nl];
        a->prob[l] = 0xffffffffu;
        a->alias[l] = l;
    }
    while (ns) {
        int s = small[--ns];
        a->prob[s] = 0xffffffffu;
        a->alias[s] = s;
    }
    /* index 0 has probability 0: never accepted; make sure its alias is a
     * real word even if it ended in a leftover list by rounding */
    if (a->alias[0] == 0) {
        a->prob[0] = 0;
        a->alias[0] = 1;
    }
    free(small);
    free(large);
    free(p);
    return VL_OK;
}

void vl_w2v_alias_free(vl_w2v_alias *a) {
    free(a->prob);
    free(a->alias);
    memset(a, 0, sizeof *a);
}

double vl_w2v_keep_prob(long long count, long long train_words, double sample) {
    if (sample <= 0 || count <= 0) return 1.0;
    double st = sample * (double)train_words;
    double r = (sqrt((double)count / st) + 1) * st / (double)count;
    return r < 1 ? r : 1;
}
