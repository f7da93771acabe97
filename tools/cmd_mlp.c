/* tools/cmd_mlp.c: `valle mlp train|eval|predict` and `valle demo`. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "valle/dist.h"
#include "valle/mlp_train.h"

static int mlp_train(int argc, char **argv) {
    const char *data_path = NULL, *out = "mlp.safetensors", *resume = NULL;
    const char *hidden = "64,64", *act = "relu", *norm = "none", *optim = "adam";
    const char *schedule = "constant";
    int epochs = 0, batch = 30, warmup = 0, stop_after = 0, threads = 0;
    int save_every = 1, log_every = 1;
    float lr = 0, momentum = 0, wd = 0, dropout = 0, clip = 0, min_lr = 0;
    long long seed = 1;
    bool nesterov = false, quiet = false;
    cli_opt opts[] = {
        {"data", CLI_STR, &data_path, "FILE", "training CSV: features..., integer label (required)"},
        {"out", CLI_STR, &out, "FILE", "checkpoint written (atomically) after each saved epoch"},
        {"resume", CLI_STR, &resume, "FILE", "continue a run from its checkpoint (model, optimiser, RNG)"},
        {"hidden", CLI_STR, &hidden, "W,W,..", "hidden layer widths ('' for none)"},
        {"act", CLI_STR, &act, "NAME", "relu | tanh | sigmoid | gelu | gelu_tanh"},
        {"norm", CLI_STR, &norm, "NAME", "none | batch | layer (after each hidden Linear)"},
        {"dropout", CLI_FLOAT, &dropout, "P", "dropout after each hidden activation"},
        {"optim", CLI_STR, &optim, "NAME", "sgd | adam | adamw"},
        {"lr", CLI_FLOAT, &lr, "X", "learning rate (default 0.01; on --resume, overrides the saved one)"},
        {"momentum", CLI_FLOAT, &momentum, "X", "SGD momentum"},
        {"nesterov", CLI_FLAG, &nesterov, NULL, "Nesterov momentum (SGD)"},
        {"weight-decay", CLI_FLOAT, &wd, "X", "weight decay (L2; decoupled for adamw)"},
        {"schedule", CLI_STR, &schedule, "NAME", "constant | step | cosine | warmup_decay"},
        {"warmup", CLI_INT, &warmup, "STEPS", "warm-up steps (cosine, warmup_decay)"},
        {"min-lr", CLI_FLOAT, &min_lr, "X", "final lr (cosine) / warm-up start lr (warmup_decay)"},
        {"clip", CLI_FLOAT, &clip, "NORM", "clip the global gradient norm (0: off)"},
        {"epochs", CLI_INT, &epochs, "N", "total epochs (default 300; on --resume, the saved total)"},
        {"batch-size", CLI_INT, &batch, "N", "minibatch size"},
        {"seed", CLI_LONG, &seed, "N", "seed for initialisation, data order and dropout"},
        {"threads", CLI_INT, &threads, "N", "threads (0: all cores)"},
        {"save-every", CLI_INT, &save_every, "N", "save a checkpoint every N epochs (and at the end)"},
        {"stop-after", CLI_INT, &stop_after, "N", "stop after epoch N (the schedule still spans --epochs)"},
        {"log-every", CLI_INT, &log_every, "N", "print a progress line every N epochs"},
        {"quiet", CLI_FLAG, &quiet, NULL, "no progress lines"},
        {0}};
    int rc = cli_parse(argc, argv, opts, "valle mlp train --data FILE [options]",
                       "Train an MLP classifier on a CSV file; prints loss, accuracy and "
                       "examples/s per epoch.", NULL, NULL);
    if (rc) return rc == CLI_HELP ? 0 : 2;
    if (!data_path) return cli_fail(2, "mlp train: --data FILE is required");
    if (epochs < 0 || batch < 1 || save_every < 1 || log_every < 1 || stop_after < 0 ||
        dropout < 0 || dropout >= 1 || lr < 0 || clip < 0 || seed < 0 || seed > (1LL << 53))
        return cli_fail(2, "mlp train: --batch-size, --save-every, --log-every must be "
                           ">= 1, --lr >= 0, 0 <= --dropout < 1, --clip >= 0, 0 <= --seed < 2^53");
    vl_set_num_threads(vl_dist_threads(threads)); /* ranks on a machine share its cores */
    if (vl_dist_rank() != 0) quiet = true; /* rank 0 logs and saves */

    vl_csv_data data;
    rc = vl_csv_load(data_path, &data);
    if (rc < 0) return cli_fail_status(rc);

    vl_mlp_run run;
    if (resume) {
        rc = vl_mlp_run_load(&run, resume, true);
        if (rc < 0) {
            vl_csv_free(&data);
            return cli_fail_status(rc);
        }
        if (epochs > 0) run.cfg.epochs = epochs;
        if (lr > 0) run.optim.lr = run.cfg.lr = lr;
        if (!quiet)
            printf("resumed %s at epoch %d of %d\n", resume, run.epoch, run.cfg.epochs);
    } else {
        vl_mlp_train_config cfg;
        vl_mlp_train_config_default(&cfg);
        cfg.model.in_dim = data.d;
        cfg.model.out_dim = data.n_classes;
        cfg.model.n_hidden = cli_parse_int_list(hidden, cfg.model.hidden, VL_MLP_MAX_LAYERS);
        cfg.model.dropout = dropout;
        if (cfg.model.n_hidden < 0) {
            vl_csv_free(&data);
            return cli_fail(2, "mlp train: --hidden '%s': expected positive widths like "
                               "64,64 (at most %d)", hidden, VL_MLP_MAX_LAYERS);
        }
        if (vl_activation_parse(act, &cfg.model.act) < 0 ||
            vl_norm_parse(norm, &cfg.model.norm) < 0 || vl_optim_parse(optim, &cfg.optim) < 0 ||
            vl_schedule_parse(schedule, &cfg.schedule) < 0) {
            vl_csv_free(&data);
            return cli_fail(2, "mlp train: %s", vl_last_error());
        }
        cfg.lr = lr > 0 ? lr : 1e-2f;
        cfg.momentum = momentum;
        cfg.nesterov = nesterov;
        cfg.weight_decay = wd;
        cfg.warmup_steps = warmup;
        cfg.min_lr = min_lr;
        cfg.clip = clip;
        cfg.epochs = epochs > 0 ? epochs : 300;
        cfg.batch_size = batch;
        cfg.seed = (uint64_t)seed;
        vl_mlp_run_init(&run, &cfg);
        if (!quiet)
            printf("mlp: %d inputs, %d classes, %lld parameters, %d examples, %d rank%s\n",
                   data.d, data.n_classes, (long long)run.params.n_train, data.n,
                   vl_dist_size(), vl_dist_size() > 1 ? "s" : "");
    }
    int last = stop_after > 0 && stop_after < run.cfg.epochs ? stop_after : run.cfg.epochs;
    int exit_code = 0;
    vl_mlp_epoch_stats st = {0};
    while (run.epoch < last) {
        rc = vl_mlp_run_epoch(&run, &data, &st);
        if (rc < 0) {
            if (vl_dist_rank() == 0)
                fprintf(stderr, "valle: training stopped: %s; %s keeps the last good checkpoint\n",
                        vl_last_error(), out);
            exit_code = 1;
            break;
        }
        if (!quiet && (run.epoch % log_every == 0 || run.epoch == last))
            printf("epoch %4d/%d  loss %.4f  acc %6.2f%%  %9.0f ex/s  lr %.3g  |g| %.3g\n",
                   run.epoch, run.cfg.epochs, st.loss, 100 * st.accuracy, st.examples_per_s,
                   st.lr, st.grad_norm);
        fflush(stdout);
        if (run.epoch % save_every == 0 || run.epoch == last) {
            rc = vl_dist_rank() == 0 ? vl_mlp_run_save(&run, out) : VL_OK;
            if ((rc = vl_dist_rank0_result(rc, "save %s", out)) < 0) {
                exit_code = cli_fail_status(rc);
                break;
            }
        }
    }
    if (!exit_code && !quiet) {
        double loss, acc;
        vl_mlp_evaluate(&run, &data, &loss, &acc, NULL);
        printf("final: train loss %.4f  train accuracy %.2f%%  saved %s\n", loss, 100 * acc, out);
    }
    vl_mlp_run_free(&run);
    vl_csv_free(&data);
    return exit_code;
}

static int mlp_eval_or_predict(int argc, char **argv, bool predict) {
    const char *model = NULL, *data_path = NULL;
    int threads = 0;
    cli_opt opts[] = {
        {"model", CLI_STR, &model, "FILE", "checkpoint from 'valle mlp train' (required)"},
        {"data", CLI_STR, &data_path, "FILE",
         "CSV: features..., integer label (predict: the label column is optional)"},
        {"threads", CLI_INT, &threads, "N", "threads (0: all cores)"},
        {0}};
    int rc = cli_parse(argc, argv, opts,
                       predict ? "valle mlp predict --model FILE --data FILE"
                               : "valle mlp eval --model FILE --data FILE",
                       predict ? "Print the predicted class of every row, one per line."
                               : "Print the mean cross-entropy loss and the accuracy.",
                       NULL, NULL);
    if (rc) return rc == CLI_HELP ? 0 : 2;
    if (!model || !data_path) return cli_fail(2, "--model and --data are required");
    vl_set_num_threads(threads);
    vl_mlp_run run;
    rc = vl_mlp_run_load(&run, model, false);
    if (rc < 0) return cli_fail_status(rc);
    vl_csv_data data;
    rc = predict ? vl_csv_load_features(data_path, &data) : vl_csv_load(data_path, &data);
    if (rc < 0) {
        vl_mlp_run_free(&run);
        return cli_fail_status(rc);
    }
    if (predict && data.d == run.cfg.model.in_dim + 1) { /* drop a label column */
        for (int i = 0; i < data.n; i++)
            memmove(data.x + (size_t)i * (data.d - 1), data.x + (size_t)i * data.d,
                    (size_t)(data.d - 1) * sizeof(float));
        data.d--;
    }
    int *pred = predict ? vl_xmalloc((size_t)(data.n ? data.n : 1) * sizeof(int)) : NULL;
    double loss, acc;
    rc = vl_mlp_evaluate(&run, &data, &loss, &acc, pred);
    if (rc == VL_OK) {
        if (predict)
            for (int i = 0; i < data.n; i++) printf("%d\n", pred[i]);
        else
            printf("examples %d  loss %.6f  accuracy %.2f%%\n", data.n, loss, 100 * acc);
    }
    free(pred);
    vl_csv_free(&data);
    vl_mlp_run_free(&run);
    return rc < 0 ? cli_fail_status(rc) : 0;
}

int cmd_mlp(int argc, char **argv) {
    const char *usage =
        "usage: valle mlp <train|eval|predict> [options]\n\n"
        "  train     train a classifier on a CSV file (features..., label)\n"
        "  eval      loss and accuracy of a trained model on a CSV file\n"
        "  predict   predicted class of every row\n\n"
        "'valle mlp <sub> --help' lists the options.\n";
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        fputs(usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (!strcmp(argv[1], "train")) return mlp_train(argc - 1, argv + 1);
    if (!strcmp(argv[1], "eval")) return mlp_eval_or_predict(argc - 1, argv + 1, false);
    if (!strcmp(argv[1], "predict")) return mlp_eval_or_predict(argc - 1, argv + 1, true);
    return cli_fail(2, "mlp: unknown subcommand '%s' (train, eval, predict)", argv[1]);
}

int cmd_demo(int argc, char **argv) {
    const char *data = "tests/data/spiral.csv", *out = "demo-mlp.safetensors";
    cli_opt opts[] = {
        {"data", CLI_STR, &data, "FILE", "spiral CSV"},
        {"out", CLI_STR, &out, "FILE", "where the trained model goes"},
        {0}};
    int rc = cli_parse(argc, argv, opts, "valle demo [--data FILE] [--out FILE]",
                       "Train a 2-64-64-3 MLP on the 3-class spiral and report its accuracy "
                       "(until the TTS exists, this is the main demo).", NULL, NULL);
    if (rc) return rc == CLI_HELP ? 0 : 2;
    if (access(data, R_OK) != 0)
        return cli_fail(1, "demo: %s not found (run from the repository root)", data);
    char *args[] = {"train", "--data", (char *)data, "--out", (char *)out, "--hidden", "64,64",
                    "--epochs", "300", "--lr", "0.01", "--log-every", "50", NULL};
    return mlp_train(13, args);
}
