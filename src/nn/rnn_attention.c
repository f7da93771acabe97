/* src/nn/rnn_attention.c: the attention of the seq2seq decoders, composed
 * from tape ops: dot-product (Luong / "Time Attention") and additive
 * (Bahdanau) scores of decoder states against every encoder state, a
 * masked softmax over the encoder steps and the context vectors. */
#include "valle/rnn_attention.h"

vl_tensor *vl_rnn_attend(vl_ctx *c, vl_tensor *enc, vl_tensor *dec,
                         const uint8_t *pad, const vl_rnn_additive *add,
                         vl_tensor **weights) {
    VL_ASSERT(enc->ndim == 3 && dec->ndim == 3 && enc->shape[0] == dec->shape[0],
              "attention: enc (B, Te, H), dec (B, Td, H)");
    int B = enc->shape[0], Te = enc->shape[1], Td = dec->shape[1];
    vl_tensor *scores; /* (B, Td, Te) */
    if (!add) {
        scores = vl_matmul(c, dec, vl_transpose(c, enc, 1, 2));
    } else {
        int A = add->wq->shape[0];
        vl_tensor *q = vl_linear(c, dec, add->wq, NULL);         /* (B, Td, A) */
        vl_tensor *k = vl_linear(c, enc, add->wk, add->bk);      /* (B, Te, A) */
        q = vl_reshape(c, q, 4, (int[]){B, Td, 1, A});
        k = vl_reshape(c, k, 4, (int[]){B, 1, Te, A});
        vl_tensor *e = vl_tanh(c, vl_add(c, q, k));              /* (B, Td, Te, A) */
        scores = vl_linear(c, e, add->v, NULL);                  /* (B, Td, Te, 1) */
        scores = vl_reshape(c, scores, 3, (int[]){B, Td, Te});
    }
    if (pad)
        scores = vl_masked_fill(c, scores, pad, 3, (int[]){B, 1, Te}, -1e9f);
    vl_tensor *a = vl_softmax(c, scores);
    if (weights) *weights = a;
    return vl_matmul(c, a, enc); /* (B, Td, H) */
}

void vl_rnn_additive_init(vl_rnn_additive *a, vl_params *p, const char *prefix,
                          int dec_dim, int enc_dim, int attn_dim) {
    vl_linear_layer q, k, v;
    char pre[96];
    snprintf(pre, sizeof pre, "%s%sattn_q", prefix, *prefix ? "." : "");
    vl_linear_init(&q, p, pre, dec_dim, attn_dim, false);
    snprintf(pre, sizeof pre, "%s%sattn_k", prefix, *prefix ? "." : "");
    vl_linear_init(&k, p, pre, enc_dim, attn_dim, true);
    snprintf(pre, sizeof pre, "%s%sattn_v", prefix, *prefix ? "." : "");
    vl_linear_init(&v, p, pre, attn_dim, 1, false);
    a->wq = q.weight;
    a->wk = k.weight;
    a->bk = k.bias;
    a->v = v.weight;
}
