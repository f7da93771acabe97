/* tests/grad/test_grad_matmul_shape.c: finite-difference gradient checks
 * for matmul (batched, broadcast, transposed views), linear, embedding and
 * the shape ops (reshape, transpose, slice, contiguous, concat, split). */
#include "gradcheck.h"
#include "harness.h"

static vl_tensor *f_matmul(vl_ctx *c, vl_tensor **in, void *u) {
    return vl_matmul(c, in[0], in[1]);
}
static vl_tensor *f_matmul_bt(vl_ctx *c, vl_tensor **in, void *u) {
    return vl_matmul(c, in[0], vl_transpose(c, in[1], -1, -2));
}
static vl_tensor *f_matmul_at(vl_ctx *c, vl_tensor **in, void *u) {
    return vl_matmul(c, vl_transpose(c, in[0], -1, -2), in[1]);
}
static vl_tensor *f_linear(vl_ctx *c, vl_tensor **in, void *u) {
    return vl_linear(c, in[0], in[1], u ? in[2] : NULL);
}
static vl_tensor *f_embedding(vl_ctx *c, vl_tensor **in, void *u) {
    static const int ids[6] = {0, 3, 3, 1, 4, 0};
    return vl_embedding(c, in[0], ids, 2, (int[]){2, 3});
}
static vl_tensor *f_reshape(vl_ctx *c, vl_tensor **in, void *u) {
    return vl_reshape(c, in[0], 3, (int[]){3, -1, 2});
}
static vl_tensor *f_transpose(vl_ctx *c, vl_tensor **in, void *u) {
    /* a view of a view, then a dense op over it */
    vl_tensor *t = vl_transpose(c, vl_transpose(c, in[0], 0, 2), 1, 2);
    return vl_contiguous(c, t);
}
static vl_tensor *f_slice(vl_ctx *c, vl_tensor **in, void *u) {
    vl_tensor *s = vl_slice(c, in[0], 1, 1, 3);
    return vl_reshape(c, vl_slice(c, s, -1, 2, 4), 1, (int[]){-1});
}
static vl_tensor *f_concat(vl_ctx *c, vl_tensor **in, void *u) {
    vl_tensor *parts[3] = {in[0], vl_transpose(c, in[1], 0, 1), in[0]};
    return vl_concat(c, parts, 3, 1);
}
static vl_tensor *f_split(vl_ctx *c, vl_tensor **in, void *u) {
    vl_tensor *p[3];
    vl_split(c, in[0], 1, 3, (int[]){1, 2, 3}, p);
    vl_tensor *q[2] = {p[2], p[0]};
    return vl_concat(c, q, 2, 1);
}

int main(void) {
    gc_input mm[2] = {{.ndim = 2, .shape = {3, 4}}, {.ndim = 2, .shape = {4, 5}}};
    CHECK(gradcheck("matmul 2d", f_matmul, NULL, 2, mm, 1e-2, 1e-3));
    gc_input bmm[2] = {{.ndim = 3, .shape = {2, 3, 4}}, {.ndim = 3, .shape = {2, 4, 5}}};
    CHECK(gradcheck("matmul batched", f_matmul, NULL, 2, bmm, 1e-2, 1e-3));
    gc_input bcast[2] = {{.ndim = 4, .shape = {2, 2, 3, 4}}, {.ndim = 2, .shape = {4, 5}}};
    CHECK(gradcheck("matmul broadcast b", f_matmul, NULL, 2, bcast, 1e-2, 1e-3));
    gc_input bcast_a[2] = {{.ndim = 2, .shape = {3, 4}}, {.ndim = 3, .shape = {2, 4, 5}}};
    CHECK(gradcheck("matmul broadcast a", f_matmul, NULL, 2, bcast_a, 1e-2, 1e-3));
    gc_input bt[2] = {{.ndim = 3, .shape = {2, 3, 4}}, {.ndim = 3, .shape = {2, 5, 4}}};
    CHECK(gradcheck("matmul b^T view", f_matmul_bt, NULL, 2, bt, 1e-2, 1e-3));
    gc_input at[2] = {{.ndim = 2, .shape = {4, 3}}, {.ndim = 2, .shape = {4, 5}}};
    CHECK(gradcheck("matmul a^T view", f_matmul_at, NULL, 2, at, 1e-2, 1e-3));

    gc_input lin[3] = {{.ndim = 3, .shape = {2, 3, 4}}, {.ndim = 2, .shape = {5, 4}},
                       {.ndim = 1, .shape = {5}}};
    CHECK(gradcheck("linear+bias", f_linear, (void *)1, 3, lin, 1e-2, 1e-3));
    CHECK(gradcheck("linear", f_linear, NULL, 2, lin, 1e-2, 1e-3));

    gc_input emb[1] = {{.ndim = 2, .shape = {5, 3}}};
    CHECK(gradcheck("embedding", f_embedding, NULL, 1, emb, 1e-2, 1e-3));

    gc_input r[1] = {{.ndim = 2, .shape = {3, 4}}};
    CHECK(gradcheck("reshape", f_reshape, NULL, 1, r, 1e-2, 1e-3));
    gc_input t3[1] = {{.ndim = 3, .shape = {2, 3, 4}}};
    CHECK(gradcheck("transpose x2 + contiguous", f_transpose, NULL, 1, t3, 1e-2, 1e-3));
    gc_input s3[1] = {{.ndim = 3, .shape = {2, 4, 5}}};
    CHECK(gradcheck("slice of slice", f_slice, NULL, 1, s3, 1e-2, 1e-3));
    gc_input cc[2] = {{.ndim = 2, .shape = {3, 2}}, {.ndim = 2, .shape = {4, 3}}};
    CHECK(gradcheck("concat (strided input)", f_concat, NULL, 2, cc, 1e-2, 1e-3));
    gc_input sp[1] = {{.ndim = 2, .shape = {3, 6}}};
    CHECK(gradcheck("split", f_split, NULL, 1, sp, 1e-2, 1e-3));
    return test_summary();
}
