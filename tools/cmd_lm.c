/* tools/cmd_lm.c: `valle lm train|generate|eval`: language models on text
 * files. --arch transformer (the GPT) runs through src/train/lm_train.c,
 * data parallel under `mpirun -np N`; the recurrent architectures are
 * handed to cmd_lm_rnn.c. The options common to all architectures are here;
 * the architecture-specific ones are grouped and only apply to theirs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "valle/dist.h"
#include "valle/lm_train.h"

static int fail_status(int rc) {
    fprintf(stderr, "valle: %s: %s\n", vl_strerror(rc), vl_last_error());
    return 1;
}

/* Appends one JSON line to the log file (if any). */
static void log_json(FILE *f, long long it, const vl_lm_step_stats *st, double train,
                     double val) {
    if (!f) return;
    fprintf(f, "{\"step\":%lld", it);
    if (st)
        fprintf(f, ",\"loss\":%.6f,\"lr\":%.6g,\"grad_norm\":%.6g,\"tokens_per_s\":%.1f",
                st->loss, st->lr, st->grad_norm, st->tokens_per_s);
    if (train >= 0) fprintf(f, ",\"train_loss\":%.6f", train);
    if (val >= 0) fprintf(f, ",\"val_loss\":%.6f", val);
    fprintf(f, "}\n");
    fflush(f);
}

static int lm_train(int argc, char **argv) {
    const char *data_path = NULL, *out = "lm.safetensors", *resume = NULL, *arch = NULL;
    const char *tokenizer = "char", *norm = "layer", *pos = "learned", *log_path = NULL;
    vl_lm_train_config d;
    vl_lm_train_config_default(&d);
    int n_layer = d.gpt.n_layer, n_head = d.gpt.n_head, n_embd = d.gpt.n_embd;
    int block = d.gpt.block_size, batch = d.batch_size, warmup = d.warmup;
    int eval_interval = d.eval_interval, eval_iters = d.eval_iters;
    int threads = 0, log_every = 10;
    long long max_iters = d.max_iters, stop_after = 0, seed = (long long)d.seed;
    float dropout = 0, lr = d.lr, min_lr = d.min_lr, beta1 = d.beta1, beta2 = d.beta2;
    float wd = d.weight_decay, clip = d.clip;
    bool untied = false, quiet = false, no_bias = false;
    cli_opt opts[] = {
        {"data", CLI_STR, &data_path, "FILE", "text file; first 90% trains, the rest validates (required)"},
        {"arch", CLI_STR, &arch, "NAME", "architecture: transformer (default; the saved one on --resume)"},
        {"tokenizer", CLI_STR, &tokenizer, "NAME", "char | word (word: whitespace words, <eos> per line)"},
        {"out", CLI_STR, &out, "FILE", "checkpoint, written atomically at every evaluation and at the end"},
        {"resume", CLI_STR, &resume, "FILE", "continue a run from its checkpoint (model, optimiser, RNGs)"},
        {"block-size", CLI_INT, &block, "N", "context length"},
        {"batch-size", CLI_INT, &batch, "N", "sequences per step"},
        {"max-iters", CLI_LONG, &max_iters, "N", "optimiser steps (the schedule's length)"},
        {"stop-after", CLI_LONG, &stop_after, "N", "stop after step N (the schedule still spans --max-iters)"},
        {"lr", CLI_FLOAT, &lr, "X", "peak learning rate (AdamW)"},
        {"min-lr", CLI_FLOAT, &min_lr, "X", "final learning rate of the cosine decay"},
        {"warmup", CLI_INT, &warmup, "N", "linear warm-up steps"},
        {"beta1", CLI_FLOAT, &beta1, "X", "AdamW beta1"},
        {"beta2", CLI_FLOAT, &beta2, "X", "AdamW beta2"},
        {"weight-decay", CLI_FLOAT, &wd, "X", "decoupled weight decay (matrices only)"},
        {"clip", CLI_FLOAT, &clip, "NORM", "clip the global gradient norm (0: off)"},
        {"dropout", CLI_FLOAT, &dropout, "P", "dropout"},
        {"eval-interval", CLI_INT, &eval_interval, "N", "estimate train/val loss (and save) every N steps"},
        {"eval-iters", CLI_INT, &eval_iters, "N", "batches per loss estimate"},
        {"seed", CLI_LONG, &seed, "N", "seed for initialisation, batches and dropout"},
        {"threads", CLI_INT, &threads, "N", "threads (0: all cores)"},
        {"log", CLI_STR, &log_path, "FILE", "append one JSON object per logged step"},
        {"log-every", CLI_INT, &log_every, "N", "print a progress line every N steps"},
        {"quiet", CLI_FLAG, &quiet, NULL, "no progress lines"},
        /* transformer */
        {"n-layer", CLI_INT, &n_layer, "N", "[transformer] blocks"},
        {"n-head", CLI_INT, &n_head, "N", "[transformer] attention heads"},
        {"n-embd", CLI_INT, &n_embd, "N", "[transformer] model width"},
        {"norm", CLI_STR, &norm, "NAME", "[transformer] layer | batch (every norm of the model)"},
        {"pos", CLI_STR, &pos, "NAME", "[transformer] learned | sinusoidal positions"},
        {"untied", CLI_FLAG, &untied, NULL, "[transformer] separate output head (default: tied to tok_emb)"},
        {"no-bias", CLI_FLAG, &no_bias, NULL, "[transformer] Linear layers without biases"},
        {0}};
    int rc = cli_parse(argc, argv, opts, "valle lm train --data FILE [options]",
                       "Train a language model on a text file (defaults: nanoGPT's "
                       "shakespeare_char baby GPT). Under `mpirun -np N` the transformer "
                       "trains data parallel: --batch-size is the global batch, split "
                       "across the ranks; rank 0 logs and saves.", NULL, NULL);
    if (rc) return rc == CLI_HELP ? 0 : 2;
    if (!data_path) return cli_fail(2, "lm train: --data FILE is required");
    if (block < 1 || batch < 1 || max_iters < 0 || stop_after < 0 || warmup < 0 ||
        eval_interval < 1 || eval_iters < 1 || log_every < 1 || lr < 0 || min_lr < 0 ||
        clip < 0 || wd < 0 || dropout < 0 || dropout >= 1 || beta1 < 0 || beta1 >= 1 ||
        beta2 < 0 || beta2 >= 1 || seed < 0 || seed > (1LL << 53))
        return cli_fail(2, "lm train: sizes must be >= 1, rates >= 0, 0 <= dropout < 1, "
                           "0 <= betas < 1, 0 <= seed < 2^53");
    /* Under mpirun, ranks on one machine share its cores; rank 0 logs and saves. */
    const int ranks = vl_dist_size(), rank = vl_dist_rank();
    vl_set_num_threads(vl_dist_threads(threads));
    if (rank != 0) {
        quiet = true;
        log_path = NULL;
    }

    vl_lm_run run;
    vl_lm_data data;
    if (resume) {
        rc = vl_lm_run_load(&run, resume, true);
        if (rc < 0) return fail_status(rc);
        if (arch && strcmp(arch, run.cfg.arch) != 0) {
            char saved[sizeof run.cfg.arch];
            memcpy(saved, run.cfg.arch, sizeof saved);
            vl_lm_run_free(&run);
            return cli_fail(2, "lm train: %s is a '%s' checkpoint, --arch says '%s'", resume,
                            saved, arch);
        }
        if (max_iters != d.max_iters) run.cfg.max_iters = max_iters;
        rc = vl_lm_data_load(data_path, run.vocab.kind, &run.vocab, &data);
        if (rc < 0) {
            vl_lm_run_free(&run);
            return fail_status(rc);
        }
        if (!quiet)
            printf("resumed %s at step %lld of %lld\n", resume, (long long)run.iter,
                   (long long)run.cfg.max_iters);
    } else {
        vl_lm_train_config cfg = d;
        snprintf(cfg.arch, sizeof cfg.arch, "%s", arch ? arch : "transformer");
        if (!vl_lm_arch_find(cfg.arch)) return cli_fail(2, "lm train: %s", vl_last_error());
        if (vl_lm_tokenizer_parse(tokenizer, &cfg.tokenizer) < 0 ||
            vl_tf_norm_parse(norm, &cfg.gpt.norm) < 0)
            return cli_fail(2, "lm train: %s", vl_last_error());
        if (cfg.gpt.norm == VL_TF_ADALN)
            return cli_fail(2, "lm train: --norm adaln needs levels; use layer or batch");
        if (strcmp(pos, "learned") && strcmp(pos, "sinusoidal"))
            return cli_fail(2, "lm train: --pos '%s': expected learned or sinusoidal", pos);
        cfg.gpt.sinusoidal = strcmp(pos, "sinusoidal") == 0;
        cfg.gpt.block_size = block;
        cfg.gpt.n_layer = n_layer;
        cfg.gpt.n_head = n_head;
        cfg.gpt.n_embd = n_embd;
        cfg.gpt.dropout = dropout;
        cfg.gpt.tied = !untied;
        cfg.gpt.bias = !no_bias;
        cfg.batch_size = batch;
        cfg.max_iters = max_iters;
        cfg.warmup = warmup;
        cfg.lr = lr;
        cfg.min_lr = min_lr;
        cfg.beta1 = beta1;
        cfg.beta2 = beta2;
        cfg.weight_decay = wd;
        cfg.clip = clip;
        cfg.eval_interval = eval_interval;
        cfg.eval_iters = eval_iters;
        cfg.seed = (uint64_t)seed;
        rc = vl_lm_data_load(data_path, cfg.tokenizer, NULL, &data);
        if (rc < 0) return fail_status(rc);
        rc = vl_lm_run_init(&run, &cfg, &data.vocab);
        if (rc < 0) {
            vl_lm_run_free(&run);
            vl_lm_data_free(&data);
            return cli_fail(2, "lm train: %s", vl_last_error());
        }
        if (!quiet)
            printf("lm %s: %d %s tokens in the vocabulary, %lld parameters, %lld train / "
                   "%lld val tokens\n", run.cfg.arch, data.vocab.n,
                   vl_lm_tokenizer_name(cfg.tokenizer), (long long)run.params.n_train,
                   (long long)data.n_train, (long long)(data.n - data.n_train));
    }
    if (run.cfg.batch_size < ranks) {
        vl_lm_run_free(&run);
        vl_lm_data_free(&data);
        return cli_fail(2, "lm train: --batch-size %d is smaller than the %d ranks (each "
                           "rank takes a slice of every batch)", run.cfg.batch_size, ranks);
    }
    if (!quiet && ranks > 1)
        printf("data parallel: %d ranks, %d to %d sequences each of every batch of %d\n",
               ranks, run.cfg.batch_size / ranks, (run.cfg.batch_size + ranks - 1) / ranks,
               run.cfg.batch_size);
    FILE *logf = NULL;
    if (log_path && !(logf = fopen(log_path, "a"))) {
        fprintf(stderr, "valle: cannot open log %s\n", log_path);
        vl_lm_run_free(&run);
        vl_lm_data_free(&data);
        return 1;
    }
    int64_t last = stop_after > 0 && stop_after < run.cfg.max_iters ? stop_after : run.cfg.max_iters;
    int exit_code = 0;
    bool warned_val = false;
    vl_lm_step_stats st = {0};
    double tok_s_sum = 0;
    int64_t tok_s_n = 0;
    while (run.iter < last) {
        rc = vl_lm_run_step(&run, &data, &st);
        if (rc < 0) {
            if (rank == 0)
                fprintf(stderr, "valle: training stopped: %s; %s keeps the last good "
                        "checkpoint\n", vl_last_error(), out);
            exit_code = 1;
            break;
        }
        if (run.iter > 1) {
            tok_s_sum += st.tokens_per_s;
            tok_s_n++;
        }
        bool eval = run.iter % run.cfg.eval_interval == 0 || run.iter == last;
        if (!quiet && (run.iter % log_every == 0 || run.iter == last))
            printf("step %6lld/%lld  loss %.4f  lr %.3g  |g| %.3g  %7.0f tok/s\n",
                   (long long)run.iter, (long long)run.cfg.max_iters, st.loss, st.lr,
                   st.grad_norm, st.tokens_per_s);
        double tl = -1, vlss = -1;
        if (eval) {
            vl_lm_estimate_loss(&run, &data, false, &tl);
            if (vl_lm_estimate_loss(&run, &data, true, &vlss) < 0) {
                vlss = -1;
                if (!warned_val && !quiet) printf("(no validation loss: %s)\n", vl_last_error());
                warned_val = true;
            }
            if (!quiet) {
                printf("eval step %lld: train loss %.4f", (long long)run.iter, tl);
                if (vlss >= 0) printf("  val loss %.4f", vlss);
                printf("\n");
            }
            rc = rank == 0 ? vl_lm_run_save(&run, out) : VL_OK;
            if ((rc = vl_dist_rank0_result(rc, "save %s", out)) < 0) { /* all stop together */
                exit_code = fail_status(rc);
                break;
            }
        }
        if (run.iter % log_every == 0 || eval) log_json(logf, (long long)run.iter, &st, tl, vlss);
        fflush(stdout);
    }
    if (!exit_code && !quiet && tok_s_n)
        printf("done: step %lld, mean %.0f tokens/s, saved %s\n", (long long)run.iter,
               tok_s_sum / tok_s_n, out);
    if (logf) fclose(logf);
    vl_lm_run_free(&run);
    vl_lm_data_free(&data);
    return exit_code;
}

static int lm_generate(int argc, char **argv) {
    const char *model = NULL, *prompt = NULL;
    int n_tokens = 200, top_k = 0, threads = 1;
    float temperature = 1.0f, top_p = 1.0f;
    long long seed = 1;
    cli_opt opts[] = {
        {"model", CLI_STR, &model, "FILE", "checkpoint from 'valle lm train' (required)"},
        {"prompt", CLI_STR, &prompt, "TEXT", "start text (default: the first vocabulary token)"},
        {"tokens", CLI_INT, &n_tokens, "N", "tokens to generate"},
        {"temperature", CLI_FLOAT, &temperature, "T", "softmax temperature (0: greedy)"},
        {"top-k", CLI_INT, &top_k, "K", "sample among the K most likely tokens (0: all)"},
        {"top-p", CLI_FLOAT, &top_p, "P", "nucleus sampling: smallest set with mass >= P (1: off)"},
        {"seed", CLI_LONG, &seed, "N", "sampling seed"},
        {"threads", CLI_INT, &threads, "N", "threads (0: all cores)"},
        {0}};
    int rc = cli_parse(argc, argv, opts, "valle lm generate --model FILE [options]",
                       "Sample text from a trained language model (KV-cached decoding).",
                       NULL, NULL);
    if (rc) return rc == CLI_HELP ? 0 : 2;
    if (!model) return cli_fail(2, "lm generate: --model FILE is required");
    if (n_tokens < 0 || top_k < 0 || temperature < 0 || top_p <= 0 || top_p > 1 || seed < 0)
        return cli_fail(2, "lm generate: --tokens, --top-k, --temperature >= 0, 0 < --top-p <= 1");
    vl_set_num_threads(threads);
    vl_lm_run run;
    rc = vl_lm_run_load(&run, model, false);
    if (rc < 0) return fail_status(rc);
    int *ids = NULL;
    int64_t n = 0;
    if (prompt && prompt[0]) {
        rc = vl_lm_encode(&run.vocab, prompt, strlen(prompt), &ids, &n);
        if (rc == VL_OK && n == 0) rc = vl_error(VL_ERR_ARG, "the prompt has no tokens");
        if (rc < 0) {
            vl_lm_run_free(&run);
            free(ids);
            fprintf(stderr, "valle: lm generate: --prompt: %s\n", vl_last_error());
            return 2;
        }
    } else {
        ids = vl_xmalloc(sizeof(int));
        ids[0] = 0;
        n = 1;
    }
    int *out = vl_xmalloc((size_t)(n_tokens + 1) * sizeof(int));
    vl_lm_sample_opts so = {.n_tokens = n_tokens, .temperature = temperature,
                            .top_k = top_k, .top_p = top_p, .seed = (uint64_t)seed};
    rc = vl_lm_generate(&run, ids, (int)n, &so, out);
    if (rc == VL_OK) {
        char *a = vl_lm_decode(&run.vocab, ids, n), *b = vl_lm_decode(&run.vocab, out, n_tokens);
        bool space = run.vocab.kind == VL_LM_WORD && n_tokens > 0;
        printf("%s%s%s\n", a, space ? " " : "", b);
        free(a);
        free(b);
    }
    free(ids);
    free(out);
    vl_lm_run_free(&run);
    return rc < 0 ? fail_status(rc) : 0;
}

static int lm_eval(int argc, char **argv) {
    const char *model = NULL, *data_path = NULL;
    int threads = 0, iters = 0;
    cli_opt opts[] = {
        {"model", CLI_STR, &model, "FILE", "checkpoint from 'valle lm train' (required)"},
        {"data", CLI_STR, &data_path, "FILE", "text file, split 90/10 as in training (required)"},
        {"eval-iters", CLI_INT, &iters, "N", "batches per estimate (default: the model's)"},
        {"threads", CLI_INT, &threads, "N", "threads (0: all cores)"},
        {0}};
    int rc = cli_parse(argc, argv, opts, "valle lm eval --model FILE --data FILE",
                       "Print the estimated train and validation loss.", NULL, NULL);
    if (rc) return rc == CLI_HELP ? 0 : 2;
    if (!model || !data_path) return cli_fail(2, "lm eval: --model and --data are required");
    if (iters < 0) return cli_fail(2, "lm eval: --eval-iters must be >= 0");
    vl_set_num_threads(threads);
    vl_lm_run run;
    rc = vl_lm_run_load(&run, model, false);
    if (rc < 0) return fail_status(rc);
    if (iters > 0) run.cfg.eval_iters = iters;
    vl_lm_data data;
    rc = vl_lm_data_load(data_path, run.vocab.kind, &run.vocab, &data);
    double tl = 0, vlss = 0;
    if (rc == VL_OK) rc = vl_lm_estimate_loss(&run, &data, false, &tl);
    if (rc == VL_OK) rc = vl_lm_estimate_loss(&run, &data, true, &vlss);
    if (rc == VL_OK)
        printf("step %lld  train loss %.4f  val loss %.4f\n", (long long)run.iter, tl, vlss);
    if (data.ids) vl_lm_data_free(&data);
    vl_lm_run_free(&run);
    return rc < 0 ? fail_status(rc) : 0;
}

/* The value of option `name` in argv (--name V, --name=V, -name V), or NULL. */
static const char *peek_option(int argc, char **argv, const char *name) {
    size_t n = strlen(name);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (a[0] != '-') continue;
        a += a[1] == '-' ? 2 : 1;
        if (strncmp(a, name, n) != 0) continue;
        if (a[n] == '=') return a + n + 1;
        if (a[n] == '\0' && i + 1 < argc) return argv[i + 1];
    }
    return NULL;
}

/* Which trainer wrote the checkpoint at `path`: 'r' a recurrent LM
 * (config "family":"rnnlm"), 't' a transformer LM (config "model":"lm"),
 * 0 anything else (unreadable files included: the transformer path reports
 * those). The saved arch goes to arch[cap]. */
static int checkpoint_family(const char *path, char *arch, size_t cap) {
    vl_safetensors st;
    arch[0] = 0;
    if (!path || vl_st_open(&st, path) < 0) return 0;
    int fam = 0;
    const char *cfg = vl_st_meta(&st, "config");
    vl_json *j = cfg ? vl_json_parse(cfg, strlen(cfg)) : NULL;
    if (j && j->type == VL_JSON_OBJECT) {
        if (!strcmp(vl_json_string(j, "family", ""), "rnnlm")) fam = 'r';
        else if (!strcmp(vl_json_string(j, "model", ""), "lm")) fam = 't';
        snprintf(arch, cap, "%s", vl_json_string(j, "arch", ""));
    }
    vl_json_free(j);
    vl_st_close(&st);
    return fam;
}

static bool is_rnn_arch(const char *a) {
    return !strcmp(a, "rnn") || !strcmp(a, "lstm") || !strcmp(a, "gru");
}

/* Recurrent architectures live in cmd_lm_rnn.c (issue 4's trainer): 1 to
 * hand over, 0 for the transformer path, -1 after an --arch / checkpoint
 * mismatch (reported). */
static int route(int argc, char **argv) {
    const char *arch = peek_option(argc, argv, "arch");
    const char *ckpt = peek_option(argc, argv, strcmp(argv[1], "train") ? "model" : "resume");
    char saved[32];
    int fam = checkpoint_family(ckpt, saved, sizeof saved);
    if (arch && fam && (fam == 'r') != is_rnn_arch(arch)) {
        cli_fail(2, "lm %s: %s is a '%s' checkpoint, --arch says '%s'", argv[1], ckpt, saved,
                 arch);
        return -1;
    }
    return arch ? is_rnn_arch(arch) : fam == 'r';
}

int cmd_lm(int argc, char **argv) {
    const char *usage =
        "usage: valle lm <train|generate|eval> [options]\n\n"
        "  train     train a language model on a text file\n"
        "            (--arch transformer | rnn | lstm | gru)\n"
        "  generate  sample text (temperature, top-k, top-p)\n"
        "  eval      estimated train / validation loss of a checkpoint\n\n"
        "'valle lm <sub> --help' lists the transformer's options,\n"
        "'valle lm <sub> --arch lstm --help' the recurrent ones.\n";
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        fputs(usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    int r = route(argc, argv);
    if (r < 0) return 2;
    if (r) return cmd_lm_rnn(argc, argv);
    if (!strcmp(argv[1], "train")) return lm_train(argc - 1, argv + 1);
    if (!strcmp(argv[1], "generate")) return lm_generate(argc - 1, argv + 1);
    if (!strcmp(argv[1], "eval")) return lm_eval(argc - 1, argv + 1);
    return cli_fail(2, "lm: unknown subcommand '%s' (train, generate, eval)", argv[1]);
}
