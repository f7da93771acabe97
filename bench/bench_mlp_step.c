/* bench/bench_mlp_step.c: one training step (forward, cross-entropy,
 * backward, Adam update) of an MLP 784-1024-1024-10 (ReLU) at batch 128,
 * the same work as bench/mlp_step_torch.py. Prints the median ms/step.
 * Usage: bench_mlp_step [threads] [steps] [repeats] */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "valle/nn.h"
#include "valle/optim.h"

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv) {
    int threads = argc > 1 ? atoi(argv[1]) : 2;
    int steps = argc > 2 ? atoi(argv[2]) : 20;
    int reps = argc > 3 ? atoi(argv[3]) : 7;
    const int B = 128;
    vl_set_num_threads(threads);
    vl_params P;
    vl_params_init(&P);
    vl_mlp_config cfg = {.in_dim = 784, .out_dim = 10, .n_hidden = 2,
                         .hidden = {1024, 1024}, .act = VL_ACT_RELU};
    vl_mlp mlp;
    vl_mlp_init(&mlp, &P, "", &cfg);
    vl_params_finalize(&P, 1);
    vl_optim opt;
    vl_optim_init(&opt, VL_OPT_ADAM, P.n_train);
    opt.lr = 1e-4f;
    vl_ctx *c = vl_ctx_new(1);
    float *x = malloc(sizeof(float) * B * 784);
    int y[B];
    vl_rng r;
    vl_rng_seed(&r, 2);
    for (int i = 0; i < B * 784; i++) x[i] = vl_rng_uniform(&r);
    for (int i = 0; i < B; i++) y[i] = (int)vl_rng_below(&r, 10);
    double times[64];
    float last = 0;
    for (int rep = -1; rep < reps; rep++) { /* rep -1 warms up */
        double t0 = now();
        for (int s = 0; s < steps; s++) {
            vl_ctx_reset(c);
            vl_tensor *xb = vl_tensor_wrap(c, 2, (int[]){B, 784}, x);
            vl_tensor *loss = vl_cross_entropy(c, vl_mlp_forward(c, &mlp, xb), y, -100);
            vl_params_zero_grad(&P);
            vl_backward(c, loss);
            vl_optim_step(&opt, P.data, P.grad);
            last = loss->data[0];
        }
        if (rep >= 0) times[rep] = (now() - t0) / steps;
    }
    qsort(times, reps, sizeof(double), cmp_double);
    printf("valle mlp step: threads %d  median %.3f ms  min %.3f ms  (loss %.4f)\n", threads,
           times[reps / 2] * 1e3, times[0] * 1e3, last);
    vl_ctx_free(c);
    vl_optim_free(&opt);
    vl_params_free(&P);
    free(x);
    return 0;
}
