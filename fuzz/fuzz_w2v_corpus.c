/* fuzz/fuzz_w2v_corpus.c: libFuzzer target for word2vec's training inputs:
 * the input is read as a vocabulary file (-read-vocab, "word count" lines),
 * as a corpus that builds its own vocabulary (then the Huffman tree for
 * hierarchical softmax), and as a corpus read against a fixed vocabulary. */
#include "fuzz_file.h"  /* first: it defines _GNU_SOURCE */
#include <stdlib.h>
#include <string.h>

#include "valle/word2vec.h"

static const char VOCAB[] = "</s> 0\nthe 5\nof 3\ncat 2\nsat 1\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static vl_w2v_vocab fixed;
    static int loaded;
    if (!loaded) {
        const char *vp = fuzz_file(1, (const uint8_t *)VOCAB, strlen(VOCAB));
        if (!vp || vl_w2v_vocab_read(&fixed, vp, 1) != VL_OK) abort();
        loaded = 1;
    }
    const char *path = fuzz_file(0, data, size);
    if (!path) return 0;
    vl_w2v_vocab v;
    if (vl_w2v_vocab_read(&v, path, 1) == VL_OK) {
        if (v.size < 1) abort();
        vl_w2v_vocab_free(&v);
    }
    vl_w2v_corpus c;
    if (vl_w2v_corpus_load(&c, &v, path, 1, true) == VL_OK) {
        for (long long i = 0; i < c.n; i++)
            if (c.ids[i] < 0 || c.ids[i] >= v.size) abort();
        vl_w2v_huffman_build(&v);
        vl_w2v_corpus_free(&c);
        vl_w2v_vocab_free(&v);
    }
    if (vl_w2v_corpus_load(&c, &fixed, path, 1, false) == VL_OK) {
        for (long long i = 0; i < c.n; i++)
            if (c.ids[i] < 0 || c.ids[i] >= fixed.size) abort();
        vl_w2v_corpus_free(&c);
    }
    return 0;
}
