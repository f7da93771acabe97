/* tools/cmd_lm_rnn.c: `valle lm train|eval|generate --arch rnn|lstm|gru`:
 * recurrent word-level language models (`valle lm` dispatches here on
 * --arch). Training runs data parallel under `mpirun -np N`: the batch's
 * streams are split across the ranks; rank 0 evaluates, logs and saves. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "commands.h"
#include "valle/dist.h"
#include "valle/rnnlm.h"

static int fail_status(int rc) {
    fprintf(stderr, "valle: %s: %s\n", vl_strerror(rc), vl_last_error());
    return 1;
}

typedef struct save_ctx {
    const char *out;
    bool quiet;
} save_ctx;

/* Rank 0 saves; every rank learns whether it worked (all stop if not). */
static int save_all(vl_rnnlm_run *run, const char *out) {
    int rc = vl_dist_rank() == 0 ? vl_rnnlm_run_save(run, out) : VL_OK;
    return vl_dist_rank0_result(rc, "save %s", out);
}

static int save_cb(vl_rnnlm_run *run, void *u) {
    save_ctx *s = u;
    int rc = save_all(run, s->out);
    if (rc >= 0 && !s->quiet && run->chunk) {
        printf("checkpoint %s: epoch %d, chunk %lld\n", s->out, run->epoch + 1, (long long)run->chunk);
        fflush(stdout);
    }
    return rc;
}

static int lm_train(int argc, char **argv) {
    const char *data = NULL, *valid = NULL, *test = NULL, *out = "lm.safetensors";
    const char *resume = NULL, *arch = "lstm", *optim = "sgd";
    int emb = 200, hidden = 200, layers = 2, epochs = 13, batch = 20, bptt = 20;
    int decay_start = 4, threads = 0, eval_batch = 10, stop_after = 0;
    long long save_every = 0, max_chunks = 0, seed = 1;
    float dropout = 0, lr = 1.0f, decay = 0.5f, clip = 5.0f, init = 0.1f;
    bool tie = false, quiet = false;
    cli_opt opts[] = {
        {"data", CLI_STR, &data, "FILE", "training text, one sentence per line (required)"},
        {"valid", CLI_STR, &valid, "FILE", "validation text: perplexity after every epoch"},
        {"test", CLI_STR, &test, "FILE", "test text: perplexity at the end"},
        {"arch", CLI_STR, &arch, "NAME", "rnn | lstm | gru"},
        {"out", CLI_STR, &out, "FILE", "checkpoint (written atomically)"},
        {"resume", CLI_STR, &resume, "FILE", "continue a run exactly where its checkpoint left it"},
        {"emb", CLI_INT, &emb, "N", "embedding size"},
        {"hidden", CLI_INT, &hidden, "N", "hidden size"},
        {"layers", CLI_INT, &layers, "N", "recurrent layers"},
        {"dropout", CLI_FLOAT, &dropout, "P", "dropout on embeddings, between layers, before output"},
        {"tie", CLI_FLAG, &tie, NULL, "tie output and embedding weights (needs emb == hidden)"},
        {"init", CLI_FLOAT, &init, "A", "uniform init range (0: PyTorch defaults)"},
        {"bptt", CLI_INT, &bptt, "N", "truncated-BPTT length"},
        {"batch-size", CLI_INT, &batch, "N", "parallel streams (under mpirun: split across the ranks)"},
        {"optim", CLI_STR, &optim, "NAME", "sgd | adam | adamw"},
        {"lr", CLI_FLOAT, &lr, "X", "learning rate"},
        {"decay-start", CLI_INT, &decay_start, "N", "epochs at full lr before decaying"},
        {"decay", CLI_FLOAT, &decay, "X", "lr factor per epoch after --decay-start"},
        {"clip", CLI_FLOAT, &clip, "NORM", "global gradient-norm clip (0: off)"},
        {"epochs", CLI_INT, &epochs, "N", "total epochs"},
        {"stop-after", CLI_INT, &stop_after, "N", "stop after epoch N"},
        {"max-chunks", CLI_LONG, &max_chunks, "N", "stop after N BPTT chunks (checkpointed mid-epoch)"},
        {"save-every", CLI_LONG, &save_every, "N", "also checkpoint every N chunks"},
        {"eval-batch", CLI_INT, &eval_batch, "N", "batch size of perplexity evaluation"},
        {"seed", CLI_LONG, &seed, "N", "seed"},
        {"threads", CLI_INT, &threads, "N", "threads (0: all cores)"},
        {"quiet", CLI_FLAG, &quiet, NULL, "no progress lines"},
        {0}};
    int rc = cli_parse(argc, argv, opts, "valle lm train --arch rnn|lstm|gru --data FILE [options]",
                       "Train a recurrent word language model (defaults: Zaremba et al.'s small "
                       "non-regularised 2x200 LSTM). Under `mpirun -np N` it trains data "
                       "parallel: the --batch-size streams are split across the ranks; rank 0 "
                       "evaluates, logs and saves.", NULL, NULL);
    if (rc) return rc == CLI_HELP ? 0 : 2;
    if (!data) return cli_fail(2, "lm train: --data FILE is required");
    if (emb < 1 || hidden < 1 || layers < 1 || layers > VL_RNN_MAX_LAYERS || epochs < 1 ||
        batch < 1 || bptt < 1 || dropout < 0 || dropout >= 1 || lr <= 0 || clip < 0 ||
        eval_batch < 1 || init < 0 || decay <= 0 || max_chunks < 0 || save_every < 0)
        return cli_fail(2, "lm train: sizes >= 1 (layers <= %d), 0 <= --dropout < 1, --lr > 0",
                        VL_RNN_MAX_LAYERS);
    if (tie && emb != hidden) return cli_fail(2, "lm train: --tie needs --emb == --hidden");
    const int ranks = vl_dist_size(), rank = vl_dist_rank();
    vl_set_num_threads(vl_dist_threads(threads)); /* ranks on a machine share its cores */
    if (rank != 0) quiet = true;
    vl_rnnlm_run run;
    vl_rnnlm_vocab voc = {.unk = -1};
    int *ids = NULL, *vids = NULL, *tids = NULL;
    int64_t n = 0, nv = 0, nt = 0;
    if (resume) {
        rc = vl_rnnlm_run_load(&run, resume);
        if (rc < 0) return fail_status(rc);
        if (!quiet) printf("resumed %s at epoch %d chunk %lld\n", resume, run.epoch, (long long)run.chunk);
        rc = vl_rnnlm_read(data, &run.vocab, false, &ids, &n);
    } else {
        vl_rnnlm_train_config cfg;
        vl_rnnlm_train_config_default(&cfg);
        if (vl_rnn_kind_parse(arch, &cfg.model.arch) < 0 || vl_optim_parse(optim, &cfg.optim) < 0)
            return cli_fail(2, "lm train: %s", vl_last_error());
        cfg.model.emb = emb; cfg.model.hidden = hidden; cfg.model.layers = layers;
        cfg.model.dropout = dropout; cfg.model.tie = tie; cfg.model.init = init;
        cfg.lr = lr; cfg.clip = clip; cfg.decay_start = decay_start; cfg.decay = decay;
        cfg.epochs = epochs; cfg.batch_size = batch; cfg.bptt = bptt; cfg.seed = (uint64_t)seed;
        rc = vl_rnnlm_read(data, &voc, true, &ids, &n);
        if (rc < 0) return fail_status(rc);
        vl_rnnlm_run_init(&run, &cfg, &voc);
    }
    if (rc >= 0 && valid) rc = vl_rnnlm_read(valid, &run.vocab, false, &vids, &nv);
    if (rc >= 0 && test) rc = vl_rnnlm_read(test, &run.vocab, false, &tids, &nt);
    if (rc < 0) goto done;
    if (!quiet) {
        printf("lm %s: %lld training tokens, vocabulary %d, %lld parameters",
               vl_rnn_kind_name(run.cfg.model.arch), (long long)n, run.vocab.n,
               (long long)run.params.n_train);
        if (ranks > 1) printf(", %d ranks", ranks);
        printf("\n");
    }
    save_ctx sc = {out, quiet};
    while (run.epoch < run.cfg.epochs) {
        int e0 = run.epoch;
        double loss, tps;
        rc = vl_rnnlm_run_epoch(&run, ids, n, max_chunks, save_every, save_cb, &sc, &loss, &tps);
        if (rc < 0) break;
        if (run.epoch == e0) { /* stopped mid-epoch */
            rc = save_all(&run, out);
            if (!quiet)
                printf("stopped in epoch %d at chunk %lld: train ppl %.2f, %.0f tokens/s\n",
                       e0 + 1, (long long)run.chunk, exp(loss), tps);
            break;
        }
        double vppl = 0;
        if (vids && rank == 0) rc = vl_rnnlm_perplexity(&run, vids, nv, eval_batch, &vppl);
        if ((rc = vl_dist_rank0_result(rc, "evaluate --valid")) < 0) break;
        if (!quiet) {
            printf("epoch %d/%d lr %.4g train ppl %.2f valid ppl %.2f %.0f tokens/s\n", run.epoch,
                   run.cfg.epochs, vl_rnnlm_epoch_lr(&run.cfg, run.epoch - 1), exp(loss), vppl, tps);
            fflush(stdout);
        }
        if (stop_after && run.epoch >= stop_after) break;
    }
    if (rc >= 0 && tids && rank == 0 && run.epoch >= run.cfg.epochs) {
        double tppl;
        rc = vl_rnnlm_perplexity(&run, tids, nt, eval_batch, &tppl);
        if (rc >= 0) printf("test ppl %.2f\n", tppl);
    }
    vl_rnnlm_run_free(&run);
done:
    free(ids);
    free(vids);
    free(tids);
    return rc < 0 ? fail_status(rc) : 0;
}

static int lm_eval(int argc, char **argv) {
    const char *model = NULL, *data = NULL;
    int batch = 10, threads = 0;
    cli_opt opts[] = {
        {"model", CLI_STR, &model, "FILE", "checkpoint (required)"},
        {"data", CLI_STR, &data, "FILE", "text (required)"},
        {"batch-size", CLI_INT, &batch, "N", "parallel streams"},
        {"threads", CLI_INT, &threads, "N", "threads"},
        {0}};
    int rc = cli_parse(argc, argv, opts, "valle lm eval --model FILE --data FILE  (recurrent LM)",
                       "Print the perplexity of a text.", NULL, NULL);
    if (rc) return rc == CLI_HELP ? 0 : 2;
    if (!model || !data || batch < 1) return cli_fail(2, "lm eval: --model and --data are required");
    vl_set_num_threads(threads);
    vl_rnnlm_run run;
    if ((rc = vl_rnnlm_run_load(&run, model)) < 0) return fail_status(rc);
    int *ids = NULL;
    int64_t n;
    double ppl;
    rc = vl_rnnlm_read(data, &run.vocab, false, &ids, &n);
    if (rc >= 0) rc = vl_rnnlm_perplexity(&run, ids, n, batch, &ppl);
    if (rc >= 0) printf("%lld tokens: perplexity %.2f\n", (long long)n, ppl);
    free(ids);
    vl_rnnlm_run_free(&run);
    return rc < 0 ? fail_status(rc) : 0;
}

static int lm_generate(int argc, char **argv) {
    const char *model = NULL, *prompt = "";
    int tokens = 50, top_k = 0, threads = 1;
    float temperature = 1.0f;
    long long seed = 1;
    cli_opt opts[] = {
        {"model", CLI_STR, &model, "FILE", "checkpoint (required)"},
        {"prompt", CLI_STR, &prompt, "TEXT", "words to start from"},
        {"tokens", CLI_INT, &tokens, "N", "words to sample"},
        {"temperature", CLI_FLOAT, &temperature, "T", "softmax temperature (> 0)"},
        {"top-k", CLI_INT, &top_k, "K", "sample among the K most likely (0: all)"},
        {"seed", CLI_LONG, &seed, "N", "seed"},
        {"threads", CLI_INT, &threads, "N", "threads"},
        {0}};
    int rc = cli_parse(argc, argv, opts, "valle lm generate --model FILE [--prompt TEXT]  (recurrent LM)",
                       "Sample text (<eos> printed as a line break).", NULL, NULL);
    if (rc) return rc == CLI_HELP ? 0 : 2;
    if (!model) return cli_fail(2, "lm generate: --model FILE is required");
    if (tokens < 1 || tokens > 100000 || temperature <= 0 || top_k < 0)
        return cli_fail(2, "lm generate: 1 <= --tokens <= 100000, --temperature > 0, --top-k >= 0");
    vl_set_num_threads(threads);
    vl_rnnlm_run run;
    if ((rc = vl_rnnlm_run_load(&run, model)) < 0) return fail_status(rc);
    int np = 0, *pids = vl_xmalloc(sizeof(int) * (strlen(prompt) + 1));
    char *copy = vl_xstrdup(prompt), *sv = NULL;
    for (char *w = strtok_r(copy, " \t\n", &sv); w; w = strtok_r(NULL, " \t\n", &sv)) {
        int id = vl_rnnlm_vocab_find(&run.vocab, w);
        if (id < 0) id = run.vocab.unk;
        if (id < 0) { rc = vl_error(VL_ERR_ARG, "prompt word '%s' is not in the vocabulary", w); break; }
        pids[np++] = id;
    }
    int *out = vl_xmalloc(sizeof(int) * tokens);
    if (rc >= 0) rc = vl_rnnlm_generate(&run, pids, np, tokens, temperature, top_k, (uint64_t)seed, out);
    if (rc >= 0) {
        printf("%s", prompt);
        for (int i = 0; i < tokens; i++) {
            const char *w = run.vocab.words[out[i]];
            if (!strcmp(w, "<eos>")) printf("\n");
            else printf("%s%s", i || *prompt ? " " : "", w);
        }
        printf("\n");
    }
    free(out); free(copy); free(pids);
    vl_rnnlm_run_free(&run);
    return rc < 0 ? fail_status(rc) : 0;
}

int cmd_lm_rnn(int argc, char **argv) {
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        FILE *f = argc < 2 ? stderr : stdout;
        fprintf(f, "usage: valle lm train|eval|generate --arch rnn|lstm|gru [options]   ('--help' after each)\n");
        return argc < 2 ? 2 : 0;
    }
    if (!strcmp(argv[1], "train")) return lm_train(argc - 1, argv + 1);
    if (!strcmp(argv[1], "eval")) return lm_eval(argc - 1, argv + 1);
    if (!strcmp(argv[1], "generate")) return lm_generate(argc - 1, argv + 1);
    return cli_fail(2, "lm: unknown subcommand '%s' (train, eval, generate)", argv[1]);
}
