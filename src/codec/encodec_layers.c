/* src/codec/encodec_layers.c: EnCodec's layers for inference: causal
 * convolution with reflect padding (im2col + sgemm, in time chunks),
 * transposed convolution (sgemm + overlap-add, right trim), the skip LSTM
 * (input projection for all steps by one sgemm, then one sgemv per step),
 * ELU, residual VQ, and weight loading with weight norm folded. Follows the
 * `encodec` package (modules/conv.py, lstm.py, quantization/core_vq.py). */
#include "encodec_internal.h"

#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void enc_elu(float *x, int64_t n) {
    for (int64_t i = 0; i < n; i++)
        if (x[i] < 0) x[i] = expm1f(x[i]);
}

/* ---- convolution ---- */

/* Reflect-padded copy of x (c, t) with pl left and pr right, as pad1d:
 * input no longer than the padding is first zero-extended. */
static float *pad_reflect(const float *x, int c, int t, int pl, int pr) {
    int maxp = pl > pr ? pl : pr, extra = t <= maxp ? maxp - t + 1 : 0;
    int L = t + extra, tp = t + pl + pr;
    float *xp = malloc(sizeof(float) * (size_t)c * tp);
    if (!xp) return NULL;
    for (int ch = 0; ch < c; ch++) {
        const float *src = x + (size_t)ch * t;
        float *dst = xp + (size_t)ch * tp;
        for (int p = 0; p < tp; p++) {
            int i = p - pl;   /* index in the zero-extended array of length L */
            if (i < 0) i = -i;
            if (i >= L) i = 2 * (L - 1) - i;
            dst[p] = i < t ? src[i] : 0.0f;
        }
    }
    return xp;
}

float *enc_conv_forward(const enc_conv *c, const float *x, int t, int *t_out) {
    int k = c->k, s = c->stride, d = c->dil;
    int pt = (k - 1) * d - (s - 1);
    double nfr = (double)(t - k + pt) / s + 1;
    int ideal = ((int)ceil(nfr) - 1) * s + (k - pt);
    int extra = ideal - t;
    if (extra < 0) extra = 0;
    int tp = t + pt + extra;
    int to = (tp - d * (k - 1) - 1) / s + 1;
    *t_out = to;
    float *y = malloc(sizeof(float) * (size_t)c->cout * (to > 0 ? to : 1));
    if (!y || to <= 0) {
        free(y);
        *t_out = 0;
        return NULL;
    }
    for (int o = 0; o < c->cout; o++)
        for (int i = 0; i < to; i++) y[(size_t)o * to + i] = c->b[o];
    if (k == 1 && s == 1 && pt == 0 && extra == 0) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, c->cout, to, c->cin, 1.0f, c->w,
                    c->cin, x, t, 1.0f, y, to);
        return y;
    }
    float *xp = pad_reflect(x, c->cin, t, pt, extra);
    if (!xp) {
        free(y);
        return NULL;
    }
    int rows = c->cin * k;
    int chunk = (1 << 21) / rows;
    if (chunk < 64) chunk = 64;
    if (chunk > to) chunk = to;
    float *col = malloc(sizeof(float) * (size_t)rows * chunk);
    if (!col) {
        free(xp), free(y);
        return NULL;
    }
    for (int t0 = 0; t0 < to; t0 += chunk) {
        int tc = to - t0 < chunk ? to - t0 : chunk;
#pragma omp parallel for if (rows * tc > 32768)
        for (int r = 0; r < rows; r++) {
            int ch = r / k, j = r % k;
            const float *src = xp + (size_t)ch * tp + j * d + (size_t)t0 * s;
            float *dst = col + (size_t)r * tc;
            for (int i = 0; i < tc; i++) dst[i] = src[(size_t)i * s];
        }
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, c->cout, tc, rows, 1.0f, c->w,
                    rows, col, tc, 1.0f, y + t0, to);
    }
    free(col), free(xp);
    return y;
}

float *enc_convtr_forward(const enc_convtr *c, const float *x, int t, int *t_out) {
    int k = c->k, s = c->stride, ck = c->cout * k;
    int tfull = (t - 1) * s + k, to = tfull - (k - s);
    *t_out = to;
    float *z = malloc(sizeof(float) * (size_t)ck * t);
    float *y = malloc(sizeof(float) * (size_t)c->cout * tfull);
    if (!z || !y) {
        free(z), free(y);
        return NULL;
    }
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, ck, t, c->cin, 1.0f, c->w, ck, x, t,
                0.0f, z, t);
#pragma omp parallel for if ((size_t)ck * t > 32768)
    for (int o = 0; o < c->cout; o++) {
        float *yo = y + (size_t)o * tfull;
        for (int i = 0; i < tfull; i++) yo[i] = 0;
        for (int j = 0; j < k; j++) {
            const float *zr = z + ((size_t)o * k + j) * t;
            for (int i = 0; i < t; i++) yo[i * s + j] += zr[i];
        }
        for (int i = 0; i < to; i++) yo[i] += c->b[o];
    }
    free(z);
    /* keep the first `to` columns of each row */
    for (int o = 1; o < c->cout; o++)
        memmove(y + (size_t)o * to, y + (size_t)o * tfull, sizeof(float) * to);
    return y;
}

/* ---- LSTM ---- */

static float sigm(float x) { return 1.0f / (1.0f + expf(-x)); }

float *enc_lstm_forward(const enc_lstm *l, const float *x, int t) {
    int h = l->dim, g4 = 4 * h;
    float *in = malloc(sizeof(float) * (size_t)h * t), *out = malloc(sizeof(float) * (size_t)h * t);
    float *G = malloc(sizeof(float) * (size_t)g4 * t);
    float *hs = calloc((size_t)h, sizeof(float)), *cs = calloc((size_t)h, sizeof(float));
    float *gate = malloc(sizeof(float) * g4);
    if (!in || !out || !G || !hs || !cs || !gate) {
        free(in), free(out), free(G), free(hs), free(cs), free(gate);
        return NULL;
    }
    memcpy(in, x, sizeof(float) * (size_t)h * t);
    for (int L = 0; L < l->layers; L++) {
        /* G (4h, t) = W_ih @ in */
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, g4, t, h, 1.0f, l->w_ih[L], h, in,
                    t, 0.0f, G, t);
        memset(hs, 0, sizeof(float) * h);
        memset(cs, 0, sizeof(float) * h);
        for (int i = 0; i < t; i++) {
            /* gate = b + W_hh h: a plain loop, not a threaded sgemv; one
             * parallel region per time step costs more than the 4h x h work */
            for (int r = 0; r < g4; r++) {
                const float *w = l->w_hh[L] + (size_t)r * h;
                float acc[16] = {0};   /* 16 partial sums: vectorisable */
                int c = 0;
                for (; c + 16 <= h; c += 16)
                    for (int j = 0; j < 16; j++) acc[j] += w[c + j] * hs[c + j];
                float s = 0;
                for (; c < h; c++) s += w[c] * hs[c];
                for (int j = 0; j < 16; j++) s += acc[j];
                gate[r] = l->b[L][r] + s;
            }
            for (int r = 0; r < h; r++) {
                float ig = sigm(G[(size_t)r * t + i] + gate[r]);
                float fg = sigm(G[(size_t)(h + r) * t + i] + gate[h + r]);
                float gg = tanhf(G[(size_t)(2 * h + r) * t + i] + gate[2 * h + r]);
                float og = sigm(G[(size_t)(3 * h + r) * t + i] + gate[3 * h + r]);
                cs[r] = fg * cs[r] + ig * gg;
                hs[r] = og * tanhf(cs[r]);
                out[(size_t)r * t + i] = hs[r];
            }
        }
        float *tmp = in;
        in = out, out = tmp;
    }
    /* `in` holds the last layer's output; add the skip */
    for (int64_t i = 0; i < (int64_t)h * t; i++) in[i] += x[i];
    free(out), free(G), free(hs), free(cs), free(gate);
    return in;
}

/* ---- residual VQ ---- */

void enc_rvq_encode(const float *cb, int n_q, int bins, int dim, const float *x, int t,
                    int32_t *codes) {
    float *res = vl_xmalloc(sizeof(float) * (size_t)dim * t);   /* (dim, t) */
    float *dots = vl_xmalloc(sizeof(float) * (size_t)t * bins);  /* (t, bins) */
    float *e2 = vl_xmalloc(sizeof(float) * bins);
    memcpy(res, x, sizeof(float) * (size_t)dim * t);
    for (int q = 0; q < n_q; q++) {
        const float *E = cb + (size_t)q * bins * dim;   /* (bins, dim) */
        for (int j = 0; j < bins; j++) {
            float s = 0;
            for (int c = 0; c < dim; c++) s += E[(size_t)j * dim + c] * E[(size_t)j * dim + c];
            e2[j] = s;
        }
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasTrans, t, bins, dim, 1.0f, res, t, E, dim,
                    0.0f, dots, bins);
        for (int i = 0; i < t; i++) {
            float x2 = 0;
            for (int c = 0; c < dim; c++) x2 += res[(size_t)c * t + i] * res[(size_t)c * t + i];
            int best = 0;
            float bd = INFINITY;
            for (int j = 0; j < bins; j++) {
                float dd = x2 - 2 * dots[(size_t)i * bins + j] + e2[j];
                if (dd < bd) bd = dd, best = j;
            }
            codes[(size_t)q * t + i] = best;
            for (int c = 0; c < dim; c++) res[(size_t)c * t + i] -= E[(size_t)best * dim + c];
        }
    }
    free(res), free(dots), free(e2);
}

float *enc_rvq_decode(const float *cb, int n_q, int bins, int dim, const int32_t *codes, int t) {
    float *y = calloc((size_t)dim * t, sizeof(float));
    if (!y) return NULL;
    for (int q = 0; q < n_q; q++) {
        const float *E = cb + (size_t)q * bins * dim;
        for (int i = 0; i < t; i++) {
            const float *e = E + (size_t)codes[(size_t)q * t + i] * dim;
            for (int c = 0; c < dim; c++) y[(size_t)c * t + i] += e[c];
        }
    }
    return y;
}

/* ---- loading ---- */

static int has(const vl_safetensors *st, const char *base, const char *suffix, char *buf,
               size_t cap) {
    snprintf(buf, cap, "%s%s", base, suffix);
    return vl_st_find(st, buf) != NULL;
}

/* v: (d0, d1, k) folded with g over dim 0 into w (same layout). */
static int load_wn(const vl_safetensors *st, const char *base, int d0, int d1, int k, float *w) {
    char gname[512], vname[512];
    int64_t vs[3] = {d0, d1, k}, gs[3] = {d0, 1, 1};
    if (has(st, base, ".weight", vname, sizeof vname) &&
        !has(st, base, ".weight_v", gname, sizeof gname))
        return vl_st_read_f32(st, vname, w, 3, vs);
    if (has(st, base, ".weight_g", gname, sizeof gname)) {
        snprintf(vname, sizeof vname, "%s.weight_v", base);
    } else if (has(st, base, ".parametrizations.weight.original0", gname, sizeof gname)) {
        snprintf(vname, sizeof vname, "%s.parametrizations.weight.original1", base);
    } else {
        return vl_error(VL_ERR_NOTFOUND,
                        "encodec weights: missing tensor '%s.weight_g' (or "
                        "'.parametrizations.weight.original0' or '.weight')", base);
    }
    float *g = vl_xmalloc(sizeof(float) * d0);
    int rc = vl_st_read_f32(st, gname, g, 3, gs);
    if (rc >= 0) rc = vl_st_read_f32(st, vname, w, 3, vs);
    if (rc >= 0) {
        size_t row = (size_t)d1 * k;
        for (int o = 0; o < d0; o++) {
            double n2 = 0;
            float *v = w + o * row;
            for (size_t i = 0; i < row; i++) n2 += (double)v[i] * v[i];
            float scale = n2 > 0 ? (float)(g[o] / sqrt(n2)) : 0.0f;
            for (size_t i = 0; i < row; i++) v[i] *= scale;
        }
    }
    free(g);
    return rc;
}

static int load_bias(const vl_safetensors *st, const char *base, int n, float *b) {
    char name[512];
    snprintf(name, sizeof name, "%s.bias", base);
    return vl_st_read_f32(st, name, b, 1, (int64_t[]){n});
}

int enc_conv_load(enc_conv *c, const vl_safetensors *st, const char *base, int cin, int cout,
                  int k, int stride, int dil) {
    *c = (enc_conv){cin, cout, k, stride, dil, NULL, NULL};
    c->w = vl_xmalloc(sizeof(float) * (size_t)cout * cin * k);
    c->b = vl_xmalloc(sizeof(float) * cout);
    int rc = load_wn(st, base, cout, cin, k, c->w);
    if (rc >= 0) rc = load_bias(st, base, cout, c->b);
    if (rc < 0) enc_conv_free(c);
    return rc;
}

int enc_convtr_load(enc_convtr *c, const vl_safetensors *st, const char *base, int cin,
                    int cout, int k, int stride) {
    *c = (enc_convtr){cin, cout, k, stride, NULL, NULL};
    c->w = vl_xmalloc(sizeof(float) * (size_t)cout * cin * k);
    c->b = vl_xmalloc(sizeof(float) * cout);
    int rc = load_wn(st, base, cin, cout, k, c->w);
    if (rc >= 0) rc = load_bias(st, base, cout, c->b);
    if (rc < 0) enc_convtr_free(c);
    return rc;
}

int enc_lstm_load(enc_lstm *l, const vl_safetensors *st, const char *base, int dim, int layers) {
    memset(l, 0, sizeof *l);
    if (layers < 1 || layers > ENC_LSTM_MAX_LAYERS)
        return vl_error(VL_ERR_ARG, "encodec: %d LSTM layers", layers);
    l->dim = dim, l->layers = layers;
    int rc = VL_OK;
    char name[512];
    int64_t ws[2] = {4 * dim, dim}, bs[1] = {4 * dim};
    float *tmp = vl_xmalloc(sizeof(float) * 4 * dim);
    for (int L = 0; L < layers && rc >= 0; L++) {
        l->w_ih[L] = vl_xmalloc(sizeof(float) * 16 * (size_t)dim * dim / 4);
        l->w_hh[L] = vl_xmalloc(sizeof(float) * 16 * (size_t)dim * dim / 4);
        l->b[L] = vl_xmalloc(sizeof(float) * 4 * dim);
        snprintf(name, sizeof name, "%s.weight_ih_l%d", base, L);
        rc = vl_st_read_f32(st, name, l->w_ih[L], 2, ws);
        snprintf(name, sizeof name, "%s.weight_hh_l%d", base, L);
        if (rc >= 0) rc = vl_st_read_f32(st, name, l->w_hh[L], 2, ws);
        snprintf(name, sizeof name, "%s.bias_ih_l%d", base, L);
        if (rc >= 0) rc = vl_st_read_f32(st, name, l->b[L], 1, bs);
        snprintf(name, sizeof name, "%s.bias_hh_l%d", base, L);
        if (rc >= 0) rc = vl_st_read_f32(st, name, tmp, 1, bs);
        if (rc >= 0)
            for (int i = 0; i < 4 * dim; i++) l->b[L][i] += tmp[i];
    }
    free(tmp);
    if (rc < 0) enc_lstm_free(l);
    return rc;
}

void enc_conv_free(enc_conv *c) {
    free(c->w), free(c->b);
    c->w = c->b = NULL;
}

void enc_convtr_free(enc_convtr *c) {
    free(c->w), free(c->b);
    c->w = c->b = NULL;
}

void enc_lstm_free(enc_lstm *l) {
    for (int L = 0; L < ENC_LSTM_MAX_LAYERS; L++) {
        free(l->w_ih[L]), free(l->w_hh[L]), free(l->b[L]);
        l->w_ih[L] = l->w_hh[L] = l->b[L] = NULL;
    }
}
