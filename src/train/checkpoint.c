/* src/train/checkpoint.c: saving and restoring model, optimiser and RNG
 * state through safetensors (see valle/checkpoint.h). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "valle/checkpoint.h"

void vl_checkpoint_add_rng(vl_checkpoint *ck, const char *name, vl_rng *r) {
    VL_ASSERT(ck->n_rng < VL_CKPT_MAX_RNG);
    ck->rng_names[ck->n_rng] = name;
    ck->rngs[ck->n_rng++] = r;
}

void vl_checkpoint_set_meta(vl_checkpoint *ck, const char *key,
                            const char *value) {
    for (int i = 0; i < ck->n_meta; i++)
        if (!strcmp(ck->meta_keys[i], key)) {
            free(ck->meta_vals[i]);
            ck->meta_vals[i] = vl_xstrdup(value);
            return;
        }
    VL_ASSERT(ck->n_meta < VL_CKPT_MAX_META);
    ck->meta_keys[ck->n_meta] = vl_xstrdup(key);
    ck->meta_vals[ck->n_meta++] = vl_xstrdup(value);
}

void vl_checkpoint_clear_meta(vl_checkpoint *ck) {
    for (int i = 0; i < ck->n_meta; i++) {
        free(ck->meta_keys[i]);
        free(ck->meta_vals[i]);
    }
    ck->n_meta = 0;
}

static void entry_shape(const vl_param_entry *e, int64_t *shape) {
    for (int d = 0; d < e->t->ndim; d++) shape[d] = e->t->shape[d];
}

int vl_checkpoint_save(const vl_checkpoint *ck, const char *path) {
    vl_st_writer w;
    vl_st_writer_init(&w);
    int rc = VL_OK;
    const vl_params *p = ck->params;
    vl_dtype wdt = ck->weight_dtype ? ck->weight_dtype : VL_DT_F32;
    for (int i = 0; i < p->count && rc == VL_OK; i++) {
        const vl_param_entry *e = &p->entries[i];
        int64_t shape[VL_MAX_DIMS];
        entry_shape(e, shape);
        rc = vl_st_writer_add_f32(&w, e->name, e->trainable ? wdt : VL_DT_F32,
                                  e->t->ndim, shape, e->t->data);
    }
    if (rc == VL_OK && ck->optim) {
        const vl_optim *o = ck->optim;
        int64_t n = o->n;
        char step[32];
        rc = vl_st_writer_add_f32(&w, "optim.m", VL_DT_F32, 1, &n, o->m);
        if (rc == VL_OK && o->v)
            rc = vl_st_writer_add_f32(&w, "optim.v", VL_DT_F32, 1, &n, o->v);
        snprintf(step, sizeof step, "%" PRId64, o->step);
        if (rc == VL_OK) rc = vl_st_writer_meta(&w, "optim.step", step);
        if (rc == VL_OK) rc = vl_st_writer_meta(&w, "optim.kind", vl_optim_name(o->kind));
    }
    for (int i = 0; i < ck->n_rng && rc == VL_OK; i++) {
        char name[64];
        int64_t four = 4;
        snprintf(name, sizeof name, "rng.%s", ck->rng_names[i]);
        rc = vl_st_writer_add(&w, name, VL_DT_I64, 1, &four, ck->rngs[i]->s);
    }
    if (rc == VL_OK && ck->config_json)
        rc = vl_st_writer_meta(&w, "config", ck->config_json);
    for (int i = 0; i < ck->n_meta && rc == VL_OK; i++)
        rc = vl_st_writer_meta(&w, ck->meta_keys[i], ck->meta_vals[i]);
    if (rc == VL_OK) rc = vl_st_writer_save(&w, path);
    vl_st_writer_free(&w);
    return rc;
}

int vl_checkpoint_load(const vl_safetensors *st, vl_checkpoint *ck) {
    vl_params *p = ck->params;
    for (int i = 0; i < p->count; i++) {
        vl_param_entry *e = &p->entries[i];
        int64_t shape[VL_MAX_DIMS];
        entry_shape(e, shape);
        int rc = vl_st_read_f32(st, e->name, e->t->data, e->t->ndim, shape);
        if (rc < 0) return rc;
        if (!vl_all_finite(e->t->data, e->t->numel))
            return vl_error(VL_ERR_NUMERIC, "tensor '%s' holds NaN or inf", e->name);
    }
    if (ck->optim) {
        vl_optim *o = ck->optim;
        int64_t n = o->n;
        int rc = vl_st_read_f32(st, "optim.m", o->m, 1, &n);
        if (rc == VL_OK && o->v) rc = vl_st_read_f32(st, "optim.v", o->v, 1, &n);
        if (rc < 0) return rc;
        const char *kind = vl_st_meta(st, "optim.kind");
        if (kind && strcmp(kind, vl_optim_name(o->kind)))
            return vl_error(VL_ERR_ARG, "checkpoint optimiser is %s, not %s",
                            kind, vl_optim_name(o->kind));
        const char *step = vl_st_meta(st, "optim.step");
        char *end = NULL;
        long long s = step ? strtoll(step, &end, 10) : -1;
        if (!step || *end || s < 0)
            return vl_error(VL_ERR_FORMAT, "checkpoint has no valid optim.step");
        o->step = s;
    }
    for (int i = 0; i < ck->n_rng; i++) {
        char name[64];
        snprintf(name, sizeof name, "rng.%s", ck->rng_names[i]);
        const vl_st_tensor *t = vl_st_find(st, name);
        if (!t) return vl_error(VL_ERR_NOTFOUND, "checkpoint has no '%s'", name);
        if (t->dtype != VL_DT_I64 || t->numel != 4)
            return vl_error(VL_ERR_FORMAT, "'%s' must be I64 (4)", name);
        memcpy(ck->rngs[i]->s, t->data, sizeof ck->rngs[i]->s);
    }
    return VL_OK;
}
