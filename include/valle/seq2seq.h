/* valle/seq2seq.h: recurrent encoder-decoder models for token sequences
 * (character-level question_answer pairs, letters -> phones), with
 * optional input reversal, a "peeky" decoder and dot-product (Time
 * Attention) or additive attention; training with checkpoints and exact
 * resume; greedy and beam-search decoding.
 *
 * Token ids: 0 <pad>, 1 <s>, 2 </s>, then the data's symbols. A pair's
 * source is split into characters; its target into characters (format
 * "chars") or space-separated symbols (format "g2p": "word PH1 PH2 ...").
 *
 * Usage:
 *   vl_s2s_data d; vl_s2s_data_load(&d, "date.txt", VL_S2S_CHARS);
 *   vl_s2s_config cfg; vl_s2s_config_default(&cfg);
 *   vl_s2s_vocab_build(&cfg, &d);           // symbols from the data
 *   vl_s2s_run run; vl_s2s_run_init(&run, &cfg);
 *   vl_s2s_run_epoch(&run, &d, 0, d.n, &loss);
 *   int out[64]; int n = vl_s2s_decode(&run.model, run.ctx, src, ns, 0, out, 64, NULL);
 */
#ifndef VALLE_SEQ2SEQ_H
#define VALLE_SEQ2SEQ_H

#include "valle/checkpoint.h"
#include "valle/rnn.h"
#include "valle/rnn_attention.h"

enum { VL_S2S_PAD = 0, VL_S2S_BOS = 1, VL_S2S_EOS = 2, VL_S2S_FIRST = 3 };
typedef enum vl_s2s_format { VL_S2S_CHARS, VL_S2S_G2P } vl_s2s_format;
typedef enum vl_s2s_attn { VL_S2S_ATTN_NONE, VL_S2S_ATTN_DOT, VL_S2S_ATTN_ADD }
    vl_s2s_attn;

#define VL_S2S_MAX_VOCAB 512

typedef struct vl_s2s_config {
    vl_s2s_format format;
    vl_rnn_kind cell;           /* LSTM or GRU */
    int emb, hidden;
    vl_s2s_attn attention;
    bool reverse, peeky;
    bool bidir;                 /* bidirectional encoder (needs attention) */
    int n_src, n_tgt;           /* vocabulary sizes including the 3 specials */
    int pad_to;                 /* > 0: fixed-width sources (every training
                                 * source had this length): shorter inputs
                                 * are right-padded with spaces */
    char *src_sym[VL_S2S_MAX_VOCAB], *tgt_sym[VL_S2S_MAX_VOCAB];
    /* training */
    vl_optim_kind optim;
    float lr, clip;
    float decay;                /* lr *= decay per epoch after decay_start */
    int decay_start;            /* epochs at full lr */
    int batch_size, epochs;
    uint64_t seed;
} vl_s2s_config;

/* One pair per line; ids already mapped when a vocabulary is given. */
typedef struct vl_s2s_data {
    int n;
    char **src, **tgt;          /* raw strings (tgt: answer text / phones) */
} vl_s2s_data;

void vl_s2s_config_default(vl_s2s_config *cfg);
void vl_s2s_config_free(vl_s2s_config *cfg);
/* Clear errors for empty files and lines without the separator ('_' for
 * chars, a space for g2p; g2p skips ";;;" comments and strips "(2)"). */
int vl_s2s_data_load(const char *path, vl_s2s_format fmt, vl_s2s_data *d);
void vl_s2s_data_free(vl_s2s_data *d);
/* Collects every source character and target symbol of d (sorted); sets
 * pad_to when every source has the same length (fixed-width files). */
int vl_s2s_vocab_build(vl_s2s_config *cfg, const vl_s2s_data *d);
/* Token ids of a source / target string; VL_ERR_ARG naming the symbol
 * that is not in the vocabulary. Returns the count (<= cap). */
int vl_s2s_encode_src(const vl_s2s_config *cfg, const char *s, int *ids, int cap);
int vl_s2s_encode_tgt(const vl_s2s_config *cfg, const char *s, int *ids, int cap);
/* Writes target ids (without specials) as text. */
void vl_s2s_tgt_text(const vl_s2s_config *cfg, const int *ids, int n,
                     char *buf, size_t cap);

typedef struct vl_s2s_model {
    vl_s2s_config cfg;
    vl_embedding_layer src_emb, tgt_emb;
    vl_rnn enc, dec;
    vl_rnn enc_bwd;             /* bidir: the encoder over the flipped source */
    vl_linear_layer enc_proj;   /* bidir: (2H -> H) of [forward; backward] */
    vl_rnn_additive add;
    vl_linear_layer out;
} vl_s2s_model;

/* Registers parameters "src_emb", "tgt_emb", "enc.*", "dec.*", "out". */
void vl_s2s_model_init(vl_s2s_model *m, vl_params *p, const vl_s2s_config *cfg);
/* Mean cross-entropy of a batch: src (B, Ts) left-padded with 0 (already
 * reversed if cfg.reverse), dec_in (B, Td), tgt (B, Td) with -100 padding. */
vl_tensor *vl_s2s_loss(vl_ctx *c, const vl_s2s_model *m, const int *src,
                       int B, int Ts, const int *dec_in, const int *tgt, int Td);
/* Decodes one source (ids without specials; reversal applied here) with
 * beam width `beam` (<= 1: greedy). Writes at most `cap` target ids
 * (without <s>/</s>) and returns the count. attn (cap * ns floats) gets
 * the attention map of the result when not NULL (attention models). */
int vl_s2s_decode(const vl_s2s_model *m, vl_ctx *c, const int *src, int ns,
                  int beam, int *out, int cap, float *attn);
/* Greedy decoding of many sources at once (faster); out: n rows of cap. */
void vl_s2s_decode_batch(const vl_s2s_model *m, vl_ctx *c, int n,
                         const int *const *src, const int *ns, int cap,
                         int *out, int *out_len);

/* ---- training run with checkpoints ---- */
typedef struct vl_s2s_run {
    vl_s2s_config cfg;
    vl_params params;
    vl_s2s_model model;
    vl_optim optim;
    vl_ctx *ctx;
    vl_rng data_rng;
    int epoch;
} vl_s2s_run;

void vl_s2s_run_init(vl_s2s_run *run, const vl_s2s_config *cfg);
void vl_s2s_run_free(vl_s2s_run *run);
/* One shuffled pass over pairs [lo, hi) of d; mean loss in *loss.
 * VL_ERR_NUMERIC on a non-finite loss/gradient; VL_ERR_ARG on symbols
 * outside the vocabulary. */
int vl_s2s_run_epoch(vl_s2s_run *run, const vl_s2s_data *d, int lo, int hi,
                     double *loss);
/* Exact-match accuracy (and mean edit distance / reference length, in
 * symbols, when per != NULL) of greedy (beam <= 1) or beam decoding on
 * pairs [lo, hi). strip: compare ignoring digits (stress) too. */
int vl_s2s_evaluate(vl_s2s_run *run, const vl_s2s_data *d, int lo, int hi,
                    int beam, bool strip_digits, double *acc, double *per);
/* weight_dtype F32 for training checkpoints; F16 for a shipped model. */
int vl_s2s_run_save(vl_s2s_run *run, const char *path, vl_dtype weight_dtype);
/* with_optim: restore the optimiser and RNG for an exact resume. A file
 * of another architecture is a clear VL_ERR_FORMAT. */
int vl_s2s_run_load(vl_s2s_run *run, const char *path, bool with_optim);

/* Writes the attention map (n_out rows of strlen(src) weights, as from
 * vl_s2s_decode) as a PNG heat map with the characters on the axes. */
int vl_s2s_plot_attention(const char *path, const vl_s2s_config *cfg, const char *src,
                          const int *out, int n_out, const float *attn);

/* Levenshtein distance of two id sequences. */
int vl_s2s_edit_distance(const int *a, int na, const int *b, int nb);

#endif
