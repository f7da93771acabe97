/* tools/cmd_seq2seq.c: `valle seq2seq train|eval|predict` (character-level
 * question_answer pairs) and `valle g2p train|eval|predict` (letters ->
 * ARPAbet phones, CMUdict format), both on the recurrent seq2seq model. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "valle/seq2seq.h"

static int fail_status(int rc) {
    fprintf(stderr, "valle: %s: %s\n", vl_strerror(rc), vl_last_error());
    return 1;
}

/* Train / test split. chars: the last `test` pairs are held out. g2p: every
 * `test`-th word (all its pronunciations) is held out. */
static void split(const vl_s2s_data *d, vl_s2s_format fmt, int test, vl_s2s_data *tr,
                  vl_s2s_data *te) {
    tr->n = te->n = 0;
    tr->src = vl_xmalloc(sizeof(char *) * d->n);
    tr->tgt = vl_xmalloc(sizeof(char *) * d->n);
    te->src = vl_xmalloc(sizeof(char *) * d->n);
    te->tgt = vl_xmalloc(sizeof(char *) * d->n);
    int word = -1;
    for (int i = 0; i < d->n; i++) {
        bool hold;
        if (fmt == VL_S2S_CHARS) {
            hold = i >= d->n - test;
        } else {
            if (!i || strcmp(d->src[i], d->src[i - 1])) word++;
            hold = test > 0 && word % test == test - 1;
        }
        vl_s2s_data *o = hold ? te : tr;
        o->src[o->n] = vl_xstrdup(d->src[i]);
        o->tgt[o->n] = vl_xstrdup(d->tgt[i]);
        o->n++;
    }
}

typedef struct s2s_opts {
    vl_s2s_format fmt;
    const char *name; /* "seq2seq" or "g2p" */
} s2s_opts;

static int do_train(const s2s_opts *so, int argc, char **argv) {
    const char *data_path = NULL, *out = NULL, *resume = NULL, *cell = "lstm";
    const char *attention = "dot", *optim = "adam", *export_path = NULL;
    int emb = 0, hidden = 0, batch = 0, epochs = 0, threads = 0, stop_after = 0;
    int test = so->fmt == VL_S2S_CHARS ? 5000 : 20;
    float lr = 0, clip = 5.0f, decay = 0;
    int decay_start = -1;
    long long seed = 1;
    bool reverse = false, peeky = false, bidir = false, quiet = false;
    cli_opt opts[] = {
        {"data", CLI_STR, &data_path, "FILE", "training pairs (required)"},
        {"test", CLI_INT, &test, "N", so->fmt == VL_S2S_CHARS
                                          ? "hold out the last N pairs (default 5000)"
                                          : "hold out every N-th word (default 20)"},
        {"out", CLI_STR, &out, "FILE", "checkpoint written (atomically) after each epoch"},
        {"export", CLI_STR, &export_path, "FILE", "also write an F16 weights-only model at the end"},
        {"resume", CLI_STR, &resume, "FILE", "continue a run from its checkpoint"},
        {"cell", CLI_STR, &cell, "NAME", "lstm | gru"},
        {"emb", CLI_INT, &emb, "N", "embedding size (default 32, g2p 64)"},
        {"hidden", CLI_INT, &hidden, "N", "hidden size (default 128, g2p 256)"},
        {"attention", CLI_STR, &attention, "NAME", "none | dot | additive"},
        {"reverse", CLI_FLAG, &reverse, NULL, "feed the source reversed"},
        {"peeky", CLI_FLAG, &peeky, NULL, "encoder state fed to every decoder step and the output"},
        {"bidir", CLI_FLAG, &bidir, NULL, "bidirectional encoder (forward and backward RNN; needs attention)"},
        {"optim", CLI_STR, &optim, "NAME", "sgd | adam | adamw"},
        {"lr", CLI_FLOAT, &lr, "X", "learning rate (default 0.005)"},
        {"clip", CLI_FLOAT, &clip, "NORM", "global gradient-norm clip (0: off)"},
        {"decay", CLI_FLOAT, &decay, "X", "lr factor per epoch after --decay-start (default 1)"},
        {"decay-start", CLI_INT, &decay_start, "N", "epochs at full lr (default 0)"},
        {"batch-size", CLI_INT, &batch, "N", "pairs per batch (default 128)"},
        {"epochs", CLI_INT, &epochs, "N", "total epochs (default 10)"},
        {"stop-after", CLI_INT, &stop_after, "N", "stop after epoch N (resume later)"},
        {"seed", CLI_LONG, &seed, "N", "seed"},
        {"threads", CLI_INT, &threads, "N", "threads (0: all cores)"},
        {"quiet", CLI_FLAG, &quiet, NULL, "no progress lines"},
        {0}};
    char usage[96];
    snprintf(usage, sizeof usage, "valle %s train --data FILE [options]", so->name);
    int rc = cli_parse(argc, argv, opts, usage,
                       "Train a recurrent encoder-decoder; prints loss and held-out "
                       "exact-match accuracy after every epoch.", NULL, NULL);
    if (rc) return rc == CLI_HELP ? 0 : 2;
    if (!data_path) return cli_fail(2, "%s train: --data FILE is required", so->name);
    if (!out) out = so->fmt == VL_S2S_G2P ? "g2p.safetensors" : "seq2seq.safetensors";
    if (emb < 0 || hidden < 0 || batch < 0 || epochs < 0 || test < 0 || lr < 0 || clip < 0 ||
        decay < 0 || decay > 1 ||
        stop_after < 0 || emb > 4096 || hidden > 8192)
        return cli_fail(2, "%s train: sizes, --epochs, --test, --lr and --clip must be >= 0",
                        so->name);
    vl_set_num_threads(threads);
    vl_s2s_data all, tr, te;
    rc = vl_s2s_data_load(data_path, so->fmt, &all);
    if (rc < 0) return fail_status(rc);
    if (so->fmt == VL_S2S_CHARS && test >= all.n) {
        int n_all = all.n;
        vl_s2s_data_free(&all);
        return cli_fail(2, "%s train: --test %d leaves no training pairs (%d in the file)",
                        so->name, test, n_all);
    }
    split(&all, so->fmt, test, &tr, &te);
    vl_s2s_run run;
    if (resume) {
        rc = vl_s2s_run_load(&run, resume, true);
        if (rc < 0) goto fail;
        if (epochs) run.cfg.epochs = epochs;
        if (lr > 0) run.cfg.lr = lr; /* a resumed run may change its schedule */
        if (decay > 0) run.cfg.decay = decay;
        if (decay_start >= 0) run.cfg.decay_start = decay_start;
        if (!quiet) printf("resumed %s at epoch %d of %d\n", resume, run.epoch, run.cfg.epochs);
    } else {
        vl_s2s_config cfg;
        vl_s2s_config_default(&cfg);
        cfg.format = so->fmt;
        if (so->fmt == VL_S2S_G2P) { cfg.emb = 64; cfg.hidden = 256; }
        if (emb) cfg.emb = emb;
        if (hidden) cfg.hidden = hidden;
        if (batch) cfg.batch_size = batch;
        if (epochs) cfg.epochs = epochs;
        if (lr > 0) cfg.lr = lr;
        cfg.clip = clip;
        if (decay > 0) cfg.decay = decay;
        if (decay_start >= 0) cfg.decay_start = decay_start;
        cfg.seed = (uint64_t)seed;
        cfg.reverse = reverse;
        cfg.peeky = peeky;
        int a = vl_parse_name(attention, (const char *const[]){"none", "dot", "additive"}, 3,
                              "attention");
        if (a < 0 || vl_rnn_kind_parse(cell, &cfg.cell) < 0 || cfg.cell == VL_RNN_TANH ||
            vl_optim_parse(optim, &cfg.optim) < 0) {
            vl_s2s_data_free(&all); vl_s2s_data_free(&tr); vl_s2s_data_free(&te);
            return cli_fail(2, "%s train: %s", so->name,
                            cfg.cell == VL_RNN_TANH ? "--cell must be lstm or gru" : vl_last_error());
        }
        cfg.attention = (vl_s2s_attn)a;
        cfg.bidir = bidir;
        if (bidir && cfg.attention == VL_S2S_ATTN_NONE) {
            vl_s2s_data_free(&all); vl_s2s_data_free(&tr); vl_s2s_data_free(&te);
            return cli_fail(2, "%s train: --bidir needs --attention dot or additive (without "
                            "attention the decoder only sees the forward final state)", so->name);
        }
        rc = vl_s2s_vocab_build(&cfg, &all);
        if (rc < 0) { vl_s2s_config_free(&cfg); goto fail; }
        vl_s2s_run_init(&run, &cfg);
        vl_s2s_config_free(&cfg);
    }
    if (!quiet)
        printf("%s: %d train / %d held-out pairs, %lld parameters, vocab %d -> %d\n", so->name,
               tr.n, te.n, (long long)run.params.n_train, run.cfg.n_src, run.cfg.n_tgt);
    while (run.epoch < run.cfg.epochs) {
        double t0 = vl_seconds(), loss, acc = 0;
        rc = vl_s2s_run_epoch(&run, &tr, 0, tr.n, &loss);
        if (rc < 0) break;
        double t1 = vl_seconds();
        if (te.n) rc = vl_s2s_evaluate(&run, &te, 0, te.n, 1, false, &acc, NULL);
        if (rc < 0) break;
        if (!quiet) {
            printf("epoch %d/%d lr %.4g loss %.4f held-out exact match %.2f%% (%.1fs train, %.1fs eval)\n",
                   run.epoch, run.cfg.epochs, run.optim.lr, loss, 100 * acc, t1 - t0, vl_seconds() - t1);
            fflush(stdout);
        }
        rc = vl_s2s_run_save(&run, out, VL_DT_F32);
        if (rc < 0) break;
        if (stop_after && run.epoch >= stop_after) break;
    }
    if (rc >= 0 && export_path) rc = vl_s2s_run_save(&run, export_path, VL_DT_F16);
    vl_s2s_run_free(&run);
fail:
    vl_s2s_data_free(&all);
    vl_s2s_data_free(&tr);
    vl_s2s_data_free(&te);
    return rc < 0 ? fail_status(rc) : 0;
}

static int do_eval(const s2s_opts *so, int argc, char **argv) {
    const char *model = NULL, *data_path = NULL;
    int test = so->fmt == VL_S2S_CHARS ? 5000 : 20, beam = 1, threads = 0;
    bool all_pairs = false;
    cli_opt opts[] = {
        {"model", CLI_STR, &model, "FILE", "trained model (required)"},
        {"data", CLI_STR, &data_path, "FILE", "pairs (required)"},
        {"test", CLI_INT, &test, "N", "the held-out part, as in training"},
        {"all", CLI_FLAG, &all_pairs, NULL, "evaluate every pair of the file"},
        {"beam", CLI_INT, &beam, "K", "beam width (1: greedy)"},
        {"threads", CLI_INT, &threads, "N", "threads (0: all cores)"},
        {0}};
    char usage[96];
    snprintf(usage, sizeof usage, "valle %s eval --model FILE --data FILE", so->name);
    int rc = cli_parse(argc, argv, opts, usage,
                       so->fmt == VL_S2S_G2P
                           ? "Word and phone error rates (with and without stress) and speed "
                             "on the held-out words."
                           : "Exact-match accuracy on the held-out pairs.",
                       NULL, NULL);
    if (rc) return rc == CLI_HELP ? 0 : 2;
    if (!model || !data_path) return cli_fail(2, "%s eval: --model and --data are required", so->name);
    if (beam < 1 || beam > 64 || test < 0) return cli_fail(2, "%s eval: 1 <= --beam <= 64, --test >= 0", so->name);
    vl_set_num_threads(threads);
    vl_s2s_run run;
    rc = vl_s2s_run_load(&run, model, false);
    if (rc < 0) return fail_status(rc);
    if ((run.cfg.format == VL_S2S_G2P) != (so->fmt == VL_S2S_G2P)) {
        vl_s2s_run_free(&run);
        return cli_fail(1, "%s is a %s model, not a %s model", model,
                        run.cfg.format == VL_S2S_G2P ? "g2p" : "seq2seq", so->name);
    }
    vl_s2s_data all, tr, te;
    rc = vl_s2s_data_load(data_path, so->fmt, &all);
    if (rc < 0) { vl_s2s_run_free(&run); return fail_status(rc); }
    split(&all, so->fmt, all_pairs ? 0 : test, &tr, &te);
    vl_s2s_data *d = all_pairs ? &all : &te;
    if (!d->n) d = &all;
    double acc, per, t0 = vl_seconds();
    rc = vl_s2s_evaluate(&run, d, 0, d->n, beam, false, &acc, &per);
    double dt = vl_seconds() - t0;
    if (rc >= 0) {
        if (so->fmt == VL_S2S_G2P) {
            double acc2, per2;
            rc = vl_s2s_evaluate(&run, d, 0, d->n, beam, true, &acc2, &per2);
            if (rc >= 0)
                printf("%d pairs: WER %.2f%% PER %.2f%% (with stress); WER %.2f%% PER %.2f%% "
                       "(ignoring stress); %.0f words/s (beam %d)\n",
                       d->n, 100 * (1 - acc), 100 * per, 100 * (1 - acc2), 100 * per2,
                       d->n / dt, beam);
        } else {
            printf("%d pairs: exact match %.2f%% symbol error rate %.2f%% (beam %d, %.0f pairs/s)\n",
                   d->n, 100 * acc, 100 * per, beam, d->n / dt);
        }
    }
    vl_s2s_data_free(&all);
    vl_s2s_data_free(&tr);
    vl_s2s_data_free(&te);
    vl_s2s_run_free(&run);
    return rc < 0 ? fail_status(rc) : 0;
}

static int do_predict(const s2s_opts *so, int argc, char **argv) {
    const char *model = NULL, *plot = NULL;
    int beam = 1, threads = 1;
    cli_opt opts[] = {
        {"model", CLI_STR, &model, "FILE", "trained model (required)"},
        {"beam", CLI_INT, &beam, "K", "beam width (1: greedy)"},
        {"plot-attention", CLI_STR, &plot, "FILE.png", "attention map of the first input as a PNG"},
        {"threads", CLI_INT, &threads, "N", "threads"},
        {0}};
    char usage[112];
    snprintf(usage, sizeof usage, "valle %s predict --model FILE [INPUT...]  (else one per stdin line)",
             so->name);
    int npos = 0;
    char **pos = NULL;
    int rc = cli_parse(argc, argv, opts, usage, "Decode inputs and print 'input<TAB>output'.",
                       &npos, &pos);
    if (rc) return rc == CLI_HELP ? 0 : 2;
    if (!model) return cli_fail(2, "%s predict: --model FILE is required", so->name);
    if (beam < 1 || beam > 64) return cli_fail(2, "%s predict: 1 <= --beam <= 64", so->name);
    vl_set_num_threads(threads);
    vl_s2s_run run;
    rc = vl_s2s_run_load(&run, model, false);
    if (rc < 0) return fail_status(rc);
    char line[1024], text[4096];
    int ids[128], outi[128];
    float *attn = vl_xmalloc(sizeof(float) * 128 * 128);
    int k = 0, status = 0;
    for (;;) {
        const char *in;
        if (npos) {
            if (k >= npos) break;
            in = pos[k];
        } else {
            if (!fgets(line, sizeof line, stdin)) break;
            line[strcspn(line, "\r\n")] = 0;
            in = line;
        }
        char buf[1024];
        snprintf(buf, sizeof buf, "%s", in);
        if (run.cfg.format == VL_S2S_G2P)
            for (char *p = buf; *p; p++) if (*p >= 'A' && *p <= 'Z') *p = (char)(*p - 'A' + 'a');
        int n = vl_s2s_encode_src(&run.cfg, buf, ids, 128);
        if (n < 0) {
            fprintf(stderr, "valle: %s\n", vl_last_error());
            status = 1;
            k++;
            continue;
        }
        size_t blen = strlen(buf);
        if ((size_t)n > blen) { /* fixed-width model: show the padding */
            memset(buf + blen, ' ', (size_t)n - blen);
            buf[n] = 0;
        }
        vl_ctx_reset(run.ctx);
        int no = vl_s2s_decode(&run.model, run.ctx, ids, n, beam, outi, 127, attn);
        vl_s2s_tgt_text(&run.cfg, outi, no, text, sizeof text);
        printf("%s\t%s\n", in, text);
        if (plot && k == 0 && run.cfg.attention != VL_S2S_ATTN_NONE) {
            rc = vl_s2s_plot_attention(plot, &run.cfg, buf, outi, no, attn);
            if (rc < 0) { status = fail_status(rc); break; }
        }
        k++;
    }
    free(attn);
    vl_s2s_run_free(&run);
    return status;
}

static int dispatch(const s2s_opts *so, int argc, char **argv) {
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        FILE *f = argc < 2 ? stderr : stdout;
        fprintf(f, "usage: valle %s train|eval|predict [options]   ('--help' after each)\n", so->name);
        return argc < 2 ? 2 : 0;
    }
    if (!strcmp(argv[1], "train")) return do_train(so, argc - 1, argv + 1);
    if (!strcmp(argv[1], "eval")) return do_eval(so, argc - 1, argv + 1);
    if (!strcmp(argv[1], "predict")) return do_predict(so, argc - 1, argv + 1);
    return cli_fail(2, "%s: unknown subcommand '%s' (train, eval, predict)", so->name, argv[1]);
}

int cmd_seq2seq(int argc, char **argv) {
    s2s_opts so = {VL_S2S_CHARS, "seq2seq"};
    return dispatch(&so, argc, argv);
}

int cmd_g2p(int argc, char **argv) {
    s2s_opts so = {VL_S2S_G2P, "g2p"};
    return dispatch(&so, argc, argv);
}
