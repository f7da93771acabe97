/* src/ops/attention.c: the naive scaled dot-product attention, composed of
 * recorded ops (matmul, scale, masked_fill, softmax, dropout, matmul). It
 * keeps the (B, H, Tq, Tk) score matrix; it is the reference the fused
 * kernel (attention_fused.c) is tested and benchmarked against. */
#include "valle/attention.h"

#include "ops/ops_internal.h"

/* (B, T, H*D) -> (B, H, T, D) view (a copy first when strided). */
static vl_tensor *split_heads(vl_ctx *c, vl_tensor *x, int H) {
    int B = x->shape[0], T = x->shape[1], C = x->shape[2];
    VL_ASSERT(C % H == 0, "attention: %d channels for %d heads", C, H);
    x = vl_reshape(c, x, 4, (int[]){B, T, H, C / H});
    return vl_transpose(c, x, 1, 2);
}

vl_tensor *vl_attention_naive(vl_ctx *c, vl_tensor *q, vl_tensor *k,
                              vl_tensor *v, int n_heads,
                              const vl_attn_opts *opts) {
    static const vl_attn_opts none = {0};
    if (!opts) opts = &none;
    VL_ASSERT(q->ndim == k->ndim && q->ndim == v->ndim &&
              (q->ndim == 3 || q->ndim == 4), "attention: q, k, v 3-D or 4-D");
    bool three = q->ndim == 3;
    if (three) {
        q = split_heads(c, q, n_heads);
        k = split_heads(c, k, n_heads);
        v = split_heads(c, v, n_heads);
    }
    /* q (B, H, Tq, D), k/v (B, H, Tk, D) */
    int B = q->shape[0], H = q->shape[1], Tq = q->shape[2], D = q->shape[3];
    int Tk = k->shape[2];
    float scale = opts->scale > 0 ? opts->scale : 1.0f / sqrtf((float)D);
    vl_tensor *s = vl_matmul(c, q, vl_transpose(c, k, -1, -2)); /* (B,H,Tq,Tk) */
    s = vl_scale(c, s, scale, 0.0f);
    if (opts->causal || opts->key_padding) {
        int off = Tk - Tq;
        uint8_t *m = vl_arena_alloc(&c->arena, (size_t)B * Tq * Tk);
        for (int b = 0; b < B; b++)
            for (int i = 0; i < Tq; i++)
                for (int j = 0; j < Tk; j++)
                    m[((size_t)b * Tq + i) * Tk + j] =
                        (opts->causal && j > i + off) ||
                        (opts->key_padding && opts->key_padding[(size_t)b * Tk + j]);
        s = vl_masked_fill(c, s, m, 4, (int[]){B, 1, Tq, Tk}, -1e30f);
    }
    vl_tensor *p = vl_softmax(c, s);
    p = vl_dropout(c, p, opts->dropout);
    vl_tensor *o = vl_matmul(c, p, v); /* (B, H, Tq, D) */
    if (!three) return o;
    o = vl_transpose(c, o, 1, 2);      /* (B, Tq, H, D) */
    return vl_reshape(c, o, 3, (int[]){B, Tq, H * D});
}
