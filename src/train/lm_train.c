/* src/train/lm_train.c: the language-model trainer shared by every
 * architecture (the `archs[]` table below; "transformer" is the GPT):
 * random-window batches, AdamW with weight decay on matrices only
 * (nanoGPT's grouping), warm-up + cosine schedule, clipping, NaN checks,
 * loss estimates, checkpoints with exact resume, and sampling with
 * temperature, top-k and top-p through the architecture's decoding state.
 *
 * Data parallel under MPI (valle/dist.h), as the MLP trainer: every rank
 * draws the same global batch of windows, runs its contiguous slice, scales
 * its mean-loss gradient by slice/batch, and one all-reduce over the
 * gradient buffer sums the slices, so each step follows one process's
 * trajectory (up to float summation order). Loss and a failure flag are
 * reduced together so that all ranks stop on the same step. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "valle/dist.h"
#include "valle/lm_train.h"

/* ================================================================ archs */

/* ---- transformer: the GPT of valle/gpt.h ---- */
static int tf_check(const vl_lm_train_config *cfg) { return vl_gpt_config_check(&cfg->gpt); }

static void *tf_create(vl_params *p, const vl_lm_train_config *cfg) {
    vl_gpt *g = vl_xmalloc(sizeof *g);
    vl_gpt_init(g, p, "", &cfg->gpt);
    return g;
}

static void tf_destroy(void *m) {
    vl_gpt_free(m);
    free(m);
}

static vl_tensor *tf_forward(vl_ctx *c, void *m, const int *ids, int B, int T) {
    return vl_gpt_forward(c, m, ids, B, T, NULL);
}

static void *tf_state_new(void *m, int B, int max_len) {
    vl_gpt_cache *kc = vl_xmalloc(sizeof *kc);
    vl_gpt_cache_init(kc, m, B, max_len);
    return kc;
}

static void tf_state_reset(void *s) { vl_gpt_cache_reset(s); }

static void tf_state_free(void *s) {
    vl_gpt_cache_free(s);
    free(s);
}

static vl_tensor *tf_step(vl_ctx *c, void *m, void *s, const int *ids, int B, int n) {
    return vl_gpt_forward(c, m, ids, B, n, s);
}

static int tf_max_context(const vl_lm_train_config *cfg) { return cfg->gpt.block_size; }

static const vl_lm_arch archs[] = {
    {"transformer", tf_check, tf_create, tf_destroy, tf_forward, tf_state_new,
     tf_state_reset, tf_state_free, tf_step, tf_max_context},
    /* the recurrent-networks issue adds rnn, lstm, gru here */
};
#define N_ARCHS ((int)(sizeof archs / sizeof *archs))

const vl_lm_arch *vl_lm_arch_find(const char *name) {
    const char *names[N_ARCHS];
    for (int i = 0; i < N_ARCHS; i++) names[i] = archs[i].name;
    int i = vl_parse_name(name, names, N_ARCHS, "architecture");
    return i < 0 ? NULL : &archs[i];
}

/* ================================================================ config */

void vl_lm_train_config_default(vl_lm_train_config *cfg) {
    memset(cfg, 0, sizeof *cfg);
    snprintf(cfg->arch, sizeof cfg->arch, "transformer");
    cfg->tokenizer = VL_LM_CHAR;
    cfg->gpt = vl_gpt_config_default();
    cfg->batch_size = 12;
    cfg->max_iters = 2000;
    cfg->warmup = 100;
    cfg->lr = 1e-3f;
    cfg->min_lr = 1e-4f;
    cfg->beta1 = 0.9f;
    cfg->beta2 = 0.99f;
    cfg->weight_decay = 0.1f;
    cfg->clip = 1.0f;
    cfg->eval_interval = 250;
    cfg->eval_iters = 200;
    cfg->seed = 1337;
}

size_t vl_lm_train_config_to_json(const vl_lm_train_config *cfg, char *buf, size_t cap) {
    const vl_gpt_config *g = &cfg->gpt;
    return (size_t)snprintf(
        buf, cap,
        "{\"model\":\"lm\",\"arch\":\"%s\",\"tokenizer\":\"%s\",\"vocab_size\":%d,"
        "\"block_size\":%d,\"n_layer\":%d,\"n_head\":%d,\"n_embd\":%d,\"dropout\":%.9g,"
        "\"bias\":%s,\"tied\":%s,\"pos\":\"%s\",\"norm\":\"%s\",\"batch_size\":%d,"
        "\"max_iters\":%lld,\"warmup\":%d,\"lr\":%.9g,\"min_lr\":%.9g,\"beta1\":%.9g,"
        "\"beta2\":%.9g,\"weight_decay\":%.9g,\"clip\":%.9g,\"eval_interval\":%d,"
        "\"eval_iters\":%d,\"seed\":%llu}",
        cfg->arch, vl_lm_tokenizer_name(cfg->tokenizer), g->vocab, g->block_size,
        g->n_layer, g->n_head, g->n_embd, g->dropout, g->bias ? "true" : "false",
        g->tied ? "true" : "false", g->sinusoidal ? "sinusoidal" : "learned",
        vl_tf_norm_name(g->norm), cfg->batch_size, (long long)cfg->max_iters, cfg->warmup,
        cfg->lr, cfg->min_lr, cfg->beta1, cfg->beta2, cfg->weight_decay, cfg->clip,
        cfg->eval_interval, cfg->eval_iters, (unsigned long long)cfg->seed);
}

int vl_lm_train_config_from_json(const char *json, vl_lm_train_config *cfg) {
    vl_json *j = vl_json_parse(json, strlen(json));
    if (!j) return VL_ERR_FORMAT;
    int rc = VL_OK;
    vl_lm_train_config_default(cfg);
    const char *model = j->type == VL_JSON_OBJECT ? vl_json_string(j, "model", "") : "";
    if (strcmp(model, "lm") != 0) {
        rc = vl_error(VL_ERR_FORMAT, "not a language-model checkpoint (model '%s')", model);
        goto done;
    }
    snprintf(cfg->arch, sizeof cfg->arch, "%s", vl_json_string(j, "arch", ""));
    vl_gpt_config *g = &cfg->gpt;
    const char *pos = vl_json_string(j, "pos", "learned");
    if (vl_lm_tokenizer_parse(vl_json_string(j, "tokenizer", "char"), &cfg->tokenizer) < 0 ||
        vl_tf_norm_parse(vl_json_string(j, "norm", "layer"), &g->norm) < 0 ||
        (strcmp(pos, "learned") && strcmp(pos, "sinusoidal"))) {
        rc = vl_error(VL_ERR_FORMAT, "config: unknown tokenizer, norm or pos");
        goto done;
    }
    g->sinusoidal = strcmp(pos, "sinusoidal") == 0;
    g->vocab = (int)vl_json_number(j, "vocab_size", 0);
    g->block_size = (int)vl_json_number(j, "block_size", 0);
    g->n_layer = (int)vl_json_number(j, "n_layer", 0);
    g->n_head = (int)vl_json_number(j, "n_head", 0);
    g->n_embd = (int)vl_json_number(j, "n_embd", 0);
    g->dropout = (float)vl_json_number(j, "dropout", 0);
    g->bias = vl_json_number(j, "bias", 1) != 0;
    g->tied = vl_json_number(j, "tied", 1) != 0;
    cfg->batch_size = (int)vl_json_number(j, "batch_size", 0);
    cfg->max_iters = (int64_t)vl_json_number(j, "max_iters", 0);
    cfg->warmup = (int)vl_json_number(j, "warmup", 0);
    cfg->lr = (float)vl_json_number(j, "lr", 1e-3);
    cfg->min_lr = (float)vl_json_number(j, "min_lr", 1e-4);
    cfg->beta1 = (float)vl_json_number(j, "beta1", 0.9);
    cfg->beta2 = (float)vl_json_number(j, "beta2", 0.99);
    cfg->weight_decay = (float)vl_json_number(j, "weight_decay", 0.1);
    cfg->clip = (float)vl_json_number(j, "clip", 1.0);
    cfg->eval_interval = (int)vl_json_number(j, "eval_interval", 250);
    cfg->eval_iters = (int)vl_json_number(j, "eval_iters", 200);
    cfg->seed = (uint64_t)vl_json_number(j, "seed", 1337);
    if (cfg->batch_size < 1 || cfg->batch_size > (1 << 20) || cfg->max_iters < 0 ||
        cfg->eval_iters < 1 || cfg->eval_interval < 1 || cfg->warmup < 0)
        rc = vl_error(VL_ERR_FORMAT, "config: training sizes out of range");
done:
    vl_json_free(j);
    return rc;
}

/* ================================================================ run */

int vl_lm_run_init(vl_lm_run *run, const vl_lm_train_config *cfg,
                   const vl_lm_vocab *vocab) {
    memset(run, 0, sizeof *run);
    run->cfg = *cfg;
    run->cfg.gpt.vocab = vocab->n;
    run->arch = vl_lm_arch_find(cfg->arch);
    if (!run->arch) return VL_ERR_ARG;
    int rc = run->arch->check(&run->cfg);
    if (rc < 0) return rc;
    if (cfg->batch_size < 1 || cfg->eval_iters < 1 || cfg->eval_interval < 1)
        return vl_error(VL_ERR_ARG, "batch size, eval iters and eval interval must be >= 1");
    /* the run keeps its own copy of the vocabulary */
    run->vocab = *vocab;
    run->vocab.bytes = NULL;
    run->vocab.words = NULL;
    if (vocab->bytes) {
        run->vocab.bytes = vl_xmalloc(256);
        memcpy(run->vocab.bytes, vocab->bytes, 256);
    }
    if (vocab->words) {
        run->vocab.words = vl_xmalloc((size_t)vocab->n * sizeof(char *));
        for (int i = 0; i < vocab->n; i++) run->vocab.words[i] = vl_xstrdup(vocab->words[i]);
    }
    vl_params_init(&run->params);
    run->model = run->arch->create(&run->params, &run->cfg);
    vl_params_finalize(&run->params, run->cfg.seed);
    vl_optim_init(&run->optim, VL_OPT_ADAMW, run->params.n_train);
    run->optim.lr = cfg->lr;
    run->optim.beta1 = cfg->beta1;
    run->optim.beta2 = cfg->beta2;
    run->optim.weight_decay = cfg->weight_decay;
    run->ctx = vl_ctx_new(run->cfg.seed ^ 0x5EEDull);
    vl_rng_seed(&run->data_rng, run->cfg.seed * 2 + 1);
    return VL_OK;
}

void vl_lm_run_free(vl_lm_run *run) {
    if (run->model) run->arch->destroy(run->model);
    vl_params_free(&run->params);
    if (run->optim.m) vl_optim_free(&run->optim);
    if (run->ctx) vl_ctx_free(run->ctx);
    vl_lm_vocab_free(&run->vocab);
    memset(run, 0, sizeof *run);
}

/* x, y (B, T): windows starting at random offsets in [lo, hi - T - 1]. */
static void get_batch(const vl_lm_data *d, int64_t lo, int64_t hi, int B, int T,
                      vl_rng *r, int *x, int *y) {
    for (int b = 0; b < B; b++) {
        int64_t i = lo + (int64_t)vl_rng_below(r, (uint64_t)(hi - lo - T));
        memcpy(x + (size_t)b * T, d->ids + i, (size_t)T * sizeof(int));
        memcpy(y + (size_t)b * T, d->ids + i + 1, (size_t)T * sizeof(int));
    }
}

static int check_data(const vl_lm_run *run, const vl_lm_data *d) {
    if (d->vocab.n != run->vocab.n || d->vocab.kind != run->vocab.kind)
        return vl_error(VL_ERR_ARG, "data vocabulary (%d %s tokens) differs from the "
                        "model's (%d %s)", d->vocab.n, vl_lm_tokenizer_name(d->vocab.kind),
                        run->vocab.n, vl_lm_tokenizer_name(run->vocab.kind));
    if (d->n_train < run->cfg.gpt.block_size + 2)
        return vl_error(VL_ERR_ARG, "training split has %lld tokens, fewer than block size "
                        "%d + 2", (long long)d->n_train, run->cfg.gpt.block_size);
    return VL_OK;
}

/* AdamW step with weight decay on parameters of 2 or more dims only. */
static void adamw_grouped(vl_lm_run *run) {
    vl_optim *o = &run->optim;
    vl_params *P = &run->params;
    for (int i = 0; i < P->count; i++) {
        vl_param_entry *e = &P->entries[i];
        if (!e->trainable) continue;
        vl_optim s = *o;
        s.n = e->t->numel;
        s.m = o->m + e->offset;
        s.v = o->v + e->offset;
        s.weight_decay = e->t->ndim >= 2 ? o->weight_decay : 0.0f;
        vl_optim_step(&s, P->data + e->offset, P->grad + e->offset);
    }
    o->step++;
}

int vl_lm_run_step(vl_lm_run *run, const vl_lm_data *d, vl_lm_step_stats *st) {
    int rc = check_data(run, d);
    if (rc < 0) return rc;
    const int B = run->cfg.batch_size, T = run->cfg.gpt.block_size;
    vl_ctx *c = run->ctx;
    double t0 = vl_seconds();
    vl_ctx_reset(c);
    vl_set_training(c, true);
    vl_set_grad_enabled(c, true);
    const int R = vl_dist_size(), rank = vl_dist_rank();
    if (B < R)
        return vl_error(VL_ERR_ARG, "batch size %d is smaller than the %d ranks", B, R);
    int *x = vl_arena_alloc(&c->arena, (size_t)B * T * sizeof(int));  /* (B, T) */
    int *y = vl_arena_alloc(&c->arena, (size_t)B * T * sizeof(int));  /* (B, T) */
    get_batch(d, 0, d->n_train, B, T, &run->data_rng, x, y);
    const int lo = (int)((int64_t)B * rank / R), hi = (int)((int64_t)B * (rank + 1) / R);
    const int nb = hi - lo;  /* this rank's rows [lo, hi) of the global batch */
    vl_tensor *logits = run->arch->forward(c, run->model, x + (size_t)lo * T, nb, T);
    vl_tensor *loss = vl_cross_entropy(c, logits, y + (size_t)lo * T, -100);
    float local = loss->data[0];
    vl_params_zero_grad(&run->params);
    /* [loss sum over rows, failure] summed over ranks */
    double red[2] = {(double)local * nb, isfinite(local) ? 0 : 1};
    if (isfinite(local)) {
        vl_backward(c, loss);
        if (R > 1) /* mean over the slice -> its share of the global mean */
            for (int64_t i = 0; i < run->params.n_train; i++)
                run->params.grad[i] *= (float)nb / (float)B;
    }
    vl_dist_allreduce_sum_f64(red, 2);
    float lv = (float)(red[0] / B);
    if (red[1] > 0 || !isfinite(lv))
        return vl_error(VL_ERR_NUMERIC, "loss is %g at step %lld", red[1] > 0 ? NAN : lv,
                        (long long)run->iter + 1);
    vl_dist_allreduce_sum(run->params.grad, run->params.n_train);
    float norm = run->cfg.clip > 0
                     ? vl_clip_grad_norm(run->params.grad, run->params.n_train, run->cfg.clip)
                     : (float)vl_grad_norm(run->params.grad, run->params.n_train);
    if (!isfinite(norm))
        return vl_error(VL_ERR_NUMERIC, "gradient norm is %g at step %lld", norm,
                        (long long)run->iter + 1);
    vl_schedule sched = {.kind = VL_SCHED_COSINE, .lr = run->cfg.lr,
                         .min_lr = run->cfg.min_lr, .warmup_steps = run->cfg.warmup,
                         .total_steps = run->cfg.max_iters};
    run->optim.lr = vl_schedule_lr(&sched, run->iter);
    adamw_grouped(run);
    run->iter++;
    if (st) {
        st->loss = lv;
        st->lr = run->optim.lr;
        st->grad_norm = norm;
        st->tokens_per_s = (double)B * T / fmax(vl_seconds() - t0, 1e-9);
    }
    return VL_OK;
}

int vl_lm_estimate_loss(vl_lm_run *run, const vl_lm_data *d, bool val, double *loss) {
    int rc = check_data(run, d);
    if (rc < 0) return rc;
    const int B = run->cfg.batch_size, T = run->cfg.gpt.block_size;
    int64_t lo = val ? d->n_train : 0, hi = val ? d->n : d->n_train;
    if (hi - lo < T + 2)
        return vl_error(VL_ERR_ARG, "the %s split has %lld tokens, fewer than block size "
                        "%d + 2", val ? "validation" : "training", (long long)(hi - lo), T);
    vl_ctx *c = run->ctx;
    vl_rng saved = c->rng, r;
    vl_rng_seed(&r, run->cfg.seed ^ (val ? 0xE7A1ull : 0x7EA1ull));
    bool was = vl_set_grad_enabled(c, false);
    vl_set_training(c, false);
    int *x = vl_xmalloc((size_t)B * T * sizeof(int)), *y = vl_xmalloc((size_t)B * T * sizeof(int));
    double sum = 0;
    for (int k = 0; k < run->cfg.eval_iters; k++) {
        vl_ctx_reset(c);
        get_batch(d, lo, hi, B, T, &r, x, y);
        vl_tensor *logits = run->arch->forward(c, run->model, x, B, T);
        sum += vl_cross_entropy(c, logits, y, -100)->data[0];
    }
    free(x);
    free(y);
    vl_ctx_reset(c);
    vl_set_grad_enabled(c, was);
    vl_set_training(c, true);
    c->rng = saved;
    *loss = sum / run->cfg.eval_iters;
    return VL_OK;
}

int vl_lm_run_save(vl_lm_run *run, const char *path) {
    char cfg[2048], iter[32];
    vl_lm_train_config_to_json(&run->cfg, cfg, sizeof cfg);
    snprintf(iter, sizeof iter, "%lld", (long long)run->iter);
    char *vocab = vl_lm_vocab_to_json(&run->vocab);
    vl_checkpoint ck = {.params = &run->params, .optim = &run->optim, .config_json = cfg};
    vl_checkpoint_add_rng(&ck, "data", &run->data_rng);
    vl_checkpoint_add_rng(&ck, "ctx", &run->ctx->rng);
    vl_checkpoint_set_meta(&ck, "iter", iter);
    vl_checkpoint_set_meta(&ck, "format", "valle-lm-1");
    vl_checkpoint_set_meta(&ck, "vocab", vocab);
    int rc = vl_checkpoint_save(&ck, path);
    vl_checkpoint_clear_meta(&ck);
    free(vocab);
    return rc;
}

int vl_lm_run_load(vl_lm_run *run, const char *path, bool with_optim) {
    memset(run, 0, sizeof *run);
    vl_safetensors st;
    int rc = vl_st_open(&st, path);
    if (rc < 0) return rc;
    const char *json = vl_st_meta(&st, "config"), *vj = vl_st_meta(&st, "vocab");
    const char *iter = vl_st_meta(&st, "iter");
    vl_lm_train_config cfg;
    vl_lm_vocab vocab = {0};
    if (!json) {
        rc = vl_error(VL_ERR_FORMAT, "%s: no 'config' metadata (not a valle model)", path);
        goto out;
    }
    rc = vl_lm_train_config_from_json(json, &cfg);
    if (rc < 0) goto out;
    if (!vj) {
        rc = vl_error(VL_ERR_FORMAT, "%s: no 'vocab' metadata", path);
        goto out;
    }
    rc = vl_lm_vocab_from_json(vj, cfg.tokenizer, &vocab);
    if (rc < 0) goto out;
    if (vocab.n != cfg.gpt.vocab) {
        rc = vl_error(VL_ERR_FORMAT, "%s: vocabulary of %d tokens, config says %d", path,
                      vocab.n, cfg.gpt.vocab);
        goto out;
    }
    rc = vl_lm_run_init(run, &cfg, &vocab);
    if (rc < 0) goto out;
    vl_checkpoint ck = {.params = &run->params, .optim = with_optim ? &run->optim : NULL};
    if (with_optim) {
        vl_checkpoint_add_rng(&ck, "data", &run->data_rng);
        vl_checkpoint_add_rng(&ck, "ctx", &run->ctx->rng);
    }
    rc = vl_checkpoint_load(&st, &ck);
    if (rc < 0) goto out;
    run->iter = iter ? atoll(iter) : 0;
    if (run->iter < 0) run->iter = 0;
out:
    if (rc < 0) vl_lm_run_free(run);
    vl_lm_vocab_free(&vocab);
    vl_st_close(&st);
    return rc;
}

/* ================================================================ sampling */

typedef struct pi_pair {
    double p;
    int i;
} pi_pair;

static int cmp_desc(const void *a, const void *b) {
    double x = ((const pi_pair *)a)->p, y = ((const pi_pair *)b)->p;
    return x < y ? 1 : x > y ? -1 : ((const pi_pair *)a)->i - ((const pi_pair *)b)->i;
}

int vl_lm_sample(const float *logits, int V, const vl_lm_sample_opts *o, vl_rng *r) {
    int best = 0;
    for (int i = 1; i < V; i++)
        if (logits[i] > logits[best]) best = i;
    if (o->temperature <= 0) return best;
    pi_pair *p = vl_xmalloc((size_t)V * sizeof *p);
    double mx = logits[best], total = 0;
    for (int i = 0; i < V; i++) {
        p[i].p = exp(((double)logits[i] - mx) / o->temperature);
        p[i].i = i;
    }
    qsort(p, (size_t)V, sizeof *p, cmp_desc);
    int keep = V;
    if (o->top_k > 0 && o->top_k < keep) keep = o->top_k;
    for (int i = 0; i < keep; i++) total += p[i].p;
    if (o->top_p > 0 && o->top_p < 1) {
        double cum = 0;
        int k = 0;
        while (k < keep) {
            cum += p[k].p / total;
            k++;
            if (cum >= o->top_p) break;
        }
        keep = k;
        total = 0;
        for (int i = 0; i < keep; i++) total += p[i].p;
    }
    double u = vl_rng_uniform_f64(r) * total, acc = 0;
    int pick = p[keep - 1].i;
    for (int i = 0; i < keep; i++) {
        acc += p[i].p;
        if (u < acc) {
            pick = p[i].i;
            break;
        }
    }
    free(p);
    return pick;
}

int vl_lm_generate(vl_lm_run *run, const int *prompt, int n_prompt,
                   const vl_lm_sample_opts *o, int *out) {
    if (n_prompt < 1) return vl_error(VL_ERR_ARG, "generate: empty prompt");
    for (int i = 0; i < n_prompt; i++)
        if (prompt[i] < 0 || prompt[i] >= run->vocab.n)
            return vl_error(VL_ERR_ARG, "generate: prompt id %d outside the vocabulary",
                            prompt[i]);
    const int V = run->vocab.n, cap = run->arch->max_context(&run->cfg);
    const int keep = cap > 1 ? cap / 2 : 1;
    vl_ctx *c = run->ctx;
    bool was = vl_set_grad_enabled(c, false);
    vl_set_training(c, false);
    vl_rng r;
    vl_rng_seed(&r, o->seed);
    int64_t total = (int64_t)n_prompt + o->n_tokens;
    int *hist = vl_xmalloc((size_t)total * sizeof(int));
    memcpy(hist, prompt, (size_t)n_prompt * sizeof(int));
    int64_t len = n_prompt;
    void *state = run->arch->state_new(run->model, 1, cap > 0 ? cap : (int)(total + 1));
    /* feed the prompt (its last `cap` tokens) */
    int64_t from = cap > 0 && len > cap ? len - cap : 0;
    int in_state = (int)(len - from);
    vl_ctx_reset(c);
    vl_tensor *lg = run->arch->step(c, run->model, state, hist + from, 1, in_state);
    float *last = vl_xmalloc((size_t)V * sizeof(float));
    memcpy(last, lg->data + (size_t)(in_state - 1) * V, (size_t)V * sizeof(float));
    for (int k = 0; k < o->n_tokens; k++) {
        int id = vl_lm_sample(last, V, o, &r);
        out[k] = id;
        hist[len++] = id;
        if (k + 1 == o->n_tokens) break;
        vl_ctx_reset(c);
        if (cap > 0 && in_state >= cap) {
            /* context full: continue from the last `keep` tokens */
            run->arch->state_reset(state);
            lg = run->arch->step(c, run->model, state, hist + len - keep, 1, keep);
            in_state = keep;
            memcpy(last, lg->data + (size_t)(keep - 1) * V, (size_t)V * sizeof(float));
        } else {
            lg = run->arch->step(c, run->model, state, &hist[len - 1], 1, 1);
            in_state++;
            memcpy(last, lg->data, (size_t)V * sizeof(float));
        }
    }
    run->arch->state_free(state);
    free(last);
    free(hist);
    vl_ctx_reset(c);
    vl_set_grad_enabled(c, was);
    vl_set_training(c, true);
    return VL_OK;
}
