/* src/nn/params.c: the parameter store. Layers register named tensors with
 * an init rule; finalize lays the trainable ones out back to back in one
 * 64-byte aligned buffer (with a mirrored gradient buffer) and the
 * non-trainable buffers in a second one, then initialises everything in
 * registration order from one seeded RNG. Tensor headers are heap
 * allocated at registration, so pointers handed to layers stay valid. */
#include <stdlib.h>
#include <string.h>

#include "valle/nn.h"

#define PARAMS_ALIGN 64

/* Zeroed, 64-byte aligned array of n floats (never NULL). */
static float *alloc_floats(int64_t n) {
    size_t bytes = (size_t)(n > 0 ? n : 1) * sizeof(float);
    bytes = (bytes + PARAMS_ALIGN - 1) / PARAMS_ALIGN * PARAMS_ALIGN;
    float *p = aligned_alloc(PARAMS_ALIGN, bytes);
    if (!p) vl_panic(__FILE__, __LINE__, "aligned_alloc", "%zu bytes", bytes);
    memset(p, 0, bytes);
    return p;
}

void vl_params_init(vl_params *p) {
    memset(p, 0, sizeof *p);
}

vl_tensor *vl_params_add(vl_params *p, const char *prefix, const char *name,
                         int ndim, const int *shape, bool trainable,
                         vl_init_kind init, float init_a) {
    VL_ASSERT(!p->finalized, "vl_params_add after finalize");
    size_t lp = prefix ? strlen(prefix) : 0, ln = strlen(name);
    char *full = vl_xmalloc(lp + ln + 2);
    if (lp) {
        memcpy(full, prefix, lp);
        full[lp] = '.';
        memcpy(full + lp + 1, name, ln + 1);
    } else {
        memcpy(full, name, ln + 1);
    }
    VL_ASSERT(!vl_params_find(p, full), "parameter %s registered twice", full);
    if (p->count == p->cap) {
        p->cap = p->cap ? 2 * p->cap : 16;
        p->entries = vl_xrealloc(p->entries, (size_t)p->cap * sizeof *p->entries);
    }
    vl_tensor *t = vl_xcalloc(1, sizeof *t);
    vl_tensor_set_shape(t, ndim, shape);
    t->name = full;
    vl_param_entry *e = &p->entries[p->count++];
    e->name = full;
    e->t = t;
    e->trainable = trainable;
    e->init = init;
    e->init_a = init_a;
    if (trainable) {
        e->offset = p->n_train;
        p->n_train += t->numel;
    } else {
        e->offset = p->n_buf;
        p->n_buf += t->numel;
    }
    return t;
}

static void apply_init(float *x, int64_t n, vl_init_kind kind, float a,
                       vl_rng *r) {
    switch (kind) {
    case VL_INIT_ZEROS:
        for (int64_t i = 0; i < n; i++) x[i] = 0.0f;
        break;
    case VL_INIT_ONES:
        for (int64_t i = 0; i < n; i++) x[i] = 1.0f;
        break;
    case VL_INIT_UNIFORM:
        for (int64_t i = 0; i < n; i++)
            x[i] = (2.0f * vl_rng_uniform(r) - 1.0f) * a;
        break;
    case VL_INIT_NORMAL:
        for (int64_t i = 0; i < n; i++) x[i] = vl_rng_normal(r) * a;
        break;
    }
}

void vl_params_finalize(vl_params *p, uint64_t seed) {
    VL_ASSERT(!p->finalized, "vl_params_finalize called twice");
    p->data = alloc_floats(p->n_train);      /* (n_train) */
    p->grad = alloc_floats(p->n_train);      /* (n_train) */
    p->buf_data = alloc_floats(p->n_buf);    /* (n_buf) */
    vl_rng r;
    vl_rng_seed(&r, seed);
    for (int i = 0; i < p->count; i++) {
        vl_param_entry *e = &p->entries[i];
        vl_tensor *t = e->t;
        t->is_leaf = true;
        if (e->trainable) {
            t->data = p->data + e->offset;
            t->grad = p->grad + e->offset;
            t->requires_grad = true;
        } else {
            t->data = p->buf_data + e->offset;
            t->grad = NULL;
            t->requires_grad = false;
        }
        apply_init(t->data, t->numel, e->init, e->init_a, &r);
    }
    p->finalized = true;
}

void vl_params_zero_grad(vl_params *p) {
    if (p->grad) memset(p->grad, 0, (size_t)p->n_train * sizeof(float));
}

vl_param_entry *vl_params_find(vl_params *p, const char *name) {
    for (int i = 0; i < p->count; i++)
        if (strcmp(p->entries[i].name, name) == 0) return &p->entries[i];
    return NULL;
}

void vl_params_free(vl_params *p) {
    for (int i = 0; i < p->count; i++) {
        free(p->entries[i].name);
        free(p->entries[i].t);
    }
    free(p->entries);
    free(p->data);
    free(p->grad);
    free(p->buf_data);
    memset(p, 0, sizeof *p);
}
