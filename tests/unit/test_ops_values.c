/* tests/unit/test_ops_values.c: forward values of the elementwise,
 * reduction, softmax, cross-entropy, dropout and masked_fill ops on small
 * hand-checked cases (reference numbers from the closed forms, evaluated in
 * double), accuracy sweeps of the vectorised exp/tanh/sigmoid/GELU against
 * libm, dropout statistics, eval/no-grad behaviour and the aborts on
 * programmer errors (checked in a forked child). */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "valle/ops.h"

static vl_tensor *from(vl_ctx *c, int ndim, const int *shape, const float *v) {
    return vl_tensor_from(c, ndim, shape, v);
}

/* Checks t's shape and contents (contiguous) against expected values. */
static void expect(const char *what, const vl_tensor *t, int ndim,
                   const int *shape, const float *want, double tol) {
    bool shape_ok = t->ndim == ndim;
    for (int d = 0; shape_ok && d < ndim; d++) shape_ok = t->shape[d] == shape[d];
    CHECK_MSG(shape_ok, "%s: wrong shape (ndim %d)", what, t->ndim);
    if (!shape_ok) return;
    float *got = malloc((size_t)t->numel * sizeof(float));
    vl_copy_out(t, got);
    for (int64_t i = 0; i < t->numel; i++) {
        double d = fabs((double)got[i] - want[i]);
        CHECK_MSG(d <= tol * fmax(1.0, fabs(want[i])), "%s[%lld] = %.9g, want %.9g",
                  what, (long long)i, got[i], want[i]);
    }
    free(got);
}

/* Runs fn in a child; true when it aborts and its stderr contains every
 * string in `needles` (NULL-terminated). */
static bool aborts_with(void (*fn)(void), const char *const *needles) {
    int fd[2];
    if (pipe(fd) != 0) return false;
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(fd[1], 2);
        close(fd[0]);
        fn();
        _exit(0);
    }
    close(fd[1]);
    char buf[2048];
    size_t len = 0;
    ssize_t k;
    while ((k = read(fd[0], buf + len, sizeof buf - 1 - len)) > 0) len += (size_t)k;
    buf[len] = 0;
    close(fd[0]);
    int st = 0;
    waitpid(pid, &st, 0);
    bool ok = WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT;
    for (int i = 0; needles[i]; i++) ok = ok && strstr(buf, needles[i]);
    if (!ok) fprintf(stderr, "child stderr: %s\n", buf);
    return ok;
}

static void bad_broadcast(void) {
    vl_ctx *c = vl_ctx_new(1);
    vl_tensor *a = vl_tensor_zeros(c, 2, (int[]){2, 3});
    vl_tensor *b = vl_tensor_zeros(c, 1, (int[]){4});
    vl_add(c, a, b);
}

static void bad_target(void) {
    vl_ctx *c = vl_ctx_new(1);
    vl_tensor *a = vl_tensor_zeros(c, 2, (int[]){2, 3});
    vl_cross_entropy(c, a, (const int[]){1, 3}, -100);
}

static void bad_mask(void) {
    vl_ctx *c = vl_ctx_new(1);
    vl_tensor *a = vl_tensor_zeros(c, 2, (int[]){2, 3});
    static const uint8_t m[2] = {0, 1};
    vl_masked_fill(c, a, m, 1, (int[]){2}, 0.0f);
}

static void test_binary(vl_ctx *c) {
    vl_tensor *a = from(c, 2, (int[]){2, 3}, (float[]){1, 2, 3, 4, 5, 6});
    vl_tensor *b = from(c, 1, (int[]){3}, (float[]){10, 20, 30});
    expect("add bias", vl_add(c, a, b), 2, (int[]){2, 3},
           (float[]){11, 22, 33, 14, 25, 36}, 0);
    expect("add reversed", vl_add(c, b, a), 2, (int[]){2, 3},
           (float[]){11, 22, 33, 14, 25, 36}, 0);
    vl_tensor *col = from(c, 2, (int[]){2, 1}, (float[]){1, 2});
    vl_tensor *row = from(c, 2, (int[]){1, 3}, (float[]){10, 20, 30});
    expect("sub outer", vl_sub(c, col, row), 2, (int[]){2, 3},
           (float[]){-9, -19, -29, -8, -18, -28}, 0);
    vl_tensor *p = from(c, 3, (int[]){2, 1, 2}, (float[]){1, 2, 3, 4});
    vl_tensor *q = from(c, 2, (int[]){3, 1}, (float[]){1, 10, 100});
    expect("mul (2,1,2)*(3,1)", vl_mul(c, p, q), 3, (int[]){2, 3, 2},
           (float[]){1, 2, 10, 20, 100, 200, 3, 4, 30, 40, 300, 400}, 0);
    vl_tensor *s = from(c, 1, (int[]){1}, (float[]){4});
    expect("div by (1)", vl_div(c, a, s), 2, (int[]){2, 3},
           (float[]){0.25f, 0.5f, 0.75f, 1, 1.25f, 1.5f}, 0);
    expect("div (1) by", vl_div(c, s, row), 2, (int[]){1, 3},
           (float[]){0.4f, 0.2f, 4.0f / 30}, 1e-7);
    expect("scale", vl_scale(c, a, 2, -1), 2, (int[]){2, 3},
           (float[]){1, 3, 5, 7, 9, 11}, 0);
    /* a strided (transposed) operand */
    vl_tensor *at = vl_transpose(c, a, 0, 1); /* (3, 2): 1 4 / 2 5 / 3 6 */
    vl_tensor *c2 = from(c, 1, (int[]){2}, (float[]){100, 200});
    expect("add transposed", vl_add(c, at, c2), 2, (int[]){3, 2},
           (float[]){101, 204, 102, 205, 103, 206}, 0);
    /* large same-shape and bias cases (threaded paths) against a loop */
    int n = 300, d = 257;
    vl_tensor *x = vl_tensor_new(c, 2, (int[]){n, d});
    vl_tensor *y = vl_tensor_new(c, 2, (int[]){n, d});
    vl_tensor *bb = vl_tensor_new(c, 1, (int[]){d});
    for (int i = 0; i < n * d; i++) {
        x->data[i] = (float)(i % 97) * 0.5f;
        y->data[i] = (float)(i % 13) + 1.0f;
    }
    for (int j = 0; j < d; j++) bb->data[j] = (float)j;
    vl_tensor *xy = vl_div(c, x, y), *xb = vl_sub(c, x, bb);
    int bad = 0;
    for (int i = 0; i < n * d; i++) {
        bad += xy->data[i] != x->data[i] / y->data[i];
        bad += xb->data[i] != x->data[i] - bb->data[i % d];
    }
    CHECK_INT(bad, 0);
    /* backward of a broadcast: d sum(a + b) / db = rows of a */
    vl_ctx_reset(c);
    vl_tensor *ga = vl_tensor_zeros(c, 2, (int[]){4, 3});
    vl_tensor *gb = vl_tensor_zeros(c, 1, (int[]){3});
    vl_requires_grad(c, ga);
    vl_requires_grad(c, gb);
    vl_backward(c, vl_sum_all(c, vl_add(c, ga, gb)));
    expect("grad of broadcast b", &(vl_tensor){.data = gb->grad, .ndim = 1,
                                               .shape = {3}, .stride = {1}, .numel = 3},
           1, (int[]){3}, (float[]){4, 4, 4}, 0);
    const char *const msg[] = {"(2, 3)", "(4)", NULL};
    CHECK_MSG(aborts_with(bad_broadcast, msg), "broadcast mismatch must abort with both shapes");
}

static void test_unary(vl_ctx *c) {
    static const float xs[6] = {-2.0f, -0.5f, 0.0f, 0.5f, 1.0f, 3.0f};
    vl_tensor *x = from(c, 2, (int[]){2, 3}, xs);
    const int sh[2] = {2, 3};
    expect("exp", vl_exp(c, x), 2, sh,
           (float[]){0.135335283f, 0.60653066f, 1.0f, 1.64872127f, 2.71828183f, 20.0855369f},
           3e-7);
    expect("tanh", vl_tanh(c, x), 2, sh,
           (float[]){-0.96402758f, -0.46211716f, 0.0f, 0.46211716f, 0.76159416f, 0.99505475f},
           3e-7);
    expect("sigmoid", vl_sigmoid(c, x), 2, sh,
           (float[]){0.11920292f, 0.37754067f, 0.5f, 0.62245933f, 0.73105858f, 0.95257413f},
           3e-7);
    expect("relu", vl_relu(c, x), 2, sh, (float[]){0, 0, 0, 0.5f, 1, 3}, 0);
    expect("gelu", vl_gelu(c, x), 2, sh,
           (float[]){-0.0455002639f, -0.154268769f, 0.0f, 0.345731231f, 0.841344746f,
                     2.99595031f},
           1e-6);
    expect("gelu_tanh", vl_gelu_tanh(c, x), 2, sh,
           (float[]){-0.0454023059f, -0.15428599f, 0.0f, 0.34571401f, 0.841191991f,
                     2.99636261f},
           1e-6);
    vl_tensor *pos = from(c, 1, (int[]){4}, (float[]){0.5f, 1.0f, 2.718281828f, 10.0f});
    expect("log", vl_log(c, pos), 1, (int[]){4},
           (float[]){-0.693147181f, 0.0f, 1.0f, 2.30258509f}, 3e-7);

    /* accuracy sweeps against double-precision references */
    enum { N = 40001 };
    vl_tensor *sw = vl_tensor_new(c, 1, (int[]){N});
    for (int i = 0; i < N; i++) sw->data[i] = -104.0f + 194.0f * (float)i / (N - 1);
    vl_tensor *e = vl_exp(c, sw);
    double worst = 0;
    for (int i = 0; i < N; i++) {
        double ref = exp((double)sw->data[i]);
        if (ref < 1.2e-38 || ref > 3.4e38) continue; /* subnormal / overflow */
        worst = fmax(worst, fabs(e->data[i] - ref) / ref);
    }
    CHECK_MSG(worst < 2.5e-7, "exp max rel err %.3g", worst);
    /* log over normal and subnormal inputs: x = 2^k (1 + i/1000) */
    vl_tensor *lx = vl_tensor_new(c, 1, (int[]){N});
    for (int i = 0; i < N; i++)
        lx->data[i] = ldexpf(1.0f + (float)(i % 1000) / 1000, i / 1000 * 6 - 140);
    vl_tensor *ly = vl_log(c, lx);
    worst = 0;
    for (int i = 0; i < N; i++) {
        double ref = log((double)lx->data[i]);
        worst = fmax(worst, fabs(ly->data[i] - ref) / fmax(fabs(ref), 1e-3));
    }
    CHECK_MSG(worst < 2.5e-7, "log max rel err %.3g", worst);
    vl_tensor *sw2 = vl_tensor_new(c, 1, (int[]){N});
    for (int i = 0; i < N; i++) sw2->data[i] = -12.0f + 24.0f * (float)i / (N - 1);
    vl_tensor *th = vl_tanh(c, sw2), *sg = vl_sigmoid(c, sw2), *gt = vl_gelu_tanh(c, sw2);
    vl_tensor *ge = vl_gelu(c, sw2);
    double wt = 0, ws = 0, wg = 0, we = 0;
    for (int i = 0; i < N; i++) {
        double v = sw2->data[i];
        double rt = tanh(v), rs = 1 / (1 + exp(-v));
        double rg = 0.5 * v * (1 + tanh(sqrt(2 / 3.14159265358979324) * (v + 0.044715 * v * v * v)));
        double re = 0.5 * v * erfc(-v / sqrt(2.0));
        wt = fmax(wt, fabs(th->data[i] - rt) / fmax(fabs(rt), 1e-30));
        ws = fmax(ws, fabs(sg->data[i] - rs) / rs);
        wg = fmax(wg, fabs(gt->data[i] - rg) / fmax(fabs(rg), 1e-3));
        we = fmax(we, fabs(ge->data[i] - re) / fmax(fabs(re), 1e-3));
    }
    CHECK_MSG(wt < 5e-7, "tanh max rel err %.3g", wt);
    CHECK_MSG(ws < 5e-7, "sigmoid max rel err %.3g", ws);
    CHECK_MSG(wg < 2e-6, "gelu_tanh max err %.3g", wg);
    CHECK_MSG(we < 2e-6, "gelu max err %.3g", we);

    /* special values */
    static const float sv[5] = {-INFINITY, INFINITY, NAN, -200.0f, 200.0f};
    vl_tensor *s = from(c, 1, (int[]){5}, sv);
    vl_tensor *es = vl_exp(c, s), *ts = vl_tanh(c, s), *ss = vl_sigmoid(c, s);
    vl_tensor *rs = vl_relu(c, s), *gs = vl_gelu_tanh(c, s), *ge2 = vl_gelu(c, s);
    static const float lv[5] = {0.0f, -1.0f, INFINITY, NAN, 1.0f};
    vl_tensor *ls = vl_log(c, from(c, 1, (int[]){5}, lv));
    CHECK(isinf(ls->data[0]) && ls->data[0] < 0 && isnan(ls->data[1]));
    CHECK(isinf(ls->data[2]) && isnan(ls->data[3]) && ls->data[4] == 0);
    CHECK(es->data[0] == 0 && isinf(es->data[1]) && isnan(es->data[2]));
    CHECK(es->data[3] == 0 && isinf(es->data[4]));
    CHECK(ts->data[0] == -1 && ts->data[1] == 1 && isnan(ts->data[2]));
    CHECK(ts->data[3] == -1 && ts->data[4] == 1);
    CHECK(ss->data[0] == 0 && ss->data[1] == 1 && isnan(ss->data[2]));
    CHECK(ss->data[3] == 0 && ss->data[4] == 1);
    CHECK(rs->data[0] == 0 && isinf(rs->data[1]) && isnan(rs->data[2]));
    CHECK(gs->data[3] == 0 && gs->data[4] == 200.0f);
    CHECK(ge2->data[3] == 0 && ge2->data[4] == 200.0f && isinf(ge2->data[1]));
    CHECK(isnan(ge2->data[2]));
}

static void test_reduce(vl_ctx *c) {
    vl_tensor *a = from(c, 2, (int[]){2, 3}, (float[]){1, 2, 3, 4, 5, 6});
    expect("sum 0", vl_sum(c, a, 0, false), 1, (int[]){3}, (float[]){5, 7, 9}, 0);
    expect("sum 1", vl_sum(c, a, 1, false), 1, (int[]){2}, (float[]){6, 15}, 0);
    expect("sum -1 keepdim", vl_sum(c, a, -1, true), 2, (int[]){2, 1},
           (float[]){6, 15}, 0);
    expect("sum 0 keepdim", vl_sum(c, a, 0, true), 2, (int[]){1, 3},
           (float[]){5, 7, 9}, 0);
    expect("mean 0", vl_mean(c, a, 0, false), 1, (int[]){3}, (float[]){2.5f, 3.5f, 4.5f}, 0);
    expect("mean 1 keepdim", vl_mean(c, a, 1, true), 2, (int[]){2, 1},
           (float[]){2, 5}, 0);
    expect("sum_all", vl_sum_all(c, a), 1, (int[]){1}, (float[]){21}, 0);
    expect("mean_all", vl_mean_all(c, a), 1, (int[]){1}, (float[]){3.5f}, 0);
    vl_tensor *v = from(c, 1, (int[]){4}, (float[]){1, 2, 3, 4});
    expect("sum of 1-d", vl_sum(c, v, 0, false), 1, (int[]){1}, (float[]){10}, 0);
    vl_tensor *m = from(c, 3, (int[]){2, 3, 2},
                        (float[]){1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
    expect("sum middle", vl_sum(c, m, 1, false), 2, (int[]){2, 2},
           (float[]){9, 12, 27, 30}, 0);
    expect("mean middle keepdim", vl_mean(c, m, 1, true), 3, (int[]){2, 1, 2},
           (float[]){3, 4, 9, 10}, 0);
    expect("sum of transposed", vl_sum(c, vl_transpose(c, a, 0, 1), 1, false), 1,
           (int[]){3}, (float[]){5, 7, 9}, 0);
    /* strips wider than one work item, threaded */
    vl_tensor *big = vl_tensor_full(c, 3, (int[]){3, 50, 600}, 1.0f);
    vl_tensor *bs = vl_sum(c, big, 1, false);
    int bad = 0;
    for (int i = 0; i < 3 * 600; i++) bad += bs->data[i] != 50.0f;
    CHECK_INT(bad, 0);
    /* accuracy: a million 0.1f summed in double */
    vl_tensor *tenth = vl_tensor_full(c, 1, (int[]){1000000}, 0.1f);
    double want = 1e6 * (double)0.1f;
    CHECK_NEAR(vl_sum_all(c, tenth)->data[0], want, want * 1e-7);
    CHECK_NEAR(vl_mean(c, tenth, 0, false)->data[0], (double)0.1f, 1e-8);
}

static void test_softmax(vl_ctx *c) {
    vl_tensor *l = from(c, 2, (int[]){2, 3}, (float[]){1, 2, 3, 1000, 1000, -1000});
    expect("softmax", vl_softmax(c, l), 2, (int[]){2, 3},
           (float[]){0.0900305732f, 0.244728471f, 0.665240956f, 0.5f, 0.5f, 0.0f}, 3e-7);
    expect("log_softmax", vl_log_softmax(c, l), 2, (int[]){2, 3},
           (float[]){-2.40760596f, -1.40760596f, -0.40760596f, -0.693147181f,
                     -0.693147181f, -2000.69315f},
           3e-7);
    /* rows of a 3-D softmax sum to 1 */
    vl_tensor *r = vl_tensor_new(c, 3, (int[]){2, 4, 33});
    for (int i = 0; i < 2 * 4 * 33; i++) r->data[i] = (float)((i * 7919) % 101) * 0.1f - 5;
    vl_tensor *sm = vl_softmax(c, r);
    double worst = 0;
    for (int row = 0; row < 8; row++) {
        double s = 0;
        for (int j = 0; j < 33; j++) s += sm->data[row * 33 + j];
        worst = fmax(worst, fabs(s - 1));
    }
    CHECK_MSG(worst < 1e-6, "softmax row sums off by %.3g", worst);

    /* cross-entropy */
    vl_tensor *lg = from(c, 2, (int[]){3, 3}, (float[]){1, 2, 3, 1, 2, 3, 0, 0, 0});
    CHECK_NEAR(vl_cross_entropy(c, lg, (const int[]){2, 0, 1}, -100)->data[0],
               1.30460807, 3e-7);
    CHECK_NEAR(vl_cross_entropy(c, lg, (const int[]){2, -100, 1}, -100)->data[0],
               0.753109127, 3e-7);
    CHECK_NEAR(vl_cross_entropy(c, lg, (const int[]){2, 5, 5}, 5)->data[0],
               0.407605964, 3e-7);
    vl_tensor *lg3 = vl_reshape(c, lg, 3, (int[]){3, 1, 3});
    CHECK_NEAR(vl_cross_entropy(c, lg3, (const int[]){2, 0, 1}, -100)->data[0],
               1.30460807, 3e-7);
    /* every row ignored: loss 0, gradient 0 */
    vl_ctx_reset(c);
    vl_tensor *z = from(c, 2, (int[]){2, 3}, (float[]){1, 2, 3, 4, 5, 6});
    vl_requires_grad(c, z);
    vl_tensor *loss = vl_cross_entropy(c, z, (const int[]){-100, -100}, -100);
    CHECK(loss->numel == 1 && loss->data[0] == 0.0f);
    vl_backward(c, loss);
    int nz = 0;
    for (int i = 0; i < 6; i++) nz += z->grad[i] != 0.0f;
    CHECK_INT(nz, 0);
    /* gradient is (softmax - onehot) / count */
    vl_ctx_reset(c);
    z = from(c, 2, (int[]){2, 3}, (float[]){1, 2, 3, 0, 0, 0});
    vl_requires_grad(c, z);
    vl_backward(c, vl_cross_entropy(c, z, (const int[]){2, -100}, -100));
    expect("ce grad", &(vl_tensor){.data = z->grad, .ndim = 1, .shape = {6},
                                   .stride = {1}, .numel = 6},
           1, (int[]){6}, (float[]){0.0900305732f, 0.244728471f, 0.665240956f - 1, 0, 0, 0},
           3e-7);
    const char *const msg[] = {"target 3", NULL};
    CHECK_MSG(aborts_with(bad_target, msg), "out-of-range target must abort");
}

static void test_dropout(vl_ctx *c) {
    enum { N = 100000 };
    const float p = 0.3f;
    vl_tensor *x = vl_tensor_full(c, 1, (int[]){N}, 1.0f);
    vl_rng before = c->rng;
    vl_tensor *y = vl_dropout(c, x, p);
    uint64_t key = vl_rng_u64(&before);
    CHECK(before.s[0] == c->rng.s[0] && before.s[3] == c->rng.s[3]); /* one draw */
    int dropped = 0, bad_scale = 0, bad_mask = 0;
    const float keep = 1.0f / (1.0f - p);
    for (int i = 0; i < N; i++) {
        bool drop = y->data[i] == 0.0f;
        dropped += drop;
        bad_scale += !drop && y->data[i] != keep;
        bad_mask += drop != (vl_hash_uniform(key, (uint64_t)i) < p);
    }
    double frac = (double)dropped / N; /* sd of the fraction: 0.0014 */
    CHECK_MSG(fabs(frac - p) < 0.01, "dropped fraction %.4f for p %.2f", frac, p);
    CHECK_INT(bad_scale, 0);
    CHECK_INT(bad_mask, 0);
    /* the same seed gives the same mask whatever the thread count */
    int threads = vl_get_num_threads();
    vl_ctx *c1 = vl_ctx_new(99), *c2 = vl_ctx_new(99);
    vl_set_num_threads(1);
    vl_tensor *y1 = vl_dropout(c1, vl_tensor_full(c1, 1, (int[]){N}, 2.0f), 0.5f);
    vl_set_num_threads(threads > 1 ? threads : 2);
    vl_tensor *y2 = vl_dropout(c2, vl_tensor_full(c2, 1, (int[]){N}, 2.0f), 0.5f);
    vl_set_num_threads(threads);
    CHECK(memcmp(y1->data, y2->data, N * sizeof(float)) == 0);
    vl_ctx_free(c1);
    vl_ctx_free(c2);
    /* identity cases and p = 1 */
    CHECK(vl_dropout(c, x, 0.0f) == x);
    vl_set_training(c, false);
    CHECK(vl_dropout(c, x, 0.5f) == x);
    vl_set_training(c, true);
    vl_tensor *zeros = vl_dropout(c, x, 1.0f);
    int nz = 0;
    for (int i = 0; i < N; i++) nz += zeros->data[i] != 0.0f;
    CHECK_INT(nz, 0);
}

static void test_masked_fill(vl_ctx *c) {
    vl_tensor *a = from(c, 3, (int[]){2, 2, 3}, (float[]){1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
    static const uint8_t m23[6] = {1, 0, 0, 0, 0, 1};
    expect("masked_fill (2,3)", vl_masked_fill(c, a, m23, 2, (int[]){2, 3}, -1), 3,
           (int[]){2, 2, 3}, (float[]){-1, 2, 3, 4, 5, -1, -1, 8, 9, 10, 11, -1}, 0);
    static const uint8_t m21[2] = {0, 1};
    expect("masked_fill (2,1,1)", vl_masked_fill(c, a, m21, 3, (int[]){2, 1, 1}, 0), 3,
           (int[]){2, 2, 3}, (float[]){1, 2, 3, 4, 5, 6, 0, 0, 0, 0, 0, 0}, 0);
    static const uint8_t full[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7};
    vl_tensor *f = vl_masked_fill(c, a, full, 3, (int[]){2, 2, 3}, -INFINITY);
    CHECK(isinf(f->data[11]) && f->data[11] < 0 && f->data[10] == 11);
    const char *const msg[] = {"masked_fill", NULL};
    CHECK_MSG(aborts_with(bad_mask, msg), "non-broadcasting mask must abort");
}

/* Runs every op once; returns the number of tape nodes it recorded. */
static int run_all_ops(vl_ctx *c, vl_tensor *x, vl_tensor *b) {
    int before = c->tape_len;
    vl_tensor *h = vl_add(c, x, b);
    h = vl_sub(c, h, b);
    h = vl_mul(c, h, b);
    h = vl_div(c, h, vl_scale(c, b, 0, 2));
    h = vl_scale(c, h, 2, 1);
    h = vl_gelu(c, vl_gelu_tanh(c, vl_relu(c, vl_sigmoid(c, vl_tanh(c, h)))));
    h = vl_log(c, vl_exp(c, h));
    h = vl_dropout(c, h, 0.5f);
    h = vl_masked_fill(c, h, (const uint8_t[]){0, 1, 0}, 1, (int[]){3}, 0);
    h = vl_softmax(c, vl_log_softmax(c, h));
    vl_sum(c, h, 0, false);
    vl_mean(c, h, 1, true);
    vl_sum_all(c, h);
    vl_mean_all(c, h);
    vl_cross_entropy(c, h, (const int[]){0, 2}, -100);
    return c->tape_len - before;
}

static void test_modes(vl_ctx *c) {
    vl_ctx_reset(c);
    vl_tensor *x = vl_tensor_full(c, 2, (int[]){2, 3}, 0.5f);
    vl_tensor *b = vl_tensor_full(c, 1, (int[]){3}, 1.5f);
    vl_requires_grad(c, x);
    bool was = vl_set_grad_enabled(c, false);
    CHECK(was);
    CHECK_INT(run_all_ops(c, x, b), 0);
    CHECK_INT(c->tape_len, 0);
    vl_set_grad_enabled(c, true);
    CHECK_INT(run_all_ops(c, x, b), 21); /* one node per op; scale(b) none */
    /* inputs that need no gradient record nothing either */
    vl_tensor *k = vl_tensor_full(c, 2, (int[]){2, 3}, 0.5f);
    int before = c->tape_len;
    vl_exp(c, k);
    vl_add(c, k, b);
    CHECK_INT(c->tape_len - before, 0);
}

/* Loss and broadcast/reduction gradients of a small graph, computed with
 * `threads` threads into out[0..n). */
static int run_threaded(int threads, float *out) {
    int saved = vl_get_num_threads();
    vl_set_num_threads(threads);
    vl_ctx *c = vl_ctx_new(7);
    enum { R = 200, D = 300 };
    vl_tensor *x = vl_tensor_new(c, 2, (int[]){R, D});
    for (int i = 0; i < R * D; i++) x->data[i] = (float)((i * 7919) % 1013) / 1013.0f - 0.5f;
    vl_tensor *b = vl_tensor_full(c, 1, (int[]){D}, 0.25f);
    vl_tensor *s = vl_tensor_full(c, 2, (int[]){R, 1}, 2.0f);
    vl_requires_grad(c, x);
    vl_requires_grad(c, b);
    vl_requires_grad(c, s);
    static int tg[R];
    for (int i = 0; i < R; i++) tg[i] = (i * 37) % D;
    vl_tensor *h = vl_mul(c, vl_add(c, x, b), s);
    vl_tensor *loss = vl_add(c, vl_cross_entropy(c, h, tg, -100),
                             vl_mean_all(c, vl_sum(c, vl_gelu(c, h), 0, false)));
    vl_backward(c, loss);
    int n = 0;
    out[n++] = loss->data[0];
    for (int i = 0; i < D; i++) out[n++] = b->grad[i];
    for (int i = 0; i < R; i++) out[n++] = s->grad[i];
    for (int i = 0; i < R * D; i += 97) out[n++] = x->grad[i];
    vl_ctx_free(c);
    vl_set_num_threads(saved);
    return n;
}

static void test_thread_independence(void) {
    static float one[2000], many[2000];
    int n1 = run_threaded(1, one), n2 = run_threaded(3, many);
    CHECK_INT(n1, n2);
    CHECK_MSG(memcmp(one, many, (size_t)n1 * sizeof(float)) == 0,
              "results depend on the thread count");
}

int main(void) {
    vl_ctx *c = vl_ctx_new(42);
    test_binary(c);
    vl_ctx_reset(c);
    test_unary(c);
    vl_ctx_reset(c);
    test_reduce(c);
    vl_ctx_reset(c);
    test_softmax(c);
    vl_ctx_reset(c);
    test_dropout(c);
    vl_ctx_reset(c);
    test_masked_fill(c);
    test_modes(c);
    vl_ctx_free(c);
    test_thread_independence();
    return test_summary();
}
