/* bench/bench_attention.c: the fused attention kernel against the naive
 * composition of ops (matmul + masked_fill + softmax + matmul), forward and
 * forward + backward, causal, for several sequence lengths. The two are
 * timed interleaved (rep by rep), so load on a shared machine hits both.
 *
 *   bench_attention [--threads N] [--reps R] [--B B] [--H H] [--D D]
 *                   [T ...]            (default T: 256 1024 4096)
 *
 * Prints one line per T: median CPU milliseconds of each (process CPU
 * time; run with --threads 1 on a shared machine), the ratio, and the peak
 * arena memory each needed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "valle/attention.h"

/* Process CPU seconds: on a shared, overloaded machine the wall clock
 * mostly measures the other tenants; CPU time of a single-threaded run does
 * not (use --threads 1 for it; with more threads spinning counts too). */
static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int cmp_d(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n) {
    qsort(v, (size_t)n, sizeof *v, cmp_d);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* One forward (and backward when bw) of B x T x (H*D) causal attention;
 * returns seconds; *peak gets the arena bytes used. */
static double run_once(vl_ctx *c, bool fused, bool bw, int B, int T, int H, int D,
                       const float *data, const float *gout, size_t *peak) {
    vl_ctx_reset(c);
    const int C = H * D;
    vl_tensor *t[3];
    for (int i = 0; i < 3; i++) {
        t[i] = vl_tensor_wrap(c, 3, (int[]){B, T, C}, (float *)data + (size_t)i * B * T * C);
        if (bw) vl_requires_grad(c, t[i]);
    }
    vl_set_grad_enabled(c, bw);
    vl_attn_opts o = {.causal = true};
    double t0 = now_s();
    vl_tensor *y = fused ? vl_attention(c, t[0], t[1], t[2], H, &o)
                         : vl_attention_naive(c, t[0], t[1], t[2], H, &o);
    if (bw) vl_backward_grad(c, y, gout);
    double dt = now_s() - t0;
    *peak = c->arena.used_total;
    return dt;
}

int main(int argc, char **argv) {
    int threads = 0, reps = 5, B = 1, H = 4, D = 64;
    int Ts[16], nT = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--threads") && i + 1 < argc) threads = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--reps") && i + 1 < argc) reps = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--B") && i + 1 < argc) B = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--H") && i + 1 < argc) H = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--D") && i + 1 < argc) D = atoi(argv[++i]);
        else if (nT < 16 && atoi(argv[i]) > 0) Ts[nT++] = atoi(argv[i]);
        else {
            fprintf(stderr, "usage: bench_attention [--threads N] [--reps R] [--B B] [--H H] "
                            "[--D D] [T ...]\n");
            return 2;
        }
    }
    if (!nT) {
        Ts[0] = 256;
        Ts[1] = 1024;
        Ts[2] = 4096;
        nT = 3;
    }
    if (reps < 1 || reps > 1000) reps = 5;
    vl_set_num_threads(threads);
    printf("causal attention, B=%d H=%d D=%d, %d threads, median CPU time of %d reps (interleaved)\n",
           B, H, D, vl_get_num_threads(), reps);
    printf("%6s  %12s %12s %7s  %12s %12s %7s  %10s %10s\n", "T", "naive fwd ms",
           "fused fwd ms", "ratio", "naive f+b ms", "fused f+b ms", "ratio", "naive MB",
           "fused MB");
    for (int k = 0; k < nT; k++) {
        const int T = Ts[k], C = H * D;
        size_t n = (size_t)B * T * C;
        float *data = malloc(3 * n * sizeof(float)), *g = malloc(n * sizeof(float));
        vl_rng r;
        vl_rng_seed(&r, 1);
        for (size_t i = 0; i < 3 * n; i++) data[i] = vl_rng_normal(&r);
        for (size_t i = 0; i < n; i++) g[i] = vl_rng_normal(&r);
        vl_ctx *c = vl_ctx_new(1);
        double *tm[4];
        size_t peak[4] = {0};
        for (int m = 0; m < 4; m++) tm[m] = malloc((size_t)reps * sizeof(double));
        for (int m = 0; m < 4; m++) /* warm-up (arena growth) */
            run_once(c, m & 1, m >= 2, B, T, H, D, data, g, &peak[m]);
        for (int rep = 0; rep < reps; rep++)
            for (int m = 0; m < 4; m++)
                tm[m][rep] = run_once(c, m & 1, m >= 2, B, T, H, D, data, g, &peak[m]);
        double md[4];
        for (int m = 0; m < 4; m++) md[m] = 1e3 * median(tm[m], reps);
        printf("%6d  %12.2f %12.2f %6.2fx  %12.2f %12.2f %6.2fx  %10.1f %10.1f\n", T, md[0],
               md[1], md[0] / md[1], md[2], md[3], md[2] / md[3], peak[2] / 1048576.0,
               peak[3] / 1048576.0);
        fflush(stdout);
        for (int m = 0; m < 4; m++) free(tm[m]);
        vl_ctx_free(c);
        free(data);
        free(g);
    }
    return 0;
}
