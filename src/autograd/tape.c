/* src/autograd/tape.c: the dynamic tape. Ops record a node when gradients
 * are on and an input needs one; vl_backward walks the nodes newest-first
 * and calls each hand-written backward kernel, which accumulates (+=) into
 * the gradients of its inputs. */
#include <string.h>

#include "valle/tensor.h"

vl_node *vl_record(vl_ctx *c, const char *op, vl_backward_fn bw,
                   vl_tensor *out, int n_in, vl_tensor *const *in) {
    VL_ASSERT(n_in <= VL_NODE_MAX_IN);
    if (!c->grad_enabled) return NULL;
    bool any = false;
    for (int i = 0; i < n_in; i++) any |= in[i] && in[i]->requires_grad;
    if (!any) return NULL;
    vl_node *n = vl_arena_calloc(&c->arena, sizeof *n);
    n->op = op;
    n->backward = bw;
    n->out = out;
    n->n_in = n_in;
    for (int i = 0; i < n_in; i++) n->in[i] = in[i];
    n->prev = c->tape;
    c->tape = n;
    c->tape_len++;
    out->requires_grad = true;
    return n;
}

float *vl_grad_of(vl_ctx *c, vl_tensor *t) {
    if (!t->grad)
        t->grad = vl_arena_calloc(&c->arena, (size_t)t->numel * sizeof(float));
    return t->grad;
}

static void run_tape(vl_ctx *c) {
    for (vl_node *n = c->tape; n; n = n->prev)
        if (n->out->grad) n->backward(c, n);
    /* The graph is consumed, as PyTorch does without retain_graph. */
    c->tape = NULL;
    c->tape_len = 0;
}

void vl_backward(vl_ctx *c, vl_tensor *loss) {
    VL_ASSERT(loss->numel == 1, "backward needs a scalar loss");
    VL_ASSERT(loss->requires_grad, "loss does not depend on any parameter");
    vl_grad_of(c, loss)[0] += 1.0f;
    run_tape(c);
}

void vl_backward_grad(vl_ctx *c, vl_tensor *out, const float *grad) {
    VL_ASSERT(out->requires_grad, "output does not depend on any input");
    if (!out->grad) {  /* common case: copy the seed, no zero-then-add */
        out->grad = vl_arena_alloc(&c->arena, (size_t)out->numel * sizeof(float));
        memcpy(out->grad, grad, (size_t)out->numel * sizeof(float));
    } else {
        for (int64_t i = 0; i < out->numel; i++) out->grad[i] += grad[i];
    }
    run_tape(c);
}
