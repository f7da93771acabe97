/* tests/grad/test_gradcheck_self.c: the gradient checker itself must catch
 * a wrong backward kernel: an op y = x^2 whose backward is right passes, the
 * same op with a backward off by 1% fails. */
#include "gradcheck.h"
#include "harness.h"

static float factor;

static void square_backward(vl_ctx *c, vl_node *n) {
    float *g = vl_grad_of(c, n->in[0]);
    for (int64_t i = 0; i < n->out->numel; i++)
        g[i] += factor * 2.0f * n->in[0]->data[i] * n->out->grad[i];
}

static vl_tensor *square(vl_ctx *c, vl_tensor **in, void *u) {
    vl_tensor *x = in[0];
    vl_tensor *y = vl_tensor_new(c, x->ndim, x->shape);
    for (int64_t i = 0; i < x->numel; i++) y->data[i] = x->data[i] * x->data[i];
    vl_record(c, "square", square_backward, y, 1, &x);
    return y;
}

int main(void) {
    gc_input in[1] = {{.ndim = 2, .shape = {4, 5}}};
    factor = 1.0f;
    CHECK(gradcheck("square (right backward)", square, NULL, 1, in, 1e-2, 1e-3));
    factor = 1.01f;
    CHECK(!gradcheck("square (backward off by 1%)", square, NULL, 1, in, 1e-2, 1e-3));
    factor = 0.0f;
    CHECK(!gradcheck("square (no gradient)", square, NULL, 1, in, 1e-2, 1e-3));
    return test_summary();
}
