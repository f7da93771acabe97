/* src/ops/matmul.c: batched matrix products and the fused Linear layer op,
 * all through cblas_sgemm. A transposed view of the last two dims is handed
 * to sgemm as a transpose flag (no copy); gradients accumulate straight into
 * the gradient buffers with beta = 1. */
#include <cblas.h>

#include "ops_internal.h"

/* How one operand's last two dims sit in memory for sgemm. */
typedef struct gemm_operand {
    const float *p;
    bool trans;      /* memory holds the transpose, row-major */
    int ld;          /* leading dimension of the memory layout */
    int64_t bstride; /* elements between consecutive batch matrices */
    int64_t batch;   /* number of matrices (1 for 2-D) */
} gemm_operand;

/* Fills `o` if t's layout can go to sgemm as is; false means copy first. */
static bool operand_layout(const vl_tensor *t, gemm_operand *o) {
    int r = t->shape[t->ndim - 2], k = t->shape[t->ndim - 1];
    int64_t s0 = t->stride[t->ndim - 2], s1 = t->stride[t->ndim - 1];
    o->p = t->data;
    if ((s1 == 1 || k == 1) && s0 >= (k > 1 ? k : 1)) {
        o->trans = false;
        o->ld = (int)(s0 > 0 ? s0 : 1);
    } else if ((s0 == 1 || r == 1) && s1 >= (r > 1 ? r : 1)) {
        o->trans = true;
        o->ld = (int)(s1 > 0 ? s1 : 1);
    } else {
        return false;
    }
    if (r == 1 && k == 1) { o->trans = false; o->ld = 1; }
    o->batch = vl_span(t, 0, t->ndim - 2);
    o->bstride = t->ndim > 2 ? t->stride[t->ndim - 3] : 0;
    for (int d = 0; d + 3 < t->ndim; d++)
        if (t->shape[d] > 1 && t->stride[d] != t->stride[d + 1] * t->shape[d + 1])
            return false;
    return true;
}

static gemm_operand layout_or_copy(vl_ctx *c, vl_tensor **t) {
    gemm_operand o;
    if (!operand_layout(*t, &o)) {
        *t = vl_contiguous(c, *t);
        operand_layout(*t, &o);
    }
    return o;
}

static CBLAS_TRANSPOSE tr(bool t) { return t ? CblasTrans : CblasNoTrans; }

/* C (M, N) (+)= op(A) (M, K) @ op(B) (K, N), each a gemm_operand matrix. */
static void gemm(int M, int N, int K, const float *A, bool ta, int lda,
                 const float *B, bool tb, int ldb, float beta, float *C,
                 int ldc) {
    if (M == 0 || N == 0) return;
    cblas_sgemm(CblasRowMajor, tr(ta), tr(tb), M, N, K, 1.0f, A, lda, B, ldb,
                beta, C, ldc);
}

static void matmul_backward(vl_ctx *c, vl_node *n) {
    vl_tensor *a = n->in[0], *b = n->in[1], *out = n->out;
    int M = n->iarg[0], N = n->iarg[1], K = n->iarg[2];
    int64_t batch = n->iarg[3];
    gemm_operand oa, ob;
    operand_layout(a, &oa);
    operand_layout(b, &ob);
    const float *g = out->grad; /* (batch, M, N) */
    float *ga = vl_in_grad(c, a), *gb = vl_in_grad(c, b);
    bool merged = n->iarg[4]; /* a's batch folded into M, b 2-D */
    if (merged) {
        int Mb = (int)(M * batch);
        /* dA (Mb, K) += dC (Mb, N) @ B^T */
        if (ga) gemm(Mb, K, N, g, false, N, ob.p, !ob.trans, ob.ld, 1.0f, ga, K);
        /* dB (K, N) += A^T (K, Mb) @ dC */
        if (gb) gemm(K, N, Mb, oa.p, !oa.trans, oa.ld, g, false, N, 1.0f, gb, N);
        return;
    }
    for (int64_t i = 0; i < batch; i++) {
        const float *gi = g + i * (int64_t)M * N;
        const float *ai = oa.p + (oa.batch > 1 ? i * oa.bstride : 0);
        const float *bi = ob.p + (ob.batch > 1 ? i * ob.bstride : 0);
        if (ga) {
            float *gai = ga + (oa.batch > 1 ? i * (int64_t)M * K : 0);
            gemm(M, K, N, gi, false, N, bi, !ob.trans, ob.ld, 1.0f, gai, K);
        }
        if (gb) {
            float *gbi = gb + (ob.batch > 1 ? i * (int64_t)K * N : 0);
            gemm(K, N, M, ai, !oa.trans, oa.ld, gi, false, N, 1.0f, gbi, N);
        }
    }
}

vl_tensor *vl_matmul(vl_ctx *c, vl_tensor *a, vl_tensor *b) {
    VL_ASSERT(a->ndim >= 2 && b->ndim >= 2, "matmul needs 2-D or more");
    int M = a->shape[a->ndim - 2], K = a->shape[a->ndim - 1];
    int N = b->shape[b->ndim - 1];
    VL_ASSERT(b->shape[b->ndim - 2] == K, "matmul inner dims %d vs %d", K,
              b->shape[b->ndim - 2]);
    if (a->ndim > 2 && b->ndim > 2) {
        VL_ASSERT(a->ndim == b->ndim, "matmul batch dims differ");
        for (int d = 0; d < a->ndim - 2; d++)
            VL_ASSERT(a->shape[d] == b->shape[d], "matmul batch dims differ");
    }
    gemm_operand oa = layout_or_copy(c, &a), ob = layout_or_copy(c, &b);
    const vl_tensor *big = a->ndim >= b->ndim ? a : b;
    int shape[VL_MAX_DIMS];
    for (int d = 0; d < big->ndim - 2; d++) shape[d] = big->shape[d];
    shape[big->ndim - 2] = M;
    shape[big->ndim - 1] = N;
    vl_tensor *out = vl_tensor_new(c, big->ndim, shape);
    int64_t batch = vl_span(big, 0, big->ndim - 2);
    /* A batch of row-major matrices stacked without gaps times one matrix
     * is a single tall gemm. */
    bool merged = b->ndim == 2 && batch > 1 && !oa.trans &&
                  oa.bstride == (int64_t)M * oa.ld && oa.ld == K;
    if (merged || batch == 1) {
        gemm((int)(M * batch), N, K, oa.p, oa.trans, oa.ld, ob.p, ob.trans,
             ob.ld, 0.0f, out->data, N);
    } else {
        for (int64_t i = 0; i < batch; i++)
            gemm(M, N, K, oa.p + (oa.batch > 1 ? i * oa.bstride : 0), oa.trans,
                 oa.ld, ob.p + (ob.batch > 1 ? i * ob.bstride : 0), ob.trans,
                 ob.ld, 0.0f, out->data + i * (int64_t)M * N, N);
    }
    vl_node *n = vl_record(c, "matmul", matmul_backward, out, 2,
                           (vl_tensor *[]){a, b});
    if (n) {
        n->iarg[0] = M;
        n->iarg[1] = N;
        n->iarg[2] = K;
        n->iarg[3] = (int)batch;
        n->iarg[4] = merged || batch == 1;
        if (batch == 1) n->iarg[3] = 1;
    }
    return out;
}

/* ---- Linear: y (R, out) = x (R, in) @ W^T + b ---- */

static void linear_backward(vl_ctx *c, vl_node *n) {
    vl_tensor *x = n->in[0], *w = n->in[1], *b = n->in[2], *y = n->out;
    int R = n->iarg[0], in = n->iarg[1], out = n->iarg[2];
    const float *gy = y->grad; /* (R, out) */
    float *gx = vl_in_grad(c, x), *gw = vl_in_grad(c, w);
    float *gb = b ? vl_in_grad(c, b) : NULL;
    if (gx) gemm(R, in, out, gy, false, out, w->data, false, in, 1.0f, gx, in);
    if (gw) gemm(out, in, R, gy, true, out, x->data, false, in, 1.0f, gw, in);
    if (gb) {
        for (int r = 0; r < R; r++) {
            const float *row = gy + (int64_t)r * out;
            for (int j = 0; j < out; j++) gb[j] += row[j];
        }
    }
}

vl_tensor *vl_linear(vl_ctx *c, vl_tensor *x, vl_tensor *w, vl_tensor *b) {
    VL_ASSERT(w->ndim == 2 && vl_is_contiguous(w), "linear weight (out, in)");
    int out_f = w->shape[0], in_f = w->shape[1];
    VL_ASSERT(x->shape[x->ndim - 1] == in_f, "linear: input has %d features, "
              "weight expects %d", x->shape[x->ndim - 1], in_f);
    VL_ASSERT(!b || (b->numel == out_f && vl_is_contiguous(b)), "linear bias");
    x = vl_dense(c, x);
    int64_t R = vl_span(x, 0, x->ndim - 1);
    int shape[VL_MAX_DIMS];
    memcpy(shape, x->shape, sizeof shape);
    shape[x->ndim - 1] = out_f;
    vl_tensor *y = vl_tensor_new(c, x->ndim, shape);
    float beta = 0.0f;
    if (b) {
        for (int64_t r = 0; r < R; r++)
            memcpy(y->data + r * out_f, b->data, (size_t)out_f * sizeof(float));
        beta = 1.0f;
    }
    gemm((int)R, out_f, in_f, x->data, false, in_f, w->data, true, in_f, beta,
         y->data, out_f);
    vl_node *n = vl_record(c, "linear", linear_backward, y, b ? 3 : 2,
                           (vl_tensor *[]){x, w, b});
    if (n) {
        n->iarg[0] = (int)R;
        n->iarg[1] = in_f;
        n->iarg[2] = out_f;
    }
    return y;
}
