/* valle/mlp_train.h: training, evaluation and prediction of an MLP
 * classifier on (features, label) data, with checkpoint and exact resume.
 *
 * Usage:
 *   vl_mlp_train_config cfg; vl_mlp_train_config_default(&cfg);
 *   cfg.model.in_dim = 2; cfg.model.out_dim = 3; ...
 *   vl_mlp_run run; vl_mlp_run_init(&run, &cfg);
 *   for (e = run.epoch; e < cfg.epochs; e++) {
 *       vl_mlp_epoch_stats s;
 *       if (vl_mlp_run_epoch(&run, &data, &s) < 0) ...;   // NaN -> error
 *       vl_mlp_run_save(&run, "model.safetensors");
 *   }
 *   vl_mlp_run_free(&run);
 */
#ifndef VALLE_MLP_TRAIN_H
#define VALLE_MLP_TRAIN_H

#include "valle/checkpoint.h"

typedef struct vl_mlp_train_config {
    vl_mlp_config model;
    vl_optim_kind optim;
    float lr, momentum, weight_decay;
    bool nesterov;
    vl_sched_kind schedule;   /* over optimiser steps */
    int warmup_steps;
    float min_lr;
    int epochs, batch_size;
    float clip;               /* max global grad norm, 0 = off */
    uint64_t seed;
} vl_mlp_train_config;

void vl_mlp_train_config_default(vl_mlp_train_config *cfg);
/* JSON for checkpoint metadata; returns bytes needed (like snprintf). */
size_t vl_mlp_train_config_to_json(const vl_mlp_train_config *cfg, char *buf,
                                   size_t cap);
int vl_mlp_train_config_from_json(const char *json, vl_mlp_train_config *cfg);

typedef struct vl_mlp_run {
    vl_mlp_train_config cfg;
    vl_params params;
    vl_mlp mlp;
    vl_optim optim;
    vl_ctx *ctx;
    vl_rng data_rng;          /* shuffling */
    int epoch;                /* epochs completed */
    int64_t steps_per_epoch;  /* set by the first epoch (0 before) */
} vl_mlp_run;

typedef struct vl_mlp_epoch_stats {
    double loss;              /* mean training loss over the epoch */
    double accuracy;          /* training accuracy during the epoch */
    double examples_per_s;
    float lr;                 /* lr of the last step */
    float grad_norm;          /* of the last step */
} vl_mlp_epoch_stats;

void vl_mlp_run_init(vl_mlp_run *run, const vl_mlp_train_config *cfg);
void vl_mlp_run_free(vl_mlp_run *run);
/* One pass over the data in a shuffled order. VL_ERR_NUMERIC (and the
 * parameters of the last good step untouched) on a non-finite loss or
 * gradient. */
int vl_mlp_run_epoch(vl_mlp_run *run, const vl_csv_data *data,
                     vl_mlp_epoch_stats *st);
int vl_mlp_run_save(vl_mlp_run *run, const char *path);
/* Builds the run from a checkpoint (config from its metadata); with
 * `with_optim` the optimiser and RNG states are restored for resuming. */
int vl_mlp_run_load(vl_mlp_run *run, const char *path, bool with_optim);
/* Eval mode, no grad: mean loss and accuracy; `pred` (n) may be NULL. */
int vl_mlp_evaluate(vl_mlp_run *run, const vl_csv_data *data, double *loss,
                    double *accuracy, int *pred);

#endif
