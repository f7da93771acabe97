/* src/ops/rnn.c: the fused recurrence of the tanh RNN, LSTM and GRU
 * (PyTorch gate order) with a hand-written backward through time. The input
 * projections of all steps arrive precomputed (one big GEMM done by the
 * caller); each step here is one GEMM h_{t-1} @ W_hh^T plus a pointwise
 * kernel. Backward runs the steps in reverse with one GEMM per step for
 * dh_{t-1}, and one big GEMM at the end for dW_hh. */
#include <cblas.h>

#include "ops_internal.h"
#include "valle/rnn.h"
#include "vmath.h"

int vl_rnn_gates(vl_rnn_kind k) {
    return k == VL_RNN_LSTM ? 4 : k == VL_RNN_GRU ? 3 : 1;
}

static const char *const kind_names[] = {"rnn", "lstm", "gru"};

int vl_rnn_kind_parse(const char *s, vl_rnn_kind *out) {
    int i = vl_parse_name(s, kind_names, 3, "recurrent architecture");
    if (i < 0) return i;
    *out = (vl_rnn_kind)i;
    return VL_OK;
}

const char *vl_rnn_kind_name(vl_rnn_kind k) { return kind_names[k]; }

static inline float sigm(float x) { return 1.0f / (1.0f + vexp(-x)); }

/* C (M, N) = beta C + A (M, K) @ op(B) */
static void gemm(bool tb, int M, int N, int K, const float *A, int lda,
                 const float *Bm, int ldb, float beta, float *C, int ldc) {
    if (M == 0 || N == 0) return;
    cblas_sgemm(CblasRowMajor, CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
                M, N, K, 1.0f, A, lda, Bm, ldb, beta, C, ldc);
}

typedef struct scan_saved {
    float *gates;   /* (B, T, 5H): LSTM i,f,g,o,tanh(c) / GRU r,z,n,ghn */
    float *s0;      /* (B, S*H): the initial state used (zeros if none) */
} scan_saved;

static void scan_backward(vl_ctx *c, vl_node *n) {
    vl_tensor *gx = n->in[0], *w = n->in[1], *bh = n->in[2];
    vl_tensor *s0t = n->n_in > 3 ? n->in[3] : NULL;
    vl_rnn_kind kind = (vl_rnn_kind)n->iarg[0];
    int B = n->iarg[1], T = n->iarg[2], H = n->iarg[3];
    int G = vl_rnn_gates(kind), GH = G * H, S = kind == VL_RNN_LSTM ? 2 : 1;
    int SH = S * H;
    scan_saved *sv = n->saved;
    const float *out = n->out->data; /* (B, T, SH) */
    const float *dout = n->out->grad;
    if (!dout) return;
    float *dgx = vl_in_grad(c, gx), *dw = vl_in_grad(c, w);
    float *db = vl_in_grad(c, bh), *ds0 = s0t ? vl_in_grad(c, s0t) : NULL;
    size_t bth = (size_t)B * T * GH * sizeof(float);
    float *DA = vl_arena_alloc(&c->arena, bth); /* d(h-side pre-activation) */
    float *DX = kind == VL_RNN_GRU ? vl_arena_alloc(&c->arena, bth) : DA;
    float *dh = vl_arena_calloc(&c->arena, (size_t)B * H * sizeof(float));
    float *dc = vl_arena_calloc(&c->arena, (size_t)B * H * sizeof(float));
    const float *W = w->data; /* (GH, H) */
    for (int t = T - 1; t >= 0; t--) {
        for (int b = 0; b < B; b++) {
            const float *o_t = out + ((size_t)b * T + t) * SH;
            const float *hp = t ? o_t - SH : sv->s0 + (size_t)b * SH;
            const float *g_t = sv->gates + ((size_t)b * T + t) * 5 * H;
            const float *d_t = dout + ((size_t)b * T + t) * SH;
            float *da = DA + ((size_t)b * T + t) * GH;
            float *dx = DX + ((size_t)b * T + t) * GH;
            float *dhb = dh + (size_t)b * H, *dcb = dc + (size_t)b * H;
            if (kind == VL_RNN_LSTM) {
                const float *cp = hp + H;
                for (int j = 0; j < H; j++) {
                    float i = g_t[j], f = g_t[H + j], g = g_t[2 * H + j],
                          o = g_t[3 * H + j];
                    float dht = d_t[j] + dhb[j], dct = d_t[H + j] + dcb[j];
                    float tc = g_t[4 * H + j];
                    float dO = dht * tc;
                    dct += dht * o * (1.0f - tc * tc);
                    da[j] = dct * g * i * (1.0f - i);
                    da[H + j] = dct * cp[j] * f * (1.0f - f);
                    da[2 * H + j] = dct * i * (1.0f - g * g);
                    da[3 * H + j] = dO * o * (1.0f - o);
                    dcb[j] = dct * f;
                }
            } else if (kind == VL_RNN_GRU) {
                for (int j = 0; j < H; j++) {
                    float r = g_t[j], z = g_t[H + j], nn = g_t[2 * H + j],
                          ghn = g_t[3 * H + j];
                    float dht = d_t[j] + dhb[j];
                    float dn = dht * (1.0f - z), dz = dht * (hp[j] - nn);
                    float dan = dn * (1.0f - nn * nn);
                    float dar = dan * ghn * r * (1.0f - r);
                    float daz = dz * z * (1.0f - z);
                    dx[j] = da[j] = dar;
                    dx[H + j] = da[H + j] = daz;
                    dx[2 * H + j] = dan;
                    da[2 * H + j] = dan * r;
                    dhb[j] = dht * z; /* direct path; the GEMM adds to it */
                }
            } else {
                for (int j = 0; j < H; j++) {
                    float h = o_t[j], dht = d_t[j] + dhb[j];
                    da[j] = dht * (1.0f - h * h);
                }
            }
        }
        /* dh_{t-1} (B, H) (+)= DA_t (B, GH) @ W_hh (GH, H) */
        gemm(false, B, H, GH, DA + (size_t)t * GH, T * GH, W, H,
             kind == VL_RNN_GRU ? 1.0f : 0.0f, dh, H);
    }
    if (ds0) {
        for (int b = 0; b < B; b++)
            for (int j = 0; j < H; j++) {
                ds0[(size_t)b * SH + j] += dh[(size_t)b * H + j];
                if (S == 2) ds0[(size_t)b * SH + H + j] += dc[(size_t)b * H + j];
            }
    }
    if (dw) {
        /* h_{t-1} for every (b, t) as one (B*T, H) matrix */
        float *hp = vl_arena_alloc(&c->arena, (size_t)B * T * H * sizeof(float));
        for (int b = 0; b < B; b++)
            for (int t = 0; t < T; t++) {
                const float *src = t ? out + ((size_t)b * T + t - 1) * SH
                                     : sv->s0 + (size_t)b * SH;
                memcpy(hp + ((size_t)b * T + t) * H, src, (size_t)H * sizeof(float));
            }
        /* dW (GH, H) += DA^T (GH, BT) @ Hprev (BT, H) */
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, GH, H, B * T, 1.0f,
                    DA, GH, hp, H, 1.0f, dw, H);
    }
    if (db) {
        for (int64_t r = 0; r < (int64_t)B * T; r++) {
            const float *row = DA + r * GH;
            for (int j = 0; j < GH; j++) db[j] += row[j];
        }
    }
    if (dgx) {
        int64_t m = (int64_t)B * T * GH;
        for (int64_t k = 0; k < m; k++) dgx[k] += DX[k];
    }
}

vl_tensor *vl_rnn_scan(vl_ctx *c, vl_rnn_kind kind, vl_tensor *gx,
                       vl_tensor *w_hh, vl_tensor *b_hh, vl_tensor *s0) {
    int G = vl_rnn_gates(kind);
    VL_ASSERT(gx->ndim == 3 && gx->shape[2] % G == 0, "rnn scan: gx (B, T, G*H)");
    int B = gx->shape[0], T = gx->shape[1], GH = gx->shape[2], H = GH / G;
    int S = kind == VL_RNN_LSTM ? 2 : 1, SH = S * H;
    VL_ASSERT(w_hh->ndim == 2 && w_hh->shape[0] == GH && w_hh->shape[1] == H &&
              vl_is_contiguous(w_hh), "rnn scan: w_hh (G*H, H)");
    VL_ASSERT(b_hh->numel == GH && vl_is_contiguous(b_hh), "rnn scan: b_hh (G*H)");
    VL_ASSERT(!s0 || (s0->ndim == 2 && s0->shape[0] == B && s0->shape[1] == SH),
              "rnn scan: s0 (B, S*H)");
    gx = vl_dense(c, gx);
    if (s0) s0 = vl_dense(c, s0);
    vl_tensor *out = vl_tensor_new(c, 3, (int[]){B, T, SH});
    scan_saved *sv = vl_arena_alloc(&c->arena, sizeof *sv);
    sv->gates = vl_arena_alloc(&c->arena, (size_t)B * T * 5 * H * sizeof(float) + 64);
    sv->s0 = s0 ? s0->data
                : vl_arena_calloc(&c->arena, (size_t)B * SH * sizeof(float) + 64);
    float *a = vl_arena_alloc(&c->arena, (size_t)B * GH * sizeof(float));
    const float *W = w_hh->data, *bh = b_hh->data;
    for (int t = 0; t < T; t++) {
        const float *hp = t ? out->data + (size_t)(t - 1) * SH : sv->s0;
        int ldh = t ? T * SH : SH;
        for (int b = 0; b < B; b++) memcpy(a + (size_t)b * GH, bh, (size_t)GH * sizeof(float));
        gemm(true, B, GH, H, hp, ldh, W, H, 1.0f, a, GH); /* a = h W^T + b */
        for (int b = 0; b < B; b++) {
            const float *x = gx->data + ((size_t)b * T + t) * GH;
            const float *ab = a + (size_t)b * GH;
            const float *hpb = hp + (size_t)b * ldh;
            float *o_t = out->data + ((size_t)b * T + t) * SH;
            float *g_t = sv->gates + ((size_t)b * T + t) * 5 * H;
            if (kind == VL_RNN_LSTM) {
                const float *cp = hpb + H;
                for (int j = 0; j < H; j++) {
                    float i = sigm(x[j] + ab[j]), f = sigm(x[H + j] + ab[H + j]);
                    float g = tanhf(x[2 * H + j] + ab[2 * H + j]);
                    float o = sigm(x[3 * H + j] + ab[3 * H + j]);
                    float cn = f * cp[j] + i * g;
                    g_t[j] = i; g_t[H + j] = f; g_t[2 * H + j] = g; g_t[3 * H + j] = o;
                    float tc = tanhf(cn);
                    o_t[H + j] = cn;
                    g_t[4 * H + j] = tc;
                    o_t[j] = o * tc;
                }
            } else if (kind == VL_RNN_GRU) {
                for (int j = 0; j < H; j++) {
                    float r = sigm(x[j] + ab[j]), z = sigm(x[H + j] + ab[H + j]);
                    float ghn = ab[2 * H + j];
                    float nn = tanhf(x[2 * H + j] + r * ghn);
                    g_t[j] = r; g_t[H + j] = z; g_t[2 * H + j] = nn; g_t[3 * H + j] = ghn;
                    o_t[j] = (1.0f - z) * nn + z * hpb[j];
                }
            } else {
                for (int j = 0; j < H; j++) o_t[j] = tanhf(x[j] + ab[j]);
            }
        }
    }
    vl_node *n = vl_record(c, "rnn_scan", scan_backward, out, s0 ? 4 : 3,
                           (vl_tensor *[]){gx, w_hh, b_hh, s0});
    if (n) {
        n->iarg[0] = kind;
        n->iarg[1] = B;
        n->iarg[2] = T;
        n->iarg[3] = H;
        n->saved = sv;
    }
    return out;
}
