/* valle/valle_generate.h: decoding with the VALL-E models: the AR samples
 * the first codes level token by token (KV cache, or full recomputation for
 * checks) until the stop token or a cap; the NAR fills the other levels one
 * level at a time, all frames at once.
 *
 * Sampling: temperature (0 = greedy), top-k, top-p, and VALL-E 2's
 * repetition-aware sampling: a token drawn by nucleus sampling whose share
 * of the last `ras_window` tokens exceeds `ras_threshold` is drawn again
 * from the whole (temperature-scaled) distribution.
 *
 * Usage:
 *   vl_valle_sampling s = vl_valle_sampling_default();
 *   int32_t *codes; int n; bool stopped;
 *   vl_valle_ar_generate(&ar, text, nt, prom, tp, levels, &s, vocab0, true,
 *                        &rng, &codes, &n, &stopped);
 *   int32_t *all = ...(n, levels) with level 0 = codes;
 *   vl_valle_nar_generate(&nar, text, nt, prom, tp, levels, all, n, vocab,
 *                         0.2f, &rng);
 */
#ifndef VALLE_VALLE_GENERATE_H
#define VALLE_VALLE_GENERATE_H
#include "valle/valle_model.h"

typedef struct vl_valle_sampling {
    float temperature;      /* 1.0; 0 = greedy */
    int top_k;              /* 0 = off */
    float top_p;            /* 1 = off */
    bool ras;               /* repetition-aware sampling */
    int ras_window;         /* 10 */
    float ras_threshold;    /* 0.1 */
    int max_steps;          /* cap on generated frames */
} vl_valle_sampling;
vl_valle_sampling vl_valle_sampling_default(void);

/* Picks one id in [0, V) from logits with the options; `history` (n_hist
 * previous ids) feeds repetition-aware sampling. */
int vl_valle_pick(const float *logits, int V, const vl_valle_sampling *o,
                    const int32_t *history, int n_hist, vl_rng *rng);

/* AR decoding of level 0: prom (prom_frames, prom_levels) frame-major;
 * vocab0 = level 0's vocabulary (<= n_tokens; 0 = n_tokens): only those
 * codes and the stop token can be drawn. *codes (malloc'ed, *n frames)
 * without the stop token; *stopped tells whether it ended by the stop
 * token (else by max_steps). use_cache = false recomputes the whole
 * sequence at every step (for tests). */
int vl_valle_ar_generate(vl_valle_model *m, const int *text, int n_text,
                         const int32_t *prom, int prom_frames, int prom_levels,
                         const vl_valle_sampling *o, int vocab0, bool use_cache,
                         vl_rng *rng, int32_t **codes, int *n, bool *stopped);

/* NAR decoding: resp (frames, levels) frame-major with level 0 filled;
 * fills levels 1..levels-1 (levels - 1 <= the model's response levels + 1).
 * vocab (levels) or NULL; temperature 0 = greedy. */
int vl_valle_nar_generate(vl_valle_model *m, const int *text, int n_text,
                          const int32_t *prom, int prom_frames, int prom_levels,
                          int32_t *resp, int frames, int levels, const int *vocab,
                          float temperature, vl_rng *rng);
#endif
