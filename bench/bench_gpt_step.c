/* bench/bench_gpt_step.c: training steps of the tinyshakespeare baby GPT
 * (the defaults of `valle lm train`: 4 layers, 4 heads, 128 dims, block 64,
 * batch 12, AdamW) through the LM trainer, timed per step in wall and
 * process-CPU time. The peer is bench/gpt_torch.py (same config); run both
 * with bench/bench_gpt.sh, which alternates them.
 *
 *   bench_gpt_step --data tinyshakespeare.txt [--iters 60] [--skip 10]
 *                  [--threads 1]
 *
 * Prints one JSON line: median step seconds (wall and CPU) over the steps
 * after --skip, tokens/s from each, and the last loss. */
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

int main(int argc, char **argv) {
    const char *path = NULL;
    int iters = 60, skip = 10, threads = 1;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--data") && i + 1 < argc) path = argv[++i];
        else if (!strcmp(argv[i], "--iters") && i + 1 < argc) iters = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--skip") && i + 1 < argc) skip = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--threads") && i + 1 < argc) threads = atoi(argv[++i]);
        else path = NULL, iters = -1;
    }
    if (!path || iters < 1 || skip < 0 || skip >= iters) {
        fprintf(stderr, "usage: bench_gpt_step --data FILE [--iters N] [--skip K] [--threads T]\n");
        return 2;
    }
    vl_set_num_threads(threads);
    vl_lm_train_config cfg;
    vl_lm_train_config_default(&cfg);
    vl_lm_data d;
    int rc = vl_lm_data_load(path, VL_LM_CHAR, NULL, &d);
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
    }
    int n = iters - skip;
    qsort(w + skip, (size_t)n, sizeof *w, cmp_d);
    qsort(c + skip, (size_t)n, sizeof *c, cmp_d);
    double mw = w[skip + n / 2], mc = c[skip + n / 2];
    const double tok = (double)cfg.batch_size * cfg.gpt.block_size;
    printf("{\"peer\": \"valle\", \"threads\": %d, \"steps\": %d, \"median_step_s\": %.6f, "
           "\"median_step_cpu_s\": %.6f, \"tokens_per_s\": %.1f, \"tokens_per_cpu_s\": %.1f, "
           "\"final_loss\": %.4f}\n", vl_get_num_threads(), iters, mw, mc, tok / mw, tok / mc,
           st.loss);
    free(w);
    free(c);
    vl_lm_run_free(&run);
    vl_lm_data_free(&d);
    return 0;
}
