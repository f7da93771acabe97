/* tests/unit/test_rnnlm.c: the recurrent word LM on a tiny synthetic text:
 * reading (<eos> per line, vocabulary, <unk>, errors), perplexity
 * independent of the BPTT chunking (the carried state is exact), training
 * lowering perplexity for RNN/LSTM/GRU (tied and untied), learning-rate
 * decay, sampling, and a mid-epoch checkpoint resuming to bit-identical
 * parameters. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "valle/rnnlm.h"

static char p_train[300], p_unk[300], p_empty[300], p_ck[300];

static void write_files(void) {
    const char *d = test_tmpdir();
    snprintf(p_train, sizeof p_train, "%s/train.txt", d);
    snprintf(p_unk, sizeof p_unk, "%s/unk.txt", d);
    snprintf(p_empty, sizeof p_empty, "%s/empty.txt", d);
    snprintf(p_ck, sizeof p_ck, "%s/lm.safetensors", d);
    static const char *subj[] = {"the cat", "a dog", "the bird", "my friend"};
    static const char *verb[] = {"sees", "likes", "chases"};
    static const char *obj[] = {"the ball", "a tree", "the house", "the cat"};
    FILE *f = fopen(p_train, "w");
    vl_rng r;
    vl_rng_seed(&r, 3);
    for (int i = 0; i < 300; i++)
        fprintf(f, "%s %s %s\n", subj[vl_rng_below(&r, 4)], verb[vl_rng_below(&r, 3)],
                obj[vl_rng_below(&r, 4)]);
    fclose(f);
    f = fopen(p_unk, "w");
    fprintf(f, "the cat sees the zebra\n");
    fclose(f);
    f = fopen(p_empty, "w");
    fclose(f);
}

static vl_rnnlm_train_config cfg_for(vl_rnn_kind k, bool tie) {
    vl_rnnlm_train_config c;
    vl_rnnlm_train_config_default(&c);
    c.model.arch = k;
    c.model.emb = 24;
    c.model.hidden = 24;
    c.model.layers = 2;
    c.model.tie = tie;
    c.model.dropout = 0.1f;
    c.batch_size = 4;
    c.bptt = 7;
    c.optim = VL_OPT_ADAM;
    c.lr = 0.003f;
    c.epochs = 6;
    return c;
}

int main(void) {
    vl_set_num_threads(1);
    write_files();
    vl_rnnlm_vocab v = {.unk = -1};
    int *ids;
    int64_t n;
    CHECK_INT(vl_rnnlm_read(p_empty, &v, true, &ids, &n), VL_ERR_FORMAT);
    vl_rnnlm_vocab_free(&v);
    CHECK_INT(vl_rnnlm_read(p_train, &v, true, &ids, &n), VL_OK);
    CHECK_INT(v.n, 14); /* <eos> + 13 words */
    CHECK_INT(ids[5], 0); /* "<eos>" ends the first line (every line has 5 words) */
    int *u;
    int64_t nu;
    CHECK_INT(vl_rnnlm_read(p_unk, &v, false, &u, &nu), VL_ERR_FORMAT);
    CHECK(strstr(vl_last_error(), "zebra") != NULL);
    CHECK_INT(vl_rnnlm_vocab_find(&v, "chases") >= 1, 1);

    /* training lowers perplexity for each architecture */
    for (int k = 0; k < 3; k++) {
        vl_rnnlm_vocab vc = {.unk = -1};
        int *tid;
        int64_t tn;
        vl_rnnlm_read(p_train, &vc, true, &tid, &tn);
        vl_rnnlm_train_config c = cfg_for((vl_rnn_kind)k, k == 1);
        vl_rnnlm_run run;
        vl_rnnlm_run_init(&run, &c, &vc);
        double p0, p1, loss;
        vl_rnnlm_perplexity(&run, tid, tn, 3, &p0);
        for (int e = 0; e < 6; e++)
            CHECK_INT(vl_rnnlm_run_epoch(&run, tid, tn, 0, 0, NULL, NULL, &loss, NULL), VL_OK);
        vl_rnnlm_perplexity(&run, tid, tn, 3, &p1);
        printf("%s: perplexity %.2f -> %.2f\n", vl_rnn_kind_name((vl_rnn_kind)k), p0, p1);
        CHECK_MSG(p1 < 0.5 * p0 && p1 < 7.0, "%s ppl %.2f -> %.2f", vl_rnn_kind_name((vl_rnn_kind)k), p0, p1);
        /* chunking does not change evaluation: the carried state is exact */
        double pa, pb;
        run.cfg.bptt = 3;
        vl_rnnlm_perplexity(&run, tid, tn, 2, &pa);
        run.cfg.bptt = 50;
        vl_rnnlm_perplexity(&run, tid, tn, 2, &pb);
        /* the last partial column differs in count only by rounding of n/B */
        CHECK_MSG(fabs(pa - pb) <= 1e-4 * pb, "bptt 3: %.6f vs bptt 50: %.6f", pa, pb);
        run.cfg.bptt = 7;
        int out[10];
        CHECK_INT(vl_rnnlm_generate(&run, tid, 2, 10, 0.8f, 3, 1, out), VL_OK);
        bool in_range = true;
        for (int i = 0; i < 10; i++) in_range &= out[i] >= 0 && out[i] < run.vocab.n;
        CHECK(in_range);
        vl_rnnlm_run_free(&run);
        free(tid);
    }
    /* lr schedule: 1, 1, 1, 1, 0.5, 0.25 */
    vl_rnnlm_train_config z;
    vl_rnnlm_train_config_default(&z);
    CHECK_NEAR(vl_rnnlm_epoch_lr(&z, 3), 1.0, 0);
    CHECK_NEAR(vl_rnnlm_epoch_lr(&z, 4), 0.5, 0);
    CHECK_NEAR(vl_rnnlm_epoch_lr(&z, 5), 0.25, 0);

    /* exact resume from a mid-epoch checkpoint */
    {
        vl_rnnlm_train_config c = cfg_for(VL_RNN_LSTM, false);
        vl_rnnlm_vocab va = {.unk = -1}, vb = {.unk = -1};
        int *ia, *ib;
        int64_t na, nb;
        vl_rnnlm_read(p_train, &va, true, &ia, &na);
        vl_rnnlm_read(p_train, &vb, true, &ib, &nb);
        vl_rnnlm_run a, b, b2;
        vl_rnnlm_run_init(&a, &c, &va);
        vl_rnnlm_run_init(&b, &c, &vb);
        double loss;
        for (int e = 0; e < 2; e++) vl_rnnlm_run_epoch(&a, ia, na, 0, 0, NULL, NULL, &loss, NULL);
        vl_rnnlm_run_epoch(&b, ib, nb, 0, 0, NULL, NULL, &loss, NULL);
        vl_rnnlm_run_epoch(&b, ib, nb, 5, 0, NULL, NULL, &loss, NULL); /* 5 chunks into epoch 2 */
        CHECK_INT(b.chunk, 5);
        CHECK_INT(vl_rnnlm_run_save(&b, p_ck), VL_OK);
        vl_rnnlm_run_free(&b);
        CHECK_INT(vl_rnnlm_run_load(&b2, p_ck), VL_OK);
        CHECK_INT(b2.chunk, 5);
        CHECK_INT(b2.epoch, 1);
        vl_rnnlm_run_epoch(&b2, ib, nb, 0, 0, NULL, NULL, &loss, NULL);
        CHECK_INT(b2.epoch, 2);
        CHECK(!memcmp(a.params.data, b2.params.data, sizeof(float) * a.params.n_train));
        vl_rnnlm_run_free(&a);
        vl_rnnlm_run_free(&b2);
        free(ia);
        free(ib);
    }
    free(ids);
    vl_rnnlm_vocab_free(&v);
    return test_summary();
}
