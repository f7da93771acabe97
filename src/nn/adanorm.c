/* src/nn/adanorm.c: adaptive LayerNorm with the AdaNorm term, as in the
 * reference VALL-E code (enhuiz/vall-e, vall_e/vall_e/base.py, class AdaLN):
 *
 *   log_gamma, beta = emb(level).chunk(2)            emb (n_levels, 2C), zeros
 *   h = layer_norm(x)                                no affine, eps 1e-5
 *   h = c * (1 - (k * h).detach()) * h               k = 0.1, c = 2
 *   y = exp(log_gamma) * h + beta
 *
 * Composed from recorded ops; the detached factor is a constant copy of
 * c * (1 - k h), so no gradient flows through it (as .detach()). */
#include <stdio.h>
#include <string.h>

#include "valle/transformer.h"

void vl_adaln_init(vl_adaln *a, vl_params *p, const char *prefix, int dim,
                   int n_levels) {
    memset(a, 0, sizeof *a);
    a->dim = dim;
    a->n_levels = n_levels;
    a->eps = 1e-5f;
    a->k = 0.1f;
    a->c = 2.0f;
    char pre[256];
    snprintf(pre, sizeof pre, "%s%semb", prefix, prefix[0] ? "." : "");
    a->emb.weight = vl_params_add(p, pre, "weight", 2, (int[]){n_levels, 2 * dim},
                                  true, VL_INIT_ZEROS, 0.0f);
    a->emb.num = n_levels;
    a->emb.dim = 2 * dim;
}

vl_tensor *vl_adaln_forward(vl_ctx *c, vl_adaln *a, vl_tensor *x,
                            const int *levels) {
    VL_ASSERT(x->ndim == 3 && x->shape[2] == a->dim, "adaln: x (B, T, %d)", a->dim);
    VL_ASSERT(levels, "adaln: levels required");
    const int B = x->shape[0], C = a->dim;
    for (int b = 0; b < B; b++)
        VL_ASSERT(levels[b] >= 0 && levels[b] < a->n_levels, "adaln: level %d",
                  levels[b]);
    vl_tensor *h = vl_layernorm(c, x, NULL, NULL, a->eps);     /* (B, T, C) */
    /* c * (1 - k * h), a constant (h.detach()) */
    vl_tensor *f = vl_tensor_from(c, h->ndim, h->shape, h->data);
    for (int64_t i = 0; i < f->numel; i++) f->data[i] = a->c * (1.0f - a->k * f->data[i]);
    h = vl_mul(c, f, h);
    vl_tensor *e = vl_embedding(c, a->emb.weight, levels, 1, (int[]){B}); /* (B, 2C) */
    vl_tensor *parts[2];
    vl_split(c, e, 1, 2, (int[]){C, C}, parts);
    vl_tensor *gamma = vl_reshape(c, vl_exp(c, parts[0]), 3, (int[]){B, 1, C});
    vl_tensor *beta = vl_reshape(c, parts[1], 3, (int[]){B, 1, C});
    return vl_add(c, vl_mul(c, gamma, h), beta);
}
