/* tools/cmd_train.c: `valle train CONFIG.yml`: trains the VALL-E AR or NAR
 * named by the config (valle/valle_train.h) with a progress line, JSON log
 * lines, periodic evaluation and checkpoints; resumes from the config's
 * checkpoint when one exists; Ctrl-C (SIGINT) or SIGTERM saves and exits.
 * Under `mpirun -np N` it trains data parallel (src/train/valle_train.c):
 * batch_size is the global batch; rank 0 alone prints, logs, evaluates and
 * saves, and the ranks agree every step on whether to stop. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "valle/dist.h"
#include "valle/valle_train.h"

static volatile sig_atomic_t g_stop;

static void on_signal(int sig) {
    (void)sig;
    g_stop = 1;
}

/* Rank 0 saves; every rank learns whether it worked. */
static int save(vl_valle_run *r, bool quiet) {
    int rc = vl_dist_rank() == 0 ? vl_valle_run_save(r) : VL_OK;
    if (vl_dist_min_int(rc) < 0) {
        if (rc < 0)
            fprintf(stderr, "valle train: saving %s failed: %s\n", r->ckpt_path,
                    vl_last_error());
        return -1;
    }
    if (!quiet) fprintf(stderr, "valle train: saved %s (step %lld)\n", r->ckpt_path,
                        (long long)r->step);
    return 0;
}

int cmd_train(int argc, char **argv) {
    long long max_iter = -1, eval_every = -1, save_every = -1;
    int threads = -1, quiet = 0, no_wavs = 0, batch = -1;
    cli_opt opts[] = {
        {"max-iter", CLI_LONG, &max_iter, "N", "override max_iter (the schedule still uses "
                                               "the config's)"},
        {"batch-size", CLI_INT, &batch, "N", "override batch_size"},
        {"eval-every", CLI_LONG, &eval_every, "N", "override eval_every (0: never)"},
        {"save-every", CLI_LONG, &save_every, "N", "override save_ckpt_every"},
        {"threads", CLI_INT, &threads, "N", "threads (default: the config's, else all cores)"},
        {"no-wavs", CLI_FLAG, &no_wavs, NULL, "evaluations write no WAV files"},
        {"quiet", CLI_FLAG, &quiet, NULL, "no progress line"},
        {0}};
    int n_pos;
    char **pos;
    int rc = cli_parse(argc, argv, opts, "valle train CONFIG.yml [options]",
                       "Train a VALL-E AR or NAR model as configured in CONFIG.yml (the "
                       "reference vall-e keys: data_dirs, model, batch_size, warmup_*, "
                       "max_iter, eval_every, save_ckpt_every, ...; see docs/valle.md). "
                       "Resumes from <ckpt_dir>/model.safetensors when it exists. Logs one "
                       "JSON object per line to <log_dir>/log.jsonl. Ctrl-C saves and exits. "
                       "Under `mpirun -np N` it trains data parallel: batch_size is the "
                       "global batch, split across the ranks (docs/distributed.md).",
                       &n_pos, &pos);
    if (rc) return rc == CLI_HELP ? 0 : 2;
    if (n_pos != 1) return cli_fail(2, "train: give exactly one CONFIG.yml");
    vl_valle_config cfg;
    vl_valle_config_default(&cfg);
    if (vl_valle_config_load(&cfg, pos[0]) < 0) {
        fprintf(stderr, "valle train: %s\n", vl_last_error());
        vl_valle_config_free(&cfg);
        return 2;
    }
    int64_t stop_at = max_iter >= 0 ? max_iter : cfg.max_iter;
    if (eval_every >= 0) cfg.eval_every = eval_every;
    if (save_every >= 0) cfg.save_ckpt_every = save_every;
    if (batch > 0) cfg.batch_size = batch;
    if (threads > 0) cfg.threads = threads;
    const int ranks = vl_dist_size(), rank = vl_dist_rank();
    cfg.threads = vl_dist_threads(cfg.threads > 0 ? cfg.threads : 0);  /* ranks share cores */
    if (cfg.threads > 0) vl_set_num_threads(cfg.threads);
    if (rank != 0) {
        quiet = 1;
        no_wavs = 1;
    }
    if (cfg.batch_size < ranks) {
        fprintf(stderr, "valle train: batch_size %d is smaller than the %d ranks (each rank "
                "takes a slice of every batch)\n", cfg.batch_size, ranks);
        vl_valle_config_free(&cfg);
        return 2;
    }
    vl_valle_run r;
    if (vl_valle_run_open(&r, &cfg, quiet) < 0) {
        fprintf(stderr, "valle train: %s\n", vl_last_error());
        vl_valle_config_free(&cfg);
        return 1;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    const bool tty = isatty(2) && !quiet;
    int status = 0;
    double loss_avg = 0, acc_avg = 0;
    int n_avg = 0;
    if (!quiet && ranks > 1)
        fprintf(stderr, "valle train: data parallel: %d ranks, %d to %d utterances each of "
                "every batch of %d\n", ranks, cfg.batch_size / ranks,
                (cfg.batch_size + ranks - 1) / ranks, cfg.batch_size);
    while (r.step < stop_at) {
        if (ranks > 1) g_stop = !vl_dist_min_int(!g_stop);  /* one stops: all stop */
        if (g_stop) break;
        vl_valle_step_stats st;
        if (vl_valle_run_step(&r, &st) < 0) {
            if (rank == 0)
                fprintf(stderr, "\nvalle train: stopped: %s; %s keeps the last saved "
                        "checkpoint\n", vl_last_error(), r.ckpt_path);
            status = 1;
            break;
        }
        loss_avg += st.loss, acc_avg += st.acc, n_avg++;
        if (cfg.log_every <= 1 || r.step % cfg.log_every == 0) {
            char line[400];
            snprintf(line, sizeof line,
                     "{\"name\": \"train\", \"global_step\": %lld, \"loss\": %.6g, "
                     "\"nll\": %.6g, \"acc\": %.6g, \"lr\": %.6g, \"grad_norm\": %.6g, "
                     "\"elapsed\": %.3f, \"frames_per_s\": %.1f}",
                     (long long)r.step, loss_avg / n_avg, loss_avg / n_avg, acc_avg / n_avg,
                     st.lr, st.grad_norm, st.seconds,
                     st.seconds > 0 ? st.frames / st.seconds : 0.0);
            vl_valle_run_log(&r, line);
            if (!quiet)
                fprintf(stderr, "%sstep %lld/%lld  loss %.4f  acc %.3f  lr %.2e  |g| %.2f  "
                        "%.2f s/step%s", tty ? "\r" : "", (long long)r.step,
                        (long long)stop_at, loss_avg / n_avg, acc_avg / n_avg, st.lr,
                        st.grad_norm, st.seconds, tty ? "   " : "\n");
            loss_avg = acc_avg = 0;
            n_avg = 0;
        }
        const bool last = r.step >= stop_at;
        /* evaluation uses its own RNG: the other ranks skip it and stay in step */
        if (rank == 0 && cfg.eval_every > 0 && (r.step % cfg.eval_every == 0 || last)) {
            if (tty) fputc('\n', stderr);
            vl_valle_eval_stats es;
            const char *names[2] = {"subtrain", "val"};
            const int *lists[2] = {r.data.subtrain, r.data.val_eval};
            const int counts[2] = {r.data.n_subtrain, r.data.n_val_eval};
            for (int k = 0; k < 2 && !g_stop; k++) {
                if (vl_valle_run_eval(&r, names[k], lists[k], counts[k], !no_wavs, &es) < 0) {
                    fprintf(stderr, "valle train: evaluation failed: %s\n", vl_last_error());
                    status = 1;
                    break;
                }
                if (!quiet && es.n)
                    fprintf(stderr, "eval %-8s step %lld: nll %.4f acc %.4f %s %.4f\n",
                            names[k], (long long)r.step, es.nll, es.acc,
                            r.m->cfg.kind == VL_VALLE_AR ? "ar_match" : "nar_match",
                            es.gen_match);
            }
        }
        if (ranks > 1) status = -vl_dist_min_int(-status);  /* rank 0's eval failed: all stop */
        if (status) break;
        if ((cfg.save_ckpt_every > 0 && r.step % cfg.save_ckpt_every == 0) || last)
            if (save(&r, quiet) < 0) {
                status = 1;
                break;
            }
    }
    if (g_stop) {
        if (tty) fputc('\n', stderr);
        if (rank == 0) fprintf(stderr, "valle train: interrupted at step %lld\n", (long long)r.step);
        if (save(&r, quiet) < 0) status = 1;
    } else if (tty && status == 0) {
        fputc('\n', stderr);
    }
    vl_valle_run_close(&r);
    vl_valle_config_free(&cfg);
    return status;
}
