/* valle/rnn.h: recurrent layers (Elman tanh RNN, LSTM, GRU) with PyTorch's
 * weight layout and gate order, so state_dicts map one to one:
 *   weight_ih_l{k} (G*H, in), weight_hh_l{k} (G*H, H), bias_ih_l{k} (G*H),
 *   bias_hh_l{k} (G*H); G = 1 (RNN), 4 (LSTM: i, f, g, o), 3 (GRU: r, z, n,
 *   n = tanh(x_n + r * (W_hn h + b_hn))).
 * Inputs are batch-first (B, T, in), as nn.LSTM(batch_first=True).
 *
 * A layer runs as: one big GEMM for the input projection of every step
 * (vl_linear over (B*T, in)), then the fused recurrence op (one small GEMM
 * and a pointwise kernel per step) with a hand-written backward through
 * time. A cell step is the same op with T = 1.
 *
 * Usage:
 *   vl_rnn r; vl_rnn_init(&r, &P, "rnn", VL_RNN_LSTM, 32, 64, 2, 0.2f);
 *   vl_params_finalize(&P, seed);
 *   vl_rnn_state st = {0};               // zero initial states
 *   vl_tensor *y = vl_rnn_forward(c, &r, x, NULL, &st);  // y (B, T, H)
 *   // st.h / st.c: (L, B, H) final states (tape-connected)
 *   // truncated BPTT: vl_rnn_state_detach copies them out of the tape,
 *   // vl_rnn_state_wrap feeds them to the next batch.
 */
#ifndef VALLE_RNN_H
#define VALLE_RNN_H

#include "valle/nn.h"

typedef enum vl_rnn_kind { VL_RNN_TANH, VL_RNN_LSTM, VL_RNN_GRU } vl_rnn_kind;

#define VL_RNN_MAX_LAYERS 8

/* Gates per kind: 1, 4, 3. */
int vl_rnn_gates(vl_rnn_kind k);
int vl_rnn_kind_parse(const char *s, vl_rnn_kind *out); /* rnn|lstm|gru */
const char *vl_rnn_kind_name(vl_rnn_kind k);

/* ---- the fused recurrence op ----
 * gx (B, T, G*H): input projections including bias_ih (contiguous);
 * w_hh (G*H, H); b_hh (G*H); s0 (B, S*H): initial state, S = 2 for LSTM
 * ([h0, c0] side by side), 1 otherwise (NULL = zeros).
 * Returns (B, T, S*H): h_t (and c_t for LSTM) of every step. */
vl_tensor *vl_rnn_scan(vl_ctx *c, vl_rnn_kind kind, vl_tensor *gx,
                       vl_tensor *w_hh, vl_tensor *b_hh, vl_tensor *s0);

/* One cell step: x (B, in), h (B, H), cs (B, H) for LSTM else NULL; h and
 * cs may be NULL (zeros). Writes the new h (B, H) and, for LSTM, c (B, H). */
void vl_rnn_cell(vl_ctx *c, vl_rnn_kind kind, vl_tensor *x, vl_tensor *h,
                 vl_tensor *cs, vl_tensor *w_ih, vl_tensor *w_hh,
                 vl_tensor *b_ih, vl_tensor *b_hh, vl_tensor **h_out,
                 vl_tensor **c_out);

/* ---- multi-layer time layer ---- */
typedef struct vl_rnn {
    vl_rnn_kind kind;
    int input, hidden, layers;
    float dropout;                     /* between layers (training only) */
    vl_tensor *w_ih[VL_RNN_MAX_LAYERS], *w_hh[VL_RNN_MAX_LAYERS];
    vl_tensor *b_ih[VL_RNN_MAX_LAYERS], *b_hh[VL_RNN_MAX_LAYERS];
} vl_rnn;

/* States of every layer: h (L, B, H), c (L, B, H) (LSTM only; else NULL). */
typedef struct vl_rnn_state {
    vl_tensor *h, *c;
} vl_rnn_state;

/* Registers weight_ih_l{k} ... under `prefix`, init U(+-1/sqrt(H)) as
 * PyTorch (init_a > 0 overrides the range, e.g. 0.1 for Zaremba). */
void vl_rnn_init(vl_rnn *r, vl_params *p, const char *prefix,
                 vl_rnn_kind kind, int input, int hidden, int layers,
                 float dropout, float init_a);
/* x (B, T, in); init: initial states or NULL (zeros); final (may be NULL)
 * receives the final states. Returns y (B, T, H) of the top layer. */
vl_tensor *vl_rnn_forward(vl_ctx *c, const vl_rnn *r, vl_tensor *x,
                          const vl_rnn_state *init, vl_rnn_state *final);
/* Carried state of truncated BPTT: copies the final states' values out of
 * the tape into caller buffers h, cbuf (L*B*H floats each; cbuf only for
 * LSTM), and wraps such buffers as the next batch's no-grad initial state. */
void vl_rnn_state_detach(const vl_rnn_state *s, float *h, float *cbuf);
vl_rnn_state vl_rnn_state_wrap(vl_ctx *c, const vl_rnn *r, int batch,
                               float *h, float *cbuf);

#endif
