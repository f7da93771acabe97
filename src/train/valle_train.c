/* src/train/valle_train.c: the VALL-E training run (see valle/valle_train.h):
 * model construction from the config and the data's phone map, exact
 * resume from <ckpt_dir>/model.safetensors, one optimisation step (Adam,
 * WarmupDecayLR, clipping, gradient accumulation), evaluation with free
 * decoding and WAVs, JSON log lines.
 *
 * Data parallel under MPI (valle/dist.h): every rank draws the same global
 * batch, runs its contiguous slice, weights its mean loss by its share of
 * the batch's targets, and one all-reduce sums the gradients, so a step
 * follows one process's (up to float summation order). Rank 0 alone writes
 * the log; the caller lets rank 0 alone evaluate and save. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "valle/audio.h"
#include "valle/checkpoint.h"
#include "valle/dist.h"
#include "valle/valle_generate.h"
#include "valle/valle_train.h"

/* mkdir -p; VL_ERR_IO with the path on failure. */
static int mkdir_p(const char *path) {
    char buf[1024];
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf)
        return vl_error(VL_ERR_ARG, "path too long: %s", path);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/') continue;
        *p = 0;
        if (mkdir(buf, 0777) < 0 && errno != EEXIST)
            return vl_error(VL_ERR_IO, "cannot create %s: %s", buf, strerror(errno));
        *p = '/';
    }
    if (mkdir(buf, 0777) < 0 && errno != EEXIST)
        return vl_error(VL_ERR_IO, "cannot create %s: %s", buf, strerror(errno));
    return VL_OK;
}

static bool file_exists(const char *p) {
    struct stat s;
    return stat(p, &s) == 0 && S_ISREG(s.st_mode);
}

/* Codec of the data: vocabularies for checks, decoder for eval WAVs. */
static void open_codec(vl_valle_run *r, bool quiet) {
    vl_codec_opts co = {.name = r->cfg->codec, .weights = r->cfg->codec_weights};
    if (vl_codec_open(&r->codec, &co) < 0) {
        r->codec = NULL;
        if (!quiet)
            fprintf(stderr, "valle train: codec '%s' not available (%s); no WAVs in "
                    "evaluations\n", r->cfg->codec, vl_last_error());
    }
}

/* r->m and r->P point at the bundle's one model. */
static void select_model(vl_valle_run *r) {
    vl_valle_bundle *b = &r->model;
    r->m = b->has_ar ? &b->ar : &b->nar;
    r->P = b->has_ar ? &b->ar_params : &b->nar_params;
}

/* A freshly initialised model (seeded from the config's seed). */
static void build_model(vl_valle_run *r, const vl_valle_model_config *mc) {
    vl_valle_bundle *b = &r->model;
    const bool ar = mc->kind == VL_VALLE_AR;
    vl_params *P = ar ? &b->ar_params : &b->nar_params;
    vl_params_init(P);
    vl_valle_model_init(ar ? &b->ar : &b->nar, P, "", mc);
    vl_params_finalize(P, r->cfg->seed * 2 + (ar ? 1 : 2));
    b->has_ar = ar;
    b->has_nar = !ar;
    select_model(r);
}

static vl_checkpoint make_ckpt(vl_valle_run *r, char *meta) {
    vl_checkpoint ck = {.params = r->P, .optim = &r->optim, .config_json = meta};
    vl_checkpoint_add_rng(&ck, "data", &r->data_rng);
    vl_checkpoint_add_rng(&ck, "dropout", &r->ctx->rng);
    return ck;
}

/* ---- length-bucketed batches (bucket_batches K > 1) ---- */

/* A drawn sample's sequence length and its place in the draw. */
typedef struct len_idx {
    int len, idx;
} len_idx;

static int by_length(const void *a, const void *b) {
    const len_idx *x = a, *y = b;
    if (x->len != y->len) return x->len < y->len ? -1 : 1;
    return x->idx - y->idx; /* stable: draw order */
}

static void pool_free(vl_valle_run *r) {
    const int n = r->pool ? r->cfg->bucket_batches * r->cfg->batch_size : 0;
    for (int i = 0; i < n; i++) vl_valle_sample_free(&r->pool[i]);
    free(r->pool);
    free(r->pool_order);
    r->pool = NULL;
    r->pool_order = NULL;
}

/* Draws K * B samples with pool_rng (its state before kept in pool_start),
 * orders them by length into K batches of B and shuffles the batch order. */
static int pool_fill(vl_valle_run *r) {
    const int K = r->cfg->bucket_batches, B = r->cfg->batch_size, n = K * B;
    pool_free(r);
    r->pool = vl_xcalloc((size_t)n, sizeof *r->pool);
    r->pool_order = vl_xmalloc((size_t)K * sizeof(int));
    r->pool_start = r->pool_rng;
    vl_valle_sample *drawn = vl_xcalloc((size_t)n, sizeof *drawn);
    len_idx *order = vl_xmalloc((size_t)n * sizeof *order);
    int st = VL_OK;
    for (int i = 0; i < n && st == VL_OK; i++)
        st = vl_valle_data_sample_train(&r->data, &r->pool_rng, &drawn[i]);
    if (st == VL_OK) {
        for (int i = 0; i < n; i++)
            order[i] = (len_idx){drawn[i].n_text + drawn[i].prom_frames + drawn[i].resp_frames, i};
        qsort(order, (size_t)n, sizeof *order, by_length);
        for (int i = 0; i < n; i++) r->pool[i] = drawn[order[i].idx]; /* ownership moves */
        for (int k = 0; k < K; k++) r->pool_order[k] = k;
        for (int k = K - 1; k > 0; k--) { /* Fisher-Yates */
            int j = (int)vl_rng_below(&r->pool_rng, (uint64_t)(k + 1)), t = r->pool_order[k];
            r->pool_order[k] = r->pool_order[j];
            r->pool_order[j] = t;
        }
        r->pool_pos = 0;
    } else {
        for (int i = 0; i < n; i++) vl_valle_sample_free(&drawn[i]);
        pool_free(r);
        r->pool_pos = K;
    }
    free(drawn);
    free(order);
    return st;
}

/* The next batch's B samples into s (moved out of the pool). */
static int next_batch(vl_valle_run *r, vl_valle_sample *s) {
    const int K = r->cfg->bucket_batches, B = r->cfg->batch_size;
    if (K <= 1) {
        int st = VL_OK;
        for (int i = 0; i < B && st == VL_OK; i++)
            st = vl_valle_data_sample_train(&r->data, &r->data_rng, &s[i]);
        return st;
    }
    if (!r->pool || r->pool_pos >= K) {
        int st = pool_fill(r);
        if (st < 0) return st;
    }
    vl_valle_sample *src = r->pool + (size_t)r->pool_order[r->pool_pos++] * B;
    memcpy(s, src, (size_t)B * sizeof *s);
    memset(src, 0, (size_t)B * sizeof *src);
    return VL_OK;
}

int vl_valle_run_open(vl_valle_run *r, const vl_valle_config *cfg, bool quiet) {
    memset(r, 0, sizeof *r);
    r->cfg = cfg;
    r->t_start = vl_seconds();
    int st = vl_valle_config_check(cfg);
    if (st < 0) return st;
    if (cfg->n_data_dirs < 1)
        return vl_error(VL_ERR_ARG, "%s: data_dirs is empty", cfg->path ? cfg->path : "config");
    if (snprintf(r->ckpt_path, sizeof r->ckpt_path, "%s/model.safetensors", cfg->ckpt_dir) >=
        (int)sizeof r->ckpt_path)
        return vl_error(VL_ERR_ARG, "ckpt_dir too long");
    open_codec(r, quiet);
    /* resume: the checkpoint's metadata fixes the model and the phone map */
    vl_safetensors ck_st;
    bool have_ckpt = false;
    vl_valle_bundle *b = &r->model;
    if (file_exists(r->ckpt_path)) {
        if ((st = vl_st_open(&ck_st, r->ckpt_path)) < 0) goto fail;
        have_ckpt = true;
        const char *meta = vl_st_meta(&ck_st, "valle");
        st = meta ? vl_valle_bundle_from_meta(b, meta)
                  : vl_error(VL_ERR_FORMAT, "not a VALL-E checkpoint");
        if (st < 0) {
            st = vl_error(st, "%s: %s", r->ckpt_path, vl_last_error());
            goto fail;
        }
        select_model(r);
        /* dropout is a training setting, not architecture: the config's
         * value applies to a resumed run too */
        r->m->cfg.p_dropout = cfg->p_dropout;
    }
    /* data */
    vl_valle_data_opts o = vl_valle_data_opts_default();
    o.dirs = (const char *const *)cfg->data_dirs;
    o.n_dirs = cfg->n_data_dirs;
    o.spkr_path_component = cfg->spkr_path_component;
    o.min_phones = cfg->min_phones;
    o.max_phones = cfg->max_phones;
    o.p_additional_prompt = cfg->p_additional_prompt;
    o.max_prompts = cfg->max_prompts;
    o.max_num_val = cfg->max_num_val;
    o.quiet = quiet;
    o.phones = have_ckpt ? &b->phones : NULL;
    const vl_codec_info *ci = r->codec ? vl_codec_get_info(r->codec) : NULL;
    if (ci) {
        o.levels = ci->levels;
        o.vocab = ci->vocab;
    }
    if ((st = vl_valle_data_open(&r->data, &o)) < 0) goto fail;
    if (r->data.n_train < 1) {
        st = vl_error(VL_ERR_ARG, "no training utterances after the filters");
        goto fail;
    }
    /* model: codec description from the data and the codec */
    if (have_ckpt && (b->levels != r->data.levels || strcmp(b->codec, cfg->codec))) {
        st = vl_error(VL_ERR_ARG, "%s was trained on %d levels of codec '%s', but the "
                      "data has %d levels (codec '%s' in the config): use another "
                      "ckpt_dir or the matching data", r->ckpt_path, b->levels, b->codec,
                      r->data.levels, cfg->codec);
        goto fail;
    }
    b->levels = r->data.levels;
    snprintf(b->codec, sizeof b->codec, "%s", cfg->codec);
    int max_vocab = 0;
    for (int l = 0; l < b->levels; l++) {
        b->vocab[l] = ci && l < ci->levels ? ci->vocab[l] : cfg->num_tokens;
        if (b->vocab[l] > max_vocab) max_vocab = b->vocab[l];
    }
    if (!have_ckpt) {
        st = vl_symmap_build(&b->phones, (const char *const *)r->data.phones.names,
                             r->data.phones.n, 1);
        if (st < 0) goto fail;
        const int n_tokens = cfg->num_tokens > 0 ? cfg->num_tokens : max_vocab;
        if (n_tokens < max_vocab) {
            st = vl_error(VL_ERR_ARG, "num_tokens %d is smaller than the codec '%s' "
                          "vocabulary %d (set num_tokens: %d, or 0 for the codec's)",
                          n_tokens, cfg->codec, max_vocab, max_vocab);
            goto fail;
        }
        vl_valle_model_config mc;
        if ((st = vl_valle_preset(&mc, cfg->model, n_tokens, b->levels,
                                  b->phones.n + 1)) < 0)
            goto fail;
        if (cfg->d_model) mc.d_model = cfg->d_model;
        if (cfg->n_heads) mc.n_heads = cfg->n_heads;
        if (cfg->n_layers) mc.n_layers = cfg->n_layers;
        if ((st = vl_valle_model_config_check(&mc)) < 0) goto fail;
        mc.p_dropout = cfg->p_dropout;
        mc.first_token_loss = cfg->ar_first_token_loss;
        build_model(r, &mc);
    }
    vl_optim_init(&r->optim, VL_OPT_ADAM, r->P->n_train);
    vl_rng_seed(&r->data_rng, cfg->seed * 7919 + 17);
    r->pool_pos = cfg->bucket_batches; /* empty */
    r->ctx = vl_ctx_new(cfg->seed + 101);
    int pool_pos = -1; /* from the checkpoint: batches of the pool used */
    vl_rng pool_state = {{0}};
    if (have_ckpt) {
        char *meta = vl_valle_bundle_meta(b);
        vl_checkpoint ck = make_ckpt(r, meta);
        st = vl_checkpoint_load(&ck_st, &ck);
        free(meta);
        const char *s = vl_st_meta(&ck_st, "valle.step");
        r->step = s ? strtoll(s, NULL, 10) : r->optim.step;
        const char *ps = vl_st_meta(&ck_st, "valle.pool");
        unsigned long long w[4];
        int pos, k;
        if (ps && sscanf(ps, "%d %d %llx %llx %llx %llx", &pos, &k, &w[0], &w[1], &w[2],
                         &w[3]) == 6 && k == cfg->bucket_batches && pos >= 0 && pos <= k) {
            pool_pos = pos;
            for (int i = 0; i < 4; i++) pool_state.s[i] = w[i];
        }
        vl_st_close(&ck_st);
        have_ckpt = false;
        if (st < 0) {
            st = vl_error(st, "%s: %s", r->ckpt_path, vl_last_error());
            goto fail;
        }
        r->resumed = true;
        if (!quiet)
            fprintf(stderr, "valle train: resumed from %s at step %lld\n", r->ckpt_path,
                    (long long)r->step);
    }
    /* the bucket pool: a fresh stream, or the checkpoint's pool redrawn */
    vl_rng_seed(&r->pool_rng, cfg->seed * 7919 + 29 + (uint64_t)r->step);
    if (cfg->bucket_batches > 1 && pool_pos >= 0) {
        r->pool_rng = pool_state;
        if (pool_pos < cfg->bucket_batches) {
            if ((st = pool_fill(r)) < 0) goto fail;
            for (int i = 0; i < pool_pos; i++) /* the batches already trained on */
                for (int j = 0; j < cfg->batch_size; j++)
                    vl_valle_sample_free(&r->pool[(size_t)r->pool_order[i] * cfg->batch_size + j]);
            r->pool_pos = pool_pos;
        }
    }
    if ((st = mkdir_p(cfg->ckpt_dir)) < 0 || (st = mkdir_p(cfg->log_dir)) < 0) goto fail;
    char lp[1100];
    snprintf(lp, sizeof lp, "%s/log.jsonl", cfg->log_dir);
    r->log = vl_dist_rank() == 0 ? fopen(lp, "a") : NULL;  /* rank 0 logs */
    if (vl_dist_rank() == 0 && !r->log) {
        st = vl_error(VL_ERR_IO, "cannot open %s: %s", lp, strerror(errno));
        goto fail;
    }
    if (!quiet)
        fprintf(stderr, "valle train: %s, %d layers x %d dim, %lld parameters; %d phones; "
                "%d levels; %d train / %d val utterances\n",
                cfg->model, r->m->cfg.n_layers, r->m->cfg.d_model,
                (long long)r->P->n_train, b->phones.n, b->levels, r->data.n_train,
                r->data.n_val);
    return VL_OK;
fail:
    if (have_ckpt) vl_st_close(&ck_st);
    vl_valle_run_close(r);
    return st;
}

static void fill_batch(vl_valle_batch *b, vl_valle_sample *s, int B, int *n_text,
                       int *pf, int *rf, const int **text, const int32_t **prom,
                       const int32_t **resp) {
    for (int i = 0; i < B; i++) {
        n_text[i] = s[i].n_text;
        pf[i] = s[i].prom_frames;
        rf[i] = s[i].resp_frames;
        text[i] = s[i].text;
        prom[i] = s[i].prom;
        resp[i] = s[i].resp;
    }
    *b = (vl_valle_batch){.B = B, .n_text = n_text, .text = text, .prom_frames = pf,
                          .prom_levels = s[0].levels, .prom = prom, .resp_frames = rf,
                          .resp_levels = s[0].levels, .resp = resp, .n_fed = 1};
}

/* Correct argmax predictions / targets over the batch. */
static void accuracy(const vl_valle_model *m, const vl_valle_batch *b, const vl_tensor *logits,
                     int64_t *hit, int64_t *tot) {
    const int T = logits->shape[1], V = logits->shape[2];
    int *y = vl_xmalloc((size_t)T * sizeof(int));
    for (int s = 0; s < b->B; s++) {
        int n = vl_valle_targets(m, b, s, y);
        for (int t = 0; t < n; t++) {
            if (y[t] == VL_VALLE_IGNORE) continue;
            const float *row = logits->data + ((size_t)s * T + t) * V;
            int best = 0;
            for (int v = 1; v < V; v++)
                if (row[v] > row[best]) best = v;
            *hit += best == y[t];
            (*tot)++;
        }
    }
    free(y);
}

int vl_valle_run_step(vl_valle_run *r, vl_valle_step_stats *out) {
    const vl_valle_config *cfg = r->cfg;
    const int B = cfg->batch_size, G = cfg->gradient_accumulation_steps > 0
                                            ? cfg->gradient_accumulation_steps : 1;
    /* Data parallel: every rank draws the whole global batch (same RNG, same
     * samples) and runs rows [lo, hi) of it. */
    const int R = vl_dist_size(), rank = vl_dist_rank();
    if (B < R) return vl_error(VL_ERR_ARG, "batch_size %d is smaller than the %d ranks", B, R);
    const int lo = (int)((int64_t)B * rank / R), hi = (int)((int64_t)B * (rank + 1) / R);
    const int nb = hi - lo;
    double t0 = vl_seconds(), loss_sum = 0;
    int64_t hit = 0, tot = 0, frames = 0;
    vl_params_zero_grad(r->P);
    vl_valle_sample *s = vl_xcalloc((size_t)B, sizeof *s);
    int *n_text = vl_xmalloc((size_t)B * 4 * sizeof(int)), *pf = n_text + B, *rf = pf + B,
        *ql = rf + B;
    const int **text = vl_xmalloc((size_t)B * sizeof *text);
    const int32_t **prom = vl_xmalloc((size_t)B * sizeof *prom);
    const int32_t **resp = vl_xmalloc((size_t)B * sizeof *resp);
    int st = VL_OK;
    for (int g = 0; g < G && st == VL_OK; g++) {
        st = next_batch(r, s);
        if (st < 0) break;  /* the same on every rank: same data, same draws */
        for (int i = 0; i < B; i++) frames += s[i].resp_frames;
        vl_valle_batch b;
        fill_batch(&b, s + lo, nb, n_text, pf, rf, text, prom, resp);
        if (r->m->cfg.kind == VL_VALLE_NAR) {
            for (int i = 0; i < B; i++)
                ql[i] = (int)vl_rng_below(&r->data_rng, (uint64_t)r->m->cfg.n_resp_levels);
            b.quant_levels = ql + lo;
        }
        vl_ctx_reset(r->ctx);
        vl_set_training(r->ctx, true);
        vl_set_grad_enabled(r->ctx, true);
        vl_tensor *logits;
        vl_tensor *loss = vl_valle_forward(r->ctx, r->m, &b, true, &logits, NULL);
        float lv = loss->data[0];
        int64_t h = 0, n = 0;
        if (isfinite(lv)) accuracy(r->m, &b, logits, &h, &n);
        /* The loss is a mean over this slice's n targets: weight it by
         * n / (all ranks' targets) so the summed gradients are the global
         * batch's mean. [loss * n, n, hits, failure] summed over ranks. */
        double red[4] = {isfinite(lv) ? (double)lv * (double)n : 0, (double)n, (double)h,
                         isfinite(lv) ? 0 : 1};
        if (R > 1) vl_dist_allreduce_sum_f64(red, 4);
        if (red[3] > 0) {
            st = vl_error(VL_ERR_NUMERIC, "loss is %g at step %lld",
                          isfinite(lv) ? (double)NAN : (double)lv, (long long)r->step + 1);
        } else {
            float w = (R > 1 ? (float)((double)n / red[1]) : 1.0f) / (float)G;
            loss_sum += R > 1 ? red[0] / red[1] : lv;
            hit += (int64_t)red[2];
            tot += (int64_t)red[1];
            vl_backward(r->ctx, w != 1.0f ? vl_scale(r->ctx, loss, w, 0.0f) : loss);
        }
        for (int i = 0; i < B; i++) vl_valle_sample_free(&s[i]);
    }
    free(s);
    free(n_text);
    free(text);
    free(prom);
    free(resp);
    if (st < 0) return st;
    if (R > 1) vl_dist_allreduce_sum(r->P->grad, r->P->n_train);
    float norm = cfg->gradient_clipping > 0
                     ? vl_clip_grad_norm(r->P->grad, r->P->n_train, (float)cfg->gradient_clipping)
                     : (float)vl_grad_norm(r->P->grad, r->P->n_train);
    if (!isfinite(norm))
        return vl_error(VL_ERR_NUMERIC, "gradient norm is %g at step %lld", norm,
                        (long long)r->step + 1);
    vl_schedule sched = {.kind = VL_SCHED_WARMUP_DECAY, .lr = (float)cfg->warmup_max_lr,
                         .min_lr = (float)cfg->warmup_min_lr,
                         .warmup_steps = cfg->warmup_num_steps,
                         .total_steps = cfg->max_iter};
    r->optim.lr = vl_schedule_lr(&sched, r->step);
    vl_optim_step(&r->optim, r->P->data, r->P->grad);
    r->step++;
    if (out) {
        out->loss = loss_sum / G;
        out->acc = tot ? (double)hit / tot : 0;
        out->grad_norm = norm;
        out->lr = r->optim.lr;
        out->seconds = vl_seconds() - t0;
        out->frames = frames;
    }
    return VL_OK;
}

/* Writes codes (frames, levels) frame-major as a WAV through the codec;
 * silently skipped when the codec cannot decode them. */
static void write_wav(vl_valle_run *r, const char *path, const int32_t *codes, int frames,
                      int levels) {
    if (!r->codec || frames < 1) return;
    vl_codes q;
    vl_codes_init(&q, levels, frames);
    for (int t = 0; t < frames; t++)
        for (int l = 0; l < levels; l++) q.data[(size_t)l * frames + t] = codes[(size_t)t * levels + l];
    float *pcm = NULL;
    int64_t n = 0;
    if (vl_codec_decode(r->codec, &q, &pcm, &n) == VL_OK) {
        vl_audio a;
        vl_audio_wrap(&a, pcm, n, 1, vl_codec_get_info(r->codec)->sample_rate);
        if (vl_audio_write(&a, path) < 0)
            fprintf(stderr, "valle train: %s\n", vl_last_error());
        vl_audio_free(&a);
    }
    vl_codes_free(&q);
}

static const char *base_name(const char *p) {
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

int vl_valle_run_eval(vl_valle_run *r, const char *name, const int *utts, int n,
                      bool write_wavs, vl_valle_eval_stats *es) {
    memset(es, 0, sizeof *es);
    if (n < 1) return VL_OK;
    vl_rng rng;
    vl_rng_seed(&rng, r->cfg->seed ^ 0xE7A1ull);
    char dir[1200], path[1500];
    snprintf(dir, sizeof dir, "%s/%lld/%s", r->cfg->log_dir, (long long)r->step, name);
    if (write_wavs && r->codec) {
        char d2[1300];
        snprintf(d2, sizeof d2, "%s/ref", dir);
        if (mkdir_p(d2) < 0) return vl_error(VL_ERR_IO, "%s", vl_last_error());
        snprintf(d2, sizeof d2, "%s/hyp", dir);
        if (mkdir_p(d2) < 0) return vl_error(VL_ERR_IO, "%s", vl_last_error());
    }
    double nll = 0, match = 0, stops = 0;
    int64_t hit = 0, tot = 0;
    const bool ar = r->m->cfg.kind == VL_VALLE_AR;
    vl_valle_sampling so = vl_valle_sampling_default();
    so.temperature = (float)r->cfg->sampling_temperature;
    so.max_steps = r->cfg->max_val_ar_steps;
    so.ras = false;
    int st = VL_OK;
    for (int i = 0; i < n && st == VL_OK; i++) {
        vl_valle_sample s;
        if ((st = vl_valle_data_get(&r->data, utts[i], &rng, &s)) < 0) break;
        const int L = s.levels;
        int ql = i % r->m->cfg.n_resp_levels;   /* NAR: cycle through the levels */
        vl_valle_batch b = {.B = 1, .n_text = &s.n_text, .text = (const int *const *)&s.text,
                            .prom_frames = &s.prom_frames, .prom_levels = L,
                            .prom = (const int32_t *const *)&s.prom,
                            .resp_frames = &s.resp_frames, .resp_levels = L,
                            .resp = (const int32_t *const *)&s.resp, .n_fed = 1,
                            .quant_levels = ar ? NULL : &ql};
        vl_ctx_reset(r->ctx);
        bool was = vl_set_grad_enabled(r->ctx, false);
        vl_set_training(r->ctx, false);
        vl_tensor *logits;
        vl_tensor *loss = vl_valle_forward(r->ctx, r->m, &b, true, &logits, NULL);
        nll += loss->data[0];
        accuracy(r->m, &b, logits, &hit, &tot);
        vl_set_grad_enabled(r->ctx, was);
        int32_t *hyp = NULL;
        int hyp_frames = 0, hyp_levels = L;
        if (ar) {
            int32_t *codes;
            bool stopped;
            st = vl_valle_ar_generate(r->m, s.text, s.n_text, s.prom, s.prom_frames, L, &so,
                                      r->model.vocab[0], true, &rng, &codes, &hyp_frames,
                                      &stopped);
            if (st == VL_OK) {
                int same = 0;
                for (int t = 0; t < s.resp_frames && t < hyp_frames; t++)
                    same += codes[t] == s.resp[(size_t)t * L];
                match += s.resp_frames ? (double)same / s.resp_frames : 0;
                stops += stopped;
                /* hyp WAV: the generated level 0 with no upper levels cannot
                 * be decoded by every codec; keep the codes as one level */
                hyp = codes;
                hyp_levels = 1;
            } else {
                free(codes);
            }
        } else {
            hyp_frames = s.resp_frames;
            hyp = vl_xmalloc((size_t)hyp_frames * L * sizeof(int32_t));
            memcpy(hyp, s.resp, (size_t)hyp_frames * L * sizeof(int32_t));
            for (int t = 0; t < hyp_frames; t++)
                for (int l = 1; l < L; l++) hyp[(size_t)t * L + l] = 0;
            st = vl_valle_nar_generate(r->m, s.text, s.n_text, s.prom, s.prom_frames, L, hyp,
                                       hyp_frames, L, r->model.vocab,
                                       (float)r->cfg->sampling_temperature, &rng);
            if (st == VL_OK) {
                int same = 0, all = 0;
                for (int t = 0; t < hyp_frames; t++)
                    for (int l = 1; l < L; l++) {
                        same += hyp[(size_t)t * L + l] == s.resp[(size_t)t * L + l];
                        all++;
                    }
                match += all ? (double)same / all : 0;
            }
        }
        if (st == VL_OK && write_wavs && r->codec) {
            const char *bn = base_name(r->data.utts[utts[i]].stem);
            snprintf(path, sizeof path, "%s/ref/%s.wav", dir, bn);
            write_wav(r, path, s.resp, s.resp_frames, L);
            snprintf(path, sizeof path, "%s/hyp/%s.wav", dir, bn);
            write_wav(r, path, hyp, hyp_frames, hyp_levels);
        }
        free(hyp);
        vl_valle_sample_free(&s);
    }
    if (st < 0) return st;
    es->n = n;
    es->nll = nll / n;
    es->acc = tot ? (double)hit / tot : 0;
    es->gen_match = match / n;
    es->stop_rate = ar ? stops / n : 1.0;
    vl_strbuf line = {0};
    vl_strbuf_printf(&line, "{\"name\": \"%s\", \"global_step\": %lld, \"nll\": %.6g, "
                     "\"acc\": %.6g, ", name, (long long)r->step, es->nll, es->acc);
    if (ar)
        vl_strbuf_printf(&line, "\"ar_match\": %.6g, \"stop_rate\": %.6g, ", es->gen_match,
                         es->stop_rate);
    else
        vl_strbuf_printf(&line, "\"nar_match\": %.6g, ", es->gen_match);
    vl_strbuf_printf(&line, "\"n\": %d}", n);
    vl_valle_run_log(r, line.s);
    free(line.s);
    return VL_OK;
}

int vl_valle_run_save(vl_valle_run *r) {
    char *meta = vl_valle_bundle_meta(&r->model);
    vl_checkpoint ck = make_ckpt(r, meta);
    char step[32];
    snprintf(step, sizeof step, "%lld", (long long)r->step);
    vl_checkpoint_set_meta(&ck, "valle", meta);
    vl_checkpoint_set_meta(&ck, "valle.checkpoint", "1");
    vl_checkpoint_set_meta(&ck, "valle.step", step);
    char *cj = vl_valle_config_to_json(r->cfg);
    if (cj) vl_checkpoint_set_meta(&ck, "valle.train_config", cj);
    /* a pool in use: the state it was drawn from and the batches used (a
     * resumed run redraws it); else the state the next pool draws from */
    const bool mid_pool = r->pool && r->pool_pos < r->cfg->bucket_batches;
    const vl_rng *ps = mid_pool ? &r->pool_start : &r->pool_rng;
    char pool[160];
    snprintf(pool, sizeof pool, "%d %d %016llx %016llx %016llx %016llx",
             mid_pool ? r->pool_pos : r->cfg->bucket_batches, r->cfg->bucket_batches,
             (unsigned long long)ps->s[0], (unsigned long long)ps->s[1],
             (unsigned long long)ps->s[2], (unsigned long long)ps->s[3]);
    vl_checkpoint_set_meta(&ck, "valle.pool", pool); /* batches used, K, state */
    int st = vl_checkpoint_save(&ck, r->ckpt_path);
    vl_checkpoint_clear_meta(&ck);
    free(cj);
    free(meta);
    return st;
}

void vl_valle_run_log(vl_valle_run *r, const char *json) {
    if (!r->log) return;
    fprintf(r->log, "%s\n", json);
    fflush(r->log);
}

void vl_valle_run_close(vl_valle_run *r) {
    pool_free(r);
    if (r->log) fclose(r->log);
    if (r->ctx) vl_ctx_free(r->ctx);
    if (r->optim.m || r->optim.v) vl_optim_free(&r->optim);
    vl_valle_bundle_free(&r->model);
    vl_valle_data_close(&r->data);
    if (r->codec) vl_codec_close(r->codec);
    memset(r, 0, sizeof *r);
}
