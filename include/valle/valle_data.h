/* valle/valle_data.h: the VALL-E training data, laid out as the reference
 * code lays it out (enhuiz/vall-e, vall_e/data.py): data folders holding
 * <name>.wav, <name>.normalized.txt, <name>.phn.txt and <name>.qnt.npy
 * (codes, int (1, levels, frames) or (levels, frames)), searched
 * recursively; the speaker is one component of the path (the reference's
 * "lambda p: p.parts[-2]" = the parent folder).
 *
 * As the reference:
 *   - phones = ["<s>"] + the phone file's whitespace-separated symbols +
 *     ["</s>"]; an utterance is kept when min_phones <= len <= max_phones
 *     and it is not only "_" (the word separator);
 *   - per speaker: its utterances sorted, shuffled with a fixed seed, the
 *     first round(0.95 n) (round half to even) train, the rest validation;
 *   - utterances of speakers with a single usable utterance are dropped
 *     (a prompt must come from another utterance of the same speaker);
 *   - phone symbol map: sorted phones of the training set, ids from 1
 *     (0 = padding); speaker map: sorted names, ids from 0;
 *   - training sampler balanced over speakers: a uniform speaker, then a
 *     uniform utterance of it;
 *   - prompt: up to max_prompts other utterances of the same speaker
 *     (uniform with replacement), concatenated along time; after each one
 *     another follows with probability p_additional_prompt;
 *   - evaluation order: interleaved over speakers (first utterance of each
 *     speaker in sorted order, then the second, ...), first max_num_val.
 * All codes are read into memory when the data set is opened (every file's
 * shape is checked against the first file's level count and the codec's
 * vocabulary, when given).
 *
 * Usage:
 *   vl_valle_data_opts o = vl_valle_data_opts_default();
 *   o.dirs = dirs; o.n_dirs = 1;
 *   vl_valle_data d;
 *   if (vl_valle_data_open(&d, &o) < 0) die(vl_last_error());
 *   vl_valle_sample s;
 *   vl_valle_data_sample_train(&d, &rng, &s);   // text, prom, resp
 *   vl_valle_sample_free(&s);
 *   vl_valle_data_close(&d);
 */
#ifndef VALLE_VALLE_DATA_H
#define VALLE_VALLE_DATA_H
#include <stdint.h>
#include "valle/core.h"

/* A symbol table: names[i] has id i + base (base 1 for phones, 0 for
 * speakers). */
typedef struct vl_symmap {
    char **names;
    int n;
    int base;
} vl_symmap;
/* id of name, or -1 (binary search: names are sorted). */
int vl_symmap_find(const vl_symmap *m, const char *name);
/* Sorted (strcmp, = code point order for UTF-8), duplicates removed, the
 * names copied. */
int vl_symmap_build(vl_symmap *m, const char *const *names, int n, int base);
void vl_symmap_free(vl_symmap *m);
/* Serialised as a JSON array of strings (for the model's metadata) and
 * back. */
char *vl_symmap_to_json(const vl_symmap *m);
int vl_symmap_from_json(vl_symmap *m, const char *json, int base);
/* The same from an already parsed JSON array (a member of a larger
 * document). */
struct vl_json;
int vl_symmap_from_json_value(vl_symmap *m, const struct vl_json *arr, int base);

typedef struct vl_valle_utt {
    char *stem;         /* path without ".qnt.npy" */
    char *spkr_name;
    int spkr;           /* id in the speaker map */
    int n_phones;       /* incl. <s> and </s> */
    int *phones;        /* (n_phones) ids in the phone map */
    int frames, levels;
    int32_t *codes;     /* (frames, levels), frame-major like the
                           reference's (t q) */
} vl_valle_utt;

typedef struct vl_valle_sample {
    int utt;                    /* index into d->utts */
    int n_text;
    int *text;                  /* (n_text) phone ids */
    int prom_frames, levels;
    int32_t *prom;              /* (prom_frames, levels) */
    int resp_frames;
    int32_t *resp;              /* (resp_frames, levels) */
} vl_valle_sample;
void vl_valle_sample_free(vl_valle_sample *s);

typedef struct vl_valle_data_opts {
    const char *const *dirs;
    int n_dirs;
    int spkr_path_component;    /* -2: parent folder; -3: grand-parent ... */
    int min_phones, max_phones; /* 10, 50 */
    float p_additional_prompt;  /* 0.8 */
    int max_prompts;            /* 3 */
    int max_num_val;            /* 20 */
    float train_fraction;       /* 0.95 */
    uint64_t split_seed;        /* 0 */
    const vl_symmap *phones;    /* NULL: build from the training set; else
                                   use it (a model's map; unknown phones
                                   are an error naming the file) */
    int levels;                 /* 0: from the first file; else required */
    const int *vocab;           /* (levels) codec vocabularies, or NULL */
    bool quiet;                 /* no progress on stderr */
} vl_valle_data_opts;
vl_valle_data_opts vl_valle_data_opts_default(void);

typedef struct vl_valle_data {
    vl_valle_utt *utts;
    int n_utts;
    int *train, n_train;        /* utterance indexes */
    int *val, n_val;
    int *subtrain, n_subtrain;  /* eval order over train, max_num_val */
    int *val_eval, n_val_eval;  /* eval order over val, max_num_val */
    vl_symmap phones, spkrs;
    int levels;
    /* sampler state */
    int **train_by_spkr;        /* per speaker id: its training utterances */
    int *n_train_by_spkr;
    int **all_by_spkr;          /* per speaker: train + val (prompt pool) */
    int *n_all_by_spkr;
    float p_additional_prompt;
    int max_prompts;
} vl_valle_data;

/* VL_ERR_IO / VL_ERR_FORMAT with the file name on failure; an empty result
 * (no usable utterance) is an error saying which filter removed what. */
int vl_valle_data_open(vl_valle_data *d, const vl_valle_data_opts *o);
void vl_valle_data_close(vl_valle_data *d);
/* Balanced training sample with a prompt from another utterance. */
int vl_valle_data_sample_train(vl_valle_data *d, vl_rng *rng,
                               vl_valle_sample *out);
/* Sample for utterance index u (eval; prompt drawn with rng). */
int vl_valle_data_get(vl_valle_data *d, int u, vl_rng *rng,
                      vl_valle_sample *out);

/* Reads a phone file: whitespace-separated symbols -> *out (n strings, each
 * malloc'ed, then the array). Bounded: at most 1 MiB, 100000 symbols, each
 * symbol printable ASCII/UTF-8 without control characters, <= 64 bytes. */
int vl_phone_file_read(const char *path, char ***out, int *n);
int vl_phone_parse(const char *text, size_t len, char ***out, int *n);
#endif
