/* valle/valle_config.h: the training configuration of `valle train
 * CONFIG.yml`: every key of the reference VALL-E code's Config
 * (enhuiz/vall-e, vall_e/config.py) with the reference's defaults, plus our
 * own keys (marked "ours"), read from a YAML file (valle/yaml.h).
 *
 * Unknown keys are an error (the reference's dataclass rejects them too);
 * keys that only matter to PyTorch/DeepSpeed (nj, use_fp16,
 * cache_dataloader, token_dim, dis_warmup_max_lr) are accepted and kept.
 *
 * Usage:
 *   vl_valle_config cfg;
 *   vl_valle_config_default(&cfg);
 *   if (vl_valle_config_load(&cfg, "config/test/ar.yml") < 0)
 *       die(vl_last_error());          // "config/test/ar.yml:3: ..."
 *   ...
 *   vl_valle_config_free(&cfg);
 */
#ifndef VALLE_VALLE_CONFIG_H
#define VALLE_VALLE_CONFIG_H
#include <stdbool.h>
#include <stdint.h>

#define VL_VALLE_MAX_DATA_DIRS 64

typedef struct vl_valle_config {
    /* ---- reference keys, reference defaults ---- */
    char *data_root;            /* "data" */
    char *data_dirs[VL_VALLE_MAX_DATA_DIRS];  /* [] */
    int n_data_dirs;
    float p_additional_prompt;  /* 0.8 */
    int max_prompts;            /* 3 */
    int max_num_val;            /* 20 */
    int max_val_ar_steps;       /* 300 */
    int token_dim;              /* 256 (unused by the reference too) */
    int num_tokens;             /* 1024: codes vocabulary of the model;
                                   0 = from the codec (max level vocab) */
    int nj;                     /* 8 (data loader workers; ignored) */
    int batch_size;             /* 32 */
    int eval_batch_size;        /* 32 */
    double warmup_min_lr;       /* 1e-6 */
    double warmup_max_lr;       /* 2e-4 */
    double dis_warmup_max_lr;   /* 4e-4 (ignored) */
    int warmup_num_steps;       /* 1000 */
    int64_t max_iter;           /* 1000000 */
    double gradient_clipping;   /* 100 */
    int64_t eval_every;         /* 2000 (0: never) */
    int64_t save_ckpt_every;    /* 2000 (0: only at the end) */
    char *model;                /* "ar-quarter" (ar|nar)[-half|-quarter|-tiny] */
    char *spkr_name_getter;     /* "lambda p: p.parts[-2]" (only this
                                   lambda form is understood: parts[N]) */
    int min_phones;             /* 10 */
    int max_phones;             /* 50 */
    bool use_fp16;              /* true (ignored on CPU) */
    int gradient_accumulation_steps; /* 1 */
    double sampling_temperature;/* 1.0 (0: greedy) */
    bool cache_dataloader;      /* false (ignored) */

    /* ---- ours ---- */
    int spkr_path_component;    /* -2: parsed from spkr_name_getter, or set
                                   directly with this key (wins) */
    char *codec;                /* "lpcnet": codec of the .qnt.npy files */
    char *codec_weights;        /* NULL: encodec weights (for eval WAVs) */
    char *ckpt_dir;             /* NULL: "ckpts/<config path without .yml>" */
    char *log_dir;              /* NULL: "logs/<config path without .yml>" */
    uint64_t seed;              /* 0 */
    float p_dropout;            /* 0.1 (the reference's Base default) */
    int threads;                /* 0: all cores */
    bool ar_first_token_loss;   /* true: the separator before the response
                                   predicts its first token (the reference
                                   leaves it unlearned: false) */
    int d_model, n_heads, n_layers; /* 0: the preset's; else override its
                                   * width, heads or depth */
    int log_every;              /* 1: steps between JSON log lines */
    int bucket_batches;         /* 1 (off, the reference): K > 1 draws K
                                   batches' samples at once, sorts them by
                                   length and trains on the K batches in a
                                   random order (less padding) */

    char *path;                 /* the file loaded (for messages, dirs) */
} vl_valle_config;

void vl_valle_config_default(vl_valle_config *cfg);
/* Reads YAML keys over the current values. VL_ERR_* with "FILE:LINE: ..."
 * for syntax errors, unknown keys, wrong types or out-of-range values. */
int vl_valle_config_load(vl_valle_config *cfg, const char *path);
/* Checks ranges and cross-key consistency (e.g. warmup_min_lr <=
 * warmup_max_lr, batch_size >= 1, min_phones <= max_phones). */
int vl_valle_config_check(const vl_valle_config *cfg);
/* One JSON object with every key (for logs and the model's metadata);
 * malloc'ed. */
char *vl_valle_config_to_json(const vl_valle_config *cfg);
void vl_valle_config_free(vl_valle_config *cfg);
#endif
