/* fuzz/fuzz_text.c: libFuzzer target for the text front-end: the normaliser
 * (printable ASCII out), the tagger, the sentence splitter and the English
 * G2P with the espeak OOV model, which runs espeak-ng in this process on the
 * words we give it. IPA (espeak on arbitrary text) is left out: it runs in a
 * worker process exactly so that espeak-ng's own bugs cannot crash us, and
 * tests/unit/test_g2p.c checks that a dying worker is an error, not a crash. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "valle/text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static vl_g2p *g;
    if (!g) {
        vl_g2p_options o = {NULL, "espeak", 0};
        if (vl_g2p_open(&g, &o) != VL_OK) abort();
    }
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = 0;  /* an embedded NUL ends the text, as in a C string */
    char *norm, *again, *phones;
    vl_text_normalize(text, &norm);
    for (const char *p = norm; *p; p++)
        if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e) abort();  /* printable ASCII */
    vl_text_normalize(norm, &again);
    free(again);
    vl_tokens t;
    vl_text_tag(text, &t);
    free(vl_tokens_format(&t));
    vl_tokens_free(&t);
    char **s;
    int n;
    vl_text_split_sentences(norm, 16, &s, &n);
    for (int i = 0; i < n; i++) {
        if (strlen(s[i]) > 16) abort();
        free(s[i]);
    }
    free(s);
    vl_g2p_phonemize(g, text, &phones);
    free(phones);
    free(norm);
    free(text);
    return 0;
}
