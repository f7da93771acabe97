/* tests/golden/test_golden_optim.c: optimiser trajectories, StepLR and
 * clip_grad_norm_ against PyTorch.
 *
 * The fixture tests/golden/data/optim.safetensors comes from
 * scripts/fixtures/gen_optim.py (PyTorch, foreach=False): 1000 parameters,
 * 5 gradients (element scales 1e-6..10), and the parameters after each step
 * for five optimiser settings. Each step must match within TOL of
 * max(|ref|, floor), floor = max(FLOOR, SCALE_FLOOR * max|ref|): values that
 * crossed zero carry absolute rounding error of the O(1) terms they came
 * from. With FMA (FP_FAST_FMAF, e.g. -march=native on x86-64) valle fuses
 * the same operations as PyTorch's vectorised kernels and the trajectories
 * are bit-identical except where PyTorch's (MKL) sqrt is not correctly
 * rounded; without FMA they differ by a few ulp. The worst error, the count
 * of bit-identical values and the error of the displacement p_t - p_0
 * relative to its largest magnitude are printed. Run from the repository
 * root. */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "valle/io.h"
#include "valle/optim.h"

#define N 1000
#define STEPS 5
#define TOL 1e-6
#define FLOOR 1e-3
#define SCALE_FLOOR 0.1

static const char *FIXTURE = "tests/golden/data/optim.safetensors";

typedef struct gcase {
    const char *name;
    vl_optim_kind kind;
    float lr, momentum, dampening;
    bool nesterov;
    float beta1, beta2, eps, wd;
} gcase;

/* Same settings as CONFIGS in scripts/fixtures/gen_optim.py. */
static const gcase cases[] = {
    {"sgd_nesterov", VL_OPT_SGD, 0.05f, 0.9f, 0, true, 0.9f, 0.999f, 1e-8f, 1e-2f},
    {"sgd_damp", VL_OPT_SGD, 0.05f, 0.9f, 0.1f, false, 0.9f, 0.999f, 1e-8f, 0},
    {"adam", VL_OPT_ADAM, 1e-3f, 0, 0, false, 0.9f, 0.999f, 1e-8f, 1e-2f},
    {"adam_betas", VL_OPT_ADAM, 1e-2f, 0, 0, false, 0.8f, 0.99f, 1e-6f, 0},
    {"adamw", VL_OPT_ADAMW, 1e-3f, 0, 0, false, 0.9f, 0.999f, 1e-8f, 0.1f},
};

static bool read_f32(const vl_safetensors *st, const char *name, float *dst,
                     int ndim, const int64_t *shape) {
    int rc = vl_st_read_f32(st, name, dst, ndim, shape);
    CHECK_MSG(rc == VL_OK, "read %s: %s (%s)", name, vl_strerror(rc),
              vl_last_error());
    return rc == VL_OK;
}

static void check_case(const gcase *c, const float *p0, const float *grads,
                       const float *traj) {
    float p[N], disp[N], rdisp[N];
    memcpy(p, p0, sizeof p);
    vl_optim o;
    vl_optim_init(&o, c->kind, N);
    o.lr = c->lr;
    o.momentum = c->momentum;
    o.dampening = c->dampening;
    o.nesterov = c->nesterov;
    o.beta1 = c->beta1;
    o.beta2 = c->beta2;
    o.eps = c->eps;
    o.weight_decay = c->wd;
    double worst = 0, worst_disp = 0, worst_bare = 0;
    int same = 0;
    for (int t = 0; t < STEPS; t++) {
        vl_optim_step(&o, p, grads + (size_t)t * N);
        const float *ref = traj + (size_t)t * N;
        double rmax = 0;
        for (int i = 0; i < N; i++) {
            if (fabs(ref[i]) > rmax) rmax = fabs(ref[i]);
            same += p[i] == ref[i];
        }
        long at;
        double bare = test_max_rel_err(p, ref, N, FLOOR, &at);
        if (bare > worst_bare) worst_bare = bare;
        double floor = SCALE_FLOOR * rmax > FLOOR ? SCALE_FLOOR * rmax : FLOOR;
        double e = test_max_rel_err(p, ref, N, floor, &at);
        CHECK_MSG(e <= TOL, "%s step %d: rel err %.3g at %ld (%.9g vs %.9g)",
                  c->name, t + 1, e, at, at >= 0 ? p[at] : 0.0,
                  at >= 0 ? ref[at] : 0.0);
        if (e > worst) worst = e;
        double dmax = 0;
        for (int i = 0; i < N; i++) {
            disp[i] = (float)((double)p[i] - p0[i]);
            rdisp[i] = (float)((double)ref[i] - p0[i]);
            if (fabs(rdisp[i]) > dmax) dmax = fabs(rdisp[i]);
        }
        double ed = test_max_rel_err(disp, rdisp, N, dmax, &at);
        if (ed > worst_disp) worst_disp = ed;
    }
    printf("%-13s max rel err %.3g (bare floor %g: %.3g); %d/%d bit-identical;"
           " displacement err %.3g of max\n",
           c->name, worst, FLOOR, worst_bare, same, STEPS * N, worst_disp);
    vl_optim_free(&o);
}

int main(void) {
    vl_safetensors st;
    int rc = vl_st_open(&st, FIXTURE);
    CHECK_MSG(rc == VL_OK, "open %s: %s (%s)", FIXTURE, vl_strerror(rc),
              vl_last_error());
    if (rc != VL_OK) return test_summary();

    static float p0[N], grads[STEPS * N], traj[STEPS * N];
    const int64_t s1[1] = {N}, s2[2] = {STEPS, N};
    if (read_f32(&st, "params0", p0, 1, s1) &&
        read_f32(&st, "grads", grads, 2, s2)) {
        for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++)
            if (read_f32(&st, cases[k].name, traj, 2, s2))
                check_case(&cases[k], p0, grads, traj);
    }

    /* StepLR(step_size=3, gamma=0.7), base lr 0.1: lr of step k */
    float lrs[20];
    if (read_f32(&st, "lr_step", lrs, 1, (const int64_t[]){20})) {
        vl_schedule s = {0};
        s.kind = VL_SCHED_STEP;
        s.lr = 0.1f;
        s.step_size = 3;
        s.gamma = 0.7f;
        double worst = 0;
        for (int k = 0; k < 20; k++) {
            double e = fabs(vl_schedule_lr(&s, k) - lrs[k]) / lrs[k];
            CHECK_MSG(e <= TOL, "StepLR step %d: %.9g vs %.9g", k,
                      vl_schedule_lr(&s, k), lrs[k]);
            if (e > worst) worst = e;
        }
        printf("%-13s max rel err %.3g\n", "lr_step", worst);
    }

    /* clip_grad_norm_(max_norm=1) */
    static float cin[N], cout[N];
    float cnorm;
    if (read_f32(&st, "clip_in", cin, 1, s1) &&
        read_f32(&st, "clip_out", cout, 1, s1) &&
        read_f32(&st, "clip_norm", &cnorm, 1, (const int64_t[]){1})) {
        float n = vl_clip_grad_norm(cin, N, 1.0f);
        CHECK_NEAR(n, cnorm, 1e-6 * cnorm);
        long at;
        double e = test_max_rel_err(cin, cout, N, 1e-6, &at);
        CHECK_MSG(e <= TOL, "clip: rel err %.3g at %ld", e, at);
        printf("%-13s norm %.9g vs %.9g; max rel err %.3g\n", "clip", n,
               cnorm, e);
    }

    vl_st_close(&st);
    return test_summary();
}
