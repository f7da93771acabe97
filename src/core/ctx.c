/* src/core/ctx.c: the compute context (arena, tape, RNG, grad/training
 * modes). */
#include <stdlib.h>
#include <string.h>

#include "valle/core.h"

vl_ctx *vl_ctx_new(uint64_t seed) {
    vl_ctx *c = vl_xcalloc(1, sizeof *c);
    vl_arena_init(&c->arena);
    c->grad_enabled = true;
    c->training = true;
    vl_rng_seed(&c->rng, seed);
    vl_get_num_threads();
    return c;
}

void vl_ctx_free(vl_ctx *c) {
    if (!c) return;
    vl_arena_free(&c->arena);
    free(c);
}

void vl_ctx_reset(vl_ctx *c) {
    c->tape = NULL;
    c->tape_len = 0;
    vl_arena_reset(&c->arena);
}

bool vl_set_grad_enabled(vl_ctx *c, bool on) {
    bool old = c->grad_enabled;
    c->grad_enabled = on;
    return old;
}

void vl_set_training(vl_ctx *c, bool on) {
    c->training = on;
}
