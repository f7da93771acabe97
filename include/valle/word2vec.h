/* valle/word2vec.h: Word2Vec (Mikolov et al. 2013): CBOW and skip-gram with
 * negative sampling and/or hierarchical softmax, frequent-word subsampling,
 * dynamic window, linear learning-rate decay, lock-free (Hogwild) threads.
 * Two engines: `classic` (per-word SGD exactly like word2vec.c) and
 * `batched` (the default: pWord2Vec/HogBatch-style minibatches with shared
 * negatives, computed as small dense matrix products). Vectors are read and
 * written in word2vec.c's text and binary formats.
 *
 * Usage:
 *   vl_w2v_vocab v; vl_w2v_corpus c;
 *   if (vl_w2v_corpus_load(&c, &v, "text8", 5, true) < 0) die(vl_last_error());
 *   vl_w2v_config cfg; vl_w2v_config_default(&cfg);
 *   vl_w2v_model m;
 *   vl_w2v_train(&m, &cfg, &v, &c, NULL);
 *   vl_w2v_save(&m, &v, "vectors.bin", true);      // atomic
 *   vl_w2v_vectors vec; vl_w2v_vectors_load(&vec, "vectors.bin");
 *   vl_w2v_hit hits[10]; int n = vl_w2v_similar(&vec, "king", hits, 10);
 */
#ifndef VALLE_WORD2VEC_H
#define VALLE_WORD2VEC_H

#include <stdbool.h>
#include <stdint.h>
#include "valle/core.h"

#define VL_W2V_MAX_WORD 255       /* bytes; longer words are an error */
#define VL_W2V_MAX_CODE 40        /* Huffman code length limit (as word2vec.c) */
#define VL_W2V_MAX_SENTENCE 1000  /* words per training sentence (as word2vec.c) */
#define VL_W2V_EOS "</s>"         /* index 0: one per newline */

/* ---- vocabulary (vocab.c) ---- */
typedef struct vl_w2v_vocab {
    int size;
    char **words;             /* (size) words[0] = "</s>" */
    long long *counts;        /* (size) descending from index 1 */
    long long train_words;    /* sum of counts */
    int *hash;                /* (hash_cap) open addressing -> index, -1 empty */
    uint32_t hash_cap;
    /* Huffman tree, filled by vl_w2v_huffman_build */
    uint8_t *codelen;         /* (size) */
    uint8_t *codes;           /* (size, VL_W2V_MAX_CODE) bits, root first */
    int *points;              /* (size, VL_W2V_MAX_CODE) inner nodes, root first */
} vl_w2v_vocab;

/* Index of `word` or -1. */
int vl_w2v_vocab_find(const vl_w2v_vocab *v, const char *word);
void vl_w2v_vocab_free(vl_w2v_vocab *v);
/* "word count" lines (word2vec.c -save-vocab format), atomic. */
int vl_w2v_vocab_save(const vl_w2v_vocab *v, const char *path);
/* Reads such a file; words with count < min_count are dropped. */
int vl_w2v_vocab_read(vl_w2v_vocab *v, const char *path, int min_count);

/* The corpus as word indices (out-of-vocabulary words dropped; "</s>" = 0
 * for every newline). Whitespace: space, tab, newline, \v, \f; \r is
 * ignored. Errors: missing file, NUL bytes (binary data), a word longer than
 * VL_W2V_MAX_WORD, no word with count >= min_count. */
typedef struct vl_w2v_corpus {
    int *ids;                 /* (n) */
    long long n;
} vl_w2v_corpus;
/* build: count words, sort by count (ties: first occurrence), drop those
 * below min_count into *v; otherwise *v is given (from vl_w2v_vocab_read). */
int vl_w2v_corpus_load(vl_w2v_corpus *c, vl_w2v_vocab *v, const char *path,
                       int min_count, bool build);
void vl_w2v_corpus_free(vl_w2v_corpus *c);

/* ---- Huffman tree (huffman.c): word2vec.c's CreateBinaryTree ----
 * Inner nodes are numbered 0..size-2 (root = size-2). VL_ERR_UNSUPPORTED
 * when a code would exceed VL_W2V_MAX_CODE bits. */
int vl_w2v_huffman_build(vl_w2v_vocab *v);

/* ---- sampling (sampling.c) ---- */
/* Negative sampling from count^power (0.75) with Walker's alias method:
 * exact probabilities, O(1) per draw, 8 bytes per word (word2vec.c uses a
 * 1e8-entry table, 400 MB). Index 0 ("</s>") is never drawn. */
typedef struct vl_w2v_alias {
    uint32_t *prob;           /* (n) acceptance threshold, scaled to 2^32 */
    int *alias;               /* (n) */
    int n;
} vl_w2v_alias;
int vl_w2v_alias_build(vl_w2v_alias *a, const vl_w2v_vocab *v, double power);
/* r: 64 uniform random bits. */
static inline int vl_w2v_alias_draw(const vl_w2v_alias *a, uint64_t r) {
    uint32_t i = (uint32_t)(((r >> 32) * (uint64_t)a->n) >> 32);
    return (uint32_t)r < a->prob[i] ? (int)i : a->alias[i];
}
void vl_w2v_alias_free(vl_w2v_alias *a);
/* Probability of keeping one occurrence of a word seen `count` times out of
 * `train_words` (word2vec.c: (sqrt(c/(s*T)) + 1) * s*T/c, capped at 1;
 * 1 when sample <= 0). */
double vl_w2v_keep_prob(long long count, long long train_words, double sample);

/* ---- training (train.c, train_classic.c, train_batched.c) ---- */
typedef enum { VL_W2V_BATCHED = 0, VL_W2V_CLASSIC = 1 } vl_w2v_engine;

typedef struct vl_w2v_config {
    int dim;                  /* -size (100) */
    int window;               /* -window (5) */
    int negative;             /* -negative (5); 0 = off */
    int hs;                   /* -hs (0) */
    int cbow;                 /* -cbow (1) */
    int cbow_mean;            /* 1: mean of the context (word2vec.c), 0: sum */
    int iter;                 /* -iter (5) */
    int threads;              /* -threads (0 = all cores) */
    float alpha;              /* -alpha (0: 0.05 for CBOW, 0.025 skip-gram) */
    float sample;             /* -sample (1e-3) */
    vl_w2v_engine engine;
    int batch;                /* batched CBOW: targets sharing negatives (1) */
    uint64_t seed;
    bool progress;            /* "\rAlpha ... Progress ... Words/thread/sec" */
} vl_w2v_config;
void vl_w2v_config_default(vl_w2v_config *cfg);

typedef struct vl_w2v_model {
    int vocab_size, dim;
    float *syn0;              /* (vocab_size, dim) input vectors: the output */
    float *syn1;              /* (vocab_size, dim) HS inner nodes or NULL */
    float *syn1neg;           /* (vocab_size, dim) NS output vectors or NULL */
} vl_w2v_model;

typedef struct vl_w2v_stats {
    long long words;          /* corpus words read over all iterations */
    double seconds;           /* wall */
    double words_per_sec;     /* words / seconds */
    double words_per_thread_sec;
} vl_w2v_stats;

/* Builds the Huffman tree when cfg->hs (if not built). */
int vl_w2v_train(vl_w2v_model *m, const vl_w2v_config *cfg, vl_w2v_vocab *v,
                 const vl_w2v_corpus *c, vl_w2v_stats *stats);
void vl_w2v_model_free(vl_w2v_model *m);

/* ---- vectors files (io.c): word2vec.c text / binary formats ---- */
int vl_w2v_save(const vl_w2v_model *m, const vl_w2v_vocab *v,
                const char *path, bool binary);

typedef struct vl_w2v_vectors {
    int n, dim;
    char **words;             /* (n) */
    float *vec;               /* (n, dim) as stored */
    float *unit;              /* (n, dim) L2-normalised (query.c) */
    int *hash;                /* (hash_cap) -> index */
    uint32_t hash_cap;
} vl_w2v_vectors;
/* Detects the format (binary if the first record is not text); every size
 * is checked against the file; truncated files are an error. */
int vl_w2v_vectors_load(vl_w2v_vectors *vv, const char *path);
int vl_w2v_vectors_find(const vl_w2v_vectors *vv, const char *word);
void vl_w2v_vectors_free(vl_w2v_vectors *vv);

/* ---- queries (query.c) ---- */
typedef struct vl_w2v_hit {
    int index;
    float cosine;
} vl_w2v_hit;
/* Nearest words by cosine, excluding the query. VL_ERR_NOTFOUND if absent. */
int vl_w2v_similar(vl_w2v_vectors *vv, const char *word, vl_w2v_hit *hits, int k);
/* b - a + c (a is to b as c is to ?), excluding a, b, c. */
int vl_w2v_analogy(vl_w2v_vectors *vv, const char *a, const char *b,
                   const char *c, vl_w2v_hit *hits, int k);

typedef struct vl_w2v_analogy_result {
    int seen, total;              /* questions with all 4 words / all */
    int correct;
    int sem_seen, sem_correct;    /* the first 5 sections */
    int syn_seen, syn_correct;
    double total_acc, sem_acc, syn_acc;   /* percent of seen */
} vl_w2v_analogy_result;
/* compute-accuracy.c's protocol: words upper-cased, vocabulary restricted to
 * the first `threshold` (30000) entries, a question counts only if its four
 * words are in it; sections 1-5 semantic, the rest syntactic. */
int vl_w2v_eval_analogy(vl_w2v_vectors *vv, const char *questions_path,
                        int threshold, vl_w2v_analogy_result *r);

typedef struct vl_w2v_similarity_result {
    int pairs, found;             /* lines read / pairs with both words */
    double spearman;
} vl_w2v_similarity_result;
/* "word1 word2 score" lines (tab or space separated, '#' comments): the
 * Spearman rank correlation of cosine vs score (ties get average ranks).
 * Lookup falls back to lower case. */
int vl_w2v_eval_similarity(vl_w2v_vectors *vv, const char *path,
                           vl_w2v_similarity_result *r);
/* Spearman correlation of two sequences (average ranks for ties). */
double vl_w2v_spearman(const double *x, const double *y, int n);

#endif
