/* src/codec/encodec.c: the "encodec" codec backend: EnCodec 24 kHz inference
 * (SEANet encoder -> residual VQ -> SEANet decoder), loaded from a
 * safetensors file with either HuggingFace names (encoder.layers.N...,
 * weight_g/weight_v or parametrizations.weight.original0/1) or the original
 * checkpoint's names (encoder.model.N.conv.conv...). The widths, dimension,
 * strides and codebook count/size are read from the tensor shapes (the
 * published model: 32 filters, dimension 128, strides 2 4 5 8, 32 codebooks
 * of 1024), and every tensor's shape is checked. */
#include "codec_internal.h"
#include "encodec_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N_STAGES 4
#define ENC_RATE 24000

typedef struct resblock {
    enc_conv c1, c2, sc;
} resblock;

typedef struct encodec {
    int nf, dim, n_q, bins, n_q_used, hop;
    int ratios[N_STAGES];            /* encoder order (2 4 5 8) */
    enc_conv e_in, e_down[N_STAGES], e_out;
    resblock e_res[N_STAGES];
    enc_lstm e_lstm;
    enc_conv d_in, d_out;
    enc_convtr d_up[N_STAGES];
    resblock d_res[N_STAGES];
    enc_lstm d_lstm;
    float *codebooks;                /* (n_q, bins, dim) */
} encodec;

/* module base names under both namings */
typedef struct naming {
    int hf;
} naming;

static void mod_name(char *buf, size_t cap, naming nm, const char *part, int idx,
                     const char *sub, int kind) {
    /* kind 0: conv, 1: convtr, 2: lstm */
    const char *lay = nm.hf ? "layers" : "model";
    const char *tail = kind == 2 ? "" : nm.hf ? ".conv" : kind == 1 ? ".convtr.convtr" : ".conv.conv";
    snprintf(buf, cap, "%s.%s.%d%s%s", part, lay, idx, sub, tail);
}

static int load_res(resblock *r, const vl_safetensors *st, naming nm, const char *part, int idx,
                    int ch) {
    char b[256];
    memset(r, 0, sizeof *r);
    mod_name(b, sizeof b, nm, part, idx, ".block.1", 0);
    int rc = enc_conv_load(&r->c1, st, b, ch, ch / 2, 3, 1, 1);
    mod_name(b, sizeof b, nm, part, idx, ".block.3", 0);
    if (rc >= 0) rc = enc_conv_load(&r->c2, st, b, ch / 2, ch, 1, 1, 1);
    mod_name(b, sizeof b, nm, part, idx, ".shortcut", 0);
    if (rc >= 0) rc = enc_conv_load(&r->sc, st, b, ch, ch, 1, 1, 1);
    return rc;
}

static void free_res(resblock *r) {
    enc_conv_free(&r->c1), enc_conv_free(&r->c2), enc_conv_free(&r->sc);
}

static void encodec_free(encodec *m) {
    if (!m) return;
    enc_conv_free(&m->e_in), enc_conv_free(&m->e_out), enc_conv_free(&m->d_in),
        enc_conv_free(&m->d_out);
    for (int i = 0; i < N_STAGES; i++) {
        enc_conv_free(&m->e_down[i]), enc_convtr_free(&m->d_up[i]);
        free_res(&m->e_res[i]), free_res(&m->d_res[i]);
    }
    enc_lstm_free(&m->e_lstm), enc_lstm_free(&m->d_lstm);
    free(m->codebooks);
    free(m);
}

static const vl_st_tensor *find_v(const vl_safetensors *st, const char *base) {
    static const char *const sfx[] = {".weight_v", ".parametrizations.weight.original1", ".weight"};
    char b[512];
    for (int i = 0; i < 3; i++) {
        snprintf(b, sizeof b, "%s%s", base, sfx[i]);
        const vl_st_tensor *t = vl_st_find(st, b);
        if (t) return t;
    }
    return NULL;
}

static int encodec_load(encodec **out, const char *path) {
    *out = NULL;
    vl_safetensors st;
    int rc = vl_st_open(&st, path);
    if (rc < 0) return rc;
    encodec *m = vl_xcalloc(1, sizeof *m);
    naming nm = {0};
    char b[256];
    mod_name(b, sizeof b, nm, "encoder", 0, "", 0);
    const vl_st_tensor *v0 = find_v(&st, b);
    if (!v0) {
        nm.hf = 1;
        mod_name(b, sizeof b, nm, "encoder", 0, "", 0);
        v0 = find_v(&st, b);
    }
    if (!v0) {
        rc = vl_error(VL_ERR_NOTFOUND, "%s: not EnCodec weights (no 'encoder.model.0.conv.conv."
                      "weight_v' or 'encoder.layers.0.conv.weight_v')", path);
        goto fail;
    }
    if (v0->ndim != 3 || v0->shape[1] != 1 || v0->shape[0] < 2 || v0->shape[0] > 4096) {
        rc = vl_error(VL_ERR_SHAPE, "%s: first conv has an unexpected shape (want [n_filters, 1, 7])",
                      path);
        goto fail;
    }
    m->nf = (int)v0->shape[0];
    /* strides from the down-sampling kernels (2 x stride) */
    m->hop = 1;
    for (int i = 0; i < N_STAGES; i++) {
        mod_name(b, sizeof b, nm, "encoder", 3 + 3 * i, "", 0);
        const vl_st_tensor *t = find_v(&st, b);
        if (!t || t->ndim != 3 || t->shape[2] < 2 || t->shape[2] % 2 || t->shape[2] > 64) {
            rc = vl_error(t ? VL_ERR_SHAPE : VL_ERR_NOTFOUND,
                          "%s: down-sampling conv '%s' missing or not [out, in, 2 x stride]", path, b);
            goto fail;
        }
        m->ratios[i] = (int)t->shape[2] / 2;
        m->hop *= m->ratios[i];
    }
    int top = m->nf << N_STAGES;
    mod_name(b, sizeof b, nm, "encoder", 15, "", 0);
    const vl_st_tensor *vo = find_v(&st, b);
    if (!vo || vo->ndim != 3 || vo->shape[0] < 1 || vo->shape[0] > 4096) {
        rc = vl_error(vo ? VL_ERR_SHAPE : VL_ERR_NOTFOUND, "%s: output conv '%s' missing or "
                      "mis-shaped", path, b);
        goto fail;
    }
    m->dim = (int)vo->shape[0];
    for (m->n_q = 0; m->n_q < 64; m->n_q++) {
        snprintf(b, sizeof b, nm.hf ? "quantizer.layers.%d.codebook.embed"
                                    : "quantizer.vq.layers.%d._codebook.embed", m->n_q);
        const vl_st_tensor *t = vl_st_find(&st, b);
        if (!t) break;
        if (m->n_q == 0) {
            if (t->ndim != 2 || t->shape[0] < 2 || t->shape[0] > 65536 ||
                (t->shape[0] & (t->shape[0] - 1))) {
                rc = vl_error(VL_ERR_SHAPE, "%s: '%s' must be [bins (a power of 2), %d]", path, b,
                              m->dim);
                goto fail;
            }
            m->bins = (int)t->shape[0];
        }
    }
    if (m->n_q == 0) {
        rc = vl_error(VL_ERR_NOTFOUND, "%s: missing the codebooks ('%s')", path,
                      nm.hf ? "quantizer.layers.0.codebook.embed"
                            : "quantizer.vq.layers.0._codebook.embed");
        goto fail;
    }
    m->codebooks = vl_xmalloc(sizeof(float) * (size_t)m->n_q * m->bins * m->dim);
    for (int q = 0; q < m->n_q && rc >= 0; q++) {
        snprintf(b, sizeof b, nm.hf ? "quantizer.layers.%d.codebook.embed"
                                    : "quantizer.vq.layers.%d._codebook.embed", q);
        rc = vl_st_read_f32(&st, b, m->codebooks + (size_t)q * m->bins * m->dim, 2,
                            (int64_t[]){m->bins, m->dim});
    }
    if (rc < 0) goto fail;
    /* encoder */
    mod_name(b, sizeof b, nm, "encoder", 0, "", 0);
    if ((rc = enc_conv_load(&m->e_in, &st, b, 1, m->nf, 7, 1, 1)) < 0) goto fail;
    for (int i = 0, ch = m->nf; i < N_STAGES; i++, ch *= 2) {
        if ((rc = load_res(&m->e_res[i], &st, nm, "encoder", 1 + 3 * i, ch)) < 0) goto fail;
        mod_name(b, sizeof b, nm, "encoder", 3 + 3 * i, "", 0);
        if ((rc = enc_conv_load(&m->e_down[i], &st, b, ch, 2 * ch, 2 * m->ratios[i],
                                m->ratios[i], 1)) < 0)
            goto fail;
    }
    mod_name(b, sizeof b, nm, "encoder", 13, ".lstm", 2);
    if ((rc = enc_lstm_load(&m->e_lstm, &st, b, top, 2)) < 0) goto fail;
    mod_name(b, sizeof b, nm, "encoder", 15, "", 0);
    if ((rc = enc_conv_load(&m->e_out, &st, b, top, m->dim, 7, 1, 1)) < 0) goto fail;
    /* decoder: strides in reverse (8 5 4 2) */
    mod_name(b, sizeof b, nm, "decoder", 0, "", 0);
    if ((rc = enc_conv_load(&m->d_in, &st, b, m->dim, top, 7, 1, 1)) < 0) goto fail;
    mod_name(b, sizeof b, nm, "decoder", 1, ".lstm", 2);
    if ((rc = enc_lstm_load(&m->d_lstm, &st, b, top, 2)) < 0) goto fail;
    for (int i = 0, ch = top; i < N_STAGES; i++, ch /= 2) {
        int r = m->ratios[N_STAGES - 1 - i];
        mod_name(b, sizeof b, nm, "decoder", 3 + 3 * i, "", 1);
        if ((rc = enc_convtr_load(&m->d_up[i], &st, b, ch, ch / 2, 2 * r, r)) < 0) goto fail;
        if ((rc = load_res(&m->d_res[i], &st, nm, "decoder", 4 + 3 * i, ch / 2)) < 0) goto fail;
    }
    mod_name(b, sizeof b, nm, "decoder", 15, "", 0);
    if ((rc = enc_conv_load(&m->d_out, &st, b, m->nf, 1, 7, 1, 1)) < 0) goto fail;
    vl_st_close(&st);
    *out = m;
    return VL_OK;
fail:
    {
        char msg[1024];
        snprintf(msg, sizeof msg, "%s", vl_last_error());
        vl_st_close(&st);
        encodec_free(m);
        if (!strstr(msg, path)) return vl_error(rc, "%s: %s", path, msg);
        return vl_error(rc, "%s", msg);
    }
}

/* x (ch, t) -> shortcut(x) + conv2(elu(conv1(elu(x)))) */
static float *res_forward(const resblock *r, const float *x, int ch, int t) {
    float *a = vl_xmalloc(sizeof(float) * (size_t)ch * t);
    memcpy(a, x, sizeof(float) * (size_t)ch * t);
    enc_elu(a, (int64_t)ch * t);
    int t1, t2, t3;
    float *h = enc_conv_forward(&r->c1, a, t, &t1);
    free(a);
    if (!h) return NULL;
    enc_elu(h, (int64_t)r->c1.cout * t1);
    float *y = enc_conv_forward(&r->c2, h, t1, &t2);
    free(h);
    float *s = y ? enc_conv_forward(&r->sc, x, t, &t3) : NULL;
    if (!y || !s || t2 != t || t3 != t) {
        free(y), free(s);
        return NULL;
    }
    for (int64_t i = 0; i < (int64_t)ch * t; i++) y[i] = s[i] + y[i];
    free(s);
    return y;
}

#define STEP(expr)                                                                          \
    do {                                                                                    \
        float *nx_ = (expr);                                                                \
        free(x);                                                                            \
        x = nx_;                                                                            \
        if (!x) return NULL;                                                                \
    } while (0)

/* pcm (n) -> embedding (dim, *t) */
static float *encoder_forward(const encodec *m, const float *pcm, int n, int *t) {
    float *x = NULL;
    int len = n, nl;
    STEP(enc_conv_forward(&m->e_in, pcm, len, &nl));
    len = nl;
    int ch = m->nf;
    for (int i = 0; i < N_STAGES; i++, ch *= 2) {
        STEP(res_forward(&m->e_res[i], x, ch, len));
        enc_elu(x, (int64_t)ch * len);
        STEP(enc_conv_forward(&m->e_down[i], x, len, &nl));
        len = nl;
    }
    STEP(enc_lstm_forward(&m->e_lstm, x, len));
    enc_elu(x, (int64_t)ch * len);
    STEP(enc_conv_forward(&m->e_out, x, len, &nl));
    *t = nl;
    return x;
}

/* embedding (dim, t) -> pcm (*n) */
static float *decoder_forward(const encodec *m, const float *emb, int t, int *n) {
    float *x = NULL;
    int len = t, nl, ch = m->nf << N_STAGES;
    STEP(enc_conv_forward(&m->d_in, emb, len, &nl));
    STEP(enc_lstm_forward(&m->d_lstm, x, len));
    for (int i = 0; i < N_STAGES; i++, ch /= 2) {
        enc_elu(x, (int64_t)ch * len);
        STEP(enc_convtr_forward(&m->d_up[i], x, len, &nl));
        len = nl;
        STEP(res_forward(&m->d_res[i], x, ch / 2, len));
    }
    enc_elu(x, (int64_t)ch * len);
    STEP(enc_conv_forward(&m->d_out, x, len, &nl));
    *n = nl;
    return x;
}

static int ec_encode(vl_codec *c, const float *pcm, int64_t n, vl_codes *out) {
    encodec *m = c->impl;
    if (n > (int64_t)ENC_RATE * 3600)
        return vl_error(VL_ERR_ARG, "encodec: input longer than an hour; split it");
    int t = 0;
    float *emb = encoder_forward(m, pcm, (int)n, &t);
    if (!emb) return vl_error(VL_ERR_NOMEM, "encodec: out of memory in the encoder");
    vl_codes_init(out, m->n_q_used, t);
    enc_rvq_encode(m->codebooks, m->n_q_used, m->bins, m->dim, emb, t, out->data);
    free(emb);
    return VL_OK;
}

static int ec_decode(vl_codec *c, const vl_codes *q, float **pcm, int64_t *n) {
    encodec *m = c->impl;
    if (q->frames > (int64_t)3600 * 75)
        return vl_error(VL_ERR_ARG, "encodec: more than an hour of codes; split them");
    float *emb = enc_rvq_decode(m->codebooks, q->levels, m->bins, m->dim, q->data, (int)q->frames);
    if (!emb) return vl_error(VL_ERR_NOMEM, "encodec: out of memory");
    int len = 0;
    float *y = decoder_forward(m, emb, (int)q->frames, &len);
    free(emb);
    if (!y) return vl_error(VL_ERR_NOMEM, "encodec: out of memory in the decoder");
    *pcm = y;
    *n = len;
    return VL_OK;
}

static void ec_close(vl_codec *c) {
    encodec_free(c->impl);
    c->impl = NULL;
}

static const vl_codec_ops ec_ops = {ec_encode, ec_decode, ec_close};

int vl_codec_encodec_open(vl_codec *c, const char *weights, float bandwidth) {
    static const float bws[] = {1.5f, 3.0f, 6.0f, 12.0f, 24.0f};
    int ok = 0;
    for (int i = 0; i < 5; i++) ok |= fabsf(bandwidth - bws[i]) < 1e-6f;
    if (!ok)
        return vl_error(VL_ERR_ARG, "encodec: --bandwidth %g is not one of 1.5, 3, 6, 12, 24",
                        bandwidth);
    encodec *m;
    int rc = encodec_load(&m, weights);
    if (rc < 0) return rc;
    double frame_rate = ceil((double)ENC_RATE / m->hop);
    int bits = 0;
    while ((1 << bits) < m->bins) bits++;
    /* as ResidualVectorQuantizer.get_num_quantizers_for_bandwidth */
    int nq = (int)floor(bandwidth * 1000.0 / (bits * frame_rate));
    if (nq < 1) nq = 1;
    if (nq > m->n_q || nq > VL_CODEC_MAX_LEVELS) {
        rc = vl_error(VL_ERR_ARG, "encodec: %g kbps needs %d codebooks; %s has %d", bandwidth, nq,
                      weights, m->n_q);
        encodec_free(m);
        return rc;
    }
    m->n_q_used = nq;
    c->impl = m;
    c->ops = &ec_ops;
    c->info.name = "encodec";
    c->info.sample_rate = ENC_RATE;
    c->info.hop = m->hop;
    c->info.frame_rate = (double)ENC_RATE / m->hop;
    c->info.levels = nq;
    for (int l = 0; l < nq; l++) c->info.vocab[l] = m->bins;
    return VL_OK;
}
