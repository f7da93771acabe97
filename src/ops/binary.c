/* src/ops/binary.c: elementwise add/sub/mul/div with NumPy broadcasting (up
 * to 4 dims) and the scalar affine vl_scale.
 *
 * Both operands are made contiguous, then the broadcast is described by a
 * "geometry": the output shape with size-1 dims dropped and adjacent dims
 * merged wherever both operands allow it, left-padded to 4 dims, plus each
 * operand's element strides (0 along dims it is broadcast over). Same-shape
 * operands collapse to one flat dim and a bias-like (N, D) + (D) to two, so
 * the fast paths fall out of the general code. Work is split into
 * (row, chunk-of-last-dim) items so every case can use threads.
 *
 * Backward: an operand that is not broadcast gets its gradient elementwise;
 * one that is broadcast gets the sum over the broadcast positions, done in
 * a fixed number of per-partition buffers (chosen from the sizes, not the
 * thread count, so results do not depend on the number of threads). */
#include "ops/ops_internal.h"

#include <stdio.h>

#define CHUNK 8192      /* elements of the last dim per work item */
#define MAX_PARTS 16    /* partial-sum buffers when reducing a broadcast */

typedef struct geom {
    int64_t n[4];      /* coalesced output sizes, left-padded with 1s */
    int64_t st[2][4];  /* element strides of a and b (0: broadcast) */
    int64_t numel;     /* output elements */
    int64_t nchunk;    /* chunks per row of n[3] */
    int64_t items;     /* rows * nchunk */
} geom;

static void shape_str(const vl_tensor *t, char *buf, size_t len) {
    int k = snprintf(buf, len, "(");
    for (int d = 0; d < t->ndim && k < (int)len; d++)
        k += snprintf(buf + k, len - (size_t)k, d ? ", %d" : "%d", t->shape[d]);
    if (k < (int)len) snprintf(buf + k, len - (size_t)k, ")");
}

/* Output shape of broadcasting a with b (into shape, returns ndim); aborts
 * with both shapes when they do not broadcast. */
static int broadcast_shape(const char *op, const vl_tensor *a,
                           const vl_tensor *b, int *shape) {
    int nd = a->ndim > b->ndim ? a->ndim : b->ndim;
    for (int d = 0; d < nd; d++) {
        int da = d - (nd - a->ndim), db = d - (nd - b->ndim);
        int sa = da >= 0 ? a->shape[da] : 1, sb = db >= 0 ? b->shape[db] : 1;
        if (sa != sb && sa != 1 && sb != 1) {
            char sa_s[64], sb_s[64];
            shape_str(a, sa_s, sizeof sa_s);
            shape_str(b, sb_s, sizeof sb_s);
            VL_ASSERT(sa == sb || sa == 1 || sb == 1,
                      "%s: shapes %s and %s do not broadcast", op, sa_s, sb_s);
        }
        shape[d] = sa == 1 ? sb : sa;
    }
    return nd;
}

/* Geometry of out = a (op) b, all contiguous, out of the broadcast shape. */
static void make_geom(geom *g, const vl_tensor *a, const vl_tensor *b,
                      const vl_tensor *out) {
    int nd = out->ndim;
    int64_t size[4], st[2][4];
    const vl_tensor *src[2] = {a, b};
    int k = 0;
    for (int d = 0; d < nd; d++) {
        if (out->shape[d] == 1) continue;  /* contributes nothing */
        size[k] = out->shape[d];
        for (int s = 0; s < 2; s++) {
            int ds = d - (nd - src[s]->ndim);
            bool present = ds >= 0 && src[s]->shape[ds] != 1;
            st[s][k] = present ? src[s]->stride[ds] : 0;
        }
        /* merge into the previous dim when both operands continue it */
        if (k > 0 && st[0][k - 1] == st[0][k] * size[k] &&
            st[1][k - 1] == st[1][k] * size[k]) {
            size[k - 1] *= size[k];
            st[0][k - 1] = st[0][k];
            st[1][k - 1] = st[1][k];
            continue;
        }
        k++;
    }
    int pad = 4 - k;
    for (int d = 0; d < 4; d++) {
        bool real = d >= pad;
        g->n[d] = real ? size[d - pad] : 1;
        g->st[0][d] = real ? st[0][d - pad] : 0;
        g->st[1][d] = real ? st[1][d - pad] : 0;
    }
    g->numel = out->numel;
    g->nchunk = (g->n[3] + CHUNK - 1) / CHUNK;
    if (g->nchunk == 0) g->nchunk = 1;
    g->items = g->n[0] * g->n[1] * g->n[2] * g->nchunk;
}

/* Offsets (out, a, b) and length of work item `it`. */
static inline int64_t item_at(const geom *g, int64_t it, int64_t off[3]) {
    int64_t row = it / g->nchunk, ch = it % g->nchunk;
    int64_t i2 = row % g->n[2], r = row / g->n[2];
    int64_t i1 = r % g->n[1], i0 = r / g->n[1];
    int64_t j0 = ch * CHUNK;
    off[0] = row * g->n[3] + j0;
    for (int s = 0; s < 2; s++)
        off[s + 1] = i0 * g->st[s][0] + i1 * g->st[s][1] + i2 * g->st[s][2] +
                     j0 * g->st[s][3];
    int64_t len = g->n[3] - j0;
    return len < CHUNK ? len : CHUNK;
}

/* ---- forward segments: o[j] = x (op) y with x, y steps of 0 or 1 ---- */
#define FWD_SEG(NAME, EXPR)                                                    \
    static void NAME(float *restrict o, const float *restrict xp, int64_t sx,  \
                     const float *restrict yp, int64_t sy, int64_t n) {        \
        if (sx && sy) {                                                        \
            _Pragma("omp simd")                                                \
            for (int64_t j = 0; j < n; j++) {                                  \
                float x = xp[j], y = yp[j];                                    \
                o[j] = (EXPR);                                                 \
            }                                                                  \
        } else if (sx) {                                                       \
            const float y = yp[0];                                             \
            _Pragma("omp simd")                                                \
            for (int64_t j = 0; j < n; j++) {                                  \
                float x = xp[j];                                               \
                o[j] = (EXPR);                                                 \
            }                                                                  \
        } else if (sy) {                                                       \
            const float x = xp[0];                                             \
            _Pragma("omp simd")                                                \
            for (int64_t j = 0; j < n; j++) {                                  \
                float y = yp[j];                                               \
                o[j] = (EXPR);                                                 \
            }                                                                  \
        } else {                                                               \
            const float x = xp[0], y = yp[0];                                  \
            const float v = (EXPR);                                            \
            _Pragma("omp simd")                                                \
            for (int64_t j = 0; j < n; j++) o[j] = v;                          \
        }                                                                      \
    }

FWD_SEG(fwd_add, x + y)
FWD_SEG(fwd_sub, x - y)
FWD_SEG(fwd_mul, x * y)
FWD_SEG(fwd_div, x / y)

typedef void (*fwd_seg_fn)(float *restrict, const float *restrict, int64_t,
                           const float *restrict, int64_t, int64_t);

/* ---- backward segments: gradient for operand x (values xp, step sx)
 * given the other operand y (yp, sy), the output o and its gradient g.
 * sx == 0: x is broadcast along this segment, so its terms are summed. ---- */
#define GRAD_SEG(NAME, EXPR)                                                   \
    static void NAME(float *restrict gx, const float *restrict g,              \
                     const float *restrict xp, int64_t sx,                     \
                     const float *restrict yp, int64_t sy,                     \
                     const float *restrict op, int64_t n) {                    \
        if (sx) {                                                              \
            if (sy) {                                                          \
                _Pragma("omp simd")                                            \
                for (int64_t j = 0; j < n; j++) {                              \
                    float gv = g[j], xv = xp[j], yv = yp[j], ov = op[j];       \
                    (void)xv; (void)yv; (void)ov;                              \
                    gx[j] += (EXPR);                                           \
                }                                                              \
            } else {                                                           \
                const float yv = yp[0];                                        \
                _Pragma("omp simd")                                            \
                for (int64_t j = 0; j < n; j++) {                              \
                    float gv = g[j], xv = xp[j], ov = op[j];                   \
                    (void)xv; (void)yv; (void)ov;                              \
                    gx[j] += (EXPR);                                           \
                }                                                              \
            }                                                                  \
        } else {                                                               \
            double acc = 0;                                                    \
            const float xv = xp[0];                                            \
            (void)xv;                                                          \
            if (sy) {                                                          \
                _Pragma("omp simd reduction(+:acc)")                           \
                for (int64_t j = 0; j < n; j++) {                              \
                    float gv = g[j], yv = yp[j], ov = op[j];                   \
                    (void)yv; (void)ov;                                        \
                    acc += (double)(EXPR);                                     \
                }                                                              \
            } else {                                                           \
                const float yv = yp[0];                                        \
                (void)yv;                                                      \
                _Pragma("omp simd reduction(+:acc)")                           \
                for (int64_t j = 0; j < n; j++) {                              \
                    float gv = g[j], ov = op[j];                               \
                    (void)ov;                                                  \
                    acc += (double)(EXPR);                                     \
                }                                                              \
            }                                                                  \
            gx[0] += (float)acc;                                               \
        }                                                                      \
    }

GRAD_SEG(grad_pass, gv)              /* add (both), sub (a) */
GRAD_SEG(grad_neg, -gv)              /* sub (b) */
GRAD_SEG(grad_mul, gv * yv)          /* mul (both) */
GRAD_SEG(grad_div_a, gv / yv)        /* div (a), y = b */
GRAD_SEG(grad_div_b, -gv * ov / xv)  /* div (b): -g a / b^2 = -g out / b */

typedef void (*grad_seg_fn)(float *restrict, const float *restrict,
                            const float *restrict, int64_t,
                            const float *restrict, int64_t,
                            const float *restrict, int64_t);

typedef struct binop {
    const char *name;
    fwd_seg_fn fwd;
    grad_seg_fn grad[2]; /* for a, for b */
} binop;

static const binop OP_ADD = {"add", fwd_add, {grad_pass, grad_pass}};
static const binop OP_SUB = {"sub", fwd_sub, {grad_pass, grad_neg}};
static const binop OP_MUL = {"mul", fwd_mul, {grad_mul, grad_mul}};
static const binop OP_DIV = {"div", fwd_div, {grad_div_a, grad_div_b}};

static const binop *const OPS[] = {&OP_ADD, &OP_SUB, &OP_MUL, &OP_DIV};

/* Accumulates the gradient of operand s (0: a, 1: b) for work items
 * [it0, it1) into gx, which is laid out like that operand. */
static void grad_items(const geom *gm, grad_seg_fn fn, int s, float *gx,
                       const float *g, const float *xd, const float *yd,
                       const float *od, int64_t it0, int64_t it1) {
    int64_t sx = gm->st[s][3], sy = gm->st[1 - s][3];
    for (int64_t it = it0; it < it1; it++) {
        int64_t off[3];
        int64_t len = item_at(gm, it, off);
        int64_t ox = off[1 + s], oy = off[2 - s];
        fn(gx + ox, g + off[0], xd + ox, sx, yd + oy, sy, od + off[0], len);
    }
}

static void binary_backward(vl_ctx *c, vl_node *node) {
    vl_tensor *in[2] = {node->in[0], node->in[1]}; /* a, b: contiguous */
    const binop *op = OPS[node->iarg[0]];
    vl_tensor *out = node->out;
    geom gm;
    make_geom(&gm, in[0], in[1], out);
    const float *g = out->grad, *od = out->data;
    bool par = gm.numel > VL_PAR_MIN;
    for (int s = 0; s < 2; s++) {
        float *gx = vl_in_grad(c, in[s]);
        if (!gx) continue;
        const float *xd = in[s]->data, *yd = in[1 - s]->data;
        grad_seg_fn fn = op->grad[s];
        int64_t xn = in[s]->numel, items = gm.items;
        if (xn == gm.numel) {
            /* not broadcast: every output element has its own x element */
#pragma omp parallel for schedule(static) if (par)
            for (int64_t it = 0; it < items; it++)
                grad_items(&gm, fn, s, gx, g, xd, yd, od, it, it + 1);
            continue;
        }
        int64_t parts = xn ? gm.numel / xn : 1;
        if (parts > MAX_PARTS) parts = MAX_PARTS;
        if (parts > items) parts = items;
        if (!par || parts < 2) {
            grad_items(&gm, fn, s, gx, g, xd, yd, od, 0, items);
            continue;
        }
        /* per-partition partial sums, then one combine pass */
        float *buf = vl_arena_calloc(&c->arena,
                                     (size_t)(parts * xn) * sizeof(float));
#pragma omp parallel for schedule(static)
        for (int64_t p = 0; p < parts; p++)
            grad_items(&gm, fn, s, buf + p * xn, g, xd, yd, od,
                       items * p / parts, items * (p + 1) / parts);
#pragma omp parallel for schedule(static) if (xn * parts > VL_PAR_MIN)
        for (int64_t i = 0; i < xn; i++) {
            float acc = 0; /* fixed order over the partitions */
            for (int64_t p = 0; p < parts; p++) acc += buf[p * xn + i];
            gx[i] += acc;
        }
    }
}

static vl_tensor *binary(vl_ctx *c, int opi, vl_tensor *a, vl_tensor *b) {
    const binop *op = OPS[opi];
    int shape[VL_MAX_DIMS];
    int nd = broadcast_shape(op->name, a, b, shape);
    a = vl_dense(c, a);
    b = vl_dense(c, b);
    vl_tensor *out = vl_tensor_new(c, nd, shape); /* broadcast of a, b */
    geom gm;
    make_geom(&gm, a, b, out);
    const float *ad = a->data, *bd = b->data;
    float *od = out->data;
    fwd_seg_fn fn = op->fwd;
    int64_t sa = gm.st[0][3], sb = gm.st[1][3];
#pragma omp parallel for schedule(static) if (gm.numel > VL_PAR_MIN)
    for (int64_t it = 0; it < gm.items; it++) {
        int64_t off[3];
        int64_t len = item_at(&gm, it, off);
        fn(od + off[0], ad + off[1], sa, bd + off[2], sb, len);
    }
    vl_node *n = vl_record(c, op->name, binary_backward, out, 2,
                           (vl_tensor *[]){a, b});
    if (n) n->iarg[0] = opi;
    return out;
}

vl_tensor *vl_add(vl_ctx *c, vl_tensor *a, vl_tensor *b) {
    return binary(c, 0, a, b);
}

vl_tensor *vl_sub(vl_ctx *c, vl_tensor *a, vl_tensor *b) {
    return binary(c, 1, a, b);
}

vl_tensor *vl_mul(vl_ctx *c, vl_tensor *a, vl_tensor *b) {
    return binary(c, 2, a, b);
}

vl_tensor *vl_div(vl_ctx *c, vl_tensor *a, vl_tensor *b) {
    return binary(c, 3, a, b);
}

/* ---- a * s + t ---- */
static void scale_backward(vl_ctx *c, vl_node *node) {
    vl_tensor *a = node->in[0];
    float *ga = vl_in_grad(c, a);
    if (!ga) return;
    const float *g = node->out->grad;
    const float s = node->farg[0];
    int64_t n = a->numel;
#pragma omp parallel for simd schedule(static) if (parallel: n > VL_PAR_MIN)
    for (int64_t i = 0; i < n; i++) ga[i] += g[i] * s;
}

vl_tensor *vl_scale(vl_ctx *c, vl_tensor *a, float s, float t) {
    a = vl_dense(c, a);
    vl_tensor *out = vl_new_like(c, a);
    const float *x = a->data;
    float *o = out->data;
    int64_t n = a->numel;
#pragma omp parallel for simd schedule(static) if (parallel: n > VL_PAR_MIN)
    for (int64_t i = 0; i < n; i++) o[i] = x[i] * s + t;
    vl_node *node = vl_record(c, "scale", scale_backward, out, 1, &a);
    if (node) node->farg[0] = s;
    return out;
}
