/* tests/unit/test_optim.c: optimisers against double-precision references
 * written from the PyTorch update rules, learning-rate schedules at their
 * key steps (including DeepSpeed WarmupDecayLR), gradient clipping and the
 * finiteness check. */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "valle/optim.h"

#define STEPS 5

typedef struct ref_cfg {
    vl_optim_kind kind;
    double lr, momentum, dampening, b1, b2, eps, wd;
    bool nesterov;
} ref_cfg;

/* One step of the reference on doubles; t is the 1-based step number. */
static void ref_step(const ref_cfg *c, double *p, double *m, double *v,
                     const float *grad, int64_t n, int64_t t) {
    for (int64_t i = 0; i < n; i++) {
        double g = grad[i];
        if (c->kind == VL_OPT_SGD) {
            g += c->wd * p[i];
            if (c->momentum != 0) {
                m[i] = t == 1 ? g : c->momentum * m[i] + (1 - c->dampening) * g;
                g = c->nesterov ? g + c->momentum * m[i] : m[i];
            }
            p[i] -= c->lr * g;
        } else {
            if (c->kind == VL_OPT_ADAMW) p[i] *= 1 - c->lr * c->wd;
            else g += c->wd * p[i];
            m[i] = c->b1 * m[i] + (1 - c->b1) * g;
            v[i] = c->b2 * v[i] + (1 - c->b2) * g * g;
            double mhat = m[i] / (1 - pow(c->b1, (double)t));
            double vhat = v[i] / (1 - pow(c->b2, (double)t));
            p[i] -= c->lr * mhat / (sqrt(vhat) + c->eps);
        }
    }
}

static void fill(vl_rng *r, float *x, int64_t n, float scale) {
    for (int64_t i = 0; i < n; i++) x[i] = scale * vl_rng_normal(r);
}

/* Runs `steps` steps of the library and the reference; returns the largest
 * error relative to max(|p|, 1) over all steps. With zero_init the
 * parameters start at 0 and the error is relative to |p| itself, which
 * checks the size of the update to float precision. */
static double run_case_ex(const char *name, const ref_cfg *c, int64_t n,
                          uint64_t seed, int steps, bool zero_init) {
    vl_rng r;
    vl_rng_seed(&r, seed);
    float *p = malloc((size_t)n * sizeof *p);
    float *g = malloc((size_t)n * sizeof *g);
    float *pd_f = malloc((size_t)n * sizeof *pd_f);
    double *pd = malloc((size_t)n * sizeof *pd);
    double *md = calloc((size_t)n, sizeof *md);
    double *vd = calloc((size_t)n, sizeof *vd);
    fill(&r, p, n, zero_init ? 0.0f : 1.0f);
    for (int64_t i = 0; i < n; i++) pd[i] = p[i];

    vl_optim o;
    vl_optim_init(&o, c->kind, n);
    o.lr = (float)c->lr;
    o.momentum = (float)c->momentum;
    o.dampening = (float)c->dampening;
    o.nesterov = c->nesterov;
    o.beta1 = (float)c->b1;
    o.beta2 = (float)c->b2;
    o.eps = (float)c->eps;
    o.weight_decay = (float)c->wd;

    double worst = 0;
    for (int64_t t = 1; t <= steps; t++) {
        /* gradient scales from 1e-6 to 1 so eps matters for some entries */
        for (int64_t i = 0; i < n; i++)
            g[i] = vl_rng_normal(&r) * powf(10.0f, -6.0f * vl_rng_uniform(&r));
        vl_optim_step(&o, p, g);
        ref_step(c, pd, md, vd, g, n, t);
        for (int64_t i = 0; i < n; i++) pd_f[i] = (float)pd[i];
        long at;
        double e = test_max_rel_err(p, pd_f, (long)n, zero_init ? 1e-30 : 1.0,
                                    &at);
        if (e > worst) worst = e;
    }
    CHECK_INT(o.step, steps);
    CHECK_MSG(worst < 1e-6, "%s: max rel err %.3g", name, worst);
    printf("%-20s n=%-7lld steps=%d%s max err %.3g\n", name, (long long)n,
           steps, zero_init ? " from 0" : "", worst);
    vl_optim_free(&o);
    free(p); free(g); free(pd_f); free(pd); free(md); free(vd);
    return worst;
}

static double run_case(const char *name, const ref_cfg *c, int64_t n,
                       uint64_t seed) {
    /* the update alone, to float precision, then a 5-step trajectory */
    run_case_ex(name, c, n, seed, 1, true);
    return run_case_ex(name, c, n, seed, STEPS, false);
}

static void test_optimisers(void) {
    const ref_cfg sgd = {VL_OPT_SGD, 0.1, 0, 0, 0, 0, 0, 0, false};
    run_case("sgd plain", &sgd, 1000, 1);

    ref_cfg c = sgd;
    c.momentum = 0.9;
    run_case("sgd momentum", &c, 1000, 2);

    c = sgd;
    c.lr = 0.05; c.momentum = 0.9; c.nesterov = true; c.wd = 1e-2;
    run_case("sgd nesterov+wd", &c, 1000, 3);

    c = sgd;
    c.momentum = 0.8; c.dampening = 0.3; c.wd = 1e-3;
    run_case("sgd dampening", &c, 1000, 4);

    const ref_cfg adam = {VL_OPT_ADAM, 1e-3, 0, 0, 0.9, 0.999, 1e-8, 1e-2, false};
    run_case("adam wd", &adam, 1000, 5);

    c = adam;
    c.lr = 1e-2; c.b1 = 0.8; c.b2 = 0.99; c.eps = 1e-6; c.wd = 0;
    run_case("adam betas", &c, 1000, 6);

    c = adam;
    c.kind = VL_OPT_ADAMW; c.wd = 0.1;
    run_case("adamw", &c, 1000, 7);

    /* above the threading threshold */
    run_case("adamw large", &c, 100003, 8);
    c = sgd;
    c.momentum = 0.9; c.nesterov = true; c.wd = 1e-2;
    run_case("sgd nesterov large", &c, 100003, 9);
}

static void test_defaults(void) {
    vl_optim o;
    vl_optim_init(&o, VL_OPT_SGD, 10);
    CHECK(o.kind == VL_OPT_SGD);
    CHECK_INT(o.n, 10);
    CHECK(o.lr == 1e-3f && o.momentum == 0 && o.dampening == 0);
    CHECK(!o.nesterov && o.weight_decay == 0 && o.step == 0);
    CHECK(o.m != NULL && o.v == NULL);
    CHECK(o.m[0] == 0 && o.m[9] == 0);
    vl_optim_free(&o);
    CHECK(o.m == NULL);

    vl_optim_init(&o, VL_OPT_ADAM, 10);
    CHECK(o.beta1 == 0.9f && o.beta2 == 0.999f && o.eps == 1e-8f);
    CHECK(o.weight_decay == 0 && o.m != NULL && o.v != NULL);
    vl_optim_free(&o);
    vl_optim_init(&o, VL_OPT_ADAMW, 10);
    CHECK(o.weight_decay == 1e-2f);   /* torch.optim.AdamW default */
    vl_optim_free(&o);

    /* zero-size buffers are fine */
    vl_optim_init(&o, VL_OPT_ADAM, 0);
    vl_optim_step(&o, NULL, NULL);
    CHECK_INT(o.step, 1);
    vl_optim_free(&o);

    /* SGD with lr 0 leaves parameters alone; momentum state still moves */
    float p[3] = {1, 2, 3}, g[3] = {1, 1, 1};
    vl_optim_init(&o, VL_OPT_SGD, 3);
    o.lr = 0; o.momentum = 0.5f;
    vl_optim_step(&o, p, g);
    vl_optim_step(&o, p, g);
    CHECK(p[0] == 1 && p[1] == 2 && p[2] == 3);
    CHECK_NEAR(o.m[0], 1.5, 1e-7);
    vl_optim_free(&o);

    /* first Adam step moves every weight by about lr (bias corrected) */
    vl_optim_init(&o, VL_OPT_ADAM, 3);
    o.lr = 0.01f;
    float q[3] = {0, 0, 0}, h[3] = {1, -2, 0.5f};
    vl_optim_step(&o, q, h);
    CHECK_NEAR(q[0], -0.01, 1e-7);
    CHECK_NEAR(q[1], 0.01, 1e-7);
    CHECK_NEAR(q[2], -0.01, 1e-7);
    vl_optim_free(&o);
}

static void test_names(void) {
    vl_optim_kind k;
    const vl_optim_kind all[] = {VL_OPT_SGD, VL_OPT_ADAM, VL_OPT_ADAMW};
    for (int i = 0; i < 3; i++) {
        CHECK_INT(vl_optim_parse(vl_optim_name(all[i]), &k), VL_OK);
        CHECK(k == all[i]);
    }
    CHECK(strcmp(vl_optim_name(VL_OPT_ADAMW), "adamw") == 0);
    CHECK_INT(vl_optim_parse("adamx", &k), VL_ERR_ARG);
    CHECK(strstr(vl_last_error(), "adamx") != NULL);
    CHECK_INT(vl_optim_parse(NULL, &k), VL_ERR_ARG);

    vl_sched_kind s;
    CHECK_INT(vl_schedule_parse("constant", &s), VL_OK);
    CHECK(s == VL_SCHED_CONSTANT);
    CHECK_INT(vl_schedule_parse("step", &s), VL_OK);
    CHECK(s == VL_SCHED_STEP);
    CHECK_INT(vl_schedule_parse("cosine", &s), VL_OK);
    CHECK(s == VL_SCHED_COSINE);
    CHECK_INT(vl_schedule_parse("warmup_decay", &s), VL_OK);
    CHECK(s == VL_SCHED_WARMUP_DECAY);
    CHECK_INT(vl_schedule_parse("linear", &s), VL_ERR_ARG);
}

#define LR_NEAR(s, step, want) \
    CHECK_NEAR(vl_schedule_lr(&(s), (step)), (want), 1e-7 * fabs(want) + 1e-12)

static void test_schedules(void) {
    vl_schedule s = {0};
    s.kind = VL_SCHED_CONSTANT;
    s.lr = 3e-4f;
    LR_NEAR(s, 0, 3e-4);
    LR_NEAR(s, 123456, 3e-4);

    s = (vl_schedule){0};
    s.kind = VL_SCHED_STEP;
    s.lr = 0.1f; s.gamma = 0.5f; s.step_size = 3;
    LR_NEAR(s, 0, 0.1);
    LR_NEAR(s, 2, 0.1);
    LR_NEAR(s, 3, 0.05);
    LR_NEAR(s, 5, 0.05);
    LR_NEAR(s, 6, 0.025);
    LR_NEAR(s, 30, 0.1 * pow(0.5, 10));
    s.gamma = 0.7f;
    LR_NEAR(s, 9, 0.1 * 0.7 * 0.7 * 0.7);

    s = (vl_schedule){0};
    s.kind = VL_SCHED_COSINE;
    s.lr = 1e-3f; s.min_lr = 1e-4f; s.warmup_steps = 10; s.total_steps = 100;
    LR_NEAR(s, 0, 1e-4);            /* lr * 1/10 */
    LR_NEAR(s, 4, 5e-4);
    LR_NEAR(s, 9, 1e-3);            /* warmup end */
    LR_NEAR(s, 10, 1e-3);           /* cosine start */
    LR_NEAR(s, 55, 5.5e-4);         /* halfway */
    LR_NEAR(s, 32, 1e-4 + 0.5 * (1 + cos(3.14159265358979323846 * 22 / 90)) * 9e-4);
    LR_NEAR(s, 99, 1e-4 + 0.5 * (1 + cos(3.14159265358979323846 * 89 / 90)) * 9e-4);
    LR_NEAR(s, 100, 1e-4);          /* total end */
    LR_NEAR(s, 1000, 1e-4);         /* beyond */
    s.warmup_steps = 0;
    LR_NEAR(s, 0, 1e-3);
    LR_NEAR(s, 50, 5.5e-4);
    LR_NEAR(s, 100, 1e-4);

    /* DeepSpeed WarmupDecayLR, last_batch_iteration == step */
    s = (vl_schedule){0};
    s.kind = VL_SCHED_WARMUP_DECAY;
    s.lr = 1e-3f; s.min_lr = 0; s.warmup_steps = 100; s.total_steps = 1000;
    s.warmup_type_log = 1;
    LR_NEAR(s, 0, 0.0);             /* log(1) = 0 */
    LR_NEAR(s, 9, 0.5e-3);          /* log(10) / log(100) */
    LR_NEAR(s, 49, 1e-3 * log(50.0) / log(100.0));
    LR_NEAR(s, 99, 1e-3);           /* warmup end: log(100)/log(100) */
    LR_NEAR(s, 100, 1e-3);          /* decay start: (1000-100)/900 */
    LR_NEAR(s, 550, 0.5e-3);
    LR_NEAR(s, 999, 1e-3 / 900);
    LR_NEAR(s, 1000, 0.0);          /* total end */
    LR_NEAR(s, 1500, 0.0);          /* beyond: clamped at 0 */
    s.warmup_type_log = 0;          /* linear: step / W */
    LR_NEAR(s, 0, 0.0);
    LR_NEAR(s, 50, 0.5e-3);
    LR_NEAR(s, 99, 0.99e-3);
    LR_NEAR(s, 100, 1e-3);
    s.min_lr = 1e-5f;
    LR_NEAR(s, 50, 1e-5 + 0.5 * (1e-3 - 1e-5));
    LR_NEAR(s, 1000, 1e-5);
    LR_NEAR(s, 2000, 1e-5);
    /* warmup_num_steps is raised to 2 (DeepSpeed: max(2, warmup_num_steps)) */
    s.min_lr = 0; s.warmup_steps = 0; s.total_steps = 10; s.warmup_type_log = 1;
    LR_NEAR(s, 0, 0.0);
    LR_NEAR(s, 1, 1e-3);            /* log(2)/log(2) */
    LR_NEAR(s, 2, 1e-3);            /* (10-2)/(10-2) */
    LR_NEAR(s, 6, 0.5e-3);
    /* total < warmup: denominator max(1, T - W) = 1 */
    s.warmup_steps = 100; s.total_steps = 50;
    LR_NEAR(s, 100, 0.0);
}

static void test_clip(void) {
    float g[2] = {0.3f, 0.4f};
    float n = vl_clip_grad_norm(g, 2, 1.0f);
    CHECK_NEAR(n, 0.5, 1e-7);
    CHECK(g[0] == 0.3f && g[1] == 0.4f);   /* below max: untouched */

    float h[2] = {3, 4};
    n = vl_clip_grad_norm(h, 2, 1.0f);
    CHECK_NEAR(n, 5.0, 1e-6);
    CHECK_NEAR(h[0], 3.0 / (5 + 1e-6), 1e-7);
    CHECK_NEAR(h[1], 4.0 / (5 + 1e-6), 1e-7);
    CHECK_NEAR(vl_grad_norm(h, 2), 1.0, 1e-6);

    float k[2] = {3, 4};
    CHECK_NEAR(vl_clip_grad_norm(k, 2, 0.0f), 5.0, 1e-6);  /* no clipping */
    CHECK(k[0] == 3 && k[1] == 4);
    CHECK_NEAR(vl_grad_norm(k, 0), 0.0, 0);

    /* large buffer (threaded path) against a serial double sum */
    const int64_t N = 200001;
    float *x = malloc((size_t)N * sizeof *x);
    vl_rng r;
    vl_rng_seed(&r, 99);
    fill(&r, x, N, 2.0f);
    double ref = 0;
    for (int64_t i = 0; i < N; i++) ref += (double)x[i] * x[i];
    ref = sqrt(ref);
    CHECK_NEAR(vl_grad_norm(x, N), ref, 1e-9 * ref);
    n = vl_clip_grad_norm(x, N, 10.0f);
    CHECK_NEAR(n, ref, 1e-6 * ref);
    CHECK_NEAR(vl_grad_norm(x, N), 10.0, 1e-5);
    /* a norm below max keeps the buffer bit-identical */
    float x0 = x[12345];
    vl_clip_grad_norm(x, N, 100.0f);
    CHECK(x[12345] == x0);

    /* non-finite norm: returned, gradient left alone */
    float bad[3] = {1, INFINITY, 2};
    n = vl_clip_grad_norm(bad, 3, 1.0f);
    CHECK(isinf(n));
    CHECK(bad[0] == 1 && bad[2] == 2);
    float nan3[3] = {1, NAN, 2};
    CHECK(isnan(vl_clip_grad_norm(nan3, 3, 1.0f)));
    CHECK(nan3[0] == 1);
    free(x);
}

static void test_finite(void) {
    float a[5] = {0, -1, FLT_MAX, -FLT_MAX, FLT_MIN / 4};  /* incl. subnormal */
    CHECK(vl_all_finite(a, 5));
    CHECK(vl_all_finite(a, 0));
    a[2] = NAN;
    CHECK(!vl_all_finite(a, 5));
    a[2] = INFINITY;
    CHECK(!vl_all_finite(a, 5));
    a[2] = -INFINITY;
    CHECK(!vl_all_finite(a, 5));
    CHECK(vl_all_finite(a, 2));    /* only the prefix is looked at */

    const int64_t N = 100000;
    float *x = calloc((size_t)N, sizeof *x);
    CHECK(vl_all_finite(x, N));
    x[N - 1] = NAN;
    CHECK(!vl_all_finite(x, N));
    x[N - 1] = 0;
    x[40000] = -INFINITY;
    CHECK(!vl_all_finite(x, N));
    free(x);
}

int main(void) {
    test_optimisers();
    test_defaults();
    test_names();
    test_schedules();
    test_clip();
    test_finite();
    return test_summary();
}
