/* valle/gpt.h: a decoder-only Transformer language model (GPT, nanoGPT's
 * shape): token embedding + position (learned table or sinusoidal), N
 * pre-norm causal blocks (valle/transformer.h), a final norm and a head
 * tied to the token embedding or separate (no bias), as nanoGPT.
 *
 * Parameter names: tok_emb.weight (V, C), pos_emb.weight (block, C) when
 * learned, blocks.{i}.* (nn.TransformerEncoderLayer names), ln_f.*,
 * head.weight (V, C) when untied. Init as GPT-2/nanoGPT: N(0, 0.02) weights
 * and embeddings, residual projections (out_proj, linear2) N(0, 0.02 /
 * sqrt(2 N)), zero biases, norms 1 / 0.
 *
 * Incremental decoding: vl_gpt_cache holds one vl_kv_cache per block; each
 * vl_gpt_forward(..., cache) call feeds the next tokens and returns their
 * logits, equal to recomputing the whole prefix (tests/unit/test_kv_cache.c).
 *
 * Usage:
 *   vl_gpt_config cfg = vl_gpt_config_default();  cfg.vocab = 65; ...
 *   vl_gpt g; vl_gpt_init(&g, &P, "", &cfg); vl_params_finalize(&P, seed);
 *   vl_tensor *logits = vl_gpt_forward(c, &g, ids, B, T, NULL); // (B, T, V)
 */
#ifndef VALLE_GPT_H
#define VALLE_GPT_H

#include "valle/transformer.h"

typedef struct vl_gpt_config {
    int vocab, block_size, n_layer, n_head, n_embd;
    float dropout;
    bool bias;          /* Linear and norm biases (nanoGPT bias=True) */
    bool tied;          /* head shares tok_emb.weight */
    bool sinusoidal;    /* positions: sinusoidal instead of learned */
    vl_tf_norm norm;    /* VL_TF_LAYERNORM or VL_TF_BATCHNORM (all norms) */
    bool naive_attention;
} vl_gpt_config;

vl_gpt_config vl_gpt_config_default(void);
/* VL_ERR_ARG with a message when sizes are out of range. */
int vl_gpt_config_check(const vl_gpt_config *cfg);

typedef struct vl_gpt {
    vl_gpt_config cfg;
    vl_embedding_layer tok_emb;     /* (V, C) */
    vl_embedding_layer pos_emb;     /* (block, C), learned positions */
    float *pe;                      /* (block, C), sinusoidal positions */
    vl_block *blocks;               /* n_layer */
    vl_tf_normlayer ln_f;
    vl_tensor *head;                /* (V, C): tok_emb.weight when tied */
} vl_gpt;

void vl_gpt_init(vl_gpt *g, vl_params *p, const char *prefix,
                 const vl_gpt_config *cfg);
void vl_gpt_free(vl_gpt *g);

typedef struct vl_gpt_cache {
    vl_kv_cache *layers;    /* n_layer */
    int n_layer, B, max_len;
    int pos;                /* tokens fed so far */
} vl_gpt_cache;
void vl_gpt_cache_init(vl_gpt_cache *kc, const vl_gpt *g, int B, int max_len);
void vl_gpt_cache_reset(vl_gpt_cache *kc);
void vl_gpt_cache_free(vl_gpt_cache *kc);

/* ids (B, T) in [0, vocab) -> logits (B, T, V). With a cache, the tokens
 * are positions cache->pos .. pos+T-1 (pos + T <= block_size and the cache
 * size), attended to everything cached; use no-grad mode for decoding. */
vl_tensor *vl_gpt_forward(vl_ctx *c, vl_gpt *g, const int *ids, int B, int T,
                          vl_gpt_cache *cache);

#endif
