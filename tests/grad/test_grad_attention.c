/* tests/grad/test_grad_attention.c: finite-difference gradient checks of the
 * fused attention kernel and the naive composition (3-D and 4-D layouts, no
 * mask, causal, key padding, both, dropout, Tq != Tk, q/k/v as strided views
 * of one packed tensor and the packed-qkv entry point, sequences longer
 * than one tile, and from 128 tokens the kernel's BLAS variant), then
 * fused vs naive on values and gradients for every mask with and without
 * dropout (T = 150: the BLAS variant), and the fully-masked-row convention
 * of the fused kernel (both variants). */
#include <stdlib.h>
#include <string.h>

#include "gradcheck.h"
#include "harness.h"
#include "valle/attention.h"

#define EPS 1e-2
#define TOL 3e-3

typedef struct acase {
    bool fused;
    int heads;          /* 3-D form when > 0 */
    vl_attn_opts o;
    bool packed;        /* in[0] is (B, T, 3C): q, k, v are its views */
} acase;

static vl_tensor *f_attn(vl_ctx *c, vl_tensor **in, void *u) {
    acase *a = u;
    vl_set_training(c, a->o.dropout > 0);
    vl_tensor *q = in[0], *k, *v;
    if (a->packed && a->fused) {
        vl_set_training(c, a->o.dropout > 0);
        return vl_attention_qkv(c, in[0], a->heads, &a->o);
    }
    if (a->packed) {
        vl_tensor *parts[3];
        int C = in[0]->shape[2] / 3;
        vl_split(c, in[0], 2, 3, (int[]){C, C, C}, parts);
        q = parts[0];
        k = parts[1];
        v = parts[2];
    } else {
        k = in[1];
        v = in[2];
    }
    return a->fused ? vl_attention(c, q, k, v, a->heads, &a->o)
                    : vl_attention_naive(c, q, k, v, a->heads, &a->o);
}

static void check_case(const char *name, acase *a, int nd, const int *qs,
                       const int *ks) {
    char lab[96];
    for (int f = 0; f < 2; f++) {
        a->fused = f == 1;
        snprintf(lab, sizeof lab, "%s %s", name, f ? "fused" : "naive");
        if (a->packed) {
            gc_input in[1] = {{.ndim = nd}};
            memcpy(in[0].shape, qs, sizeof(int) * nd);
            CHECK_MSG(gradcheck(lab, f_attn, a, 1, in, EPS, TOL), "%s", lab);
        } else {
            gc_input in[3] = {{.ndim = nd}, {.ndim = nd}, {.ndim = nd}};
            memcpy(in[0].shape, qs, sizeof(int) * nd);
            memcpy(in[1].shape, ks, sizeof(int) * nd);
            memcpy(in[2].shape, ks, sizeof(int) * nd);
            CHECK_MSG(gradcheck(lab, f_attn, a, 3, in, EPS, TOL), "%s", lab);
        }
    }
}

static void gradchecks(void) {
    static const uint8_t pad2x6[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1};
    static uint8_t pad1x70[70];
    for (int j = 60; j < 70; j++) pad1x70[j] = 1;
    int q4[4] = {2, 2, 5, 4};
    acase a = {0};
    check_case("4d plain", &a, 4, q4, q4);
    a = (acase){.o = {.causal = true}};
    check_case("4d causal", &a, 4, q4, q4);
    int q3[3] = {2, 6, 8};
    a = (acase){.heads = 2, .o = {.key_padding = pad2x6}};
    check_case("3d padding", &a, 3, q3, q3);
    a = (acase){.heads = 2, .o = {.causal = true, .key_padding = pad2x6}};
    check_case("3d causal+padding", &a, 3, q3, q3);
    a = (acase){.heads = 2, .o = {.causal = true, .dropout = 0.3f}};
    check_case("3d causal dropout", &a, 3, q3, q3);
    a = (acase){.o = {.key_padding = pad2x6, .dropout = 0.25f, .scale = 0.7f}};
    check_case("4d padding dropout scale", &a, 4, (int[]){2, 1, 4, 3},
               (int[]){2, 1, 6, 3});
    a = (acase){.o = {.causal = true}};
    check_case("4d causal Tq<Tk", &a, 4, (int[]){1, 2, 3, 4}, (int[]){1, 2, 7, 4});
    a = (acase){.heads = 3, .packed = true, .o = {.causal = true}};
    check_case("packed qkv (fused: _qkv op)", &a, 3, (int[]){2, 5, 18}, NULL);
    a = (acase){.heads = 2, .packed = true, .o = {.key_padding = pad2x6, .dropout = 0.2f}};
    check_case("packed qkv pad dropout", &a, 3, (int[]){2, 6, 12}, NULL);
    a = (acase){.heads = 1, .o = {.causal = true, .key_padding = pad1x70}};
    check_case("3d T=70 (tiles)", &a, 3, (int[]){1, 70, 4}, (int[]){1, 70, 4});
    /* from 128 queries and keys: the BLAS variant (blocks of 64 queries) */
    static uint8_t pad1x140[140];
    for (int j = 0; j < 140; j++) pad1x140[j] = j >= 131 || j % 17 == 3;
    a = (acase){.heads = 1, .o = {.causal = true, .key_padding = pad1x140, .dropout = 0.2f}};
    check_case("3d T=140 (BLAS) causal pad drop", &a, 3, (int[]){1, 140, 3},
               (int[]){1, 140, 3});
    a = (acase){.o = {.causal = true}};
    check_case("4d causal Tq<Tk (BLAS)", &a, 4, (int[]){1, 1, 130, 3}, (int[]){1, 1, 150, 3});
    a = (acase){.heads = 2, .packed = true, .o = {.causal = true, .dropout = 0.1f}};
    check_case("packed qkv (BLAS)", &a, 3, (int[]){1, 129, 12}, NULL);
}

/* ---- fused vs naive on bigger shapes ---- */
static float max_abs(const float *x, int64_t n) {
    float m = 0;
    for (int64_t i = 0; i < n; i++) m = fmaxf(m, fabsf(x[i]));
    return m;
}

/* Largest |a - b| relative to max|b|. */
static double rel_err(const float *a, const float *b, int64_t n) {
    double worst = 0, scale = fmax(max_abs(b, n), 1e-30);
    for (int64_t i = 0; i < n; i++) worst = fmax(worst, fabs((double)a[i] - b[i]) / scale);
    return worst;
}

static void compare(const char *name, const vl_attn_opts *o, int B, int T, int H,
                    int D) {
    const int C = H * D;
    const int64_t n = (int64_t)B * T * C;
    float *x[3], *g[2][3], *y[2], *r = malloc(n * sizeof(float));
    vl_rng rng;
    vl_rng_seed(&rng, 99);
    for (int i = 0; i < 3; i++) {
        x[i] = malloc(n * sizeof(float));
        for (int64_t e = 0; e < n; e++) x[i][e] = vl_rng_normal(&rng);
    }
    for (int64_t e = 0; e < n; e++) r[e] = vl_rng_normal(&rng);
    for (int f = 0; f < 2; f++) {
        vl_ctx *c = vl_ctx_new(5);
        vl_set_training(c, o->dropout > 0);
        vl_tensor *t[3];
        for (int i = 0; i < 3; i++) {
            t[i] = vl_tensor_from(c, 3, (int[]){B, T, C}, x[i]);
            vl_requires_grad(c, t[i]);
        }
        vl_tensor *out = f ? vl_attention(c, t[0], t[1], t[2], H, o)
                           : vl_attention_naive(c, t[0], t[1], t[2], H, o);
        y[f] = malloc(n * sizeof(float));
        vl_copy_out(out, y[f]);
        vl_backward_grad(c, out, r);
        for (int i = 0; i < 3; i++) {
            g[f][i] = malloc(n * sizeof(float));
            memcpy(g[f][i], t[i]->grad, n * sizeof(float));
        }
        vl_ctx_free(c);
    }
    double e = rel_err(y[1], y[0], n);
    printf("fused vs naive %-22s out %.2e", name, e);
    CHECK_MSG(e < 2e-6, "%s: out rel err %.3g", name, e);
    const char *nm[3] = {"dq", "dk", "dv"};
    for (int i = 0; i < 3; i++) {
        double eg = rel_err(g[1][i], g[0][i], n);
        printf("  %s %.2e", nm[i], eg);
        CHECK_MSG(eg < 1e-5, "%s: %s rel err %.3g", name, nm[i], eg);
    }
    printf("\n");
    for (int i = 0; i < 3; i++) {
        free(x[i]);
        free(g[0][i]);
        free(g[1][i]);
    }
    free(y[0]);
    free(y[1]);
    free(r);
}

static void fused_vs_naive(void) {
    const int B = 2, T = 150, H = 3, D = 16;
    uint8_t *pad = calloc((size_t)B * T, 1);
    for (int j = 0; j < T; j++) pad[T + j] = j >= 97 || j % 11 == 5; /* batch 1 */
    for (int j = 0; j < T; j += 7) pad[j] = j > 0;                    /* batch 0 */
    vl_attn_opts cases[] = {
        {0},
        {.causal = true},
        {.key_padding = pad},
        {.causal = true, .key_padding = pad},
        {.causal = true, .dropout = 0.2f},
        {.key_padding = pad, .dropout = 0.1f},
    };
    const char *names[] = {"plain", "causal", "padding", "causal+padding",
                           "causal dropout", "padding dropout"};
    for (int i = 0; i < 6; i++) compare(names[i], &cases[i], B, T, H, D);
    free(pad);
}

/* A query row that sees no key: zero output, zero and finite gradients
 * (T = 4: the tile kernels; T = 130: the BLAS variant). */
static void fully_masked_T(int T) {
    const int n = T * 4;
    uint8_t *pad = malloc((size_t)T);
    memset(pad, 1, (size_t)T);
    vl_ctx *c = vl_ctx_new(1);
    vl_tensor *t[3];
    float *data = malloc(sizeof(float) * 3 * n), *ones = malloc(sizeof(float) * n);
    for (int i = 0; i < 3 * n; i++) data[i] = (float)(i % 7) - 3.0f;
    for (int i = 0; i < n; i++) ones[i] = 1.0f;
    for (int i = 0; i < 3; i++) {
        t[i] = vl_tensor_from(c, 3, (int[]){1, T, 4}, data + n * i);
        vl_requires_grad(c, t[i]);
    }
    vl_attn_opts o = {.key_padding = pad};
    vl_tensor *out = vl_attention(c, t[0], t[1], t[2], 2, &o);
    CHECK_MSG(max_abs(out->data, n) == 0.0f, "T=%d: fully masked output", T);
    vl_backward_grad(c, out, ones);
    for (int i = 0; i < 3; i++)
        CHECK_MSG(max_abs(t[i]->grad, n) == 0.0f, "T=%d: fully masked gradient %d", T, i);
    vl_ctx_free(c);
    free(data);
    free(ones);
    free(pad);
}

static void fully_masked(void) {
    fully_masked_T(4);
    fully_masked_T(130);
}

int main(void) {
    gradchecks();
    fused_vs_naive();
    fully_masked();
    return test_summary();
}
