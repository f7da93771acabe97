/* src/models/valle_generate.c: VALL-E decoding: AR token by token with a KV
 * cache per block (or full recomputation), stop token, cap and
 * repetition-aware sampling; NAR level by level. See valle/valle_generate.h. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "valle/lm_train.h"
#include "valle/valle_generate.h"

vl_valle_sampling vl_valle_sampling_default(void) {
    return (vl_valle_sampling){.temperature = 1.0f, .top_k = 0, .top_p = 1.0f,
                               .ras = true, .ras_window = 10, .ras_threshold = 0.1f,
                               .max_steps = 1000};
}

int vl_valle_pick(const float *logits, int V, const vl_valle_sampling *o,
                    const int32_t *history, int n_hist, vl_rng *rng) {
    vl_lm_sample_opts so = {.temperature = o->temperature, .top_k = o->top_k,
                            .top_p = o->top_p};
    int id = vl_lm_sample(logits, V, &so, rng);
    if (!o->ras || o->temperature <= 0 || o->ras_window <= 0 || n_hist <= 0) return id;
    int w = n_hist < o->ras_window ? n_hist : o->ras_window, same = 0;
    for (int i = n_hist - w; i < n_hist; i++) same += history[i] == id;
    if ((float)same / (float)o->ras_window > o->ras_threshold) {
        vl_lm_sample_opts all = {.temperature = o->temperature, .top_k = 0, .top_p = 1.0f};
        id = vl_lm_sample(logits, V, &all, rng);
    }
    return id;
}

/* Level-0 logits restricted to the codec's vocabulary plus the stop token:
 * buf[0..v0) = logits[0..v0), buf[v0] = logits[stop]. */
static int ar_pick(const vl_valle_model *m, const float *logits, int v0, float *buf,
                   const vl_valle_sampling *o, const int32_t *hist, int n_hist,
                   vl_rng *rng) {
    memcpy(buf, logits, (size_t)v0 * sizeof(float));
    buf[v0] = logits[vl_valle_stop_token(m)];
    int id = vl_valle_pick(buf, v0 + 1, o, hist, n_hist, rng);
    return id == v0 ? vl_valle_stop_token(m) : id;
}

static int check_inputs(const vl_valle_model *m, const int *text, int n_text,
                        const int32_t *prom, int prom_frames, int prom_levels) {
    if (n_text < 1) return vl_error(VL_ERR_ARG, "valle: empty phone sequence");
    for (int i = 0; i < n_text; i++)
        if (text[i] < 0 || text[i] >= m->cfg.n_text_tokens)
            return vl_error(VL_ERR_ARG, "valle: phone id %d outside [0, %d)", text[i],
                            m->cfg.n_text_tokens);
    if (prom_levels < 1) return vl_error(VL_ERR_ARG, "valle: prompt without levels");
    const int use = prom_levels < m->cfg.n_prom_levels ? prom_levels : m->cfg.n_prom_levels;
    for (int t = 0; t < prom_frames; t++)
        for (int l = 0; l < use; l++) {
            int32_t v = prom[(size_t)t * prom_levels + l];
            if (v < 0 || v >= m->cfg.n_tokens)
                return vl_error(VL_ERR_ARG, "valle: prompt code %d outside [0, %d)",
                                (int)v, m->cfg.n_tokens);
        }
    return VL_OK;
}

int vl_valle_ar_generate(vl_valle_model *m, const int *text, int n_text,
                         const int32_t *prom, int prom_frames, int prom_levels,
                         const vl_valle_sampling *o, int vocab0, bool use_cache,
                         vl_rng *rng, int32_t **codes, int *n, bool *stopped) {
    *codes = NULL;
    *n = 0;
    *stopped = false;
    if (m->cfg.kind != VL_VALLE_AR) return vl_error(VL_ERR_ARG, "valle: not an AR model");
    int st = check_inputs(m, text, n_text, prom, prom_frames, prom_levels);
    if (st < 0) return st;
    if (vocab0 <= 0 || vocab0 > m->cfg.n_tokens) vocab0 = m->cfg.n_tokens;
    const int cap = o->max_steps > 0 ? o->max_steps : 1;
    const int d = m->cfg.d_model;
    const int prefix = n_text + 1 + prom_frames + 1;
    int32_t *out = vl_xmalloc((size_t)(cap + 1) * sizeof(int32_t));
    float *buf = vl_xmalloc((size_t)(vocab0 + 1) * sizeof(float));
    vl_ctx *c = vl_ctx_new(1);
    vl_set_grad_enabled(c, false);
    vl_set_training(c, false);
    vl_kv_cache *kv = NULL;
    if (use_cache) {
        kv = vl_xcalloc((size_t)m->cfg.n_layers, sizeof *kv);
        for (int i = 0; i < m->cfg.n_layers; i++) vl_kv_cache_init(&kv[i], 1, prefix + cap, d);
    }
    const int zero = 0;
    int count = 0;
    for (int step = 0; step < cap; step++) {
        vl_ctx_reset(c);
        vl_tensor *x;
        if (!use_cache || step == 0) {
            const int resp_frames = use_cache ? 0 : count;
            vl_valle_batch b = {.B = 1, .n_text = &n_text, .text = &text,
                                .prom_frames = &prom_frames, .prom_levels = prom_levels,
                                .prom = &prom, .resp_frames = resp_frames ? &count : &zero,
                                .resp_levels = 1, .resp = (const int32_t *const *)&out,
                                .n_fed = 1};
            vl_tensor *mask;
            uint8_t *kpm;
            int *levels;
            x = vl_valle_embed(c, m, &b, &mask, &kpm, &levels, NULL);
        } else { /* the last token at position prefix + count - 1 */
            const int id = out[count - 1];
            x = vl_tensor_new(c, 3, (int[]){1, 1, d});
            const float *e = m->resps_emb->data + (size_t)id * d;
            vl_sinusoidal_fill(x->data, 1, d, prefix + count - 1);
            for (int j = 0; j < d; j++) x->data[j] += e[j];
        }
        for (int i = 0; i < m->cfg.n_layers; i++)
            x = vl_valle_block_forward(c, m, &m->blocks[i], x, NULL, NULL, NULL,
                                       kv ? &kv[i] : NULL);
        const int T = x->shape[1];
        vl_tensor *last = vl_slice(c, x, 1, T - 1, T);
        vl_tensor *logits = vl_linear_forward(c, &m->classifier, vl_contiguous(c, last));
        int id = ar_pick(m, logits->data, vocab0, buf, o, out, count, rng);
        if (id == vl_valle_stop_token(m)) {
            *stopped = true;
            break;
        }
        out[count++] = id;
    }
    if (kv) {
        for (int i = 0; i < m->cfg.n_layers; i++) vl_kv_cache_free(&kv[i]);
        free(kv);
    }
    vl_ctx_free(c);
    free(buf);
    *codes = out;
    *n = count;
    return VL_OK;
}

int vl_valle_nar_generate(vl_valle_model *m, const int *text, int n_text,
                          const int32_t *prom, int prom_frames, int prom_levels,
                          int32_t *resp, int frames, int levels, const int *vocab,
                          float temperature, vl_rng *rng) {
    if (m->cfg.kind != VL_VALLE_NAR) return vl_error(VL_ERR_ARG, "valle: not a NAR model");
    int st = check_inputs(m, text, n_text, prom, prom_frames, prom_levels);
    if (st < 0) return st;
    if (frames < 1) return vl_error(VL_ERR_ARG, "valle NAR: no frames to complete");
    if (levels < 1 || levels - 1 > m->cfg.n_resp_levels)
        return vl_error(VL_ERR_ARG, "valle NAR: %d levels asked, the model predicts "
                        "levels 1..%d", levels, m->cfg.n_resp_levels);
    for (int t = 0; t < frames; t++)
        if (resp[(size_t)t * levels] < 0 || resp[(size_t)t * levels] >= m->cfg.n_tokens)
            return vl_error(VL_ERR_ARG, "valle NAR: level-0 code %d out of range",
                            (int)resp[(size_t)t * levels]);
    vl_ctx *c = vl_ctx_new(1);
    vl_set_grad_enabled(c, false);
    vl_set_training(c, false);
    vl_valle_sampling so = {.temperature = temperature, .top_p = 1.0f};
    for (int l = 0; l + 1 < levels; l++) {
        vl_ctx_reset(c);
        const int ql = l;
        vl_valle_batch b = {.B = 1, .n_text = &n_text, .text = &text,
                            .prom_frames = &prom_frames, .prom_levels = prom_levels,
                            .prom = &prom, .resp_frames = &frames, .resp_levels = levels,
                            .resp = (const int32_t *const *)&resp, .n_fed = l + 1,
                            .quant_levels = &ql};
        vl_tensor *logits;
        int len;
        vl_valle_forward(c, m, &b, false, &logits, &len);
        const int V = m->n_resp_tokens;
        int vl = vocab && vocab[l + 1] > 0 && vocab[l + 1] <= V ? vocab[l + 1] : V;
        for (int t = 0; t < frames; t++) {
            const float *row = logits->data + (size_t)(len - frames + t) * V;
            resp[(size_t)t * levels + l + 1] = vl_valle_pick(row, vl, &so, NULL, 0, rng);
        }
    }
    vl_ctx_free(c);
    return VL_OK;
}
