/* valle/attention.h: scaled dot-product attention, softmax(q k^T * scale +
 * mask) v, with a causal mask, a key-padding mask (or both) and dropout on
 * the attention probabilities.
 *
 * Two implementations with identical semantics:
 *   vl_attention        fused CPU kernel: tiled, online softmax, never holds
 *                       a T x T matrix (memory O(T)); forward and backward,
 *                       threaded with OpenMP over batch x heads (and query
 *                       tiles in the forward). Inner products are its own
 *                       vectorised loops; no BLAS call inside.
 *   vl_attention_naive  the textbook composition of ops: matmul, scale,
 *                       masked_fill, softmax, dropout, matmul (T x T scores).
 * With the same RNG state both draw the same dropout mask (one key per call
 * from c->rng; element (b, h, i, j) of the (B, H, Tq, Tk) probability matrix
 * is dropped as vl_dropout drops that flat index), so they agree to
 * rounding even with dropout.
 *
 * Layouts (the last dim must be contiguous; other strides are free, so the
 * q/k/v views of a fused QKV projection go in without a copy):
 *   3-D: q (B, Tq, H*D), k, v (B, Tk, H*D) with n_heads = H  -> (B, Tq, H*D)
 *   4-D: q (B, H, Tq, D), k, v (B, H, Tk, D) (n_heads ignored) -> (B, H, Tq, D)
 *
 * Masks:
 *   causal: query i sees keys j <= i + (Tk - Tq) (aligned at the bottom
 *           right, so a KV-cache step with Tq = 1 sees every cached key;
 *           for Tq == Tk this is PyTorch's is_causal).
 *   key_padding (B, Tk) uint8: nonzero = padding, never attended (PyTorch
 *           nn.MultiheadAttention's key_padding_mask == True).
 *   A query row with no visible key gives a zero output and zero gradients
 *   in the fused kernel (PyTorch gives NaN; the naive version, which masks
 *   with -1e30 as the reference VALL-E code does, a uniform average).
 *
 * Usage:
 *   vl_attn_opts o = {.causal = true, .dropout = 0.1f};
 *   vl_tensor *y = vl_attention(c, q, k, v, n_heads, &o);   // (B, T, C)
 */
#ifndef VALLE_ATTENTION_H
#define VALLE_ATTENTION_H

#include "valle/ops.h"

typedef struct vl_attn_opts {
    bool causal;
    const uint8_t *key_padding; /* (B, Tk), nonzero = masked; NULL = none */
    float dropout;              /* on the probabilities, in training mode */
    float scale;                /* 0: 1 / sqrt(D) */
} vl_attn_opts;

/* Fused kernel. opts may be NULL (no mask, no dropout). */
vl_tensor *vl_attention(vl_ctx *c, vl_tensor *q, vl_tensor *k, vl_tensor *v,
                        int n_heads, const vl_attn_opts *opts);
/* Fused kernel on a packed qkv (B, T, 3C) = [q | k | v] (a fused QKV
 * projection's output) -> (B, T, C): self-attention whose gradient goes
 * straight into qkv's gradient (no per-view gradient buffers). */
vl_tensor *vl_attention_qkv(vl_ctx *c, vl_tensor *qkv, int n_heads,
                            const vl_attn_opts *opts);
/* Reference composition of ops (T x T memory). Same arguments. */
vl_tensor *vl_attention_naive(vl_ctx *c, vl_tensor *q, vl_tensor *k,
                              vl_tensor *v, int n_heads,
                              const vl_attn_opts *opts);

#endif
