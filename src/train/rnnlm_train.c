/* src/train/rnnlm_train.c: training (truncated BPTT with carried state,
 * SGD with Zaremba's lr decay or Adam, clipping), perplexity, sampling and
 * checkpoints (mid-epoch position and carried state included, so a
 * resumed run is the same run) of the recurrent word language models;
 * data parallel under `mpirun -np N` (the streams split across ranks). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "valle/dist.h"
#include "valle/rnnlm.h"

void vl_rnnlm_train_config_default(vl_rnnlm_train_config *cfg) {
    memset(cfg, 0, sizeof *cfg);
    cfg->model.arch = VL_RNN_LSTM;
    cfg->model.emb = 200;
    cfg->model.hidden = 200;
    cfg->model.layers = 2;
    cfg->model.init = 0.1f;
    cfg->optim = VL_OPT_SGD;
    cfg->lr = 1.0f;
    cfg->clip = 5.0f;
    cfg->decay_start = 4;
    cfg->decay = 0.5f;
    cfg->epochs = 13;
    cfg->batch_size = 20;
    cfg->bptt = 20;
    cfg->seed = 1;
}

float vl_rnnlm_epoch_lr(const vl_rnnlm_train_config *cfg, int epoch) {
    int k = epoch + 1 - cfg->decay_start;
    return cfg->lr * (k > 0 ? powf(cfg->decay, (float)k) : 1.0f);
}

void vl_rnnlm_run_init(vl_rnnlm_run *run, const vl_rnnlm_train_config *cfg,
                       vl_rnnlm_vocab *vocab) {
    memset(run, 0, sizeof *run);
    run->cfg = *cfg;
    run->vocab = *vocab;
    memset(vocab, 0, sizeof *vocab);
    vocab->unk = -1;
    run->cfg.model.vocab = run->vocab.n;
    vl_params_init(&run->params);
    vl_rnnlm_init(&run->model, &run->params, &run->cfg.model);
    int ss[3] = {cfg->model.layers, cfg->batch_size, cfg->model.hidden};
    run->state_h = vl_params_add(&run->params, "state", "h", 3, ss, false, VL_INIT_ZEROS, 0);
    if (cfg->model.arch == VL_RNN_LSTM)
        run->state_c = vl_params_add(&run->params, "state", "c", 3, ss, false, VL_INIT_ZEROS, 0);
    vl_params_finalize(&run->params, cfg->seed);
    vl_optim_init(&run->optim, cfg->optim, run->params.n_train);
    run->optim.lr = cfg->lr;
    run->ctx = vl_ctx_new(cfg->seed ^ 0xd00d);
}

void vl_rnnlm_run_free(vl_rnnlm_run *run) {
    vl_params_free(&run->params);
    vl_optim_free(&run->optim);
    if (run->ctx) vl_ctx_free(run->ctx);
    vl_rnnlm_vocab_free(&run->vocab);
    memset(run, 0, sizeof *run);
}

/* Batch layout (as Zaremba / PyTorch's word_language_model): the stream is
 * cut into B rows of len = n / B tokens; chunk k covers columns
 * [k*bptt, k*bptt + T) of every row, targets shifted by one. */
static int64_t n_chunks(int64_t n, int B, int bptt) {
    int64_t len = n / B;
    return len > 1 ? (len - 1 + bptt - 1) / bptt : 0;
}

static int fill_chunk(const int *ids, int64_t n, int B, int bptt, int64_t k, int *x, int *y) {
    int64_t len = n / B, c0 = k * bptt;
    int T = (int)((len - 1 - c0) < bptt ? (len - 1 - c0) : bptt);
    for (int b = 0; b < B; b++)
        for (int t = 0; t < T; t++) {
            x[b * T + t] = ids[b * len + c0 + t];
            y[b * T + t] = ids[b * len + c0 + t + 1];
        }
    return T;
}

/* Under MPI (valle/dist.h) rank r of R runs the streams [lo, hi) of the
 * global batch: it carries their state in its own (L, nb, H) buffers,
 * weights its mean-loss gradient by nb / B, and one all-reduce sums the
 * gradients, so every step is the single-process step. The full (L, B, H)
 * state is gathered onto every rank before a save and on return. */
typedef struct rank_slice {
    int lo, nb;              /* this rank's streams [lo, lo + nb) */
    float *h, *c;            /* (L, nb, H) carried state of those streams */
} rank_slice;

/* dir 0: full state -> slice; dir 1: slice -> full state, gathered over
 * ranks (each rank zeroes the rows it does not own, then one sum). */
static void slice_sync(vl_rnnlm_run *run, rank_slice *s, int dir) {
    int L = run->cfg.model.layers, B = run->cfg.batch_size, H = run->cfg.model.hidden;
    float *full[2] = {run->state_h->data, run->state_c ? run->state_c->data : NULL};
    float *part[2] = {s->h, s->c};
    for (int k = 0; k < 2; k++) {
        if (!full[k]) continue;
        for (int l = 0; l < L; l++) {
            float *f = full[k] + (size_t)l * B * H, *q = part[k] + (size_t)l * s->nb * H;
            if (dir == 0) {
                memcpy(q, f + (size_t)s->lo * H, sizeof(float) * s->nb * H);
            } else {
                memset(f, 0, sizeof(float) * s->lo * H);
                memcpy(f + (size_t)s->lo * H, q, sizeof(float) * s->nb * H);
                memset(f + (size_t)(s->lo + s->nb) * H, 0,
                       sizeof(float) * (B - s->lo - s->nb) * H);
            }
        }
        if (dir == 1) vl_dist_allreduce_sum(full[k], (int64_t)L * B * H);
    }
}

int vl_rnnlm_run_epoch(vl_rnnlm_run *run, const int *ids, int64_t n, int64_t max_chunks,
                       int64_t save_every, int (*save)(vl_rnnlm_run *, void *), void *user,
                       double *loss, double *tokens_per_s) {
    const vl_rnnlm_train_config *cf = &run->cfg;
    int B = cf->batch_size, bptt = cf->bptt, L = cf->model.layers, H = cf->model.hidden;
    const int R = vl_dist_size(), rank = vl_dist_rank();
    if (B < R) return vl_error(VL_ERR_ARG, "batch size %d is smaller than the %d ranks", B, R);
    int64_t nch = n_chunks(n, B, bptt);
    if (nch < 1) return vl_error(VL_ERR_ARG, "training data too short for batch %d", B);
    int *x = vl_xmalloc(sizeof(int) * B * bptt), *y = vl_xmalloc(sizeof(int) * B * bptt);
    vl_ctx *c = run->ctx;
    vl_set_training(c, true);
    run->optim.lr = vl_rnnlm_epoch_lr(cf, run->epoch);
    if (run->chunk == 0) {
        memset(run->state_h->data, 0, sizeof(float) * L * B * H);
        if (run->state_c) memset(run->state_c->data, 0, sizeof(float) * L * B * H);
    }
    rank_slice sl = {.lo = (int)((int64_t)B * rank / R)};
    sl.nb = (int)((int64_t)B * (rank + 1) / R) - sl.lo;
    if (R > 1) {
        sl.h = vl_xmalloc(sizeof(float) * L * sl.nb * H);
        sl.c = run->state_c ? vl_xmalloc(sizeof(float) * L * sl.nb * H) : NULL;
        slice_sync(run, &sl, 0);
    } else {
        sl.h = run->state_h->data;
        sl.c = run->state_c ? run->state_c->data : NULL;
    }
    double tot = 0, t0 = vl_seconds();
    int64_t toks = 0, done = 0;
    int rc = VL_OK;
    bool epoch_done = false;
    while (run->chunk < nch && (!max_chunks || done < max_chunks)) {
        int T = fill_chunk(ids, n, B, bptt, run->chunk, x, y); /* x, y: (B, T) */
        vl_ctx_reset(c);
        vl_params_zero_grad(&run->params);
        vl_rnn_state init = vl_rnn_state_wrap(c, &run->model.rnn, sl.nb, sl.h, sl.c);
        vl_rnn_state fin;
        vl_tensor *logits = vl_rnnlm_forward(c, &run->model, x + (size_t)sl.lo * T, sl.nb, T,
                                             &init, &fin);
        vl_tensor *l = vl_cross_entropy(c, vl_reshape(c, logits, 2, (int[]){sl.nb * T, cf->model.vocab}),
                                        y + (size_t)sl.lo * T, -100);
        float lv = l->data[0];
        /* summed over time, the slice's share of the mean over the B streams */
        if (isfinite(lv)) vl_backward(c, vl_scale(c, l, (float)T * sl.nb / B, 0.0f));
        double red[2] = {(double)lv * sl.nb, isfinite(lv) ? 0 : 1}; /* over ranks */
        if (R > 1) vl_dist_allreduce_sum_f64(red, 2);
        if (red[1] > 0) { rc = vl_error(VL_ERR_NUMERIC, "non-finite loss at chunk %lld", (long long)run->chunk); break; }
        if (R > 1) vl_dist_allreduce_sum(run->params.grad, run->params.n_train);
        if (!vl_all_finite(run->params.grad, run->params.n_train)) {
            rc = vl_error(VL_ERR_NUMERIC, "non-finite gradient at chunk %lld", (long long)run->chunk);
            break;
        }
        vl_clip_grad_norm(run->params.grad, run->params.n_train, cf->clip);
        vl_optim_step(&run->optim, run->params.data, run->params.grad);
        vl_rnn_state_detach(&fin, sl.h, sl.c);
        tot += red[0] * T; /* red[0]: the mean loss times B */
        toks += (int64_t)B * T;
        run->chunk++;
        done++;
        if (run->chunk == nch) { /* saved below, once the state is gathered */
            run->epoch++;
            run->chunk = 0;
            epoch_done = true;
            break;
        }
        if (save && save_every && run->chunk % save_every == 0) {
            if (R > 1) slice_sync(run, &sl, 1);
            if ((rc = save(run, user)) < 0) break;
        }
    }
    if (R > 1) {
        slice_sync(run, &sl, 1);  /* every rank returns with the whole state */
        free(sl.h);
        free(sl.c);
    }
    if (epoch_done && save) rc = save(run, user);
    vl_ctx_reset(c);
    free(x);
    free(y);
    *loss = toks ? tot / toks : 0;
    if (tokens_per_s) *tokens_per_s = toks / (vl_seconds() - t0 + 1e-9);
    return rc;
}

int vl_rnnlm_perplexity(vl_rnnlm_run *run, const int *ids, int64_t n, int batch, double *ppl) {
    int B = batch, bptt = run->cfg.bptt, L = run->cfg.model.layers, H = run->cfg.model.hidden;
    int64_t nch = n_chunks(n, B, bptt);
    if (nch < 1) return vl_error(VL_ERR_ARG, "evaluation data too short for batch %d", B);
    float *sh = vl_xcalloc((size_t)L * B * H, sizeof(float));
    float *sc = vl_xcalloc((size_t)L * B * H, sizeof(float));
    int *x = vl_xmalloc(sizeof(int) * B * bptt), *y = vl_xmalloc(sizeof(int) * B * bptt);
    vl_ctx *c = run->ctx;
    bool g = vl_set_grad_enabled(c, false);
    vl_set_training(c, false);
    double tot = 0;
    int64_t toks = 0;
    for (int64_t k = 0; k < nch; k++) {
        int T = fill_chunk(ids, n, B, bptt, k, x, y);
        vl_ctx_reset(c);
        vl_rnn_state init = vl_rnn_state_wrap(c, &run->model.rnn, B, sh, sc), fin;
        vl_tensor *logits = vl_rnnlm_forward(c, &run->model, x, B, T, &init, &fin);
        vl_tensor *l = vl_cross_entropy(c, vl_reshape(c, logits, 2, (int[]){B * T, run->cfg.model.vocab}),
                                        y, -100);
        vl_rnn_state_detach(&fin, sh, sc);
        tot += (double)l->data[0] * B * T;
        toks += (int64_t)B * T;
    }
    vl_ctx_reset(c);
    vl_set_grad_enabled(c, g);
    free(sh); free(sc); free(x); free(y);
    *ppl = exp(tot / toks);
    return VL_OK;
}

int vl_rnnlm_generate(vl_rnnlm_run *run, const int *prompt, int np, int count,
                      float temperature, int top_k, uint64_t seed, int *out) {
    int L = run->cfg.model.layers, H = run->cfg.model.hidden, V = run->cfg.model.vocab;
    if (temperature <= 0) return vl_error(VL_ERR_ARG, "temperature must be > 0");
    float *sh = vl_xcalloc((size_t)L * H, sizeof(float)), *sc = vl_xcalloc((size_t)L * H, sizeof(float));
    float *p = vl_xmalloc(sizeof(float) * V);
    int *idx = vl_xmalloc(sizeof(int) * V);
    vl_rng rng;
    vl_rng_seed(&rng, seed);
    vl_ctx *c = run->ctx;
    bool g = vl_set_grad_enabled(c, false);
    vl_set_training(c, false);
    int eos = vl_rnnlm_vocab_find(&run->vocab, "<eos>");
    int tok = np ? prompt[0] : eos;
    for (int i = 1; i < np + count; i++) {
        vl_ctx_reset(c);
        vl_rnn_state init = vl_rnn_state_wrap(c, &run->model.rnn, 1, sh, sc), fin;
        vl_tensor *lg = vl_rnnlm_forward(c, &run->model, &tok, 1, 1, &init, &fin);
        vl_rnn_state_detach(&fin, sh, sc);
        if (i < np) { tok = prompt[i]; continue; }
        /* softmax(logits / T) restricted to the top k */
        float mx = -INFINITY;
        for (int v = 0; v < V; v++) { p[v] = lg->data[v] / temperature; mx = p[v] > mx ? p[v] : mx; }
        float thr = -INFINITY;
        if (top_k > 0 && top_k < V) {
            for (int v = 0; v < V; v++) idx[v] = v;
            /* partial selection of the k-th largest */
            for (int a = 0; a < top_k; a++) {
                int bi = a;
                for (int v = a + 1; v < V; v++) if (p[idx[v]] > p[idx[bi]]) bi = v;
                int t = idx[a]; idx[a] = idx[bi]; idx[bi] = t;
            }
            thr = p[idx[top_k - 1]];
        }
        double sum = 0;
        for (int v = 0; v < V; v++) { p[v] = p[v] >= thr ? expf(p[v] - mx) : 0.0f; sum += p[v]; }
        double u = vl_rng_uniform_f64(&rng) * sum, acc = 0;
        int pick = V - 1;
        for (int v = 0; v < V; v++) { acc += p[v]; if (p[v] > 0 && acc >= u) { pick = v; break; } }
        out[i - np] = pick;
        tok = pick;
    }
    if (count > 0 && np + count == 1) out[0] = tok;
    vl_ctx_reset(c);
    vl_set_grad_enabled(c, g);
    free(sh); free(sc); free(p); free(idx);
    return VL_OK;
}

/* ---- checkpoints: weights, optimiser, RNG, position, carried state,
 * vocabulary (one word per line in the "vocab" metadata) ---- */

int vl_rnnlm_run_save(vl_rnnlm_run *run, const char *path) {
    const vl_rnnlm_train_config *cf = &run->cfg;
    char cfg[1024];
    snprintf(cfg, sizeof cfg,
             "{\"arch\":\"%s\",\"family\":\"rnnlm\",\"vocab\":%d,\"emb\":%d,\"hidden\":%d,\"layers\":%d,"
             "\"dropout\":%.9g,\"tie\":%d,\"init\":%.9g,\"optim\":\"%s\",\"lr\":%.9g,\"clip\":%.9g,"
             "\"decay_start\":%d,\"decay\":%.9g,\"epochs\":%d,\"batch_size\":%d,\"bptt\":%d,"
             "\"seed\":%llu}",
             vl_rnn_kind_name(cf->model.arch), cf->model.vocab, cf->model.emb, cf->model.hidden,
             cf->model.layers, cf->model.dropout, cf->model.tie, cf->model.init,
             vl_optim_name(cf->optim), cf->lr, cf->clip, cf->decay_start, cf->decay, cf->epochs,
             cf->batch_size, cf->bptt, (unsigned long long)cf->seed);
    size_t vlen = 1;
    for (int i = 0; i < run->vocab.n; i++) vlen += strlen(run->vocab.words[i]) + 1;
    char *voc = vl_xmalloc(vlen), *q = voc;
    for (int i = 0; i < run->vocab.n; i++) {
        size_t l = strlen(run->vocab.words[i]);
        memcpy(q, run->vocab.words[i], l);
        q[l] = '\n';
        q += l + 1;
    }
    *q = 0;
    char num[32];
    vl_checkpoint ck = {.params = &run->params, .optim = &run->optim, .config_json = cfg};
    vl_checkpoint_add_rng(&ck, "ctx", &run->ctx->rng);
    snprintf(num, sizeof num, "%d", run->epoch);
    vl_checkpoint_set_meta(&ck, "epoch", num);
    snprintf(num, sizeof num, "%lld", (long long)run->chunk);
    vl_checkpoint_set_meta(&ck, "chunk", num);
    vl_checkpoint_set_meta(&ck, "vocab", voc);
    int rc = vl_checkpoint_save(&ck, path);
    vl_checkpoint_clear_meta(&ck);
    free(voc);
    return rc;
}

int vl_rnnlm_run_load(vl_rnnlm_run *run, const char *path) {
    vl_safetensors st;
    int rc = vl_st_open(&st, path);
    if (rc < 0) return rc;
    const char *js = vl_st_meta(&st, "config"), *voc = vl_st_meta(&st, "vocab");
    vl_json *j = js ? vl_json_parse(js, strlen(js)) : NULL;
    vl_rnnlm_train_config cfg;
    vl_rnnlm_train_config_default(&cfg);
    if (!j || strcmp(vl_json_string(j, "family", ""), "rnnlm") || !voc ||
        vl_rnn_kind_parse(vl_json_string(j, "arch", "?"), &cfg.model.arch) < 0) {
        rc = vl_error(VL_ERR_FORMAT, "%s is not a recurrent language model checkpoint "
                      "(architecture '%s')", path, j ? vl_json_string(j, "arch", "unknown") : "unknown");
        goto fail;
    }
    cfg.model.emb = (int)vl_json_number(j, "emb", 0);
    cfg.model.hidden = (int)vl_json_number(j, "hidden", 0);
    cfg.model.layers = (int)vl_json_number(j, "layers", 0);
    cfg.model.dropout = (float)vl_json_number(j, "dropout", 0);
    cfg.model.tie = vl_json_number(j, "tie", 0) != 0;
    cfg.model.init = (float)vl_json_number(j, "init", 0);
    cfg.lr = (float)vl_json_number(j, "lr", 1);
    cfg.clip = (float)vl_json_number(j, "clip", 5);
    cfg.decay_start = (int)vl_json_number(j, "decay_start", 4);
    cfg.decay = (float)vl_json_number(j, "decay", 0.5);
    cfg.epochs = (int)vl_json_number(j, "epochs", 13);
    cfg.batch_size = (int)vl_json_number(j, "batch_size", 20);
    cfg.bptt = (int)vl_json_number(j, "bptt", 20);
    cfg.seed = (uint64_t)vl_json_number(j, "seed", 1);
    if (vl_optim_parse(vl_json_string(j, "optim", "sgd"), &cfg.optim) < 0 ||
        cfg.model.emb < 1 || cfg.model.hidden < 1 || cfg.model.layers < 1 ||
        cfg.model.layers > VL_RNN_MAX_LAYERS || cfg.batch_size < 1 || cfg.bptt < 1 ||
        (cfg.model.tie && cfg.model.emb != cfg.model.hidden)) {
        rc = vl_error(VL_ERR_FORMAT, "%s: bad rnnlm config", path);
        goto fail;
    }
    vl_rnnlm_vocab v = {.unk = -1};
    {
        char *copy = vl_xstrdup(voc), *save = NULL;
        v.n = 0;
        for (char *w = strtok_r(copy, "\n", &save); w; w = strtok_r(NULL, "\n", &save))
            vl_rnnlm_vocab_add(&v, w);
        free(copy);
    }
    if (v.n != (int)vl_json_number(j, "vocab", -1)) {
        vl_rnnlm_vocab_free(&v);
        rc = vl_error(VL_ERR_FORMAT, "%s: vocabulary size does not match the config", path);
        goto fail;
    }
    vl_rnnlm_run_init(run, &cfg, &v);
    run->epoch = atoi(vl_st_meta(&st, "epoch") ? vl_st_meta(&st, "epoch") : "0");
    run->chunk = atoll(vl_st_meta(&st, "chunk") ? vl_st_meta(&st, "chunk") : "0");
    vl_checkpoint ck = {.params = &run->params, .optim = &run->optim};
    vl_checkpoint_add_rng(&ck, "ctx", &run->ctx->rng);
    rc = vl_checkpoint_load(&st, &ck);
    if (rc < 0) vl_rnnlm_run_free(run);
fail:
    vl_json_free(j);
    vl_st_close(&st);
    return rc;
}
