/* src/nn/rnn.c: multi-layer RNN/LSTM/GRU time layers and the one-step cell
 * on top of the fused recurrence op (src/ops/rnn.c), with PyTorch's
 * parameter names, dropout between layers and initial/final states. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "valle/rnn.h"

void vl_rnn_init(vl_rnn *r, vl_params *p, const char *prefix,
                 vl_rnn_kind kind, int input, int hidden, int layers,
                 float dropout, float init_a) {
    VL_ASSERT(layers >= 1 && layers <= VL_RNN_MAX_LAYERS, "rnn layers");
    memset(r, 0, sizeof *r);
    r->kind = kind;
    r->input = input;
    r->hidden = hidden;
    r->layers = layers;
    r->dropout = dropout;
    int GH = vl_rnn_gates(kind) * hidden;
    float a = init_a > 0 ? init_a : 1.0f / sqrtf((float)hidden);
    char name[64];
    for (int l = 0; l < layers; l++) {
        int in = l ? hidden : input;
        snprintf(name, sizeof name, "weight_ih_l%d", l);
        r->w_ih[l] = vl_params_add(p, prefix, name, 2, (int[]){GH, in}, true,
                                   VL_INIT_UNIFORM, a);
        snprintf(name, sizeof name, "weight_hh_l%d", l);
        r->w_hh[l] = vl_params_add(p, prefix, name, 2, (int[]){GH, hidden}, true,
                                   VL_INIT_UNIFORM, a);
        snprintf(name, sizeof name, "bias_ih_l%d", l);
        r->b_ih[l] = vl_params_add(p, prefix, name, 1, (int[]){GH}, true,
                                   VL_INIT_UNIFORM, a);
        snprintf(name, sizeof name, "bias_hh_l%d", l);
        r->b_hh[l] = vl_params_add(p, prefix, name, 1, (int[]){GH}, true,
                                   VL_INIT_UNIFORM, a);
    }
}

/* Layer l of a (L, B, H) state as (B, H). */
static vl_tensor *layer_of(vl_ctx *c, vl_tensor *s, int l) {
    vl_tensor *v = vl_slice(c, s, 0, l, l + 1);
    return vl_reshape(c, v, 2, (int[]){s->shape[1], s->shape[2]});
}

vl_tensor *vl_rnn_forward(vl_ctx *c, const vl_rnn *r, vl_tensor *x,
                          const vl_rnn_state *init, vl_rnn_state *final) {
    VL_ASSERT(x->ndim == 3 && x->shape[2] == r->input, "rnn input (B, T, %d)",
              r->input);
    int B = x->shape[0], T = x->shape[1], H = r->hidden;
    bool lstm = r->kind == VL_RNN_LSTM;
    vl_tensor *hs[VL_RNN_MAX_LAYERS], *cs[VL_RNN_MAX_LAYERS];
    vl_tensor *in = x, *y = NULL;
    for (int l = 0; l < r->layers; l++) {
        vl_tensor *gx = vl_linear(c, in, r->w_ih[l], r->b_ih[l]); /* (B, T, GH) */
        vl_tensor *s0 = NULL;
        if (init && init->h) {
            s0 = layer_of(c, init->h, l);
            if (lstm) {
                VL_ASSERT(init->c, "LSTM initial state needs c");
                s0 = vl_concat(c, (vl_tensor *[]){s0, layer_of(c, init->c, l)}, 2, 1);
            }
        }
        vl_tensor *out = vl_rnn_scan(c, r->kind, gx, r->w_hh[l], r->b_hh[l], s0);
        y = lstm ? vl_slice(c, out, 2, 0, H) : out; /* (B, T, H) */
        if (final) {
            vl_tensor *last = vl_slice(c, out, 1, T - 1, T); /* (B, 1, SH) */
            hs[l] = vl_reshape(c, vl_slice(c, last, 2, 0, H), 3, (int[]){1, B, H});
            if (lstm)
                cs[l] = vl_reshape(c, vl_slice(c, last, 2, H, 2 * H), 3,
                                   (int[]){1, B, H});
        }
        in = (l + 1 < r->layers) ? vl_dropout(c, y, r->dropout) : y;
    }
    if (final) {
        final->h = r->layers == 1 ? hs[0] : vl_concat(c, hs, r->layers, 0);
        final->c = !lstm ? NULL : r->layers == 1 ? cs[0] : vl_concat(c, cs, r->layers, 0);
    }
    return y;
}

void vl_rnn_cell(vl_ctx *c, vl_rnn_kind kind, vl_tensor *x, vl_tensor *h,
                 vl_tensor *cs, vl_tensor *w_ih, vl_tensor *w_hh,
                 vl_tensor *b_ih, vl_tensor *b_hh, vl_tensor **h_out,
                 vl_tensor **c_out) {
    VL_ASSERT(x->ndim == 2, "rnn cell input (B, in)");
    int B = x->shape[0], H = w_hh->shape[1];
    bool lstm = kind == VL_RNN_LSTM;
    vl_tensor *gx = vl_linear(c, vl_reshape(c, x, 3, (int[]){B, 1, x->shape[1]}),
                              w_ih, b_ih);
    vl_tensor *s0 = NULL;
    if (h || cs) {
        if (!h) h = vl_tensor_zeros(c, 2, (int[]){B, H});
        s0 = h;
        if (lstm) {
            if (!cs) cs = vl_tensor_zeros(c, 2, (int[]){B, H});
            s0 = vl_concat(c, (vl_tensor *[]){h, cs}, 2, 1);
        }
    }
    vl_tensor *out = vl_rnn_scan(c, kind, gx, w_hh, b_hh, s0); /* (B, 1, SH) */
    out = vl_reshape(c, out, 2, (int[]){B, out->shape[2]});
    *h_out = lstm ? vl_slice(c, out, 1, 0, H) : out;
    if (c_out) *c_out = lstm ? vl_slice(c, out, 1, H, 2 * H) : NULL;
}

void vl_rnn_state_detach(const vl_rnn_state *s, float *h, float *cbuf) {
    if (s->h) vl_copy_out(s->h, h);
    if (s->c && cbuf) vl_copy_out(s->c, cbuf);
}

vl_rnn_state vl_rnn_state_wrap(vl_ctx *c, const vl_rnn *r, int batch,
                               float *h, float *cbuf) {
    vl_rnn_state s = {0};
    int shape[3] = {r->layers, batch, r->hidden};
    s.h = vl_tensor_wrap(c, 3, shape, h);
    if (r->kind == VL_RNN_LSTM) s.c = vl_tensor_wrap(c, 3, shape, cbuf);
    return s;
}
