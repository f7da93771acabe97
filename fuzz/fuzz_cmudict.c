/* fuzz/fuzz_cmudict.c: libFuzzer target for a user's pronouncing dictionary
 * (`--dict FILE`, plain or gzip'ed CMUdict format): the input is loaded as
 * the dictionary (spelling as the OOV model) and a sentence is phonemized
 * with it. */
#include "fuzz_file.h"  /* first: it defines _GNU_SOURCE */
#include <stdlib.h>

#include "valle/text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *path = fuzz_file(0, data, size);
    if (!path) return 0;
    vl_g2p *g;
    vl_g2p_options o = {path, "spell", 0};
    if (vl_g2p_open(&g, &o) != VL_OK) return 0;
    char *phones;
    if (vl_g2p_phonemize(g, "Hello, world! The cat's 2 hats: read, lead and A.B.C.", &phones) ==
        VL_OK)
        free(phones);
    vl_g2p_close(g);
    return 0;
}
