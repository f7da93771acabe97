/* tests/gradcheck.c: finite-difference gradient checking (see gradcheck.h). */
#include "gradcheck.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GC_SEED 20240607u
#define GC_MAX_IN 8

typedef struct gc_state {
    gc_fn f;
    void *user;
    int n;
    const gc_input *spec;
    float *data[GC_MAX_IN];
    int64_t numel[GC_MAX_IN];
    float *r;       /* (out numel) */
    int64_t out_numel;
    vl_rng rng0;
} gc_state;

/* Wraps the inputs as fresh tensors (with gradients when asked) and runs
 * f with the RNG at its initial state. `in` receives the input tensors. */
static vl_tensor *run(vl_ctx *c, gc_state *s, bool with_grad, vl_tensor **in) {
    vl_ctx_reset(c);
    c->rng = s->rng0;
    vl_set_grad_enabled(c, with_grad);
    for (int i = 0; i < s->n; i++) {
        in[i] = vl_tensor_wrap(c, s->spec[i].ndim, s->spec[i].shape, s->data[i]);
        if (with_grad && !s->spec[i].no_grad) vl_requires_grad(c, in[i]);
    }
    return s->f(c, in, s->user);
}

static double objective(vl_ctx *c, gc_state *s) {
    vl_tensor *in[GC_MAX_IN];
    vl_tensor *out = run(c, s, false, in);
    float *o = malloc((size_t)out->numel * sizeof(float));
    vl_copy_out(out, o);
    double L = 0;
    for (int64_t i = 0; i < out->numel; i++) L += (double)o[i] * s->r[i];
    free(o);
    return L;
}

static bool check_buffer(const char *name, const char *what, vl_ctx *c,
                         gc_state *s, float *x, const float *ana, int64_t n,
                         int max_elems, double eps, double tol) {
    int64_t step = (max_elems > 0 && n > max_elems) ? n / max_elems : 1;
    double worst = 0;
    int64_t worst_i = -1;
    double worst_num = 0, worst_ana = 0;
    for (int64_t i = 0; i < n; i += step) {
        float orig = x[i];
        x[i] = orig + (float)eps;
        double lp = objective(c, s);
        x[i] = orig - (float)eps;
        double lm = objective(c, s);
        x[i] = orig;
        double h = ((double)orig + (float)eps) - ((double)orig - (float)eps);
        double num = (lp - lm) / h;
        double a = ana[i];
        double scale = fmax(1.0, fmax(fabs(num), fabs(a)));
        double err = fabs(num - a) / scale;
        if (!(err <= worst)) {
            worst = err;
            worst_i = i;
            worst_num = num;
            worst_ana = a;
        }
    }
    bool ok = worst <= tol;
    printf("%s %-28s %-12s worst err %.2e at %lld (num %.6g ana %.6g)\n",
           ok ? "ok  " : "FAIL", name, what, worst, (long long)worst_i,
           worst_num, worst_ana);
    return ok;
}

bool gradcheck_params(const char *name, gc_fn f, void *user, int n_inputs,
                      const gc_input *inputs, int n_extra,
                      vl_tensor *const *extra, double eps, double tol) {
    gc_state s = {.f = f, .user = user, .n = n_inputs, .spec = inputs};
    vl_rng init;
    vl_rng_seed(&init, GC_SEED);
    for (int i = 0; i < n_inputs; i++) {
        int64_t n = 1;
        for (int d = 0; d < inputs[i].ndim; d++) n *= inputs[i].shape[d];
        s.numel[i] = n;
        s.data[i] = malloc((size_t)(n ? n : 1) * sizeof(float));
        float sc = inputs[i].scale != 0 ? inputs[i].scale : 1.0f;
        for (int64_t k = 0; k < n; k++)
            s.data[i][k] = inputs[i].init ? inputs[i].init[k]
                                          : vl_rng_normal(&init) * sc + inputs[i].shift;
    }
    vl_ctx *c = vl_ctx_new(GC_SEED + 1);
    s.rng0 = c->rng;
    for (int e = 0; e < n_extra; e++)
        memset(extra[e]->grad, 0, (size_t)extra[e]->numel * sizeof(float));

    /* analytic pass: seed the output gradient with r */
    vl_tensor *in[GC_MAX_IN];
    vl_tensor *out = run(c, &s, true, in);
    s.out_numel = out->numel;
    s.r = malloc((size_t)(out->numel ? out->numel : 1) * sizeof(float));
    for (int64_t k = 0; k < out->numel; k++) s.r[k] = vl_rng_normal(&init);
    vl_backward_grad(c, out, s.r);
    float *ana[GC_MAX_IN] = {0};
    for (int i = 0; i < s.n; i++) {
        if (inputs[i].no_grad) continue;
        ana[i] = malloc((size_t)(s.numel[i] ? s.numel[i] : 1) * sizeof(float));
        memcpy(ana[i], in[i]->grad, (size_t)s.numel[i] * sizeof(float));
    }
    bool ok = true;
    float *ana_extra[GC_MAX_IN] = {0};
    for (int e = 0; e < n_extra && e < GC_MAX_IN; e++) {
        ana_extra[e] = malloc((size_t)extra[e]->numel * sizeof(float));
        memcpy(ana_extra[e], extra[e]->grad, (size_t)extra[e]->numel * sizeof(float));
    }
    for (int i = 0; i < s.n; i++) {
        if (inputs[i].no_grad) continue;
        char what[32];
        snprintf(what, sizeof what, "input %d", i);
        ok &= check_buffer(name, what, c, &s, s.data[i], ana[i], s.numel[i],
                           64, eps, tol);
    }
    for (int e = 0; e < n_extra && e < GC_MAX_IN; e++) {
        char what[64];
        snprintf(what, sizeof what, "%s", extra[e]->name ? extra[e]->name : "param");
        ok &= check_buffer(name, what, c, &s, extra[e]->data, ana_extra[e],
                           extra[e]->numel, 64, eps, tol);
    }
    for (int i = 0; i < GC_MAX_IN; i++) {
        free(ana[i]);
        free(ana_extra[i]);
    }
    for (int i = 0; i < s.n; i++) free(s.data[i]);
    free(s.r);
    vl_ctx_free(c);
    return ok;
}

bool gradcheck(const char *name, gc_fn f, void *user, int n_inputs,
               const gc_input *inputs, double eps, double tol) {
    return gradcheck_params(name, f, user, n_inputs, inputs, 0, NULL, eps, tol);
}

bool gradcheck_all_params(const char *name, gc_fn f, void *user, int n_inputs,
                          const gc_input *inputs, vl_params *P, double eps,
                          double tol) {
    vl_tensor *ts[GC_MAX_IN];
    int n = 0;
    bool ok = true;
    for (int i = 0; i < P->count; i++) {
        if (!P->entries[i].trainable) continue;
        ts[n++] = P->entries[i].t;
        if (n == GC_MAX_IN) {
            ok &= gradcheck_params(name, f, user, n_inputs, inputs, n, ts, eps, tol);
            n = 0;
        }
    }
    if (n) ok &= gradcheck_params(name, f, user, n_inputs, inputs, n, ts, eps, tol);
    return ok;
}
