/* bench/bench_gpt_step.c: training steps of the tinyshakespeare baby GPT
 * (the defaults of `valle lm train`: 4 layers, 4 heads, 128 dims, block 64,
 * batch 12, AdamW) through the LM trainer, timed per step in wall and
 * process-CPU time. The peer is bench/gpt_torch.py (same config); run both
 * with bench/bench_gpt.sh, which alternates them.
 *
 * --gpt2: instead, GPT-2 124M as llm.c's CPU trainer train_gpt2.c runs it
 * (12 layers, 12 heads, 768 dims, vocabulary 50257, tied head, biases, no
 * dropout; B = 4, T = 64; AdamW lr 1e-4, betas 0.9 / 0.999, no weight
 * decay, no clipping) on a synthetic 50257-word vocabulary and uniform
 * random tokens (or the bytes of --data when given). Block size 64 = T, so
 * the position table has 64 rows where llm.c's has maxT = 1024. The peer is
 * llm.c; bench/llmc_compare.sh alternates the two.
 *
 *   bench_gpt_step --data tinyshakespeare.txt [--iters 60] [--skip 10]
 *                  [--threads 1]
 *   bench_gpt_step --gpt2 [--data FILE] [--iters 8] [--skip 2] [--threads 1]
 *
 * Prints one JSON line: median step seconds (wall and CPU) over the steps
 * after --skip, tokens/s from each, and the last loss (--gpt2 also prints
 * each step on stderr in llm.c's format). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "valle/lm_train.h"

static double clk(clockid_t id) {
    struct timespec ts;
    clock_gettime(id, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int cmp_d(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* GPT-2 data: a 50257-word vocabulary ("t00000" .. "t50256", sorted as the
 * word tokenizer keeps it) and 2^20 tokens, the bytes of `path` or uniform
 * random ids from a fixed xorshift. */
static int gpt2_data(const char *path, vl_lm_data *d) {
    enum { V = 50257 };
    memset(d, 0, sizeof *d);
    FILE *f = path ? fopen(path, "rb") : NULL;
    if (path && !f) return vl_error(VL_ERR_IO, "cannot open %s", path);
    d->vocab.kind = VL_LM_WORD;
    d->vocab.n = V;
    for (int i = 0; i < 256; i++) d->vocab.id_of_byte[i] = -1;
    d->vocab.words = malloc(sizeof(char *) * V);
    for (int i = 0; i < V; i++) {
        d->vocab.words[i] = malloc(8);
        snprintf(d->vocab.words[i], 8, "t%05d", i);
    }
    d->n = 1 << 20;
    d->ids = malloc(sizeof(int) * (size_t)d->n);
    int64_t n = 0;
    if (f) {
        for (int ch; n < d->n && (ch = fgetc(f)) != EOF;) d->ids[n++] = ch;
        fclose(f);
        d->n = n;
    }
    uint64_t x = 0x9E3779B97F4A7C15ull;
    for (; n < d->n; n++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        d->ids[n] = (int)(x % V);
    }
    d->n_train = d->n * 9 / 10;
    return 0;
}

int main(int argc, char **argv) {
    const char *path = NULL;
    int iters = 0, skip = -1, threads = 1, gpt2 = 0, bad = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--gpt2")) gpt2 = 1;
        else if (!strcmp(argv[i], "--data") && i + 1 < argc) path = argv[++i];
        else if (!strcmp(argv[i], "--iters") && i + 1 < argc) iters = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--skip") && i + 1 < argc) skip = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--threads") && i + 1 < argc) threads = atoi(argv[++i]);
        else bad = 1;
    }
    if (!iters) iters = gpt2 ? 8 : 60;
    if (skip < 0) skip = gpt2 ? 2 : 10;
    if (bad || (!path && !gpt2) || iters < 1 || skip < 0 || skip >= iters) {
        fprintf(stderr, "usage: bench_gpt_step (--data FILE | --gpt2 [--data FILE]) [--iters N] "
                        "[--skip K] [--threads T]\n");
        return 2;
    }
    vl_set_num_threads(threads);
    vl_lm_train_config cfg;
    vl_lm_train_config_default(&cfg);
    if (gpt2) {
        vl_gpt_config *g = &cfg.gpt;
        g->block_size = 64;
        g->n_layer = 12;
        g->n_head = 12;
        g->n_embd = 768;
        g->dropout = 0.0f;
        g->bias = true;
        g->tied = true;
        cfg.batch_size = 4;
        cfg.max_iters = iters;
        cfg.warmup = 0;
        cfg.lr = cfg.min_lr = 1e-4f;    /* constant, as llm.c's update */
        cfg.beta1 = 0.9f;
        cfg.beta2 = 0.999f;
        cfg.weight_decay = 0.0f;
        cfg.clip = 0.0f;
    }
    vl_lm_data d;
    int rc = gpt2 ? gpt2_data(path, &d) : vl_lm_data_load(path, VL_LM_CHAR, NULL, &d);
    if (rc < 0) {
        fprintf(stderr, "bench_gpt_step: %s\n", vl_last_error());
        return 1;
    }
    vl_lm_run run;
    if (vl_lm_run_init(&run, &cfg, &d.vocab) < 0) {
        fprintf(stderr, "bench_gpt_step: %s\n", vl_last_error());
        return 1;
    }
    double *w = malloc(sizeof(double) * iters), *c = malloc(sizeof(double) * iters);
    vl_lm_step_stats st = {0};
    for (int i = 0; i < iters; i++) {
        double w0 = clk(CLOCK_MONOTONIC), c0 = clk(CLOCK_PROCESS_CPUTIME_ID);
        if (vl_lm_run_step(&run, &d, &st) < 0) {
            fprintf(stderr, "bench_gpt_step: %s\n", vl_last_error());
            return 1;
        }
        w[i] = clk(CLOCK_MONOTONIC) - w0;
        c[i] = clk(CLOCK_PROCESS_CPUTIME_ID) - c0;
        if (gpt2) /* seconds per step: show progress, as llm.c does */
            fprintf(stderr, "step %d: train loss %f (took %f ms) cpu %f ms\n", i, st.loss,
                    w[i] * 1e3, c[i] * 1e3);
    }
    int n = iters - skip;
    qsort(w + skip, (size_t)n, sizeof *w, cmp_d);
    qsort(c + skip, (size_t)n, sizeof *c, cmp_d);
    double mw = w[skip + n / 2], mc = c[skip + n / 2];
    const double tok = (double)cfg.batch_size * cfg.gpt.block_size;
    printf("{\"peer\": \"valle\", \"model\": \"%s\", \"threads\": %d, \"steps\": %d, "
           "\"median_step_s\": %.6f, \"median_step_cpu_s\": %.6f, \"tokens_per_s\": %.1f, "
           "\"tokens_per_cpu_s\": %.1f, \"final_loss\": %.4f}\n", gpt2 ? "gpt2-124M" : "baby-gpt",
           vl_get_num_threads(), iters, mw, mc, tok / mw, tok / mc, st.loss);
    free(w);
    free(c);
    vl_lm_run_free(&run);
    vl_lm_data_free(&d);
    return 0;
}
