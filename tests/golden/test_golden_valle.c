/* tests/golden/test_golden_valle.c: the VALL-E AR and NAR models against a
 * PyTorch re-implementation of the reference code's forward
 * (scripts/fixtures/gen_valle.py -> tests/golden/data/valle_*.safetensors):
 * two samples of different lengths (padding), logits, targets, loss and
 * every parameter gradient within 1e-4 relative (rule of golden_util.h),
 * for the AR (plus the loss with the first-token target) and the NAR at
 * level 0, level 1 and one sample at each. Run from the repository root. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "golden_util.h"
#include "valle/valle_model.h"

#define TOL_VALLE 1e-4

static void cmp_tol(const char *label, const float *got, const float *ref, int64_t n) {
    double mx = 0, worst = 0;
    for (int64_t i = 0; i < n; i++)
        if (fabs(ref[i]) > mx) mx = fabs(ref[i]);
    double floor = mx * 0.1 > 1e-6 ? mx * 0.1 : 1e-6;
    for (int64_t i = 0; i < n; i++) {
        double s = fabs(ref[i]) > floor ? fabs(ref[i]) : floor;
        double e = fabs((double)got[i] - ref[i]) / s;
        if (e > worst) worst = e;
    }
    printf("  %-52s rel %.2e\n", label, worst);
    CHECK_MSG(worst <= TOL_VALLE, "%s: relative error %.3e > %.0e", label, worst,
              TOL_VALLE);
}

static void run(const char *name, bool ar, const int *qlevels) {
    printf("%s\n", name);
    vl_safetensors st;
    if (!open_fx(&st, name)) return;
    enum { NT = 16, LV = 3 };
    vl_valle_model_config mc;
    CHECK(vl_valle_preset(&mc, ar ? "ar-tiny" : "nar-tiny", NT, LV, NT) == VL_OK);
    mc.d_model = 16;
    mc.n_heads = 2;
    mc.n_layers = 2;
    mc.p_dropout = 0;
    mc.first_token_loss = false;
    vl_params P;
    vl_params_init(&P);
    vl_valle_model m;
    vl_valle_model_init(&m, &P, "", &mc);
    vl_params_finalize(&P, 1);
    char key[200];
    for (int i = 0; i < P.count; i++) {
        vl_param_entry *e = &P.entries[i];
        snprintf(key, sizeof key, "param.%s", e->name);
        memcpy(e->t->data, fx(&st, key, e->t->numel), (size_t)e->t->numel * sizeof(float));
    }
    const int n_text[2] = {5, 3}, prom_frames[2] = {4, 6}, resp_frames[2] = {5, 2};
    int *text[2];
    int32_t *prom[2], *resp[2];
    for (int s = 0; s < 2; s++) {
        snprintf(key, sizeof key, "text%d", s);
        text[s] = fx_int(&st, key, n_text[s]);
        snprintf(key, sizeof key, "prom%d", s);
        prom[s] = (int32_t *)fx_int(&st, key, prom_frames[s] * LV);
        snprintf(key, sizeof key, "resp%d", s);
        resp[s] = (int32_t *)fx_int(&st, key, resp_frames[s] * LV);
    }
    vl_valle_batch b = {.B = 2, .n_text = n_text, .text = (const int *const *)text,
                        .prom_frames = prom_frames, .prom_levels = LV,
                        .prom = (const int32_t *const *)prom,
                        .resp_frames = resp_frames, .resp_levels = LV,
                        .resp = (const int32_t *const *)resp, .n_fed = 1,
                        .quant_levels = qlevels};
    const int T = 5 + 1 + 4 + 1 + 5, V = ar ? NT + 1 : NT;
    /* targets */
    const int *yref = fx_int(&st, "targets", 2 * T);
    int y[2 * T];
    for (int s = 0; s < 2; s++) {
        int k = vl_valle_targets(&m, &b, s, y + s * T);
        for (; k < T; k++) y[s * T + k] = VL_VALLE_IGNORE;
    }
    int bad = 0;
    for (int i = 0; i < 2 * T; i++) bad += y[i] != yref[i];
    CHECK_MSG(bad == 0, "%s: %d targets differ from the reference", name, bad);
    /* forward + backward of loss + sum(logits * r * mask) */
    vl_ctx *c = vl_ctx_new(1);
    vl_set_training(c, true);
    vl_params_zero_grad(&P);
    vl_tensor *logits;
    int lens[2];
    vl_tensor *loss = vl_valle_forward(c, &m, &b, true, &logits, lens);
    CHECK(lens[0] == T && lens[1] == 3 + 1 + 6 + 1 + 2);
    int sh[3] = {2, T, V};
    check_shape("logits", logits, 3, sh);
    cmp_tol("logits", logits->data, fx(&st, "logits", 2 * T * V), 2 * T * V);
    cmp_tol("loss", loss->data, fx(&st, "loss", 1), 1);
    const float *r = fx(&st, "r", 2 * T * V), *mask = fx(&st, "mask", 2 * T);
    float *g = malloc(sizeof(float) * 2 * T * V);
    for (int i = 0; i < 2 * T * V; i++) g[i] = r[i] * mask[i / V];
    /* d(loss + sum(logits r m)) = d loss + backward of logits with r m */
    vl_tensor *rt = vl_tensor_from(c, 3, sh, g);
    vl_tensor *total = vl_add(c, loss, vl_sum_all(c, vl_mul(c, logits, rt)));
    vl_backward(c, total);
    int n_fx = 0, n_tr = 0;
    for (int i = 0; i < st.count; i++) n_fx += strncmp(st.tensors[i].name, "grad.", 5) == 0;
    for (int i = 0; i < P.count; i++) {
        vl_param_entry *e = &P.entries[i];
        if (!e->trainable) continue;
        n_tr++;
        char lab[200];
        snprintf(key, sizeof key, "grad.%s", e->name);
        snprintf(lab, sizeof lab, "grad %s", e->name);
        cmp_tol(lab, P.grad + e->offset, fx(&st, key, e->t->numel), e->t->numel);
    }
    CHECK_MSG(n_fx == n_tr, "%s: fixture has %d gradients, model %d parameters", name,
              n_fx, n_tr);
    if (ar) { /* the first-token target (our default) */
        m.cfg.first_token_loss = true;
        vl_ctx_reset(c);
        vl_tensor *l2 = vl_valle_forward(c, &m, &b, true, NULL, NULL);
        cmp_tol("loss with the first-token target", l2->data,
                fx(&st, "loss_first_token", 1), 1);
    }
    free(g);
    vl_ctx_free(c);
    vl_valle_model_free(&m);
    vl_params_free(&P);
    vl_st_close(&st);
}

int main(void) {
    run("valle_ar", true, NULL);
    run("valle_nar_l0", false, (const int[]){0, 0});
    run("valle_nar_l1", false, (const int[]){1, 1});
    run("valle_nar_mixed", false, (const int[]){0, 1});
    pool_free();
    return test_summary();
}
