/* valle/lm_train.h: language-model training on a text file (character- or
 * word-level), evaluation, sampling, and checkpoint + exact resume, for any
 * architecture registered in the arch table of src/train/lm_train.c.
 *
 * Architectures plug in through vl_lm_arch (a small vtable): a model
 * registers its parameters, maps ids (B, T) to logits (B, T, V), and for
 * generation keeps a decoding state (the GPT's KV cache; an RNN's hidden
 * state). "transformer" is the GPT of valle/gpt.h. To add one (the
 * recurrent-networks issue adds rnn | lstm | gru): put its hyperparameters
 * in vl_lm_train_config (next to `gpt`), write the vtable functions in its
 * own file, add one line to the `archs[]` table in lm_train.c, and its
 * JSON keys to the config (de)serialisers there. The trainer, checkpoints,
 * data, sampling and the CLI are shared.
 *
 * Data: the text is tokenised (char: one token per byte, vocabulary = the
 * bytes that occur, sorted; word: whitespace-separated words plus "<eos>"
 * for every line break, vocabulary sorted); the first 90% of the tokens
 * train, the rest validate (nanoGPT's split). Batches are random windows of
 * block_size + 1 tokens (nanoGPT's get_batch), drawn from the data RNG.
 *
 * Usage:
 *   vl_lm_train_config cfg; vl_lm_train_config_default(&cfg);
 *   vl_lm_data d; vl_lm_data_load("input.txt", VL_LM_CHAR, NULL, &d);
 *   vl_lm_run run; vl_lm_run_init(&run, &cfg, &d.vocab);
 *   while (run.iter < cfg.max_iters) vl_lm_run_step(&run, &d, &st);
 *   vl_lm_run_save(&run, "lm.safetensors");
 */
#ifndef VALLE_LM_TRAIN_H
#define VALLE_LM_TRAIN_H

#include "valle/checkpoint.h"
#include "valle/gpt.h"

/* ---- tokenisation ---- */
typedef enum vl_lm_tokenizer { VL_LM_CHAR, VL_LM_WORD } vl_lm_tokenizer;
int vl_lm_tokenizer_parse(const char *s, vl_lm_tokenizer *out);
const char *vl_lm_tokenizer_name(vl_lm_tokenizer t);

typedef struct vl_lm_vocab {
    vl_lm_tokenizer kind;
    int n;
    int id_of_byte[256];    /* char: token id of a byte, -1 if absent */
    unsigned char *bytes;   /* char: (n) the byte of each id */
    char **words;           /* word: (n) sorted, NUL-terminated */
} vl_lm_vocab;

void vl_lm_vocab_free(vl_lm_vocab *v);
/* Token ids of text (len bytes). Unknown bytes/words: VL_ERR_ARG, unless
 * a word vocabulary has "<unk>" (used instead). *ids is malloc'ed. */
int vl_lm_encode(const vl_lm_vocab *v, const char *text, size_t len, int **ids,
                 int64_t *n);
/* Appends the text of ids to a malloc'ed NUL-terminated string. */
char *vl_lm_decode(const vl_lm_vocab *v, const int *ids, int64_t n);
/* Vocabulary as JSON (char: byte values; word: strings), and back. */
char *vl_lm_vocab_to_json(const vl_lm_vocab *v);
int vl_lm_vocab_from_json(const char *json, vl_lm_tokenizer kind, vl_lm_vocab *v);

typedef struct vl_lm_data {
    vl_lm_vocab vocab;
    int *ids;               /* (n) */
    int64_t n, n_train;     /* [0, n_train) train, [n_train, n) validation */
} vl_lm_data;
/* Reads and tokenises a text file. With `vocab` (a resumed model's), its
 * vocabulary is used; otherwise one is built from the file. Empty files,
 * unknown tokens and too-short files are errors. */
int vl_lm_data_load(const char *path, vl_lm_tokenizer kind, const vl_lm_vocab *vocab,
                    vl_lm_data *d);
void vl_lm_data_free(vl_lm_data *d);

/* ---- configuration ---- */
typedef struct vl_lm_train_config {
    char arch[16];              /* "transformer" */
    vl_lm_tokenizer tokenizer;
    vl_gpt_config gpt;          /* transformer hyperparameters; gpt.vocab and
                                   gpt.block_size are the LM's */
    int batch_size;
    int64_t max_iters;
    int warmup;                 /* linear warm-up steps, then cosine */
    float lr, min_lr, beta1, beta2, weight_decay, clip;
    int eval_interval, eval_iters;
    uint64_t seed;
} vl_lm_train_config;

/* nanoGPT's shakespeare_char "baby GPT" (4 layers, 4 heads, 128 dims, block
 * 64, batch 12, 2000 iterations, AdamW 1e-3 -> 1e-4 cosine after 100
 * warm-up steps, beta2 0.99, weight decay 0.1 on matrices, clip 1.0). */
void vl_lm_train_config_default(vl_lm_train_config *cfg);
size_t vl_lm_train_config_to_json(const vl_lm_train_config *cfg, char *buf, size_t cap);
int vl_lm_train_config_from_json(const char *json, vl_lm_train_config *cfg);

/* ---- architectures ---- */
typedef struct vl_lm_arch {
    const char *name;
    int (*check)(const vl_lm_train_config *cfg);          /* VL_ERR_ARG + msg */
    void *(*create)(vl_params *p, const vl_lm_train_config *cfg);
    void (*destroy)(void *model);
    /* ids (B, T) -> logits (B, T, V) */
    vl_tensor *(*forward)(vl_ctx *c, void *model, const int *ids, int B, int T);
    /* decoding state for B sequences of up to max_len tokens */
    void *(*state_new)(void *model, int B, int max_len);
    void (*state_reset)(void *state);
    void (*state_free)(void *state);
    /* the next n tokens of each sequence -> logits (B, n, V) */
    vl_tensor *(*step)(vl_ctx *c, void *model, void *state, const int *ids, int B,
                       int n);
    /* most tokens a state can hold (0: unlimited) */
    int (*max_context)(const vl_lm_train_config *cfg);
} vl_lm_arch;

/* NULL (and an error message listing the choices) when unknown. */
const vl_lm_arch *vl_lm_arch_find(const char *name);

/* ---- a training run ---- */
typedef struct vl_lm_run {
    vl_lm_train_config cfg;
    const vl_lm_arch *arch;
    void *model;
    vl_params params;
    vl_optim optim;
    vl_ctx *ctx;
    vl_rng data_rng;
    int64_t iter;               /* optimiser steps done */
    vl_lm_vocab vocab;
} vl_lm_run;

typedef struct vl_lm_step_stats {
    float loss, lr, grad_norm;
    double tokens_per_s;
} vl_lm_step_stats;

/* cfg->gpt.vocab is set from the vocabulary (copied into the run). */
int vl_lm_run_init(vl_lm_run *run, const vl_lm_train_config *cfg,
                   const vl_lm_vocab *vocab);
void vl_lm_run_free(vl_lm_run *run);
/* One optimiser step on a random batch. VL_ERR_NUMERIC on a non-finite loss
 * or gradient (parameters untouched). */
int vl_lm_run_step(vl_lm_run *run, const vl_lm_data *d, vl_lm_step_stats *st);
/* Mean loss over eval_iters random batches of the train or validation
 * split, from a fixed RNG (the same batches every call); eval mode. */
int vl_lm_estimate_loss(vl_lm_run *run, const vl_lm_data *d, bool val, double *loss);
int vl_lm_run_save(vl_lm_run *run, const char *path);
/* Builds the run from a checkpoint; with_optim restores the optimiser and
 * RNG states for resuming. Not an LM checkpoint / unknown arch: errors. */
int vl_lm_run_load(vl_lm_run *run, const char *path, bool with_optim);

/* ---- sampling ---- */
typedef struct vl_lm_sample_opts {
    int n_tokens;
    float temperature;          /* 0: greedy */
    int top_k;                  /* 0: off */
    float top_p;                /* 1: off */
    uint64_t seed;
} vl_lm_sample_opts;
/* Feeds the prompt (n_prompt >= 1 ids) and samples n_tokens ids into out.
 * A transformer whose context is full continues from its last
 * block_size / 2 tokens. */
int vl_lm_generate(vl_lm_run *run, const int *prompt, int n_prompt,
                   const vl_lm_sample_opts *o, int *out);
/* Picks an id from logits (V) with the options (exposed for tests). */
int vl_lm_sample(const float *logits, int V, const vl_lm_sample_opts *o, vl_rng *r);

#endif
