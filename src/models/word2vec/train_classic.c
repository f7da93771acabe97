/* src/models/word2vec/train_classic.c: the per-word SGD of word2vec.c,
 * kept as the reference engine (`--engine classic`): for every position,
 * CBOW averages (or sums) the context and updates the output layer once;
 * skip-gram updates once per context word; hierarchical softmax walks the
 * target's Huffman path, negative sampling draws fresh negatives per update.
 * Plain scalar loops, Hogwild writes, as in the original. */
#include <string.h>

#include "w2v_internal.h"

/* One output-layer step for hidden vector h: accumulates into e. */
static void hs_step(w2v_thread *t, int word, const float *h, float *e) {
    const vl_w2v_vocab *v = t->job->v;
    int dim = t->job->cfg->dim;
    float *syn1 = t->job->m->syn1;
    for (int d = 0; d < v->codelen[word]; d++) {
        float *w = syn1 + (size_t)v->points[word * VL_W2V_MAX_CODE + d] * dim;
        float f = 0;
        for (int c = 0; c < dim; c++) f += h[c] * w[c];
        if (f <= -W2V_MAX_EXP || f >= W2V_MAX_EXP) continue;
        float g = (1 - v->codes[word * VL_W2V_MAX_CODE + d] - w2v_sigmoid(t->job, f)) * t->alpha;
        for (int c = 0; c < dim; c++) e[c] += g * w[c];
        for (int c = 0; c < dim; c++) w[c] += g * h[c];
    }
}

static void ns_step(w2v_thread *t, int word, const float *h, float *e) {
    w2v_job *j = t->job;
    int dim = j->cfg->dim;
    for (int d = 0; d < j->cfg->negative + 1; d++) {
        int target, label;
        if (d == 0) {
            target = word;
            label = 1;
        } else {
            target = vl_w2v_alias_draw(&j->alias, w2v_rand(&t->rng));
            if (target == word) continue;
            label = 0;
        }
        float *w = j->m->syn1neg + (size_t)target * dim;
        float f = 0, g;
        for (int c = 0; c < dim; c++) f += h[c] * w[c];
        if (f > W2V_MAX_EXP) g = (label - 1) * t->alpha;
        else if (f < -W2V_MAX_EXP) g = (label - 0) * t->alpha;
        else g = (label - w2v_sigmoid(j, f)) * t->alpha;
        for (int c = 0; c < dim; c++) e[c] += g * w[c];
        for (int c = 0; c < dim; c++) w[c] += g * h[c];
    }
}

void w2v_classic_sentence(w2v_thread *t, const int *sen, int len) {
    w2v_job *j = t->job;
    const vl_w2v_config *cfg = j->cfg;
    int dim = cfg->dim;
    float *syn0 = j->m->syn0, *neu1 = t->neu1, *neu1e = t->neu1e;
    for (int i = 0; i < len; i++) {
        int word = sen[i];
        int n = w2v_context(t, len, i, t->ctx);
        if (!n) continue;
        if (cfg->cbow) {
            memset(neu1, 0, (size_t)dim * sizeof(float));
            memset(neu1e, 0, (size_t)dim * sizeof(float));
            for (int k = 0; k < n; k++) {
                const float *x = syn0 + (size_t)sen[t->ctx[k]] * dim;
                for (int c = 0; c < dim; c++) neu1[c] += x[c];
            }
            if (cfg->cbow_mean)
                for (int c = 0; c < dim; c++) neu1[c] /= n;
            if (cfg->hs) hs_step(t, word, neu1, neu1e);
            if (cfg->negative) ns_step(t, word, neu1, neu1e);
            for (int k = 0; k < n; k++) {
                float *x = syn0 + (size_t)sen[t->ctx[k]] * dim;
                for (int c = 0; c < dim; c++) x[c] += neu1e[c];
            }
        } else {
            for (int k = 0; k < n; k++) {
                float *x = syn0 + (size_t)sen[t->ctx[k]] * dim;
                memset(neu1e, 0, (size_t)dim * sizeof(float));
                if (cfg->hs) hs_step(t, word, x, neu1e);
                if (cfg->negative) ns_step(t, word, x, neu1e);
                for (int c = 0; c < dim; c++) x[c] += neu1e[c];
            }
        }
    }
}
