/* src/models/rnnlm.c: the recurrent word language model (embedding,
 * multi-layer RNN/LSTM/GRU, output layer optionally tied to the
 * embedding; Zaremba-style dropout on the embedding, between layers and
 * before the output). */
#include <math.h>
#include <string.h>

#include "valle/rnnlm.h"

void vl_rnnlm_init(vl_rnnlm *m, vl_params *p, const vl_rnnlm_config *cfg) {
    memset(m, 0, sizeof *m);
    m->cfg = *cfg;
    VL_ASSERT(!cfg->tie || cfg->emb == cfg->hidden, "tied weights need emb == hidden");
    float a = cfg->init;
    m->emb.weight = vl_params_add(p, "emb", "weight", 2, (int[]){cfg->vocab, cfg->emb}, true,
                                  a > 0 ? VL_INIT_UNIFORM : VL_INIT_NORMAL, a > 0 ? a : 1.0f);
    m->emb.num = cfg->vocab;
    m->emb.dim = cfg->emb;
    vl_rnn_init(&m->rnn, p, "rnn", cfg->arch, cfg->emb, cfg->hidden, cfg->layers,
                cfg->dropout, a);
    float ao = a > 0 ? a : 1.0f / sqrtf((float)cfg->hidden);
    m->out_w = cfg->tie ? m->emb.weight
                        : vl_params_add(p, "out", "weight", 2, (int[]){cfg->vocab, cfg->hidden},
                                        true, VL_INIT_UNIFORM, ao);
    m->out_b = vl_params_add(p, "out", "bias", 1, (int[]){cfg->vocab}, true,
                             a > 0 ? VL_INIT_UNIFORM : VL_INIT_ZEROS, a);
}

vl_tensor *vl_rnnlm_forward(vl_ctx *c, const vl_rnnlm *m, const int *ids, int B, int T,
                            const vl_rnn_state *init, vl_rnn_state *final) {
    float p = m->cfg.dropout;
    vl_tensor *x = vl_embedding(c, m->emb.weight, ids, 2, (int[]){B, T}); /* (B, T, E) */
    x = vl_dropout(c, x, p);
    vl_tensor *y = vl_rnn_forward(c, &m->rnn, x, init, final);          /* (B, T, H) */
    y = vl_dropout(c, y, p);
    return vl_linear(c, y, m->out_w, m->out_b);                           /* (B, T, V) */
}
