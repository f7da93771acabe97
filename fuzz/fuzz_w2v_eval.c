/* fuzz/fuzz_w2v_eval.c: libFuzzer target for the word2vec evaluation files:
 * the input is read as analogy questions (compute-accuracy.c's format, ': '
 * section lines) and as a word-similarity file ("w1 w2 score", '#'
 * comments), against a small fixed set of vectors. */
#include "fuzz_file.h"  /* first: it defines _GNU_SOURCE */
#include <stdlib.h>
#include <string.h>

#include "valle/word2vec.h"

static const char VECTORS[] =
    "6 3\n"
    "king 0.9 0.1 0.2\nqueen 0.8 0.3 0.2\nman 0.5 0.0 0.1\n"
    "woman 0.4 0.2 0.1\nPARIS 0.0 0.9 0.4\nfrance -0.1 0.8 0.5\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static vl_w2v_vectors vv;
    static int loaded;
    if (!loaded) {
        const char *vp = fuzz_file(1, (const uint8_t *)VECTORS, strlen(VECTORS));
        if (!vp || vl_w2v_vectors_load(&vv, vp) != VL_OK) abort();
        loaded = 1;
    }
    const char *path = fuzz_file(0, data, size);
    if (!path) return 0;
    vl_w2v_analogy_result a;
    if (vl_w2v_eval_analogy(&vv, path, 30000, &a) == VL_OK)
        if (a.seen > a.total || a.correct > a.seen || a.seen < 0) abort();
    vl_w2v_similarity_result s;
    if (vl_w2v_eval_similarity(&vv, path, &s) == VL_OK)
        if (s.found > s.pairs || s.found < 0) abort();
    return 0;
}
