/* valle/rnn_attention.h: attention for recurrent seq2seq decoders.
 *
 * Dot-product ("Time Attention"): scores = dec @ enc^T; additive
 * (Bahdanau): scores = v^T tanh(Wq dec + Wk enc + bk). Then a softmax over
 * the encoder steps (padding masked out) and context = weights @ enc.
 *
 * Usage:
 *   vl_tensor *a;
 *   vl_tensor *ctx = vl_rnn_attend(c, enc, dec, pad, NULL, &a);
 *   // enc (B, Te, H), dec (B, Td, H) -> ctx (B, Td, H), a (B, Td, Te)
 */
#ifndef VALLE_RNN_ATTENTION_H
#define VALLE_RNN_ATTENTION_H

#include <stdio.h>

#include "valle/nn.h"

typedef struct vl_rnn_additive {
    vl_tensor *wq;   /* (A, Hd) */
    vl_tensor *wk;   /* (A, He) */
    vl_tensor *bk;   /* (A) */
    vl_tensor *v;    /* (1, A) */
} vl_rnn_additive;

/* Parameters attn_q.weight, attn_k.weight/bias, attn_v.weight. */
void vl_rnn_additive_init(vl_rnn_additive *a, vl_params *p, const char *prefix,
                          int dec_dim, int enc_dim, int attn_dim);

/* enc (B, Te, H), dec (B, Td, H); pad: (B, Te) bytes, nonzero = padding
 * (ignored), or NULL; add: NULL for dot-product scores. Returns the context
 * (B, Td, H); *weights (if not NULL) gets the attention (B, Td, Te). */
vl_tensor *vl_rnn_attend(vl_ctx *c, vl_tensor *enc, vl_tensor *dec,
                         const uint8_t *pad, const vl_rnn_additive *add,
                         vl_tensor **weights);

#endif
