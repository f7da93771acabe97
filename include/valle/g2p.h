/* valle/g2p.h: the neural grapheme-to-phoneme model (attention seq2seq
 * trained on CMUdict, `valle g2p train`) behind a small C API, for the text
 * front end's out-of-vocabulary words. Its callbacks match
 * vl_g2p_oov in valle/text.h:
 *
 *   vl_neural_g2p *ng;
 *   if (vl_neural_g2p_load(NULL, &ng) < 0) ...;   // default model file
 *   char ph[256];
 *   int n = vl_neural_g2p_word(ng, "valle", ph, sizeof ph);  // "V AE1 L IY0"
 *   vl_g2p_oov oov = {"neural", ng, vl_neural_g2p_word, vl_neural_g2p_free};
 *   vl_g2p_set_oov(g, oov);                        // g owns ng now
 */
#ifndef VALLE_G2P_H
#define VALLE_G2P_H

#include <stddef.h>

#include "valle/core.h"

typedef struct vl_neural_g2p vl_neural_g2p;

/* Default model: $VALLE_G2P_MODEL, else models/g2p/g2p.safetensors under
 * the current directory. */
const char *vl_neural_g2p_default_path(void);
/* path NULL: the default. A file that is not a g2p model is VL_ERR_FORMAT. */
int vl_neural_g2p_load(const char *path, vl_neural_g2p **out);
void vl_neural_g2p_free(void *g);
/* Beam width used by vl_neural_g2p_word (default 1: greedy, fastest). */
void vl_neural_g2p_set_beam(vl_neural_g2p *g, int beam);
/* word: letters (any case) and apostrophes. Writes ARPAbet with stress,
 * phones separated by single spaces, NUL-terminated, into out[0..cap);
 * returns its length, or a negative status (VL_ERR_ARG for characters the
 * model does not know, with a message). Not thread-safe per handle. */
int vl_neural_g2p_word(void *g, const char *word, char *out, size_t cap);

#endif
