/* src/models/word2vec/w2v_internal.h: what the training driver (train.c)
 * shares with the two engines (train_classic.c, train_batched.c): the job,
 * per-thread state, the sigmoid table and the per-thread RNG. */
#ifndef VALLE_W2V_INTERNAL_H
#define VALLE_W2V_INTERNAL_H

#include <stdatomic.h>

#include "valle/word2vec.h"

#define W2V_EXP_TABLE 1000
#define W2V_MAX_EXP 6

typedef struct w2v_job {
    const vl_w2v_config *cfg;
    const vl_w2v_vocab *v;
    const vl_w2v_corpus *c;
    vl_w2v_model *m;
    vl_w2v_alias alias;
    float *keep;              /* (vocab) subsampling keep probability */
    float exp_table[W2V_EXP_TABLE + 1];
    atomic_llong words_done;  /* corpus words read, all threads */
    long long total_words;    /* iter * corpus length */
    double t0;
} w2v_job;

typedef struct w2v_thread {
    w2v_job *job;
    int tid;
    uint64_t rng;
    float alpha;
    /* scratch, sized by the driver */
    float *neu1, *neu1e;      /* (dim) */
    float *dout;              /* (max(negative + 1, MAX_CODE) * batch, dim) */
    float *g;                 /* (rows) */
    int *ids;                 /* (rows) */
    float *labels;            /* (rows) */
    int *ctx;                 /* (2 * window) */
} w2v_thread;

static inline uint64_t w2v_rand(uint64_t *s) {  /* xorshift64* */
    uint64_t x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * 0x2545F4914F6CDD1DULL;
}
static inline int w2v_below(uint64_t *s, int n) {
    return (int)(((w2v_rand(s) >> 32) * (uint64_t)n) >> 32);
}
/* sigmoid from the table; callers handle |f| >= MAX_EXP themselves */
static inline float w2v_sigmoid(const w2v_job *j, float f) {
    return j->exp_table[(int)((f + W2V_MAX_EXP) * (W2V_EXP_TABLE / W2V_MAX_EXP / 2))];
}
/* Context positions of sentence position i under a random reduced window;
 * returns their count (positions stored in ctx). */
static inline int w2v_context(w2v_thread *t, int len, int i, int *ctx) {
    int window = t->job->cfg->window;
    int b = w2v_below(&t->rng, window);
    int n = 0;
    for (int a = b; a < window * 2 + 1 - b; a++) {
        if (a == window) continue;
        int p = i - window + a;
        if (p < 0 || p >= len) continue;
        ctx[n++] = p;
    }
    return n;
}

typedef void (*w2v_sentence_fn)(w2v_thread *t, const int *sen, int len);
void w2v_classic_sentence(w2v_thread *t, const int *sen, int len);
void w2v_batched_sentence(w2v_thread *t, const int *sen, int len);

#endif
