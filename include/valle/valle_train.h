/* valle/valle_train.h: training one VALL-E model (AR or NAR) as the
 * reference's train.py does: batches from the speaker-balanced sampler with
 * prompts, Adam with DeepSpeed's WarmupDecayLR schedule, gradient clipping,
 * periodic evaluation on a training subset and the validation set (losses,
 * accuracies, free decoding, reference and generated WAVs), checkpoints with
 * exact resume, one JSON object per log line.
 *
 * Files: <ckpt_dir>/model.safetensors (written atomically: weights,
 * optimiser, RNG states, the "valle" metadata with the phone map),
 * <log_dir>/log.jsonl, <log_dir>/STEP/{subtrain,val}/{ref,hyp}/NAME.wav.
 *
 * Usage:
 *   vl_valle_run r;
 *   if (vl_valle_run_open(&r, &cfg, false) < 0) die(...);  // resumes if a
 *   while (r.step < cfg.max_iter) vl_valle_run_step(&r, &st); // checkpoint exists
 *   vl_valle_run_save(&r); vl_valle_run_close(&r);
 */
#ifndef VALLE_VALLE_TRAIN_H
#define VALLE_VALLE_TRAIN_H
#include <stdio.h>

#include "valle/optim.h"
#include "valle/valle_bundle.h"
#include "valle/valle_config.h"

typedef struct vl_valle_run {
    const vl_valle_config *cfg;
    vl_valle_data data;
    vl_valle_bundle model;      /* one model (has_ar or has_nar) + phones + codec */
    vl_valle_model *m;
    vl_params *P;
    vl_optim optim;
    vl_rng data_rng;
    /* bucket_batches > 1: a pool of K batches' samples sorted by length;
     * batch order[pos] is next. pool_rng draws it; pool_start is its state
     * before the draw (saved with pos, so a resumed run redraws the pool). */
    vl_valle_sample *pool;      /* (K * B) */
    int *pool_order;            /* (K) */
    int pool_pos;               /* K: empty */
    vl_rng pool_rng, pool_start;
    vl_ctx *ctx;
    vl_codec *codec;            /* NULL when it cannot be opened (no WAVs) */
    int64_t step;
    bool resumed;
    char ckpt_path[1024];
    FILE *log;                  /* <log_dir>/log.jsonl, appended */
    double t_start;
} vl_valle_run;

typedef struct vl_valle_step_stats {
    double loss, acc, grad_norm, lr, seconds;
    int64_t frames;             /* response frames in the batch */
} vl_valle_step_stats;

typedef struct vl_valle_eval_stats {
    double nll, acc;            /* teacher-forced */
    double gen_match;           /* AR: share of reference level-0 frames the
                                   free decoding reproduces at the same place;
                                   NAR: share of generated upper-level codes
                                   equal to the reference */
    double stop_rate;           /* AR: share ended by the stop token */
    int n;
} vl_valle_eval_stats;

int vl_valle_run_open(vl_valle_run *r, const vl_valle_config *cfg, bool quiet);
int vl_valle_run_step(vl_valle_run *r, vl_valle_step_stats *st);
/* Evaluates the utterances (indexes into r->data.utts); write_wavs puts
 * them under <log_dir>/<step>/<name>/. Logs one JSON line. */
int vl_valle_run_eval(vl_valle_run *r, const char *name, const int *utts, int n,
                      bool write_wavs, vl_valle_eval_stats *es);
int vl_valle_run_save(vl_valle_run *r);
/* Appends one JSON line to the log (and flushes). */
void vl_valle_run_log(vl_valle_run *r, const char *json);
void vl_valle_run_close(vl_valle_run *r);
#endif
