/* tests/golden/test_golden_rnn.c: nn.RNN / nn.LSTM / nn.GRU (two layers,
 * batch_first, initial states) and one Time Attention decoder step against
 * PyTorch (fixtures from scripts/fixtures/gen_rnn.py): outputs, final
 * states and every gradient within GOLDEN_TOL relative. */
#include <stdlib.h>
#include <string.h>

#include "golden_util.h"
#include "valle/rnn.h"
#include "valle/rnn_attention.h"

static void test_rnn(vl_rnn_kind kind) {
    char file[32], key[64];
    snprintf(file, sizeof file, "rnn_%s", vl_rnn_kind_name(kind));
    printf("%s\n", file);
    vl_safetensors st;
    if (!open_fx(&st, file)) return;
    const int B = 3, T = 5, I = 4, H = 6, L = 2, G = vl_rnn_gates(kind);
    bool lstm = kind == VL_RNN_LSTM;
    vl_params P;
    vl_params_init(&P);
    vl_rnn r;
    vl_rnn_init(&r, &P, "", kind, I, H, L, 0.0f, 0.0f);
    vl_params_finalize(&P, 1);
    for (int i = 0; i < P.count; i++) {
        vl_tensor *t = P.entries[i].t;
        memcpy(t->data, fx(&st, P.entries[i].name, t->numel), t->numel * sizeof(float));
    }
    CHECK_INT(P.n_train, (int64_t)G * H * (I + H + 2) + (int64_t)G * H * (2 * H + 2));
    vl_ctx *c = vl_ctx_new(1);
    int xs[3] = {B, T, I}, ss[3] = {L, B, H};
    vl_tensor *x = input(c, 3, xs, fx(&st, "x", B * T * I));
    vl_rnn_state init = {input(c, 3, ss, fx(&st, "h0", L * B * H)), NULL};
    if (lstm) init.c = input(c, 3, ss, fx(&st, "c0", L * B * H));
    vl_rnn_state fin;
    vl_tensor *y = vl_rnn_forward(c, &r, x, &init, &fin);
    check_shape("y", y, 3, (int[]){B, T, H});
    check_shape("hn", fin.h, 3, ss);
    cmp_t("y", y, fx(&st, "y", B * T * H), B * T * H);
    cmp_t("hn", fin.h, fx(&st, "hn", L * B * H), L * B * H);
    if (lstm) cmp_t("cn", fin.c, fx(&st, "cn", L * B * H), L * B * H);
    /* loss = sum(y ry) + sum(hn rh) (+ sum(cn rc)) */
    vl_tensor *loss = vl_sum_all(c, vl_mul(c, y, vl_tensor_from(c, 3, (int[]){B, T, H},
                                                              fx(&st, "ry", B * T * H))));
    loss = vl_add(c, loss, vl_sum_all(c, vl_mul(c, fin.h, vl_tensor_from(c, 3, ss,
                                                       fx(&st, "rh", L * B * H)))));
    if (lstm)
        loss = vl_add(c, loss, vl_sum_all(c, vl_mul(c, fin.c, vl_tensor_from(c, 3, ss,
                                                           fx(&st, "rc", L * B * H)))));
    vl_backward(c, loss);
    cmp_g("grad x", x->grad, fx(&st, "grad.x", B * T * I), B * T * I);
    cmp_g("grad h0", init.h->grad, fx(&st, "grad.h0", L * B * H), L * B * H);
    if (lstm) cmp_g("grad c0", init.c->grad, fx(&st, "grad.c0", L * B * H), L * B * H);
    for (int i = 0; i < P.count; i++) {
        vl_tensor *t = P.entries[i].t;
        snprintf(key, sizeof key, "grad.%s", P.entries[i].name);
        cmp_g(key, P.grad + P.entries[i].offset, fx(&st, key, t->numel), t->numel);
    }
    vl_ctx_free(c);
    vl_params_free(&P);
    vl_st_close(&st);
}

static void test_attn_step(void) {
    printf("attn_step\n");
    vl_safetensors st;
    if (!open_fx(&st, "attn_step")) return;
    const int B = 2, Te = 5, H = 6, V = 7;
    vl_ctx *c = vl_ctx_new(1);
    vl_tensor *enc = input(c, 3, (int[]){B, Te, H}, fx(&st, "enc", B * Te * H));
    vl_tensor *h = input(c, 2, (int[]){B, H}, fx(&st, "h", B * H));
    vl_tensor *W = input(c, 2, (int[]){V, 2 * H}, fx(&st, "W", V * 2 * H));
    vl_tensor *b = input(c, 1, (int[]){V}, fx(&st, "b", V));
    vl_tensor *a;
    vl_tensor *dec = vl_reshape(c, h, 3, (int[]){B, 1, H});
    vl_tensor *ctx = vl_rnn_attend(c, enc, dec, NULL, NULL, &a); /* (B, 1, H) */
    vl_tensor *cat = vl_concat(c, (vl_tensor *[]){ctx, dec}, 2, 2);
    vl_tensor *logits = vl_reshape(c, vl_linear(c, cat, W, b), 2, (int[]){B, V});
    vl_tensor *a2 = vl_reshape(c, a, 2, (int[]){B, Te});
    cmp_t("logits", logits, fx(&st, "logits", B * V), B * V);
    cmp_t("attn", a2, fx(&st, "attn", B * Te), B * Te);
    vl_tensor *loss = vl_add(
        c, vl_sum_all(c, vl_mul(c, logits, vl_tensor_from(c, 2, (int[]){B, V}, fx(&st, "r", B * V)))),
        vl_sum_all(c, vl_mul(c, a2, vl_tensor_from(c, 2, (int[]){B, Te}, fx(&st, "ra", B * Te)))));
    vl_backward(c, loss);
    cmp_g("grad enc", enc->grad, fx(&st, "grad.enc", B * Te * H), B * Te * H);
    cmp_g("grad h", h->grad, fx(&st, "grad.h", B * H), B * H);
    cmp_g("grad W", W->grad, fx(&st, "grad.W", V * 2 * H), V * 2 * H);
    cmp_g("grad b", b->grad, fx(&st, "grad.b", V), V);
    vl_ctx_free(c);
    vl_st_close(&st);
}

int main(void) {
    test_rnn(VL_RNN_TANH);
    test_rnn(VL_RNN_LSTM);
    test_rnn(VL_RNN_GRU);
    test_attn_step();
    pool_free();
    return test_summary();
}
