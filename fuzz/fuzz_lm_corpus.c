/* fuzz/fuzz_lm_corpus.c: libFuzzer target for the language-model and
 * seq2seq text readers: the Transformer LM's corpus (characters and words),
 * the RNN LM's word corpus (building a vocabulary, then read against it) and
 * the seq2seq pair files (dates "src_tgt" and CMUdict-style G2P lines). */
#include "fuzz_file.h"  /* first: it defines _GNU_SOURCE */
#include <stdlib.h>

#include "valle/lm_train.h"
#include "valle/rnnlm.h"
#include "valle/seq2seq.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *path = fuzz_file(0, data, size);
    if (!path) return 0;
    vl_lm_data d;
    for (int k = 0; k < 2; k++) {
        if (vl_lm_data_load(path, k ? VL_LM_WORD : VL_LM_CHAR, NULL, &d) != VL_OK) continue;
        if (d.n < 1 || d.n_train < 0 || d.n_train > d.n) abort();  /* the trainer checks sizes */
        for (int64_t i = 0; i < d.n; i++)
            if (d.ids[i] < 0 || d.ids[i] >= d.vocab.n) abort();
        vl_lm_data d2;  /* read again against its own vocabulary: same ids */
        if (vl_lm_data_load(path, d.vocab.kind, &d.vocab, &d2) != VL_OK || d2.n != d.n) abort();
        vl_lm_data_free(&d2);
        vl_lm_data_free(&d);
    }
    vl_rnnlm_vocab v = {.unk = -1};
    int *ids = NULL;
    int64_t n = 0;
    if (vl_rnnlm_read(path, &v, true, &ids, &n) == VL_OK) {
        free(ids);
        if (vl_rnnlm_read(path, &v, false, &ids, &n) != VL_OK) abort();
        free(ids);
    }
    vl_rnnlm_vocab_free(&v);
    vl_s2s_data s;
    for (int k = 0; k < 2; k++)
        if (vl_s2s_data_load(path, k ? VL_S2S_G2P : VL_S2S_CHARS, &s) == VL_OK) {
            if (s.n < 1) abort();
            vl_s2s_data_free(&s);
        }
    return 0;
}
