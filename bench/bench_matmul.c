/* bench/bench_matmul.c: GFLOP/s of (1) vl_matmul / vl_linear (our op path:
 * arena output, layout checks, tape off) against (2) cblas_sgemm called
 * directly, and (3) the machine's measured fp32 peak (an AVX-512 FMA loop on
 * every thread), for square and tall-skinny shapes. Prints a Markdown table.
 * Usage: bench_matmul [threads] [repeats] */
#include <cblas.h>
#include <immintrin.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "valle/ops.h"

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Peak: 12 independent FMA chains of 16 floats per thread. */
__attribute__((target("avx512f"))) static double fma_peak(int threads) {
    const long iters = 20000000;
    double t0 = now();
    float sink = 0;
#pragma omp parallel num_threads(threads) reduction(+ : sink)
    {
        __m512 acc[12], m = _mm512_set1_ps(0.999999f), a = _mm512_set1_ps(1e-7f);
        for (int k = 0; k < 12; k++) acc[k] = _mm512_set1_ps((float)k);
        for (long i = 0; i < iters; i++)
            for (int k = 0; k < 12; k++) acc[k] = _mm512_fmadd_ps(acc[k], m, a);
        for (int k = 0; k < 12; k++) sink += _mm512_reduce_add_ps(acc[k]);
    }
    double dt = now() - t0;
    if (sink == 12345.0f) puts("");
    return (double)threads * iters * 12 * 16 * 2 / dt / 1e9;
}

typedef struct shape { int M, N, K; const char *what; } shape;

int main(int argc, char **argv) {
    int threads = argc > 1 ? atoi(argv[1]) : 2;
    int reps = argc > 2 ? atoi(argv[2]) : 7;
    vl_set_num_threads(threads);
    double peak = 0;
    for (int r = 0; r < 3; r++) {
        double p = fma_peak(threads);
        if (p > peak) peak = p;
    }
    printf("threads %d, measured fp32 FMA peak %.1f GFLOP/s\n\n", threads, peak);
    printf("| shape (M x K) @ (K x N) | kind | sgemm GFLOP/s | vl_matmul GFLOP/s | vl_linear GFLOP/s | ours/sgemm | sgemm/peak |\n");
    printf("|---|---|---|---|---|---|---|\n");
    shape shapes[] = {{256, 256, 256, "square"},      {512, 512, 512, "square"},
                      {1024, 1024, 1024, "square"},   {2048, 2048, 2048, "square"},
                      {128, 1024, 784, "MLP layer 1"}, {128, 1024, 1024, "MLP layer 2"},
                      {8192, 64, 64, "tall-skinny"},  {16384, 16, 256, "tall-skinny"},
                      {64, 64, 16384, "long-K"},      {32, 4096, 512, "short-wide"}};
    vl_ctx *c = vl_ctx_new(1);
    vl_set_grad_enabled(c, false);
    for (size_t s = 0; s < sizeof shapes / sizeof *shapes; s++) {
        int M = shapes[s].M, N = shapes[s].N, K = shapes[s].K;
        float *A = malloc(sizeof(float) * M * K), *B = malloc(sizeof(float) * K * N),
              *W = malloc(sizeof(float) * N * K), *C = malloc(sizeof(float) * M * N);
        for (long i = 0; i < (long)M * K; i++) A[i] = (float)((i * 7) % 13) / 13.0f;
        for (long i = 0; i < (long)K * N; i++) B[i] = W[i] = (float)((i * 5) % 11) / 11.0f;
        double flops = 2.0 * M * N * K;
        int inner = (int)(2e9 / flops) + 1; /* ~1 s of work at 2 TFLOP... keep short */
        if (inner > 200) inner = 200;
        double t_blas[32], t_mm[32], t_lin[32];
        for (int r = 0; r < reps; r++) {
            double t0 = now();
            for (int i = 0; i < inner; i++)
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, M, N, K, 1.0f, A, K, B,
                            N, 0.0f, C, N);
            t_blas[r] = (now() - t0) / inner;
            vl_tensor *a = vl_tensor_wrap(c, 2, (int[]){M, K}, A);
            vl_tensor *b = vl_tensor_wrap(c, 2, (int[]){K, N}, B);
            vl_tensor *w = vl_tensor_wrap(c, 2, (int[]){N, K}, W);
            t0 = now();
            for (int i = 0; i < inner; i++) vl_matmul(c, a, b);
            t_mm[r] = (now() - t0) / inner;
            t0 = now();
            for (int i = 0; i < inner; i++) vl_linear(c, a, w, NULL);
            t_lin[r] = (now() - t0) / inner;
            vl_ctx_reset(c);
        }
        qsort(t_blas, reps, sizeof(double), cmp_double);
        qsort(t_mm, reps, sizeof(double), cmp_double);
        qsort(t_lin, reps, sizeof(double), cmp_double);
        double gb = flops / t_blas[reps / 2] / 1e9, gm = flops / t_mm[reps / 2] / 1e9,
               gl = flops / t_lin[reps / 2] / 1e9;
        printf("| %d x %d @ %d x %d | %s | %.1f | %.1f | %.1f | %.2f | %.0f%% |\n", M, K, K, N,
               shapes[s].what, gb, gm, gl, gm / gb, 100 * gb / peak);
        free(A);
        free(B);
        free(W);
        free(C);
    }
    vl_ctx_free(c);
    return 0;
}
