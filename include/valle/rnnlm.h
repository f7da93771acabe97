/* valle/rnnlm.h: word-level recurrent language models (tanh RNN, LSTM,
 * GRU) as in Zaremba et al. 2014: embedding -> dropout -> multi-layer RNN
 * (dropout between layers) -> dropout -> Linear (optionally tied to the
 * embedding), trained with truncated BPTT over a batch of parallel token
 * streams whose state is carried (detached) from one chunk to the next.
 *
 * Data: one sentence per line, words separated by white space, "<eos>"
 * appended per line; the vocabulary comes from the training file. Words of
 * other files that are not in it map to "<unk>" when the vocabulary has
 * it, else they are an error.
 *
 * The training loss is the cross-entropy summed over the BPTT steps and
 * averaged over the batch (Zaremba's convention, so lr 1 and clip 5 mean
 * what they meant there); perplexity is exp(mean per-token loss).
 *
 * Usage:
 *   vl_rnnlm_train_config cfg; vl_rnnlm_train_config_default(&cfg);
 *   vl_rnnlm_run run; vl_rnnlm_run_init(&run, &cfg, &vocab);
 *   while (run.epoch < cfg.epochs) vl_rnnlm_run_epoch(&run, &train, ...);
 *   double ppl; vl_rnnlm_perplexity(&run, &test, 10, &ppl);
 */
#ifndef VALLE_RNNLM_H
#define VALLE_RNNLM_H

#include "valle/checkpoint.h"
#include "valle/rnn.h"

/* ---- vocabulary and token streams ---- */
typedef struct vl_rnnlm_vocab {
    int n;
    char **words;       /* id -> word */
    int *table;         /* open-addressing hash: word -> id (-1 empty) */
    int table_cap;
    int unk;            /* id of "<unk>" or -1 */
} vl_rnnlm_vocab;

void vl_rnnlm_vocab_free(vl_rnnlm_vocab *v);
int vl_rnnlm_vocab_find(const vl_rnnlm_vocab *v, const char *w);
/* Id of w, added at the end when new (init v zeroed with unk = -1). */
int vl_rnnlm_vocab_add(vl_rnnlm_vocab *v, const char *w);
/* Reads a text file into ids (one <eos> per line). With build, new words
 * are added to v (training file); else unknown words map to <unk> or fail
 * with VL_ERR_FORMAT naming the word and line. Empty files are errors. */
int vl_rnnlm_read(const char *path, vl_rnnlm_vocab *v, bool build, int **ids,
                  int64_t *n);

/* ---- model ---- */
typedef struct vl_rnnlm_config {
    vl_rnn_kind arch;
    int vocab, emb, hidden, layers;
    float dropout;
    bool tie;           /* output weight = embedding (needs emb == hidden) */
    float init;         /* > 0: every weight U(-init, init); else PyTorch's */
} vl_rnnlm_config;

typedef struct vl_rnnlm {
    vl_rnnlm_config cfg;
    vl_embedding_layer emb;     /* "emb.weight" (V, E) */
    vl_rnn rnn;                 /* "rnn.*" */
    vl_tensor *out_w;           /* "out.weight" (V, H), or the embedding */
    vl_tensor *out_b;           /* "out.bias" (V) */
} vl_rnnlm;

void vl_rnnlm_init(vl_rnnlm *m, vl_params *p, const vl_rnnlm_config *cfg);
/* ids (B, T) -> logits (B, T, V); init / final: carried states. */
vl_tensor *vl_rnnlm_forward(vl_ctx *c, const vl_rnnlm *m, const int *ids, int B,
                            int T, const vl_rnn_state *init, vl_rnn_state *final);

/* ---- training ---- */
typedef struct vl_rnnlm_train_config {
    vl_rnnlm_config model;
    vl_optim_kind optim;
    float lr, clip;
    int decay_start;    /* epochs at full lr, then lr *= decay per epoch */
    float decay;
    int epochs, batch_size, bptt;
    uint64_t seed;
} vl_rnnlm_train_config;

void vl_rnnlm_train_config_default(vl_rnnlm_train_config *cfg);
/* lr of (0-based) epoch e: lr * decay^max(0, e + 1 - decay_start). */
float vl_rnnlm_epoch_lr(const vl_rnnlm_train_config *cfg, int epoch);

typedef struct vl_rnnlm_run {
    vl_rnnlm_train_config cfg;
    vl_rnnlm_vocab vocab;
    vl_params params;
    vl_rnnlm model;
    vl_tensor *state_h, *state_c;   /* carried state (L, B, H): buffers */
    vl_optim optim;
    vl_ctx *ctx;
    int epoch;                      /* epochs completed */
    int64_t chunk;                  /* BPTT chunks done in this epoch */
} vl_rnnlm_run;

/* Takes ownership of *vocab (left zeroed). */
void vl_rnnlm_run_init(vl_rnnlm_run *run, const vl_rnnlm_train_config *cfg,
                       vl_rnnlm_vocab *vocab);
void vl_rnnlm_run_free(vl_rnnlm_run *run);
/* Continues the current epoch from run->chunk; calls save(run, user) every
 * save_every chunks (0: never) and returns after max_chunks chunks (0:
 * at the end of the epoch, when run->epoch advances). *loss: mean
 * per-token training loss of the chunks run. VL_ERR_NUMERIC on NaN/inf. */
int vl_rnnlm_run_epoch(vl_rnnlm_run *run, const int *ids, int64_t n,
                       int64_t max_chunks, int64_t save_every,
                       int (*save)(vl_rnnlm_run *, void *), void *user,
                       double *loss, double *tokens_per_s);
/* Perplexity of a token stream (eval mode, batch `batch`, carried state). */
int vl_rnnlm_perplexity(vl_rnnlm_run *run, const int *ids, int64_t n, int batch,
                        double *ppl);
/* Samples `count` words after the prompt ids; temperature > 0, top_k 0 =
 * all. Writes ids to out. */
int vl_rnnlm_generate(vl_rnnlm_run *run, const int *prompt, int np, int count,
                      float temperature, int top_k, uint64_t seed, int *out);
int vl_rnnlm_run_save(vl_rnnlm_run *run, const char *path);
/* A checkpoint of another architecture is a clear VL_ERR_FORMAT. */
int vl_rnnlm_run_load(vl_rnnlm_run *run, const char *path);

#endif
