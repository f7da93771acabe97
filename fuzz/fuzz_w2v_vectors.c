/* fuzz/fuzz_w2v_vectors.c: libFuzzer target for the word2vec vectors reader
 * (word2vec.c's text and binary formats, detected from the content): a file
 * that loads must answer a lookup and a nearest-words query. */
#include "fuzz_file.h"  /* first: it defines _GNU_SOURCE */
#include <stdlib.h>

#include "valle/word2vec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *path = fuzz_file(0, data, size);
    if (!path) return 0;
    vl_w2v_vectors vv;
    if (vl_w2v_vectors_load(&vv, path) != VL_OK) return 0;
    if (vv.n < 1 || vv.dim < 1) abort();  /* loaded means at least one vector */
    for (int i = 0; i < vv.n && i < 4; i++)
        if (vl_w2v_vectors_find(&vv, vv.words[i]) < 0) abort();
    vl_w2v_hit hits[3];
    vl_w2v_similar(&vv, vv.words[0], hits, 3);
    vl_w2v_vectors_free(&vv);
    return 0;
}
