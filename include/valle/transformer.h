/* valle/transformer.h: multi-head self-attention with a fused QKV
 * projection, adaptive LayerNorm, positions, and the Transformer block, all
 * registering their parameters under PyTorch state_dict names:
 *
 *   vl_mha    = nn.MultiheadAttention(batch_first=True):
 *               in_proj_weight (3C, C) rows [Wq; Wk; Wv], in_proj_bias (3C),
 *               out_proj.weight (C, C), out_proj.bias (C)
 *   vl_block  = nn.TransformerEncoderLayer(d_model=C, dim_feedforward=4C,
 *               activation="gelu", batch_first=True, norm_first=prenorm):
 *               self_attn.*, linear1, linear2, norm1, norm2
 *               pre-norm:  x = x + drop(sa(norm1(x))); x = x + ff(norm2(x))
 *               post-norm: x = norm1(x + drop(sa(x))); x = norm2(x + ff(x))
 *               ff(h) = drop(linear2(drop(gelu(linear1(h)))))
 *   vl_adaln  = AdaLN of the reference VALL-E code (enhuiz/vall-e base.py):
 *               emb.weight (n_levels, 2C), zero init; for level l:
 *               (log_gamma, beta) = emb[l] split in halves,
 *               h = layer_norm(x) (no affine, eps 1e-5),
 *               h = c * (1 - k * h.detach()) * h   (AdaNorm, k = 0.1, c = 2),
 *               y = exp(log_gamma) * h + beta
 * A block's norms are LayerNorm, BatchNorm (BatchNorm1d over the C channels
 * of every token, statistics over batch and time) or AdaLN.
 *
 * Incremental decoding: a vl_kv_cache per attention layer holds the keys
 * and values of the tokens seen so far; a forward with the cache attends
 * the new tokens to everything cached (causal, bottom-right aligned).
 *
 * Usage:
 *   vl_block_config bc = {.dim = 128, .n_heads = 4, .prenorm = true,
 *                         .causal = true, .norm = VL_TF_LAYERNORM};
 *   vl_block blk; vl_block_init(&blk, &P, "blocks.0", &bc);
 *   ... vl_params_finalize(&P, seed) ...
 *   x = vl_block_forward(c, &blk, x, NULL, NULL, NULL);   // x (B, T, C)
 */
#ifndef VALLE_TRANSFORMER_H
#define VALLE_TRANSFORMER_H

#include "valle/attention.h"
#include "valle/nn.h"

/* ---- positions ---- */
/* pe (T, D): sinusoidal positions start..start+T-1 in the reference VALL-E
 * layout: pe[t][i] = sin(t w_i) for i < D/2, cos(t w_{i-D/2}) after, with
 * w_i = exp(-ln(10000) i / (D/2)). D must be even. */
void vl_sinusoidal_fill(float *pe, int T, int D, int start);

/* ---- KV cache of one attention layer ---- */
typedef struct vl_kv_cache {
    float *k, *v;       /* (B, max_len, C) each */
    int B, max_len, dim;
    int len;            /* tokens cached */
} vl_kv_cache;
void vl_kv_cache_init(vl_kv_cache *kv, int B, int max_len, int dim);
void vl_kv_cache_free(vl_kv_cache *kv);

/* ---- multi-head attention ---- */
typedef struct vl_mha {
    vl_tensor *in_proj_weight;  /* (3C, C) */
    vl_tensor *in_proj_bias;    /* (3C) or NULL */
    vl_linear_layer out_proj;   /* (C, C), (C) */
    int dim, n_heads;
    float dropout;              /* on the attention probabilities */
    bool naive;                 /* use vl_attention_naive (tests, benches) */
} vl_mha;
/* init_std > 0: weights N(0, init_std^2) (out_proj: out_std), biases 0 (GPT
 * style); init_std == 0: PyTorch's MultiheadAttention init (xavier uniform
 * in_proj, U(+-1/sqrt C) out_proj, zero biases). */
void vl_mha_init(vl_mha *m, vl_params *p, const char *prefix, int dim,
                 int n_heads, float dropout, bool bias, float init_std,
                 float out_std);
/* x (B, T, C) -> (B, T, C). mask flags from opts (its dropout is ignored:
 * m->dropout is used); kv may be NULL. With kv, the new keys/values are
 * appended at kv->len and the queries attend to all kv->len + T of them. */
vl_tensor *vl_mha_forward(vl_ctx *c, vl_mha *m, vl_tensor *x, bool causal,
                          const uint8_t *key_padding, vl_kv_cache *kv);

/* ---- adaptive LayerNorm ---- */
typedef struct vl_adaln {
    vl_embedding_layer emb;     /* (n_levels, 2C) */
    int dim, n_levels;
    float eps, k, c;
} vl_adaln;
void vl_adaln_init(vl_adaln *a, vl_params *p, const char *prefix, int dim,
                   int n_levels);
/* x (B, T, C), levels (B) in [0, n_levels) -> (B, T, C) */
vl_tensor *vl_adaln_forward(vl_ctx *c, vl_adaln *a, vl_tensor *x,
                            const int *levels);

/* ---- Transformer block ---- */
typedef enum vl_tf_norm { VL_TF_LAYERNORM, VL_TF_BATCHNORM, VL_TF_ADALN }
    vl_tf_norm;
int vl_tf_norm_parse(const char *s, vl_tf_norm *out);   /* layer|batch|adaln */
const char *vl_tf_norm_name(vl_tf_norm n);

/* A LayerNorm, BatchNorm or AdaLN over the channels of (B, T, C). */
typedef struct vl_tf_normlayer {
    vl_tf_norm kind;
    vl_layernorm_layer ln;
    vl_batchnorm_layer bn;
    vl_adaln ada;
} vl_tf_normlayer;
void vl_tf_norm_init(vl_tf_normlayer *n, vl_params *p, const char *prefix,
                     vl_tf_norm kind, int dim, int n_levels);
/* levels (B): AdaLN only (may be NULL otherwise). */
vl_tensor *vl_tf_norm_forward(vl_ctx *c, vl_tf_normlayer *n, vl_tensor *x,
                              const int *levels);

typedef struct vl_block_config {
    int dim, n_heads;
    int ff_dim;             /* 0: 4 * dim */
    float dropout;          /* residual, MLP and attention dropout */
    bool prenorm;           /* norm_first */
    bool causal;
    bool bias;              /* Linear biases (PyTorch default true) */
    vl_tf_norm norm;
    int n_levels;           /* AdaLN */
    float init_std;         /* 0: PyTorch layer inits; > 0: GPT-2 style */
    int n_layers;           /* GPT-2 init: residual projections std /
                               sqrt(2 n_layers) */
    bool naive_attention;
} vl_block_config;

typedef struct vl_block {
    vl_block_config cfg;
    vl_mha self_attn;
    vl_linear_layer linear1;    /* (ff, C) */
    vl_linear_layer linear2;    /* (C, ff) */
    vl_tf_normlayer norm1, norm2;
} vl_block;

void vl_block_init(vl_block *b, vl_params *p, const char *prefix,
                   const vl_block_config *cfg);
/* x (B, T, C) -> (B, T, C); key_padding (B, T_keys) or NULL; levels (B)
 * for AdaLN; kv or NULL. */
vl_tensor *vl_block_forward(vl_ctx *c, vl_block *b, vl_tensor *x,
                            const uint8_t *key_padding, const int *levels,
                            vl_kv_cache *kv);

#endif
