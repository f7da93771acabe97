/* bench/bench_rnnlm.c: training throughput (tokens/s) of the LSTM word LM
 * (Zaremba's setups: vocab 10000, batch 20, BPTT 20, SGD, clip 5) on a
 * synthetic token stream. Usage: bench_rnnlm THREADS HIDDEN STEPS [WARMUP].
 * Prints one line "valle lstm HxL tokens/s X". Its PyTorch twin is
 * bench/rnnlm_torch.py (run both from bench/bench_rnnlm.sh). */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "valle/rnnlm.h"

int main(int argc, char **argv) {
    int threads = argc > 1 ? atoi(argv[1]) : 2, H = argc > 2 ? atoi(argv[2]) : 200;
    int steps = argc > 3 ? atoi(argv[3]) : 20, warm = argc > 4 ? atoi(argv[4]) : 3;
    vl_set_num_threads(threads);
    const int V = 10000, B = 20, T = 20;
    vl_rnnlm_vocab v = {.unk = -1};
    char w[16];
    for (int i = 0; i < V; i++) {
        snprintf(w, sizeof w, "w%d", i);
        vl_rnnlm_vocab_add(&v, w);
    }
    int64_t n = (int64_t)B * T * (steps + warm + 2) + B;
    int *ids = malloc(sizeof(int) * n);
    vl_rng r;
    vl_rng_seed(&r, 1);
    for (int64_t i = 0; i < n; i++) ids[i] = (int)vl_rng_below(&r, V);
    vl_rnnlm_train_config cfg;
    vl_rnnlm_train_config_default(&cfg);
    cfg.model.emb = cfg.model.hidden = H;
    cfg.model.dropout = H > 200 ? 0.5f : 0.0f;
    vl_rnnlm_run run;
    vl_rnnlm_run_init(&run, &cfg, &v);
    double loss, tps;
    vl_rnnlm_run_epoch(&run, ids, n, warm, 0, NULL, NULL, &loss, NULL);
    vl_rnnlm_run_epoch(&run, ids, n, steps, 0, NULL, NULL, &loss, &tps);
    printf("valle lstm %dx2 dropout %.1f threads %d: %.0f tokens/s\n", H, cfg.model.dropout,
           threads, tps);
    vl_rnnlm_run_free(&run);
    free(ids);
    return 0;
}
