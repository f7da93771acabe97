/* src/nn/mlp.c: the multi-layer perceptron
 *   for each hidden layer i: x = fc.i(x); [x = norm.i(x)]; x = act(x);
 *                            [x = dropout(x)]
 *   then x = fc.{n_hidden}(x)
 * with parameters fc.{i}.* registered first, then norm.{i}.* (the order of
 * a PyTorch module holding two ModuleLists `fc` and `norm`), and the
 * activation / norm name tables for the CLI and checkpoints. */
#include <stdio.h>
#include <string.h>

#include "valle/nn.h"

static const char *const act_names[] = {
    [VL_ACT_RELU] = "relu",       [VL_ACT_TANH] = "tanh",
    [VL_ACT_SIGMOID] = "sigmoid", [VL_ACT_GELU] = "gelu",
    [VL_ACT_GELU_TANH] = "gelu_tanh",
};
static const char *const norm_names[] = {
    [VL_NORM_NONE] = "none", [VL_NORM_BATCH] = "batch",
    [VL_NORM_LAYER] = "layer",
};
#define N_ACT ((int)(sizeof act_names / sizeof act_names[0]))
#define N_NORM ((int)(sizeof norm_names / sizeof norm_names[0]))

int vl_activation_parse(const char *s, vl_activation *out) {
    int i = vl_parse_name(s, act_names, N_ACT, "activation");
    if (i >= 0) *out = (vl_activation)i;
    return i < 0 ? i : VL_OK;
}

const char *vl_activation_name(vl_activation a) {
    return ((int)a >= 0 && (int)a < N_ACT) ? act_names[a] : "?";
}

int vl_norm_parse(const char *s, vl_norm_kind *out) {
    int i = vl_parse_name(s, norm_names, N_NORM, "norm");
    if (i >= 0) *out = (vl_norm_kind)i;
    return i < 0 ? i : VL_OK;
}

const char *vl_norm_name(vl_norm_kind n) {
    return ((int)n >= 0 && (int)n < N_NORM) ? norm_names[n] : "?";
}

vl_tensor *vl_activate(vl_ctx *c, vl_tensor *x, vl_activation act) {
    switch (act) {
    case VL_ACT_RELU: return vl_relu(c, x);
    case VL_ACT_TANH: return vl_tanh(c, x);
    case VL_ACT_SIGMOID: return vl_sigmoid(c, x);
    case VL_ACT_GELU: return vl_gelu(c, x);
    case VL_ACT_GELU_TANH: return vl_gelu_tanh(c, x);
    }
    VL_ASSERT(0, "activation %d", (int)act);
    return x;
}

/* "<prefix>.<kind>.<i>" or "<kind>.<i>" */
static void sub_prefix(char *buf, size_t n, const char *prefix,
                       const char *kind, int i) {
    if (prefix && *prefix) snprintf(buf, n, "%s.%s.%d", prefix, kind, i);
    else snprintf(buf, n, "%s.%d", kind, i);
}

void vl_mlp_init(vl_mlp *m, vl_params *p, const char *prefix,
                 const vl_mlp_config *cfg) {
    VL_ASSERT(cfg->n_hidden >= 0 && cfg->n_hidden <= VL_MLP_MAX_LAYERS,
              "mlp with %d hidden layers (max %d)", cfg->n_hidden,
              VL_MLP_MAX_LAYERS);
    memset(m, 0, sizeof *m);
    m->cfg = *cfg;
    char name[256];
    int prev = cfg->in_dim;
    for (int i = 0; i <= cfg->n_hidden; i++) {
        int width = i < cfg->n_hidden ? cfg->hidden[i] : cfg->out_dim;
        sub_prefix(name, sizeof name, prefix, "fc", i);
        vl_linear_init(&m->fc[i], p, name, prev, width, true);
        prev = width;
    }
    for (int i = 0; i < cfg->n_hidden; i++) {
        sub_prefix(name, sizeof name, prefix, "norm", i);
        if (cfg->norm == VL_NORM_BATCH)
            vl_batchnorm_init(&m->bn[i], p, name, cfg->hidden[i], 0.1f, 1e-5f);
        else if (cfg->norm == VL_NORM_LAYER)
            vl_layernorm_init(&m->ln[i], p, name, cfg->hidden[i], 1e-5f);
    }
}

/* BatchNorm1d over features: inputs with more than 2 dims are flattened to
 * (rows, C) and back, so every leading position counts as a sample. */
static vl_tensor *bn_features(vl_ctx *c, vl_batchnorm_layer *b, vl_tensor *x) {
    if (x->ndim == 2) return vl_batchnorm_forward(c, b, x);
    int shape[VL_MAX_DIMS];
    memcpy(shape, x->shape, sizeof shape);
    vl_tensor *flat = vl_reshape(c, x, 2, (int[]){-1, x->shape[x->ndim - 1]});
    return vl_reshape(c, vl_batchnorm_forward(c, b, flat), x->ndim, shape);
}

vl_tensor *vl_mlp_forward(vl_ctx *c, vl_mlp *m, vl_tensor *x) {
    const vl_mlp_config *cfg = &m->cfg;
    for (int i = 0; i < cfg->n_hidden; i++) {
        x = vl_linear_forward(c, &m->fc[i], x);          /* (..., hidden[i]) */
        if (cfg->norm == VL_NORM_BATCH) x = bn_features(c, &m->bn[i], x);
        else if (cfg->norm == VL_NORM_LAYER) x = vl_layernorm_forward(c, &m->ln[i], x);
        x = vl_activate(c, x, cfg->act);
        if (cfg->dropout > 0) x = vl_dropout(c, x, cfg->dropout);
    }
    return vl_linear_forward(c, &m->fc[cfg->n_hidden], x);  /* (..., out) */
}
