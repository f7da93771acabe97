/* src/models/gpt.c: the GPT language model (valle/gpt.h): embeddings,
 * positions, a stack of pre-norm causal blocks, the final norm, a tied or
 * separate head, and KV-cached incremental decoding. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "valle/gpt.h"

vl_gpt_config vl_gpt_config_default(void) {
    vl_gpt_config c;
    memset(&c, 0, sizeof c);
    c.vocab = 65;
    c.block_size = 64;
    c.n_layer = 4;
    c.n_head = 4;
    c.n_embd = 128;
    c.bias = true;
    c.tied = true;
    c.norm = VL_TF_LAYERNORM;
    return c;
}

int vl_gpt_config_check(const vl_gpt_config *c) {
    if (c->vocab < 1 || c->vocab > (1 << 24) || c->block_size < 1 ||
        c->block_size > (1 << 20) || c->n_layer < 1 || c->n_layer > 256 ||
        c->n_head < 1 || c->n_embd < 1 || c->n_embd > (1 << 16))
        return vl_error(VL_ERR_ARG, "gpt: sizes out of range (vocab %d, block %d, "
                        "layers %d, heads %d, dim %d)", c->vocab, c->block_size,
                        c->n_layer, c->n_head, c->n_embd);
    if (c->n_embd % c->n_head)
        return vl_error(VL_ERR_ARG, "gpt: n_embd %d is not a multiple of n_head %d",
                        c->n_embd, c->n_head);
    if (c->sinusoidal && c->n_embd % 2)
        return vl_error(VL_ERR_ARG, "gpt: sinusoidal positions need an even n_embd");
    if (c->dropout < 0 || c->dropout >= 1)
        return vl_error(VL_ERR_ARG, "gpt: dropout %g outside [0, 1)", (double)c->dropout);
    if (c->norm != VL_TF_LAYERNORM && c->norm != VL_TF_BATCHNORM)
        return vl_error(VL_ERR_ARG, "gpt: norm must be layer or batch");
    return VL_OK;
}

static void join(char *dst, size_t cap, const char *prefix, const char *name) {
    snprintf(dst, cap, "%s%s%s", prefix, prefix[0] ? "." : "", name);
}

void vl_gpt_init(vl_gpt *g, vl_params *p, const char *prefix,
                 const vl_gpt_config *cfg) {
    VL_ASSERT(vl_gpt_config_check(cfg) == VL_OK, "%s", vl_last_error());
    memset(g, 0, sizeof *g);
    g->cfg = *cfg;
    const int C = cfg->n_embd;
    char name[256];
    join(name, sizeof name, prefix, "tok_emb");
    g->tok_emb.num = cfg->vocab;
    g->tok_emb.dim = C;
    g->tok_emb.weight = vl_params_add(p, name, "weight", 2, (int[]){cfg->vocab, C},
                                      true, VL_INIT_NORMAL, 0.02f);
    if (cfg->sinusoidal) {
        g->pe = vl_xmalloc((size_t)cfg->block_size * C * sizeof(float));
        vl_sinusoidal_fill(g->pe, cfg->block_size, C, 0);
    } else {
        join(name, sizeof name, prefix, "pos_emb");
        g->pos_emb.num = cfg->block_size;
        g->pos_emb.dim = C;
        g->pos_emb.weight = vl_params_add(p, name, "weight", 2,
                                          (int[]){cfg->block_size, C}, true,
                                          VL_INIT_NORMAL, 0.02f);
    }
    g->blocks = vl_xcalloc((size_t)cfg->n_layer, sizeof *g->blocks);
    vl_block_config bc = {.dim = C, .n_heads = cfg->n_head, .dropout = cfg->dropout,
                          .prenorm = true, .causal = true, .bias = cfg->bias,
                          .norm = cfg->norm, .init_std = 0.02f,
                          .n_layers = cfg->n_layer,
                          .naive_attention = cfg->naive_attention};
    for (int i = 0; i < cfg->n_layer; i++) {
        char bn[64];
        snprintf(bn, sizeof bn, "blocks.%d", i);
        join(name, sizeof name, prefix, bn);
        vl_block_init(&g->blocks[i], p, name, &bc);
    }
    join(name, sizeof name, prefix, "ln_f");
    vl_tf_norm_init(&g->ln_f, p, name, cfg->norm, C, 0);
    if (cfg->tied) {
        g->head = g->tok_emb.weight;
    } else {
        join(name, sizeof name, prefix, "head");
        g->head = vl_params_add(p, name, "weight", 2, (int[]){cfg->vocab, C}, true,
                                VL_INIT_NORMAL, 0.02f);
    }
}

void vl_gpt_free(vl_gpt *g) {
    free(g->blocks);
    free(g->pe);
    memset(g, 0, sizeof *g);
}

void vl_gpt_cache_init(vl_gpt_cache *kc, const vl_gpt *g, int B, int max_len) {
    kc->n_layer = g->cfg.n_layer;
    kc->B = B;
    kc->max_len = max_len;
    kc->pos = 0;
    kc->layers = vl_xcalloc((size_t)kc->n_layer, sizeof *kc->layers);
    for (int i = 0; i < kc->n_layer; i++)
        vl_kv_cache_init(&kc->layers[i], B, max_len, g->cfg.n_embd);
}

void vl_gpt_cache_reset(vl_gpt_cache *kc) {
    kc->pos = 0;
    for (int i = 0; i < kc->n_layer; i++) kc->layers[i].len = 0;
}

void vl_gpt_cache_free(vl_gpt_cache *kc) {
    for (int i = 0; i < kc->n_layer; i++) vl_kv_cache_free(&kc->layers[i]);
    free(kc->layers);
    memset(kc, 0, sizeof *kc);
}

vl_tensor *vl_gpt_forward(vl_ctx *c, vl_gpt *g, const int *ids, int B, int T,
                          vl_gpt_cache *cache) {
    const int C = g->cfg.n_embd, start = cache ? cache->pos : 0;
    VL_ASSERT(T >= 1 && start + T <= g->cfg.block_size,
              "gpt: positions %d..%d beyond block size %d", start, start + T - 1,
              g->cfg.block_size);
    VL_ASSERT(!cache || (cache->B == B && start + T <= cache->max_len),
              "gpt: cache too small");
    vl_tensor *x = vl_embedding(c, g->tok_emb.weight, ids, 2, (int[]){B, T}); /* (B,T,C) */
    vl_tensor *pos;                                                           /* (T, C) */
    if (g->pe) {
        pos = vl_tensor_wrap(c, 2, (int[]){T, C}, g->pe + (size_t)start * C);
    } else {
        int *pid = vl_arena_alloc(&c->arena, (size_t)T * sizeof(int));
        for (int t = 0; t < T; t++) pid[t] = start + t;
        pos = vl_embedding(c, g->pos_emb.weight, pid, 1, (int[]){T});
    }
    x = vl_dropout(c, vl_add(c, x, pos), g->cfg.dropout);
    for (int i = 0; i < g->cfg.n_layer; i++)
        x = vl_block_forward(c, &g->blocks[i], x, NULL, NULL,
                             cache ? &cache->layers[i] : NULL);
    x = vl_tf_norm_forward(c, &g->ln_f, x, NULL);
    if (cache) cache->pos += T;
    return vl_linear(c, x, g->head, NULL); /* (B, T, V) */
}
