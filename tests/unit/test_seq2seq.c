/* tests/unit/test_seq2seq.c: the recurrent seq2seq on a tiny synthetic task
 * (reverse a 3-6 letter string): data-file errors, vocabulary errors,
 * learning to high held-out accuracy with dot attention, additive
 * attention, GRU+peeky+reverse and a bidirectional encoder, greedy ==
 * batch greedy, beam search, attention rows summing to one, save/load and
 * F16 export (of a bidirectional model) giving the same outputs, and exact
 * resume (bit-identical parameters). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "valle/seq2seq.h"

static char path_data[300], path_bad[300], path_empty[300], path_ck[300], path_f16[300];

static void write_files(void) {
    const char *d = test_tmpdir();
    snprintf(path_data, sizeof path_data, "%s/rev.txt", d);
    snprintf(path_bad, sizeof path_bad, "%s/bad.txt", d);
    snprintf(path_empty, sizeof path_empty, "%s/empty.txt", d);
    snprintf(path_ck, sizeof path_ck, "%s/ck.safetensors", d);
    snprintf(path_f16, sizeof path_f16, "%s/f16.safetensors", d);
    FILE *f = fopen(path_data, "w");
    vl_rng r;
    vl_rng_seed(&r, 5);
    for (int i = 0; i < 600; i++) {
        char s[8];
        int n = 3 + (int)vl_rng_below(&r, 4);
        for (int k = 0; k < n; k++) s[k] = (char)('a' + vl_rng_below(&r, 6));
        s[n] = 0;
        fprintf(f, "%s_", s);
        for (int k = n - 1; k >= 0; k--) fputc(s[k], f);
        fputc('\n', f);
    }
    fclose(f);
    f = fopen(path_bad, "w");
    fprintf(f, "abc_cba\nno separator here\n");
    fclose(f);
    f = fopen(path_empty, "w");
    fclose(f);
}

static void test_data_errors(void) {
    vl_s2s_data d;
    CHECK_INT(vl_s2s_data_load(path_empty, VL_S2S_CHARS, &d), VL_ERR_FORMAT);
    CHECK(strstr(vl_last_error(), "empty") != NULL);
    CHECK_INT(vl_s2s_data_load(path_bad, VL_S2S_CHARS, &d), VL_ERR_FORMAT);
    CHECK(strstr(vl_last_error(), ":2:") != NULL);
    CHECK_INT(vl_s2s_data_load("/nonexistent/x", VL_S2S_CHARS, &d), VL_ERR_IO);
}

static vl_s2s_config make_cfg(const vl_s2s_data *d, vl_rnn_kind cell, vl_s2s_attn a,
                              bool rev, bool peeky) {
    vl_s2s_config cfg;
    vl_s2s_config_default(&cfg);
    cfg.emb = 16;
    cfg.hidden = 48;
    cfg.cell = cell;
    cfg.attention = a;
    cfg.reverse = rev;
    cfg.peeky = peeky;
    cfg.lr = 0.01f;
    cfg.batch_size = 32;
    vl_s2s_vocab_build(&cfg, d);
    return cfg;
}

static double train_eval(vl_s2s_run *run, const vl_s2s_data *d, int epochs) {
    double loss, acc = 0;
    for (int e = 0; e < epochs; e++) CHECK_INT(vl_s2s_run_epoch(run, d, 0, 500, &loss), VL_OK);
    CHECK_INT(vl_s2s_evaluate(run, d, 500, 600, 1, false, &acc, NULL), VL_OK);
    return acc;
}

static void test_learns(const vl_s2s_data *d) {
    struct { vl_rnn_kind cell; vl_s2s_attn a; bool rev, peeky, bidir; const char *name; } cases[] = {
        {VL_RNN_LSTM, VL_S2S_ATTN_DOT, false, false, false, "lstm dot attention"},
        {VL_RNN_LSTM, VL_S2S_ATTN_ADD, false, false, false, "lstm additive attention"},
        {VL_RNN_GRU, VL_S2S_ATTN_DOT, true, true, false, "gru dot attention reverse peeky"},
        {VL_RNN_LSTM, VL_S2S_ATTN_DOT, false, false, true, "lstm dot attention bidir"},
    };
    for (int k = 0; k < 4; k++) {
        vl_s2s_config cfg = make_cfg(d, cases[k].cell, cases[k].a, cases[k].rev, cases[k].peeky);
        cfg.bidir = cases[k].bidir;
        vl_s2s_run run;
        vl_s2s_run_init(&run, &cfg);
        vl_s2s_config_free(&cfg);
        double acc = train_eval(&run, d, 25);
        printf("%-34s held-out exact match %.1f%%\n", cases[k].name, 100 * acc);
        CHECK_MSG(acc >= 0.75, "%s: accuracy %.3f", cases[k].name, acc);
        vl_s2s_run_free(&run);
    }
}

static void test_decode_save_resume(const vl_s2s_data *d) {
    vl_s2s_config cfg = make_cfg(d, VL_RNN_LSTM, VL_S2S_ATTN_DOT, true, false);
    cfg.bidir = true; /* its extra parameters and config key go through save/load */
    vl_s2s_run run;
    vl_s2s_run_init(&run, &cfg);
    double loss;
    train_eval(&run, d, 20);
    /* unknown characters are a clear error */
    int ids[64], out[64], out2[64], outb[64];
    CHECK_INT(vl_s2s_encode_src(&run.cfg, "abz", ids, 64), VL_ERR_ARG);
    CHECK(strstr(vl_last_error(), "'z'") != NULL);
    /* greedy one-by-one == batch greedy; beam finds an answer at least as likely */
    int agree = 0, beam_ok = 0;
    float attn[64 * 64];
    for (int i = 500; i < 540; i++) {
        int ns = vl_s2s_encode_src(&run.cfg, d->src[i], ids, 64);
        vl_ctx_reset(run.ctx);
        int n1 = vl_s2s_decode(&run.model, run.ctx, ids, ns, 1, out, 63, attn);
        const int *srcs[1] = {ids};
        int nl;
        vl_ctx_reset(run.ctx);
        vl_s2s_decode_batch(&run.model, run.ctx, 1, srcs, &ns, 63, out2, &nl);
        agree += n1 == nl && !memcmp(out, out2, sizeof(int) * n1);
        if (i == 500) {
            bool rows_ok = true;
            for (int r = 0; r < n1; r++) {
                double s = 0;
                for (int j = 0; j < ns; j++) s += attn[r * ns + j];
                rows_ok &= fabs(s - 1) < 1e-4;
            }
            CHECK(rows_ok);
        }
        vl_ctx_reset(run.ctx);
        int nb = vl_s2s_decode(&run.model, run.ctx, ids, ns, 4, outb, 63, NULL);
        int tg[64];
        int nt = vl_s2s_encode_tgt(&run.cfg, d->tgt[i], tg, 64);
        beam_ok += nb == nt && !memcmp(outb, tg, sizeof(int) * nt);
    }
    CHECK_INT(agree, 40);
    CHECK_MSG(beam_ok >= 36, "beam exact %d/40", beam_ok);
    /* save -> load gives the same predictions; F16 export too (nearly) */
    CHECK_INT(vl_s2s_run_save(&run, path_ck, VL_DT_F32), VL_OK);
    CHECK_INT(vl_s2s_run_save(&run, path_f16, VL_DT_F16), VL_OK);
    double a0, a1, a2;
    vl_s2s_evaluate(&run, d, 500, 600, 1, false, &a0, NULL);
    vl_s2s_run r2;
    CHECK_INT(vl_s2s_run_load(&r2, path_ck, true), VL_OK);
    CHECK(r2.cfg.bidir);
    vl_s2s_evaluate(&r2, d, 500, 600, 1, false, &a1, NULL);
    CHECK_NEAR(a1, a0, 0);
    vl_s2s_run r3;
    CHECK_INT(vl_s2s_run_load(&r3, path_f16, false), VL_OK);
    vl_s2s_evaluate(&r3, d, 500, 600, 1, false, &a2, NULL);
    CHECK_NEAR(a2, a0, 0.03);
    vl_s2s_run_free(&r3);
    /* exact resume: one more epoch on both gives identical parameters */
    CHECK_INT(vl_s2s_run_epoch(&run, d, 0, 500, &loss), VL_OK);
    CHECK_INT(vl_s2s_run_epoch(&r2, d, 0, 500, &loss), VL_OK);
    CHECK_INT(run.params.n_train, r2.params.n_train);
    CHECK(!memcmp(run.params.data, r2.params.data, sizeof(float) * run.params.n_train));
    CHECK_INT(r2.epoch, run.epoch);
    vl_s2s_run_free(&r2);
    vl_s2s_run_free(&run);
    vl_s2s_config_free(&cfg);
}

int main(void) {
    vl_set_num_threads(1);
    write_files();
    test_data_errors();
    vl_s2s_data d;
    CHECK_INT(vl_s2s_data_load(path_data, VL_S2S_CHARS, &d), VL_OK);
    CHECK_INT(d.n, 600);
    test_learns(&d);
    test_decode_save_resume(&d);
    vl_s2s_data_free(&d);
    return test_summary();
}
