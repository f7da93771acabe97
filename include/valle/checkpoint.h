/* valle/checkpoint.h: model + optimiser + RNG state in one safetensors file,
 * written atomically, so a resumed run continues the exact same trajectory.
 *
 * Layout: every vl_params entry under its own name (F32, or F16/BF16 for
 * exported weights); optimiser moments as "optim.m" and "optim.v" (flat,
 * n_train); RNG states as I64 tensors "rng.<name>" (4 words each);
 * metadata: "config" (JSON, caller's), "optim.step", plus caller pairs.
 *
 * Usage:
 *   vl_checkpoint ck = {.params = &P, .optim = &opt, .config_json = cfg};
 *   vl_checkpoint_add_rng(&ck, "data", &data_rng);
 *   vl_checkpoint_set_meta(&ck, "epoch", "12");
 *   if (vl_checkpoint_save(&ck, "model.safetensors") < 0) ...
 *   // resume: open the file, read config, build the same model, then
 *   vl_checkpoint_load(&st, &ck);
 */
#ifndef VALLE_CHECKPOINT_H
#define VALLE_CHECKPOINT_H

#include "valle/io.h"
#include "valle/nn.h"
#include "valle/optim.h"

#define VL_CKPT_MAX_RNG 4
#define VL_CKPT_MAX_META 16

typedef struct vl_checkpoint {
    vl_params *params;
    vl_optim *optim;            /* NULL: weights only */
    const char *config_json;    /* stored as metadata "config" */
    vl_dtype weight_dtype;      /* F32 (default 0) or F16/BF16 for export */
    int n_rng;
    const char *rng_names[VL_CKPT_MAX_RNG];
    vl_rng *rngs[VL_CKPT_MAX_RNG];
    int n_meta;
    char *meta_keys[VL_CKPT_MAX_META], *meta_vals[VL_CKPT_MAX_META];
} vl_checkpoint;

void vl_checkpoint_add_rng(vl_checkpoint *ck, const char *name, vl_rng *r);
void vl_checkpoint_set_meta(vl_checkpoint *ck, const char *key,
                            const char *value);
void vl_checkpoint_clear_meta(vl_checkpoint *ck);
int vl_checkpoint_save(const vl_checkpoint *ck, const char *path);
/* Loads every param (shape-checked, all must be present), the optimiser
 * state when ck->optim is set and the file has it (VL_ERR_NOTFOUND if
 * missing), and each registered RNG. */
int vl_checkpoint_load(const vl_safetensors *st, vl_checkpoint *ck);

#endif
