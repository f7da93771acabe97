/* src/models/word2vec/train.c: the Word2Vec training driver shared by both
 * engines: model allocation and initialisation (word2vec.c's), the sigmoid
 * table, lock-free (Hogwild) OpenMP threads each owning a contiguous slice
 * of the corpus, sentence assembly with frequent-word subsampling, the
 * linear learning-rate decay over all iterations, and the progress line. */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "w2v_internal.h"

void vl_w2v_config_default(vl_w2v_config *cfg) {
    memset(cfg, 0, sizeof *cfg);
    cfg->dim = 100;
    cfg->window = 5;
    cfg->negative = 5;
    cfg->hs = 0;
    cfg->cbow = 1;
    cfg->cbow_mean = 1;
    cfg->iter = 5;
    cfg->threads = 0;
    cfg->alpha = 0;
    cfg->sample = 1e-3f;
    cfg->engine = VL_W2V_BATCHED;
    cfg->batch = 1;
    cfg->seed = 1;
    cfg->progress = false;
}

void vl_w2v_model_free(vl_w2v_model *m) {
    free(m->syn0);
    free(m->syn1);
    free(m->syn1neg);
    memset(m, 0, sizeof *m);
}

static float *alloc_matrix(long long rows, int dim, bool zero) {
    size_t bytes = (size_t)rows * (size_t)dim * sizeof(float);
    bytes = (bytes + 63) & ~(size_t)63;
    float *p = aligned_alloc(64, bytes ? bytes : 64);
    if (!p) return NULL;
    if (zero) memset(p, 0, bytes);
    return p;
}

static void thread_alpha(w2v_thread *t) {
    w2v_job *j = t->job;
    float a0 = j->cfg->alpha;
    long long done = atomic_load_explicit(&j->words_done, memory_order_relaxed);
    float a = a0 * (1 - (float)((double)done / (double)(j->total_words + 1)));
    t->alpha = a < a0 * 1e-4f ? a0 * 1e-4f : a;
}

static void progress_line(w2v_job *j, float alpha, int threads) {
    long long done = atomic_load_explicit(&j->words_done, memory_order_relaxed);
    double el = vl_seconds() - j->t0;
    fprintf(stderr, "\rAlpha: %f  Progress: %.2f%%  Words/thread/sec: %.2fk  ", alpha,
            100.0 * (double)done / (double)(j->total_words + 1),
            el > 0 ? (double)done / el / threads / 1000 : 0.0);
    fflush(stderr);
}

static void run_thread(w2v_job *j, int tid, int nthreads) {
    const vl_w2v_config *cfg = j->cfg;
    int dim = cfg->dim, window = cfg->window;
    int rows = (cfg->negative + 1 > VL_W2V_MAX_CODE ? cfg->negative + 1 : VL_W2V_MAX_CODE);
    int bt = cfg->batch > 0 ? cfg->batch : 1;
    w2v_thread t = {.job = j, .tid = tid};
    t.rng = cfg->seed * 0x9E3779B97F4A7C15ULL + (uint64_t)tid * 0xD1B54A32D192ED03ULL + 1;
    for (int k = 0; k < 4; k++) w2v_rand(&t.rng);
    t.neu1 = alloc_matrix(1, dim, true);
    t.neu1e = alloc_matrix(1, dim, true);
    t.dout = alloc_matrix((long long)rows * bt + 2 * window + 1, dim, true);
    t.g = vl_xmalloc((size_t)(rows + 1) * (2 * window + 1) * sizeof(float));
    t.ids = vl_xmalloc((size_t)(rows + 1) * sizeof(int));
    t.labels = vl_xmalloc((size_t)(rows + 1) * sizeof(float));
    t.ctx = vl_xmalloc((size_t)(2 * window + 1) * sizeof(int));
    VL_ASSERT(t.neu1 && t.neu1e && t.dout);
    w2v_sentence_fn fn =
        cfg->engine == VL_W2V_CLASSIC ? w2v_classic_sentence : w2v_batched_sentence;

    const vl_w2v_corpus *c = j->c;
    long long lo = c->n * tid / nthreads, hi = c->n * (tid + 1) / nthreads;
    int sen[VL_W2V_MAX_SENTENCE];
    double last_print = 0;
    thread_alpha(&t);
    for (int it = 0; it < cfg->iter; it++) {
        long long pos = lo, pending = 0;
        while (pos < hi) {
            int len = 0;
            while (pos < hi && len < VL_W2V_MAX_SENTENCE) {
                int w = c->ids[pos++];
                pending++;
                if (w == 0) break;
                float keep = j->keep[w];
                if (keep < 1.0f && (float)(w2v_rand(&t.rng) >> 40) * (1.0f / 16777216.0f) >= keep)
                    continue;
                sen[len++] = w;
            }
            if (len) fn(&t, sen, len);
            if (pending >= 10000) {
                atomic_fetch_add_explicit(&j->words_done, pending, memory_order_relaxed);
                pending = 0;
                thread_alpha(&t);
                if (cfg->progress && tid == 0) {
                    double n = vl_seconds();
                    if (n - last_print > 0.2) {
                        last_print = n;
                        progress_line(j, t.alpha, nthreads);
                    }
                }
            }
        }
        atomic_fetch_add_explicit(&j->words_done, pending, memory_order_relaxed);
        thread_alpha(&t);
    }
    free(t.neu1), free(t.neu1e), free(t.dout), free(t.g), free(t.ids), free(t.labels), free(t.ctx);
}

int vl_w2v_train(vl_w2v_model *m, const vl_w2v_config *cfg_in, vl_w2v_vocab *v,
                 const vl_w2v_corpus *c, vl_w2v_stats *stats) {
    memset(m, 0, sizeof *m);
    vl_w2v_config cfg = *cfg_in;
    if (cfg.dim < 1 || cfg.dim > 100000 || cfg.window < 1 || cfg.window > 1000 ||
        cfg.negative < 0 || cfg.negative > 1000 || cfg.iter < 0 || cfg.batch < 1 ||
        cfg.batch > 4096 || !(cfg.alpha >= 0) || !(cfg.sample >= 0) || cfg.threads < 0 ||
        cfg.threads > 1024)
        return vl_error(VL_ERR_ARG,
                        "word2vec: need 1 <= size <= 100000, 1 <= window <= 1000, "
                        "0 <= negative <= 1000, iter >= 0, 1 <= batch <= 4096, alpha >= 0, "
                        "sample >= 0, 0 <= threads <= 1024");
    if (!cfg.hs && cfg.negative == 0)
        return vl_error(VL_ERR_ARG, "word2vec: enable hierarchical softmax (-hs 1) or "
                                    "negative sampling (-negative N > 0)");
    if (cfg.alpha == 0) cfg.alpha = cfg.cbow ? 0.05f : 0.025f;
    if (cfg.threads == 0) cfg.threads = omp_get_num_procs();
    if (v->size < 2 || c->n < 1) return vl_error(VL_ERR_ARG, "word2vec: empty corpus");
    int rc;
    if (cfg.hs && !v->codelen && (rc = vl_w2v_huffman_build(v)) < 0) return rc;

    w2v_job j;
    memset(&j, 0, sizeof j);
    j.cfg = &cfg;
    j.v = v;
    j.c = c;
    j.m = m;
    if (cfg.negative > 0 && (rc = vl_w2v_alias_build(&j.alias, v, 0.75)) < 0) return rc;
    for (int i = 0; i <= W2V_EXP_TABLE; i++) {
        double e = exp(((double)i / W2V_EXP_TABLE * 2 - 1) * W2V_MAX_EXP);
        j.exp_table[i] = (float)(e / (e + 1));
    }
    j.keep = vl_xmalloc((size_t)v->size * sizeof(float));
    for (int i = 0; i < v->size; i++)
        j.keep[i] = (float)vl_w2v_keep_prob(v->counts[i], v->train_words, cfg.sample);
    j.total_words = (long long)cfg.iter * c->n;

    m->vocab_size = v->size;
    m->dim = cfg.dim;
    m->syn0 = alloc_matrix(v->size, cfg.dim, false);
    if (cfg.hs) m->syn1 = alloc_matrix(v->size, cfg.dim, true);
    if (cfg.negative) m->syn1neg = alloc_matrix(v->size, cfg.dim, true);
    if (!m->syn0 || (cfg.hs && !m->syn1) || (cfg.negative && !m->syn1neg)) {
        vl_w2v_model_free(m);
        vl_w2v_alias_free(&j.alias);
        free(j.keep);
        return vl_error(VL_ERR_NOMEM, "word2vec: cannot allocate %d x %d vectors", v->size,
                        cfg.dim);
    }
    /* word2vec.c's init: uniform in [-0.5, 0.5) / dim */
    uint64_t s = cfg.seed ^ 0x5DEECE66DULL;
    for (size_t i = 0, n = (size_t)v->size * cfg.dim; i < n; i++)
        m->syn0[i] = ((float)(w2v_rand(&s) >> 40) * (1.0f / 16777216.0f) - 0.5f) / cfg.dim;

    j.t0 = vl_seconds();
    int nthreads = cfg.threads;
    if (nthreads > c->n) nthreads = (int)c->n;
#pragma omp parallel num_threads(nthreads)
    run_thread(&j, omp_get_thread_num(), omp_get_num_threads());
    double el = vl_seconds() - j.t0;
    if (cfg.progress) {
        progress_line(&j, cfg.alpha * 1e-4f, nthreads);
        fputc('\n', stderr);
    }
    if (stats) {
        stats->words = atomic_load(&j.words_done);
        stats->seconds = el;
        stats->words_per_sec = el > 0 ? stats->words / el : 0;
        stats->words_per_thread_sec = stats->words_per_sec / nthreads;
    }
    vl_w2v_alias_free(&j.alias);
    free(j.keep);
    for (size_t i = 0, n = (size_t)v->size * cfg.dim; i < n; i++)
        if (!isfinite(m->syn0[i])) {
            vl_w2v_model_free(m);
            return vl_error(VL_ERR_NUMERIC, "word2vec: training diverged (non-finite vectors); "
                                            "try a smaller -alpha");
        }
    return VL_OK;
}
