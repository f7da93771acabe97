/* src/models/valle_model.c: the VALL-E AR/NAR model of the reference code
 * (enhuiz/vall-e base.py): embeddings of text, prompt and response joined
 * by a learned separator, sinusoidal positions, pre-norm blocks with the
 * padding mask applied after each residual, classifier and the shifted
 * cross-entropy targets. See valle/valle_model.h. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "valle/valle_model.h"

static void join(char *dst, size_t cap, const char *prefix, const char *name) {
    snprintf(dst, cap, "%s%s%s", prefix, prefix[0] ? "." : "", name);
}

const char *vl_valle_kind_name(vl_valle_kind k) {
    return k == VL_VALLE_AR ? "ar" : "nar";
}

int vl_valle_preset(vl_valle_model_config *mc, const char *name, int n_tokens,
                    int levels, int n_text_tokens) {
    memset(mc, 0, sizeof *mc);
    if (!name) return vl_error(VL_ERR_ARG, "model preset: no name");
    const char *rest;
    if (strncmp(name, "nar", 3) == 0) {
        mc->kind = VL_VALLE_NAR;
        rest = name + 3;
    } else if (strncmp(name, "ar", 2) == 0) {
        mc->kind = VL_VALLE_AR;
        rest = name + 2;
    } else {
        return vl_error(VL_ERR_ARG,
                        "model '%s': the name must start with ar or nar "
                        "(ar, ar-half, ar-quarter, ar-tiny, nar, ...)", name);
    }
    if (!*rest) {
        mc->d_model = 1024, mc->n_heads = 16, mc->n_layers = 12;
    } else if (!strcmp(rest, "-half")) {
        mc->d_model = 512, mc->n_heads = 8, mc->n_layers = 12;
    } else if (!strcmp(rest, "-quarter")) {
        mc->d_model = 256, mc->n_heads = 4, mc->n_layers = 12;
    } else if (!strcmp(rest, "-tiny")) {
        mc->d_model = 32, mc->n_heads = 2, mc->n_layers = 2;
    } else {
        return vl_error(VL_ERR_ARG,
                        "model '%s': unknown size '%s' (sizes: none, -half, "
                        "-quarter, -tiny)", name, rest);
    }
    mc->n_tokens = n_tokens;
    mc->n_text_tokens = n_text_tokens > 0 ? n_text_tokens : n_tokens;
    mc->p_dropout = 0.1f;
    mc->n_prom_levels = levels;
    mc->n_resp_levels = mc->kind == VL_VALLE_AR ? 1 : levels - 1;
    mc->first_token_loss = true;
    return vl_valle_model_config_check(mc);
}

int vl_valle_model_config_check(const vl_valle_model_config *mc) {
    if (mc->d_model < 2 || mc->d_model % 2 || mc->n_heads < 1 ||
        mc->d_model % mc->n_heads || mc->d_model > 65536)
        return vl_error(VL_ERR_ARG, "valle model: d_model %d, %d heads (need an even "
                        "d_model divisible by the heads)", mc->d_model, mc->n_heads);
    if (mc->n_layers < 1 || mc->n_layers > 1024)
        return vl_error(VL_ERR_ARG, "valle model: %d layers", mc->n_layers);
    if (mc->n_tokens < 2 || mc->n_tokens > (1 << 20) || mc->n_text_tokens < 2 ||
        mc->n_text_tokens > (1 << 20))
        return vl_error(VL_ERR_ARG, "valle model: vocabularies %d codes, %d phones",
                        mc->n_tokens, mc->n_text_tokens);
    if (mc->n_prom_levels < 1 || mc->n_prom_levels > 64)
        return vl_error(VL_ERR_ARG, "valle model: %d prompt levels", mc->n_prom_levels);
    if (mc->kind == VL_VALLE_NAR && mc->n_resp_levels < 1)
        return vl_error(VL_ERR_ARG, "valle NAR: the codec needs at least 2 levels "
                        "(has %d)", mc->n_prom_levels);
    if (mc->n_resp_levels < 1 || mc->n_resp_levels > 64)
        return vl_error(VL_ERR_ARG, "valle model: %d response levels", mc->n_resp_levels);
    if (!(mc->p_dropout >= 0 && mc->p_dropout < 1))
        return vl_error(VL_ERR_ARG, "valle model: dropout %g", mc->p_dropout);
    return VL_OK;
}

void vl_valle_model_init(vl_valle_model *m, vl_params *p, const char *prefix,
                         const vl_valle_model_config *cfg) {
    VL_ASSERT(vl_valle_model_config_check(cfg) == VL_OK, "%s", vl_last_error());
    memset(m, 0, sizeof *m);
    m->cfg = *cfg;
    const int d = cfg->d_model;
    m->n_resp_tokens = cfg->n_tokens + (cfg->kind == VL_VALLE_AR ? 1 : 0);
    char name[512], sub[96];
    join(name, sizeof name, prefix, "text_emb");
    m->text_emb = vl_params_add(p, name, "weight", 2, (int[]){cfg->n_text_tokens, d},
                                true, VL_INIT_NORMAL, 1.0f);
    join(name, sizeof name, prefix, "proms_emb");
    m->proms_emb = vl_params_add(p, name, "weight", 3,
                                 (int[]){cfg->n_prom_levels, cfg->n_tokens, d}, true,
                                 VL_INIT_NORMAL, 1.0f);
    join(name, sizeof name, prefix, "resps_emb");
    m->resps_emb = vl_params_add(p, name, "weight", 3,
                                 (int[]){cfg->n_resp_levels, m->n_resp_tokens, d},
                                 true, VL_INIT_NORMAL, 1.0f);
    m->sep = vl_params_add(p, prefix, "sep", 1, (int[]){d}, true, VL_INIT_NORMAL, 1.0f);
    const vl_tf_norm norm = cfg->kind == VL_VALLE_AR ? VL_TF_LAYERNORM : VL_TF_ADALN;
    m->blocks = vl_xcalloc((size_t)cfg->n_layers, sizeof *m->blocks);
    for (int i = 0; i < cfg->n_layers; i++) {
        vl_valle_block *b = &m->blocks[i];
        snprintf(sub, sizeof sub, "blocks.%d.attn.norm", i);
        join(name, sizeof name, prefix, sub);
        vl_tf_norm_init(&b->attn_norm, p, name, norm, d, cfg->n_resp_levels);
        snprintf(sub, sizeof sub, "blocks.%d.attn.block.to_qkv", i);
        join(name, sizeof name, prefix, sub);
        b->to_qkv = vl_params_add(p, name, "weight", 2, (int[]){3 * d, d}, true,
                                  VL_INIT_UNIFORM, 1.0f / sqrtf((float)d));
        snprintf(sub, sizeof sub, "blocks.%d.attn.block.to_out", i);
        join(name, sizeof name, prefix, sub);
        vl_linear_init(&b->to_out, p, name, d, d, true);
        snprintf(sub, sizeof sub, "blocks.%d.ffn.norm", i);
        join(name, sizeof name, prefix, sub);
        vl_tf_norm_init(&b->ffn_norm, p, name, norm, d, cfg->n_resp_levels);
        snprintf(sub, sizeof sub, "blocks.%d.ffn.block.0", i);
        join(name, sizeof name, prefix, sub);
        vl_linear_init(&b->ff1, p, name, d, 4 * d, true);
        snprintf(sub, sizeof sub, "blocks.%d.ffn.block.3", i);
        join(name, sizeof name, prefix, sub);
        vl_linear_init(&b->ff2, p, name, 4 * d, d, true);
    }
    join(name, sizeof name, prefix, "classifier");
    vl_linear_init(&m->classifier, p, name, d, m->n_resp_tokens, true);
}

void vl_valle_model_free(vl_valle_model *m) {
    free(m->blocks);
    m->blocks = NULL;
}

/* ---- the sequence layout ---- */
static int fed_levels(const vl_valle_model *m, const vl_valle_batch *b, int s) {
    if (m->cfg.kind == VL_VALLE_NAR && b->quant_levels) return b->quant_levels[s] + 1;
    return b->n_fed;
}

static int seq_len(const vl_valle_batch *b, int s) {
    return b->n_text[s] + 1 + b->prom_frames[s] + 1 + b->resp_frames[s];
}

int vl_valle_targets(const vl_valle_model *m, const vl_valle_batch *b, int s,
                     int *y) {
    const int nt = b->n_text[s], tp = b->prom_frames[s], tr = b->resp_frames[s];
    const int L = b->resp_levels;
    const int32_t *r = b->resp[s];
    int k = 0;
    const bool ar = m->cfg.kind == VL_VALLE_AR;
    for (int i = 0; i < nt; i++) y[k++] = ar && i + 1 < nt ? b->text[s][i + 1] : VL_VALLE_IGNORE;
    y[k++] = VL_VALLE_IGNORE;                       /* sep */
    for (int i = 0; i < tp; i++) y[k++] = VL_VALLE_IGNORE;
    if (ar) {
        y[k++] = m->cfg.first_token_loss && tr > 0 ? r[0] : VL_VALLE_IGNORE;
        for (int j = 0; j < tr; j++)
            y[k++] = j + 1 < tr ? r[(size_t)(j + 1) * L] : vl_valle_stop_token(m);
    } else {
        y[k++] = VL_VALLE_IGNORE;
        const int lv = b->quant_levels ? b->quant_levels[s] + 1 : b->n_fed;
        VL_ASSERT(lv < L, "valle NAR targets: level %d of %d", lv, L);
        for (int j = 0; j < tr; j++) y[k++] = r[(size_t)j * L + lv];
    }
    return k;
}

/* Sum over `nl` levels of table[l][code] for `frames` frames of codes
 * (frames, stride) -> (frames, d). */
static vl_tensor *multi_embed(vl_ctx *c, vl_tensor *table /* (L, V, d) */,
                              const int32_t *codes, int frames, int stride, int nl) {
    const int L = table->shape[0], V = table->shape[1], d = table->shape[2];
    VL_ASSERT(nl >= 1 && nl <= L && nl <= stride, "multi-embedding: %d levels of %d",
              nl, L);
    int *ids = vl_arena_alloc(&c->arena, (size_t)frames * nl * sizeof(int));
    for (int t = 0; t < frames; t++)
        for (int l = 0; l < nl; l++) {
            int32_t v = codes[(size_t)t * stride + l];
            VL_ASSERT(v >= 0 && v < V, "valle: code %d outside [0, %d) at level %d",
                      (int)v, V, l);
            ids[t * nl + l] = l * V + v;
        }
    vl_tensor *flat = vl_reshape(c, table, 2, (int[]){L * V, d});
    vl_tensor *e = vl_embedding(c, flat, ids, 2, (int[]){frames, nl}); /* (f, nl, d) */
    return nl == 1 ? vl_reshape(c, e, 2, (int[]){frames, d}) : vl_sum(c, e, 1, false);
}

/* x (B, T, d) * m (B, T, 1), or x when m is NULL (no padding). */
static vl_tensor *masked(vl_ctx *c, vl_tensor *x, vl_tensor *m) {
    return m ? vl_mul(c, x, m) : x;
}

vl_tensor *vl_valle_block_forward(vl_ctx *c, const vl_valle_model *m,
                                  vl_valle_block *blk, vl_tensor *x, vl_tensor *mask,
                                  const uint8_t *key_padding, const int *levels,
                                  vl_kv_cache *kv) {
    const float p = m->cfg.p_dropout;
    const int B = x->shape[0], T = x->shape[1], d = m->cfg.d_model;
    const bool causal = m->cfg.kind == VL_VALLE_AR;
    /* attention residual */
    vl_tensor *h = masked(c, vl_tf_norm_forward(c, &blk->attn_norm, x, levels), mask);
    vl_tensor *qkv = vl_linear(c, h, blk->to_qkv, NULL); /* (B, T, 3d) */
    vl_attn_opts o = {.causal = causal, .key_padding = key_padding};
    vl_tensor *a;
    if (kv) {
        VL_ASSERT(kv->B == B && kv->dim == d && kv->len + T <= kv->max_len,
                  "valle kv cache: %d + %d tokens, room for %d", kv->len, T, kv->max_len);
        for (int b = 0; b < B; b++)
            for (int t = 0; t < T; t++) {
                size_t dst = ((size_t)b * kv->max_len + kv->len + t) * d;
                const float *src = qkv->data + ((size_t)b * T + t) * 3 * d;
                memcpy(kv->k + dst, src + d, (size_t)d * sizeof(float));
                memcpy(kv->v + dst, src + 2 * d, (size_t)d * sizeof(float));
            }
        kv->len += T;
        int sh[3] = {B, kv->max_len, d};
        vl_tensor *k = vl_slice(c, vl_tensor_wrap(c, 3, sh, kv->k), 1, 0, kv->len);
        vl_tensor *v = vl_slice(c, vl_tensor_wrap(c, 3, sh, kv->v), 1, 0, kv->len);
        vl_tensor *q = vl_slice(c, qkv, 2, 0, d);
        a = vl_attention(c, q, k, v, m->cfg.n_heads, &o);
    } else {
        a = vl_attention_qkv(c, qkv, m->cfg.n_heads, &o);
    }
    a = masked(c, vl_linear_forward(c, &blk->to_out, a), mask);
    x = masked(c, vl_add(c, x, vl_dropout(c, a, p)), mask);
    /* MLP residual */
    h = masked(c, vl_tf_norm_forward(c, &blk->ffn_norm, x, levels), mask);
    h = vl_dropout(c, vl_gelu(c, vl_linear_forward(c, &blk->ff1, h)), p);
    h = vl_linear_forward(c, &blk->ff2, h);
    return masked(c, vl_add(c, x, vl_dropout(c, h, p)), mask);
}

vl_tensor *vl_valle_embed(vl_ctx *c, vl_valle_model *m, const vl_valle_batch *b,
                          vl_tensor **mask_out, uint8_t **kpm_out, int **levels_out,
                          int *seq_len_out) {
    const int B = b->B, d = m->cfg.d_model;
    VL_ASSERT(B >= 1, "valle forward: empty batch");
    VL_ASSERT(b->prom_levels >= 1 && b->resp_levels >= 1, "valle forward: levels");
    const int n_prom = b->prom_levels < m->cfg.n_prom_levels ? b->prom_levels
                                                             : m->cfg.n_prom_levels;
    int T = 0, n_text_all = 0, n_prom_all = 0, n_resp_all = 0;
    for (int s = 0; s < B; s++) {
        int len = seq_len(b, s);
        if (seq_len_out) seq_len_out[s] = len;
        if (len > T) T = len;
        n_text_all += b->n_text[s];
        n_prom_all += b->prom_frames[s];
        n_resp_all += b->resp_frames[s];
        int nf = fed_levels(m, b, s);
        VL_ASSERT(nf >= 1 && nf <= m->cfg.n_resp_levels && nf <= b->resp_levels,
                  "valle forward: %d response levels fed (model has %d)", nf,
                  m->cfg.n_resp_levels);
    }
    /* Gather table: [text rows | prompt rows | response rows | sep | zero] */
    int *ids = vl_arena_alloc(&c->arena, (size_t)(n_text_all ? n_text_all : 1) * sizeof(int));
    for (int s = 0, k = 0; s < B; s++)
        for (int i = 0; i < b->n_text[s]; i++) {
            int v = b->text[s][i];
            VL_ASSERT(v >= 0 && v < m->cfg.n_text_tokens, "valle: phone id %d outside "
                      "[0, %d)", v, m->cfg.n_text_tokens);
            ids[k++] = v;
        }
    vl_tensor **parts = vl_arena_alloc(&c->arena, (size_t)(B + 5) * sizeof *parts);
    int np = 0;
    if (n_text_all) parts[np++] = vl_embedding(c, m->text_emb, ids, 1, (int[]){n_text_all});
    for (int s = 0; s < B; s++)
        if (b->prom_frames[s])
            parts[np++] = multi_embed(c, m->proms_emb, b->prom[s], b->prom_frames[s],
                                      b->prom_levels, n_prom);
    vl_tensor *rows_text_prom = np ? (np == 1 ? parts[0] : vl_concat(c, parts, np, 0)) : NULL;
    np = 0;
    if (rows_text_prom) parts[np++] = rows_text_prom;
    vl_tensor **resp_rows = vl_arena_alloc(&c->arena, (size_t)B * sizeof *resp_rows);
    int nr = 0;
    for (int s = 0; s < B; s++)
        if (b->resp_frames[s])
            resp_rows[nr++] = multi_embed(c, m->resps_emb, b->resp[s], b->resp_frames[s],
                                          b->resp_levels, fed_levels(m, b, s));
    if (nr) parts[np++] = nr == 1 ? resp_rows[0] : vl_concat(c, resp_rows, nr, 0);
    parts[np++] = vl_reshape(c, m->sep, 2, (int[]){1, d});
    parts[np++] = vl_tensor_zeros(c, 2, (int[]){1, d});
    vl_tensor *table = vl_concat(c, parts, np, 0);
    const int sep_row = n_text_all + n_prom_all + n_resp_all, zero_row = sep_row + 1;
    /* index of each sequence position into the table; the padding mask */
    int *pos = vl_arena_alloc(&c->arena, (size_t)B * T * sizeof(int));
    uint8_t *kpm = vl_arena_alloc(&c->arena, (size_t)B * T);
    bool padded = false;
    int t_off = 0, p_off = n_text_all, r_off = n_text_all + n_prom_all;
    for (int s = 0; s < B; s++) {
        int *row = pos + (size_t)s * T, k = 0;
        for (int i = 0; i < b->n_text[s]; i++) row[k++] = t_off++;
        row[k++] = sep_row;
        for (int i = 0; i < b->prom_frames[s]; i++) row[k++] = p_off++;
        row[k++] = sep_row;
        for (int i = 0; i < b->resp_frames[s]; i++) row[k++] = r_off++;
        for (int i = 0; i < T; i++) kpm[(size_t)s * T + i] = i >= k;
        if (k < T) padded = true;
        for (; k < T; k++) row[k] = zero_row;
    }
    vl_tensor *x = vl_embedding(c, table, pos, 2, (int[]){B, T}); /* (B, T, d) */
    vl_tensor *pe = vl_tensor_new(c, 2, (int[]){T, d});
    vl_sinusoidal_fill(pe->data, T, d, 0);
    x = vl_add(c, x, pe);
    vl_tensor *mask = NULL;
    if (padded) {
        mask = vl_tensor_new(c, 3, (int[]){B, T, 1});
        for (int64_t i = 0; i < (int64_t)B * T; i++) mask->data[i] = kpm[i] ? 0.0f : 1.0f;
    }
    int *levels = NULL;
    if (m->cfg.kind == VL_VALLE_NAR) {
        levels = vl_arena_alloc(&c->arena, (size_t)B * sizeof(int));
        for (int s = 0; s < B; s++) levels[s] = fed_levels(m, b, s) - 1;
    }
    *mask_out = mask;
    *kpm_out = padded ? kpm : NULL;
    *levels_out = levels;
    return x;
}

vl_tensor *vl_valle_forward(vl_ctx *c, vl_valle_model *m, const vl_valle_batch *b,
                            bool want_loss, vl_tensor **logits_out,
                            int *seq_len_out) {
    const int B = b->B;
    vl_tensor *mask;
    uint8_t *kpm;
    int *levels;
    vl_tensor *x = vl_valle_embed(c, m, b, &mask, &kpm, &levels, seq_len_out);
    const int T = x->shape[1];
    for (int i = 0; i < m->cfg.n_layers; i++)
        x = vl_valle_block_forward(c, m, &m->blocks[i], x, mask, kpm, levels, NULL);
    vl_tensor *logits = masked(c, vl_linear_forward(c, &m->classifier, x), mask);
    if (logits_out) *logits_out = logits;
    if (!want_loss) return NULL;
    int *y = vl_arena_alloc(&c->arena, (size_t)B * T * sizeof(int));
    for (int s = 0; s < B; s++) {
        int *row = y + (size_t)s * T;
        int k = vl_valle_targets(m, b, s, row);
        for (; k < T; k++) row[k] = VL_VALLE_IGNORE;
    }
    return vl_cross_entropy(c, logits, y, VL_VALLE_IGNORE);
}
