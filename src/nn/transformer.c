/* src/nn/transformer.c: multi-head self-attention with a fused QKV
 * projection and a KV cache, sinusoidal positions, the block's norm choice
 * (LayerNorm / BatchNorm / AdaLN) and the pre-/post-norm Transformer block
 * with a GELU MLP. Names and semantics follow nn.MultiheadAttention and
 * nn.TransformerEncoderLayer (see valle/transformer.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "valle/transformer.h"

static void join(char *dst, size_t cap, const char *prefix, const char *name) {
    snprintf(dst, cap, "%s%s%s", prefix, prefix[0] ? "." : "", name);
}

/* ---- positions ---- */
void vl_sinusoidal_fill(float *pe, int T, int D, int start) {
    VL_ASSERT(D % 2 == 0, "sinusoidal positions need an even dim, got %d", D);
    const int h = D / 2;
    for (int t = 0; t < T; t++) {
        float *row = pe + (int64_t)t * D;
        for (int i = 0; i < h; i++) {
            /* float32 omega as the reference computes it, angle in double */
            float omega = expf(-logf(1e4f) * ((float)i / (float)h));
            double ang = (double)(start + t) * (double)omega;
            row[i] = (float)sin((double)(float)ang);
            row[h + i] = (float)cos((double)(float)ang);
        }
    }
}

/* ---- KV cache ---- */
void vl_kv_cache_init(vl_kv_cache *kv, int B, int max_len, int dim) {
    kv->B = B;
    kv->max_len = max_len;
    kv->dim = dim;
    kv->len = 0;
    size_t n = (size_t)B * max_len * dim;
    kv->k = vl_xcalloc(n ? n : 1, sizeof(float));
    kv->v = vl_xcalloc(n ? n : 1, sizeof(float));
}

void vl_kv_cache_free(vl_kv_cache *kv) {
    free(kv->k);
    free(kv->v);
    memset(kv, 0, sizeof *kv);
}

/* ---- multi-head attention ---- */
void vl_mha_init(vl_mha *m, vl_params *p, const char *prefix, int dim,
                 int n_heads, float dropout, bool bias, float init_std,
                 float out_std) {
    VL_ASSERT(dim > 0 && n_heads > 0 && dim % n_heads == 0,
              "mha: dim %d, heads %d", dim, n_heads);
    memset(m, 0, sizeof *m);
    m->dim = dim;
    m->n_heads = n_heads;
    m->dropout = dropout;
    char name[256];
    vl_init_kind wk = init_std > 0 ? VL_INIT_NORMAL : VL_INIT_UNIFORM;
    float wa = init_std > 0 ? init_std : sqrtf(6.0f / (float)(dim + 3 * dim));
    m->in_proj_weight = vl_params_add(p, prefix, "in_proj_weight", 2,
                                      (int[]){3 * dim, dim}, true, wk, wa);
    m->in_proj_bias = bias ? vl_params_add(p, prefix, "in_proj_bias", 1,
                                           (int[]){3 * dim}, true, VL_INIT_ZEROS, 0)
                           : NULL;
    join(name, sizeof name, prefix, "out_proj");
    m->out_proj.in = m->out_proj.out = dim;
    m->out_proj.weight = vl_params_add(
        p, name, "weight", 2, (int[]){dim, dim}, true, wk,
        init_std > 0 ? out_std : 1.0f / sqrtf((float)dim));
    m->out_proj.bias = bias ? vl_params_add(p, name, "bias", 1, (int[]){dim}, true,
                                            VL_INIT_ZEROS, 0)
                            : NULL;
}

vl_tensor *vl_mha_forward(vl_ctx *c, vl_mha *m, vl_tensor *x, bool causal,
                          const uint8_t *key_padding, vl_kv_cache *kv) {
    const int B = x->shape[0], T = x->shape[1], C = m->dim;
    VL_ASSERT(x->ndim == 3 && x->shape[2] == C, "mha: x (B, T, %d)", C);
    vl_tensor *qkv = vl_linear(c, x, m->in_proj_weight, m->in_proj_bias); /* (B,T,3C) */
    vl_tensor *p[3];
    vl_split(c, qkv, 2, 3, (int[]){C, C, C}, p); /* q, k, v (B, T, C) views */
    vl_tensor *k = p[1], *v = p[2];
    if (kv) {
        VL_ASSERT(kv->B == B && kv->dim == C && kv->len + T <= kv->max_len,
                  "kv cache: %d + %d tokens, room for %d", kv->len, T, kv->max_len);
        for (int b = 0; b < B; b++)
            for (int t = 0; t < T; t++) {
                size_t dst = ((size_t)b * kv->max_len + kv->len + t) * C;
                const float *src = qkv->data + ((size_t)b * T + t) * 3 * C;
                memcpy(kv->k + dst, src + C, (size_t)C * sizeof(float));
                memcpy(kv->v + dst, src + 2 * C, (size_t)C * sizeof(float));
            }
        kv->len += T;
        int sh[3] = {B, kv->max_len, C};
        k = vl_slice(c, vl_tensor_wrap(c, 3, sh, kv->k), 1, 0, kv->len);
        v = vl_slice(c, vl_tensor_wrap(c, 3, sh, kv->v), 1, 0, kv->len);
    }
    vl_attn_opts o = {.causal = causal, .key_padding = key_padding,
                      .dropout = m->dropout};
    vl_tensor *a = m->naive ? vl_attention_naive(c, p[0], k, v, m->n_heads, &o)
                   : kv     ? vl_attention(c, p[0], k, v, m->n_heads, &o)
                            : vl_attention_qkv(c, qkv, m->n_heads, &o);
    return vl_linear(c, a, m->out_proj.weight, m->out_proj.bias); /* (B,T,C) */
}

/* ---- norms ---- */
static const char *const norm_names[] = {"layer", "batch", "adaln"};

int vl_tf_norm_parse(const char *s, vl_tf_norm *out) {
    int i = vl_parse_name(s, norm_names, 3, "norm");
    if (i < 0) return i;
    *out = (vl_tf_norm)i;
    return VL_OK;
}

const char *vl_tf_norm_name(vl_tf_norm n) {
    return (unsigned)n < 3 ? norm_names[n] : "?";
}

void vl_tf_norm_init(vl_tf_normlayer *n, vl_params *p, const char *prefix,
                     vl_tf_norm kind, int dim, int n_levels) {
    memset(n, 0, sizeof *n);
    n->kind = kind;
    if (kind == VL_TF_LAYERNORM)
        vl_layernorm_init(&n->ln, p, prefix, dim, 1e-5f);
    else if (kind == VL_TF_BATCHNORM)
        vl_batchnorm_init(&n->bn, p, prefix, dim, 0.1f, 1e-5f);
    else
        vl_adaln_init(&n->ada, p, prefix, dim, n_levels);
}

vl_tensor *vl_tf_norm_forward(vl_ctx *c, vl_tf_normlayer *n, vl_tensor *x,
                              const int *levels) {
    if (n->kind == VL_TF_LAYERNORM) return vl_layernorm_forward(c, &n->ln, x);
    if (n->kind == VL_TF_ADALN) return vl_adaln_forward(c, &n->ada, x, levels);
    /* BatchNorm1d over the channels of every token: (B*T, C) */
    int sh[VL_MAX_DIMS];
    memcpy(sh, x->shape, sizeof sh);
    const int C = x->shape[x->ndim - 1];
    vl_tensor *y = vl_batchnorm_forward(c, &n->bn, vl_reshape(c, x, 2, (int[]){-1, C}));
    return vl_reshape(c, y, x->ndim, sh);
}

/* ---- block ---- */
static void linear_init(vl_linear_layer *l, vl_params *p, const char *prefix,
                        int in, int out, bool bias, float std) {
    if (std <= 0) {
        vl_linear_init(l, p, prefix, in, out, bias);
        return;
    }
    l->in = in;
    l->out = out;
    l->weight = vl_params_add(p, prefix, "weight", 2, (int[]){out, in}, true,
                              VL_INIT_NORMAL, std);
    l->bias = bias ? vl_params_add(p, prefix, "bias", 1, (int[]){out}, true,
                                   VL_INIT_ZEROS, 0)
                   : NULL;
}

void vl_block_init(vl_block *b, vl_params *p, const char *prefix,
                   const vl_block_config *cfg) {
    memset(b, 0, sizeof *b);
    b->cfg = *cfg;
    if (b->cfg.ff_dim <= 0) b->cfg.ff_dim = 4 * cfg->dim;
    const int C = cfg->dim, F = b->cfg.ff_dim;
    const float std = cfg->init_std;
    const float out_std = std > 0 ? std / sqrtf(2.0f * (cfg->n_layers > 0 ? cfg->n_layers : 1))
                                  : 0;
    char name[256];
    join(name, sizeof name, prefix, "self_attn");
    vl_mha_init(&b->self_attn, p, name, C, cfg->n_heads, cfg->dropout, cfg->bias, std,
                out_std);
    b->self_attn.naive = cfg->naive_attention;
    join(name, sizeof name, prefix, "linear1");
    linear_init(&b->linear1, p, name, C, F, cfg->bias, std);
    join(name, sizeof name, prefix, "linear2");
    linear_init(&b->linear2, p, name, F, C, cfg->bias, out_std);
    join(name, sizeof name, prefix, "norm1");
    vl_tf_norm_init(&b->norm1, p, name, cfg->norm, C, cfg->n_levels);
    join(name, sizeof name, prefix, "norm2");
    vl_tf_norm_init(&b->norm2, p, name, cfg->norm, C, cfg->n_levels);
}

static vl_tensor *ff_block(vl_ctx *c, vl_block *b, vl_tensor *h) {
    h = vl_gelu(c, vl_linear_forward(c, &b->linear1, h));
    h = vl_dropout(c, h, b->cfg.dropout);
    return vl_dropout(c, vl_linear_forward(c, &b->linear2, h), b->cfg.dropout);
}

vl_tensor *vl_block_forward(vl_ctx *c, vl_block *b, vl_tensor *x,
                            const uint8_t *key_padding, const int *levels,
                            vl_kv_cache *kv) {
    const float p = b->cfg.dropout;
    const bool causal = b->cfg.causal;
    if (b->cfg.prenorm) {
        vl_tensor *h = vl_tf_norm_forward(c, &b->norm1, x, levels);
        h = vl_mha_forward(c, &b->self_attn, h, causal, key_padding, kv);
        x = vl_add(c, x, vl_dropout(c, h, p));
        h = vl_tf_norm_forward(c, &b->norm2, x, levels);
        return vl_add(c, x, ff_block(c, b, h));
    }
    vl_tensor *h = vl_mha_forward(c, &b->self_attn, x, causal, key_padding, kv);
    x = vl_tf_norm_forward(c, &b->norm1, vl_add(c, x, vl_dropout(c, h, p)), levels);
    return vl_tf_norm_forward(c, &b->norm2, vl_add(c, x, ff_block(c, b, x)), levels);
}
