/* tests/grad/test_grad_rnn.c: finite-difference gradient checks of the
 * fused recurrence (RNN, LSTM, GRU; with and without an initial state), the
 * one-step cells, the two-layer time layers with initial states (inputs,
 * states and every weight), the dot-product and additive attention, and
 * the seq2seq loss with a bidirectional encoder over left-padded sources
 * (every parameter, through the time flip). */
#include <stdlib.h>
#include <string.h>

#include "gradcheck.h"
#include "harness.h"
#include "valle/rnn.h"
#include "valle/rnn_attention.h"
#include "valle/seq2seq.h"

#define EPS 1e-2
#define TOL 3e-3

typedef struct gcase {
    vl_rnn_kind kind;
    vl_rnn *r;
    vl_rnn_additive *add;
    int mode;   /* 0 scan, 1 cell, 2 layer, 3 attention */
    bool s0;    /* scan: in[3] is the initial state */
} gcase;

static vl_tensor *f(vl_ctx *c, vl_tensor **in, void *u) {
    gcase *g = u;
    bool lstm = g->kind == VL_RNN_LSTM;
    if (g->mode == 0) /* gx, w_hh, b_hh, s0 */
        return vl_rnn_scan(c, g->kind, in[0], in[1], in[2], g->s0 ? in[3] : NULL);
    if (g->mode == 1) { /* x, h, cs, w_ih, w_hh, b_ih, b_hh */
        vl_tensor *h, *cs;
        vl_rnn_cell(c, g->kind, in[0], in[1], lstm ? in[2] : NULL, in[3], in[4],
                    in[5], in[6], &h, &cs);
        return lstm ? vl_concat(c, (vl_tensor *[]){h, cs}, 2, 1) : h;
    }
    if (g->mode == 2) { /* x, h0, c0 + params */
        vl_rnn_state init = {in[1], lstm ? in[2] : NULL}, fin;
        vl_tensor *y = vl_rnn_forward(c, g->r, in[0], &init, &fin);
        vl_tensor *parts[3] = {vl_reshape(c, y, 1, (int[]){-1}),
                               vl_reshape(c, fin.h, 1, (int[]){-1}),
                               lstm ? vl_reshape(c, fin.c, 1, (int[]){-1}) : NULL};
        return vl_concat(c, parts, lstm ? 3 : 2, 0);
    }
    static const uint8_t pad[2 * 4] = {0, 0, 0, 1, 0, 0, 0, 0};
    return vl_rnn_attend(c, in[0], in[1], pad, g->add, NULL);
}

static void check_kind(vl_rnn_kind kind) {
    int G = vl_rnn_gates(kind), H = 3, B = 2, T = 4, I = 2;
    int S = kind == VL_RNN_LSTM ? 2 : 1;
    char lab[64];
    gcase g = {.kind = kind, .mode = 0};
    for (int with_s0 = 0; with_s0 < 2; with_s0++) {
        gc_input in[4] = {{.ndim = 3, .shape = {B, T, G * H}},
                          {.ndim = 2, .shape = {G * H, H}, .scale = 0.5f},
                          {.ndim = 1, .shape = {G * H}},
                          {.ndim = 2, .shape = {B, S * H}}};
        g.s0 = with_s0;
        snprintf(lab, sizeof lab, "%s scan s0=%d", vl_rnn_kind_name(kind), with_s0);
        CHECK_MSG(gradcheck(lab, f, &g, with_s0 ? 4 : 3, in, EPS, TOL), "%s", lab);
    }
    g.mode = 1;
    {
        gc_input in[7] = {{.ndim = 2, .shape = {B, I}},
                          {.ndim = 2, .shape = {B, H}},
                          {.ndim = 2, .shape = {B, H}, .no_grad = kind != VL_RNN_LSTM},
                          {.ndim = 2, .shape = {G * H, I}, .scale = 0.5f},
                          {.ndim = 2, .shape = {G * H, H}, .scale = 0.5f},
                          {.ndim = 1, .shape = {G * H}},
                          {.ndim = 1, .shape = {G * H}}};
        snprintf(lab, sizeof lab, "%s cell", vl_rnn_kind_name(kind));
        CHECK_MSG(gradcheck(lab, f, &g, 7, in, EPS, TOL), "%s", lab);
    }
    g.mode = 2;
    vl_params P;
    vl_params_init(&P);
    vl_rnn r;
    vl_rnn_init(&r, &P, "rnn", kind, I, H, 2, 0.3f, 0.6f);
    vl_params_finalize(&P, 7);
    g.r = &r;
    for (int drop = 0; drop < 2; drop++) {
        r.dropout = drop ? 0.3f : 0.0f;
        gc_input in[3] = {{.ndim = 3, .shape = {B, T, I}},
                          {.ndim = 3, .shape = {2, B, H}},
                          {.ndim = 3, .shape = {2, B, H}, .no_grad = kind != VL_RNN_LSTM}};
        vl_tensor *extra[16];
        for (int i = 0; i < P.count; i++) extra[i] = P.entries[i].t;
        snprintf(lab, sizeof lab, "%s 2-layer dropout=%d", vl_rnn_kind_name(kind), drop);
        CHECK_MSG(gradcheck_params(lab, f, &g, 3, in, P.count, extra, EPS, TOL), "%s", lab);
    }
    vl_params_free(&P);
}

static void check_attention(void) {
    gcase g = {.mode = 3};
    gc_input in[2] = {{.ndim = 3, .shape = {2, 4, 3}}, {.ndim = 3, .shape = {2, 3, 3}}};
    CHECK(gradcheck("dot attention (padded)", f, &g, 2, in, EPS, TOL));
    vl_params P;
    vl_params_init(&P);
    vl_rnn_additive add;
    vl_rnn_additive_init(&add, &P, "dec", 3, 3, 5);
    vl_params_finalize(&P, 3);
    g.add = &add;
    vl_tensor *extra[4] = {add.wq, add.wk, add.bk, add.v};
    CHECK(gradcheck_params("additive attention (padded)", f, &g, 2, in, 4, extra, EPS, TOL));
    vl_params_free(&P);
}

static vl_tensor *s2s_loss(vl_ctx *c, vl_tensor **in, void *u) {
    (void)in;
    /* two sources, the first left-padded; targets of 3 steps, one padded */
    static const int src[2 * 4] = {VL_S2S_PAD, 3, 4, 5, 4, 3, 5, 3};
    static const int din[2 * 3] = {VL_S2S_BOS, 3, 4, VL_S2S_BOS, 4, VL_S2S_PAD};
    static const int tgt[2 * 3] = {3, 4, VL_S2S_EOS, 4, VL_S2S_EOS, -100};
    /* x100: the mean loss's gradients are ~1e-3, below what the check's
     * absolute floor (TOL when |g| < 1) would notice */
    return vl_scale(c, vl_s2s_loss(c, u, src, 2, 4, din, tgt, 3), 100.0f, 0.0f);
}

static void check_seq2seq_bidir(void) {
    vl_s2s_config cfg;
    vl_s2s_config_default(&cfg);
    cfg.emb = 3;
    cfg.hidden = 3;
    cfg.bidir = true;
    cfg.n_src = cfg.n_tgt = 6;
    for (vl_rnn_kind k = VL_RNN_LSTM; k <= VL_RNN_GRU; k++) {
        cfg.cell = k;
        vl_params P;
        vl_params_init(&P);
        vl_s2s_model m;
        vl_s2s_model_init(&m, &P, &cfg);
        vl_params_finalize(&P, 11);
        char lab[64];
        snprintf(lab, sizeof lab, "seq2seq %s bidir loss", vl_rnn_kind_name(k));
        CHECK_MSG(gradcheck_all_params(lab, s2s_loss, &m, 0, NULL, &P, EPS, TOL), "%s", lab);
        vl_params_free(&P);
    }
}

int main(void) {
    check_seq2seq_bidir();
    check_kind(VL_RNN_TANH);
    check_kind(VL_RNN_LSTM);
    check_kind(VL_RNN_GRU);
    check_attention();
    return test_summary();
}
