/* valle/valle_model.h: the VALL-E AR and NAR models, the reference code's
 * architecture (enhuiz/vall-e, vall_e/vall_e/{base,ar,nar}.py), for any
 * codec (a codes vocabulary n_tokens and L levels).
 *
 * One sample is the sequence  text | sep | prompt | sep | response:
 *   text      phone ids (0 = padding) through text_emb (n_text_tokens, d);
 *   prompt    codes (Tp, Lp): sum over its levels of proms_emb[l][code]
 *             (MultiEmbedding, proms_emb (n_prom_levels, n_tokens, d));
 *   response  codes (Tr, Lr) the same through resps_emb (n_resp_levels,
 *             n_resp_tokens, d), n_resp_tokens = n_tokens + 1 (stop) for AR;
 *   sep       a learned vector (d);
 * plus sinusoidal positions over the whole padded sequence, then n_layers
 * pre-norm blocks (norm -> * mask -> attention or GELU MLP -> * mask ->
 * dropout -> residual -> * mask), and the classifier (n_resp_tokens, d) with
 * bias, its logits * mask.
 *
 *   AR   causal, LayerNorm, resp = level 0 only; targets: text shifted by
 *        one, prompt ignored, response shifted by one with the stop token
 *        last (ignore_index -100). The reference gives the separator before
 *        the response no target, so the first response token is never
 *        trained yet sampled first at inference; first_token_loss = true
 *        (our default) makes that separator predict it.
 *   NAR  non-causal, AdaLN by level l (with the AdaNorm term): levels 0..l
 *        of the response are fed, level l + 1 is the target at every
 *        response position (loss on the response only).
 *
 * Parameter names are the reference's state_dict keys: text_emb.weight,
 * proms_emb.weight, resps_emb.weight, sep, blocks.{i}.attn.norm.{weight,
 * bias | emb.weight}, blocks.{i}.attn.block.to_qkv.weight,
 * blocks.{i}.attn.block.to_out.{weight,bias}, blocks.{i}.ffn.norm.*,
 * blocks.{i}.ffn.block.0.{weight,bias}, blocks.{i}.ffn.block.3.{weight,bias},
 * classifier.{weight,bias}. Init as PyTorch's defaults (embeddings and sep
 * N(0, 1), Linear U(+-1/sqrt(in)), LayerNorm 1/0, AdaLN 0).
 *
 * Usage:
 *   vl_valle_model_config mc;
 *   vl_valle_preset(&mc, "ar-quarter", 1024, 8, 100);
 *   vl_valle_model m; vl_params P; vl_params_init(&P);
 *   vl_valle_model_init(&m, &P, "", &mc); vl_params_finalize(&P, seed);
 *   vl_valle_batch b = {...};
 *   vl_tensor *loss = vl_valle_forward(c, &m, &b, &logits);
 */
#ifndef VALLE_VALLE_MODEL_H
#define VALLE_VALLE_MODEL_H
#include "valle/transformer.h"

#define VL_VALLE_IGNORE (-100)

typedef enum vl_valle_kind { VL_VALLE_AR, VL_VALLE_NAR } vl_valle_kind;

typedef struct vl_valle_model_config {
    vl_valle_kind kind;
    int n_tokens;           /* codes vocabulary (1024 in the reference) */
    int n_text_tokens;      /* phone vocabulary incl. padding id 0 (the
                               reference uses n_tokens) */
    int d_model, n_heads, n_layers;
    float p_dropout;        /* 0.1 */
    int n_prom_levels;      /* levels of a prompt (8 in the reference) */
    int n_resp_levels;      /* AR 1; NAR levels - 1 (7 in the reference) */
    bool first_token_loss;  /* AR: the separator predicts response[0] */
} vl_valle_model_config;

/* name = (ar|nar)[-half|-quarter|-tiny]: 1024/16/12, 512/8/12, 256/4/12,
 * 32/2/2 (tests). levels = the codec's level count. VL_ERR_ARG on an
 * unknown name. */
int vl_valle_preset(vl_valle_model_config *mc, const char *name, int n_tokens,
                    int levels, int n_text_tokens);
int vl_valle_model_config_check(const vl_valle_model_config *mc);
const char *vl_valle_kind_name(vl_valle_kind k);

typedef struct vl_valle_block {
    vl_tf_normlayer attn_norm, ffn_norm;
    vl_tensor *to_qkv;              /* (3d, d), no bias */
    vl_linear_layer to_out;         /* (d, d) + bias */
    vl_linear_layer ff1, ff2;       /* (4d, d), (d, 4d) */
} vl_valle_block;

typedef struct vl_valle_model {
    vl_valle_model_config cfg;
    int n_resp_tokens;              /* n_tokens (+1 for AR) */
    vl_tensor *text_emb;            /* (n_text_tokens, d) */
    vl_tensor *proms_emb;           /* (n_prom_levels, n_tokens, d) */
    vl_tensor *resps_emb;           /* (n_resp_levels, n_resp_tokens, d) */
    vl_tensor *sep;                 /* (d) */
    vl_valle_block *blocks;         /* n_layers */
    vl_linear_layer classifier;     /* (n_resp_tokens, d) + bias */
} vl_valle_model;

void vl_valle_model_init(vl_valle_model *m, vl_params *p, const char *prefix,
                         const vl_valle_model_config *cfg);
void vl_valle_model_free(vl_valle_model *m);
/* The AR's stop token id (= n_tokens). */
static inline int vl_valle_stop_token(const vl_valle_model *m) {
    return m->cfg.n_tokens;
}

/* A batch of B samples (pointers are the caller's). */
typedef struct vl_valle_batch {
    int B;
    const int *n_text;              /* (B) */
    const int *const *text;         /* B x (n_text[b]) phone ids */
    const int *prom_frames;         /* (B) */
    int prom_levels;                /* levels stored per prompt frame */
    const int32_t *const *prom;     /* B x (prom_frames[b], prom_levels) */
    const int *resp_frames;         /* (B) */
    int resp_levels;                /* levels stored per response frame */
    const int32_t *const *resp;     /* B x (resp_frames[b], resp_levels) */
    int n_fed;                      /* response levels fed: AR 1; NAR l + 1 */
    const int *quant_levels;        /* NAR (B): level l of each sample; the
                                       sample feeds levels 0..l and is scored
                                       on l + 1 (then n_fed is ignored) */
} vl_valle_batch;

/* Full forward. *logits_out (B, T, n_resp_tokens) (may be NULL); with
 * want_loss the cross-entropy (mean over targets, shape (1)), else NULL.
 * seq_len_out (B) optional: each sample's unpadded length. */
vl_tensor *vl_valle_forward(vl_ctx *c, vl_valle_model *m, const vl_valle_batch *b,
                            bool want_loss, vl_tensor **logits_out,
                            int *seq_len_out);
/* The input of the blocks: x (B, T, d) embeddings + positions 0..T-1;
 * *mask_out (B, T, 1) 1/0 and *kpm_out (B, T) padding flags (both NULL when
 * no sample is padded); *levels_out (B) the NAR's AdaLN levels (NULL for
 * the AR). */
vl_tensor *vl_valle_embed(vl_ctx *c, vl_valle_model *m, const vl_valle_batch *b,
                          vl_tensor **mask_out, uint8_t **kpm_out, int **levels_out,
                          int *seq_len_out);
/* One block: x (B, T, d); mask (B, T, 1) of 1/0 or NULL (no padding);
 * key_padding (B, T) nonzero = padding, or NULL; levels (B) for the NAR's
 * AdaLN; kv: append this step's keys/values and attend to all cached ones
 * (B = 1 decoding). */
vl_tensor *vl_valle_block_forward(vl_ctx *c, const vl_valle_model *m,
                                  vl_valle_block *blk, vl_tensor *x, vl_tensor *mask,
                                  const uint8_t *key_padding, const int *levels,
                                  vl_kv_cache *kv);
/* Targets of sample b laid out like the sequence (for tests and accuracy):
 * writes seq_len ints into y. Returns seq_len. */
int vl_valle_targets(const vl_valle_model *m, const vl_valle_batch *b, int s,
                     int *y);
#endif
