/* src/codec/encodec_internal.h: the building blocks of EnCodec inference
 * (src/codec/encodec_layers.c), exposed for the golden tests of each piece.
 * Activations are (channels, time) row-major, batch 1. Every forward returns
 * a malloc'ed output. */
#ifndef VALLE_ENCODEC_INTERNAL_H
#define VALLE_ENCODEC_INTERNAL_H

#include <stdint.h>
#include "valle/io.h"

/* SConv1d, causal: reflect padding of (k-1)*dil - (stride-1) on the left
 * and the "extra" padding that makes the last window full on the right. */
typedef struct enc_conv {
    int cin, cout, k, stride, dil;
    float *w;   /* (cout, cin * k), weight norm folded */
    float *b;   /* (cout) */
} enc_conv;

/* SConvTranspose1d, causal: the k - stride trailing outputs are trimmed. */
typedef struct enc_convtr {
    int cin, cout, k, stride;
    float *w;   /* (cin, cout * k), PyTorch's [in, out, k] layout, folded */
    float *b;   /* (cout) */
} enc_convtr;

#define ENC_LSTM_MAX_LAYERS 4
/* SLSTM: nn.LSTM(dim, dim, layers) over time, plus the input (skip). */
typedef struct enc_lstm {
    int dim, layers;
    float *w_ih[ENC_LSTM_MAX_LAYERS];   /* (4 dim, dim), gates i f g o */
    float *w_hh[ENC_LSTM_MAX_LAYERS];   /* (4 dim, dim) */
    float *b[ENC_LSTM_MAX_LAYERS];      /* (4 dim) = b_ih + b_hh */
} enc_lstm;

/* out (cout, *t_out) */
float *enc_conv_forward(const enc_conv *c, const float *x, int t, int *t_out);
float *enc_convtr_forward(const enc_convtr *c, const float *x, int t, int *t_out);
/* out (dim, t) */
float *enc_lstm_forward(const enc_lstm *l, const float *x, int t);
void enc_elu(float *x, int64_t n);   /* alpha 1, in place */

/* Residual VQ. codebooks (n_q, bins, dim). x (dim, t) -> codes (n_q, t)
 * (nearest codeword of each residual, first index on ties). */
void enc_rvq_encode(const float *codebooks, int n_q, int bins, int dim, const float *x, int t,
                    int32_t *codes);
/* codes (n_q, t) -> out (dim, t): the sum of the selected codewords. */
float *enc_rvq_decode(const float *codebooks, int n_q, int bins, int dim, const int32_t *codes,
                      int t);

/* Loads a weight-normed conv from `base` + (".weight_g"/".weight_v" |
 * ".parametrizations.weight.original0"/"original1" | ".weight") and
 * base + ".bias", folding w = g v / ||v|| (norm over all dims but 0).
 * Shapes are checked: v [cout, cin, k] (conv) or [cin, cout, k] (transposed). */
int enc_conv_load(enc_conv *c, const vl_safetensors *st, const char *base, int cin, int cout,
                  int k, int stride, int dil);
int enc_convtr_load(enc_convtr *c, const vl_safetensors *st, const char *base, int cin,
                    int cout, int k, int stride);
/* base + ".weight_ih_l{n}" etc. */
int enc_lstm_load(enc_lstm *l, const vl_safetensors *st, const char *base, int dim, int layers);
void enc_conv_free(enc_conv *c);
void enc_convtr_free(enc_convtr *c);
void enc_lstm_free(enc_lstm *l);

#endif
