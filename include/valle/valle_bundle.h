/* valle/valle_bundle.h: a trained VALL-E in one safetensors file, as
 * `valle export` writes it and `valle tts` reads it: the AR's parameters
 * under "ar.<name>", the NAR's under "nar.<name>" (either may be absent in
 * a training checkpoint, which holds one model under plain names), and the
 * metadata "valle": a JSON object
 *   {"format": "valle-bundle", "version": 1,
 *    "codec": "lpcnet", "levels": 6, "vocab": [2048, ...],
 *    "phones": ["<s>", "</s>", "AA0", ...],          (ids from 1)
 *    "ar": {model config}, "nar": {model config}}
 * where a model config is {"kind": "ar", "n_tokens": .., "n_text_tokens":
 * .., "d_model": .., "n_heads": .., "n_layers": .., "n_prom_levels": ..,
 * "n_resp_levels": .., "first_token_loss": true}.
 *
 * Usage:
 *   vl_valle_bundle b;
 *   if (vl_valle_bundle_load(&b, "model.safetensors") < 0) die(...);
 *   ... b.ar, b.nar, b.phones, b.codec ...
 *   vl_valle_bundle_free(&b);
 */
#ifndef VALLE_VALLE_BUNDLE_H
#define VALLE_VALLE_BUNDLE_H
#include "valle/codec.h"
#include "valle/io.h"
#include "valle/valle_data.h"
#include "valle/valle_model.h"

typedef struct vl_valle_bundle {
    bool has_ar, has_nar;
    vl_params ar_params, nar_params;
    vl_valle_model ar, nar;
    vl_symmap phones;                       /* ids from 1 */
    char codec[32];                         /* "lpcnet", "encodec" */
    int levels;
    int vocab[VL_CODEC_MAX_LEVELS];
} vl_valle_bundle;

/* JSON of one model config / from it (VL_ERR_FORMAT on bad values). */
char *vl_valle_model_config_json(const vl_valle_model_config *mc);
int vl_valle_model_config_from_json(vl_valle_model_config *mc, const char *json);

/* The "valle" metadata of a bundle (has_ar/has_nar select the configs). */
char *vl_valle_bundle_meta(const vl_valle_bundle *b);
/* Parses the metadata and builds the models it names (parameters
 * allocated, not loaded). */
int vl_valle_bundle_from_meta(vl_valle_bundle *b, const char *json);

/* Atomic write; dtype F32, F16 or BF16 for the weights. */
int vl_valle_bundle_save(const vl_valle_bundle *b, const char *path, vl_dtype dtype);
/* Reads a bundle; also accepts a training checkpoint of one model (its
 * parameters under plain names). Errors name the file and what is wrong
 * (not a VALL-E file, missing tensor, shape mismatch, unknown codec). */
int vl_valle_bundle_load(vl_valle_bundle *b, const char *path);
void vl_valle_bundle_free(vl_valle_bundle *b);
#endif
