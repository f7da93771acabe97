/* src/train/mlp_train.c: the MLP classifier trainer: shuffled minibatches,
 * cross-entropy, clipping, schedules, NaN detection, checkpoint + exact
 * resume (model, optimiser, data-order and dropout RNG states).
 *
 * Data parallel under MPI (valle/dist.h): every rank draws the same shuffle,
 * takes its contiguous slice of each global batch, scales its mean-loss
 * gradient by slice/batch and one all-reduce sums the gradients, so each
 * step uses the gradient of the whole global batch, as one process would.
 * Per-step loss, accuracy and a failure flag are reduced together, so all
 * ranks stop on the same step. BatchNorm statistics are per rank (as
 * PyTorch DDP without SyncBatchNorm); running statistics are averaged over
 * ranks at the end of each epoch. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "valle/dist.h"
#include "valle/mlp_train.h"

void vl_mlp_train_config_default(vl_mlp_train_config *cfg) {
    memset(cfg, 0, sizeof *cfg);
    cfg->model.n_hidden = 2;
    cfg->model.hidden[0] = cfg->model.hidden[1] = 64;
    cfg->model.act = VL_ACT_RELU;
    cfg->model.norm = VL_NORM_NONE;
    cfg->optim = VL_OPT_ADAM;
    cfg->lr = 1e-2f;
    cfg->schedule = VL_SCHED_CONSTANT;
    cfg->epochs = 300;
    cfg->batch_size = 30;
    cfg->seed = 1;
}

size_t vl_mlp_train_config_to_json(const vl_mlp_train_config *cfg, char *buf,
                                   size_t cap) {
    char hidden[VL_MLP_MAX_LAYERS * 12 + 2] = "";
    size_t h = 0;
    for (int i = 0; i < cfg->model.n_hidden; i++)
        h += (size_t)snprintf(hidden + h, sizeof hidden - h, "%s%d", i ? "," : "",
                              cfg->model.hidden[i]);
    return (size_t)snprintf(
        buf, cap,
        "{\"model\":\"mlp\",\"in_dim\":%d,\"out_dim\":%d,\"hidden\":[%s],"
        "\"activation\":\"%s\",\"norm\":\"%s\",\"dropout\":%.9g,"
        "\"optim\":\"%s\",\"lr\":%.9g,\"momentum\":%.9g,\"weight_decay\":%.9g,"
        "\"nesterov\":%s,\"schedule\":\"%s\",\"warmup_steps\":%d,"
        "\"min_lr\":%.9g,\"epochs\":%d,\"batch_size\":%d,\"clip\":%.9g,"
        "\"seed\":%llu}",
        cfg->model.in_dim, cfg->model.out_dim, hidden,
        vl_activation_name(cfg->model.act), vl_norm_name(cfg->model.norm),
        cfg->model.dropout, vl_optim_name(cfg->optim), cfg->lr, cfg->momentum,
        cfg->weight_decay, cfg->nesterov ? "true" : "false",
        vl_schedule_name(cfg->schedule), cfg->warmup_steps, cfg->min_lr, cfg->epochs,
        cfg->batch_size, cfg->clip, (unsigned long long)cfg->seed);
}

int vl_mlp_train_config_from_json(const char *json, vl_mlp_train_config *cfg) {
    vl_json *j = vl_json_parse(json, strlen(json));
    if (!j) return VL_ERR_FORMAT;
    int rc = VL_OK;
    vl_mlp_train_config_default(cfg);
    if (j->type != VL_JSON_OBJECT ||
        strcmp(vl_json_string(j, "model", ""), "mlp") != 0) {
        rc = vl_error(VL_ERR_FORMAT, "config is not an MLP config");
        goto done;
    }
    cfg->model.in_dim = (int)vl_json_number(j, "in_dim", 0);
    cfg->model.out_dim = (int)vl_json_number(j, "out_dim", 0);
    const vl_json *hid = vl_json_get(j, "hidden");
    if (!hid || hid->type != VL_JSON_ARRAY || hid->count > VL_MLP_MAX_LAYERS) {
        rc = vl_error(VL_ERR_FORMAT, "config: 'hidden' must be a list of at most %d widths",
                      VL_MLP_MAX_LAYERS);
        goto done;
    }
    cfg->model.n_hidden = 0;
    for (const vl_json *e = hid->child; e; e = e->next) {
        if (e->type != VL_JSON_NUMBER || e->number < 1 || e->number > 1e6) {
            rc = vl_error(VL_ERR_FORMAT, "config: bad hidden width");
            goto done;
        }
        cfg->model.hidden[cfg->model.n_hidden++] = (int)e->number;
    }
    if (vl_activation_parse(vl_json_string(j, "activation", "relu"), &cfg->model.act) < 0 ||
        vl_norm_parse(vl_json_string(j, "norm", "none"), &cfg->model.norm) < 0 ||
        vl_optim_parse(vl_json_string(j, "optim", "adam"), &cfg->optim) < 0 ||
        vl_schedule_parse(vl_json_string(j, "schedule", "constant"), &cfg->schedule) < 0) {
        rc = vl_error(VL_ERR_FORMAT, "config: unknown activation, norm, optim or schedule");
        goto done;
    }
    cfg->model.dropout = (float)vl_json_number(j, "dropout", 0);
    cfg->lr = (float)vl_json_number(j, "lr", 1e-2);
    cfg->momentum = (float)vl_json_number(j, "momentum", 0);
    cfg->weight_decay = (float)vl_json_number(j, "weight_decay", 0);
    cfg->nesterov = vl_json_number(j, "nesterov", 0) != 0;
    cfg->warmup_steps = (int)vl_json_number(j, "warmup_steps", 0);
    cfg->min_lr = (float)vl_json_number(j, "min_lr", 0);
    cfg->epochs = (int)vl_json_number(j, "epochs", 1);
    cfg->batch_size = (int)vl_json_number(j, "batch_size", 1);
    cfg->clip = (float)vl_json_number(j, "clip", 0);
    cfg->seed = (uint64_t)vl_json_number(j, "seed", 1);
    if (cfg->model.in_dim < 1 || cfg->model.out_dim < 1 || cfg->model.in_dim > 1 << 24 ||
        cfg->model.out_dim > 1 << 24 || cfg->batch_size < 1 || cfg->epochs < 0 ||
        cfg->model.dropout < 0 || cfg->model.dropout >= 1)
        rc = vl_error(VL_ERR_FORMAT, "config: sizes out of range");
done:
    vl_json_free(j);
    return rc;
}

void vl_mlp_run_init(vl_mlp_run *run, const vl_mlp_train_config *cfg) {
    memset(run, 0, sizeof *run);
    run->cfg = *cfg;
    vl_params_init(&run->params);
    vl_mlp_init(&run->mlp, &run->params, "", &cfg->model);
    vl_params_finalize(&run->params, cfg->seed);
    vl_optim_init(&run->optim, cfg->optim, run->params.n_train);
    run->optim.lr = cfg->lr;
    run->optim.momentum = cfg->momentum;
    run->optim.nesterov = cfg->nesterov;
    run->optim.weight_decay = cfg->weight_decay;
    run->ctx = vl_ctx_new(cfg->seed ^ 0x5EEDull);
    vl_rng_seed(&run->data_rng, cfg->seed * 2 + 1);
}

void vl_mlp_run_free(vl_mlp_run *run) {
    vl_params_free(&run->params);
    vl_optim_free(&run->optim);
    vl_ctx_free(run->ctx);
    memset(run, 0, sizeof *run);
}

/* x (bsz, d) and targets for the examples idx[0..bsz). */
static vl_tensor *gather_batch(vl_ctx *c, const vl_csv_data *data,
                               const int *idx, int bsz, int *targets) {
    vl_tensor *x = vl_tensor_new(c, 2, (int[]){bsz, data->d});
    for (int i = 0; i < bsz; i++) {
        memcpy(x->data + (int64_t)i * data->d, data->x + (int64_t)idx[i] * data->d,
               (size_t)data->d * sizeof(float));
        targets[i] = data->y[idx[i]];
    }
    return x;
}

static int count_correct(const vl_tensor *logits, const int *targets) {
    int n = logits->shape[0], k = logits->shape[1], correct = 0;
    for (int i = 0; i < n; i++) {
        const float *row = logits->data + (int64_t)i * k;
        int best = 0;
        for (int j = 1; j < k; j++)
            if (row[j] > row[best]) best = j;
        correct += best == targets[i];
    }
    return correct;
}

static int check_data(const vl_mlp_run *run, const vl_csv_data *data) {
    if (data->d != run->cfg.model.in_dim)
        return vl_error(VL_ERR_SHAPE, "data has %d features, the model expects %d",
                        data->d, run->cfg.model.in_dim);
    for (int i = 0; i < data->n; i++)
        if (data->y[i] >= run->cfg.model.out_dim)
            return vl_error(VL_ERR_ARG, "label %d on row %d, the model has %d classes",
                            data->y[i], i + 1, run->cfg.model.out_dim);
    return VL_OK;
}

int vl_mlp_run_epoch(vl_mlp_run *run, const vl_csv_data *data,
                     vl_mlp_epoch_stats *st) {
    int rc = check_data(run, data);
    if (rc < 0) return rc;
    const vl_mlp_train_config *cfg = &run->cfg;
    int n = data->n, B = cfg->batch_size < n ? cfg->batch_size : n;
    int *idx = vl_xmalloc((size_t)n * sizeof(int));
    int *targets = vl_xmalloc((size_t)B * sizeof(int));
    for (int i = 0; i < n; i++) idx[i] = i;
    vl_rng_shuffle_int(&run->data_rng, idx, n);
    /* BatchNorm cannot normalise a batch of one: drop such a tail. */
    int usable = n;
    if (cfg->model.norm == VL_NORM_BATCH && n % B == 1 && n > 1) usable = n - 1;
    run->steps_per_epoch = (usable + B - 1) / B;
    vl_schedule sched = {.kind = cfg->schedule, .lr = cfg->lr, .min_lr = cfg->min_lr,
                         .warmup_steps = cfg->warmup_steps,
                         .total_steps = run->steps_per_epoch * cfg->epochs,
                         .step_size = run->steps_per_epoch * 10, .gamma = 0.5f};
    vl_ctx *c = run->ctx;
    vl_set_training(c, true);
    vl_set_grad_enabled(c, true);
    const int R = vl_dist_size(), rank = vl_dist_rank();
    double t0 = vl_seconds(), loss_sum = 0;
    long correct = 0, seen = 0;
    memset(st, 0, sizeof *st);
    for (int start = 0; start < usable; start += B) {
        int bsz = usable - start < B ? usable - start : B;
        int lo = start + (int)((int64_t)bsz * rank / R);
        int hi = start + (int)((int64_t)bsz * (rank + 1) / R);
        /* [local loss sum, local correct, local failure] summed over ranks */
        double step[3] = {0, 0, 0};
        vl_ctx_reset(c);
        vl_params_zero_grad(&run->params);
        if (hi > lo) {
            vl_tensor *x = gather_batch(c, data, idx + lo, hi - lo, targets);
            vl_tensor *logits = vl_mlp_forward(c, &run->mlp, x);
            vl_tensor *loss = vl_cross_entropy(c, logits, targets, -100);
            float lv = loss->data[0];
            step[0] = (double)lv * (hi - lo);
            step[1] = count_correct(logits, targets);
            if (!isfinite(lv)) {
                step[2] = 1;
            } else {
                vl_backward(c, loss);
                if (R > 1) /* mean over the slice -> share of the global mean */
                    for (int64_t i = 0; i < run->params.n_train; i++)
                        run->params.grad[i] *= (float)(hi - lo) / (float)bsz;
            }
        }
        vl_dist_allreduce_sum_f64(step, 3);
        if (step[2] > 0) {
            rc = vl_error(VL_ERR_NUMERIC, "loss is %g at epoch %d, step %lld",
                          step[0] / bsz, run->epoch + 1, (long long)run->optim.step + 1);
            goto out;
        }
        vl_dist_allreduce_sum(run->params.grad, run->params.n_train);
        loss_sum += step[0];
        correct += (long)step[1];
        seen += bsz;
        float norm = cfg->clip > 0
                         ? vl_clip_grad_norm(run->params.grad, run->params.n_train, cfg->clip)
                         : (float)vl_grad_norm(run->params.grad, run->params.n_train);
        if (!isfinite(norm)) {
            rc = vl_error(VL_ERR_NUMERIC, "gradient norm is %g at epoch %d, step %lld",
                          norm, run->epoch + 1, (long long)run->optim.step + 1);
            goto out;
        }
        run->optim.lr = vl_schedule_lr(&sched, run->optim.step);
        vl_optim_step(&run->optim, run->params.data, run->params.grad);
        st->lr = run->optim.lr;
        st->grad_norm = norm;
    }
    if (R > 1 && run->params.n_buf > 0) { /* one set of running statistics */
        vl_dist_allreduce_sum(run->params.buf_data, run->params.n_buf);
        for (int64_t i = 0; i < run->params.n_buf; i++) run->params.buf_data[i] /= (float)R;
    }
    run->epoch++;
    st->loss = seen ? loss_sum / seen : 0;
    st->accuracy = seen ? (double)correct / seen : 0;
    st->examples_per_s = seen / fmax(vl_seconds() - t0, 1e-9);
out:
    free(idx);
    free(targets);
    return rc;
}

int vl_mlp_run_save(vl_mlp_run *run, const char *path) {
    char cfg[2048], epoch[32];
    vl_mlp_train_config_to_json(&run->cfg, cfg, sizeof cfg);
    snprintf(epoch, sizeof epoch, "%d", run->epoch);
    vl_checkpoint ck = {.params = &run->params, .optim = &run->optim,
                        .config_json = cfg};
    vl_checkpoint_add_rng(&ck, "data", &run->data_rng);
    vl_checkpoint_add_rng(&ck, "ctx", &run->ctx->rng);
    vl_checkpoint_set_meta(&ck, "epoch", epoch);
    vl_checkpoint_set_meta(&ck, "format", "valle-mlp-1");
    int rc = vl_checkpoint_save(&ck, path);
    vl_checkpoint_clear_meta(&ck);
    return rc;
}

int vl_mlp_run_load(vl_mlp_run *run, const char *path, bool with_optim) {
    vl_safetensors st;
    int rc = vl_st_open(&st, path);
    if (rc < 0) return rc;
    const char *json = vl_st_meta(&st, "config");
    const char *epoch = vl_st_meta(&st, "epoch");
    vl_mlp_train_config cfg;
    if (!json) {
        rc = vl_error(VL_ERR_FORMAT, "%s: no 'config' metadata (not a valle MLP model)", path);
        goto out;
    }
    rc = vl_mlp_train_config_from_json(json, &cfg);
    if (rc < 0) goto out;
    vl_mlp_run_init(run, &cfg);
    vl_checkpoint ck = {.params = &run->params, .optim = with_optim ? &run->optim : NULL};
    if (with_optim) {
        vl_checkpoint_add_rng(&ck, "data", &run->data_rng);
        vl_checkpoint_add_rng(&ck, "ctx", &run->ctx->rng);
    }
    rc = vl_checkpoint_load(&st, &ck);
    if (rc < 0) {
        vl_mlp_run_free(run);
        goto out;
    }
    run->epoch = epoch ? atoi(epoch) : 0;
    if (run->epoch < 0) run->epoch = 0;
out:
    vl_st_close(&st);
    return rc;
}

int vl_mlp_evaluate(vl_mlp_run *run, const vl_csv_data *data, double *loss,
                    double *accuracy, int *pred) {
    int rc = check_data(run, data);
    if (rc < 0) return rc;
    vl_ctx *c = run->ctx;
    vl_rng saved = c->rng;
    bool was_grad = vl_set_grad_enabled(c, false);
    vl_set_training(c, false);
    const int B = 1024;
    int *idx = vl_xmalloc((size_t)B * sizeof(int)), *targets = vl_xmalloc((size_t)B * sizeof(int));
    double loss_sum = 0;
    long correct = 0;
    for (int start = 0; start < data->n; start += B) {
        int bsz = data->n - start < B ? data->n - start : B;
        for (int i = 0; i < bsz; i++) idx[i] = start + i;
        vl_ctx_reset(c);
        vl_tensor *x = gather_batch(c, data, idx, bsz, targets);
        vl_tensor *logits = vl_mlp_forward(c, &run->mlp, x);
        loss_sum += (double)vl_cross_entropy(c, logits, targets, -100)->data[0] * bsz;
        correct += count_correct(logits, targets);
        if (pred)
            for (int i = 0; i < bsz; i++) {
                const float *row = logits->data + (int64_t)i * logits->shape[1];
                int best = 0;
                for (int j = 1; j < logits->shape[1]; j++)
                    if (row[j] > row[best]) best = j;
                pred[start + i] = best;
            }
    }
    vl_ctx_reset(c);
    vl_set_grad_enabled(c, was_grad);
    vl_set_training(c, true);
    c->rng = saved;
    free(idx);
    free(targets);
    *loss = data->n ? loss_sum / data->n : 0;
    *accuracy = data->n ? (double)correct / data->n : 0;
    return VL_OK;
}
