/* tests/unit/test_g2p_neural.c: the neural G2P's C API (valle/g2p.h) on the
 * shipped model models/g2p/g2p.safetensors: known words come out as ARPAbet
 * with stress, case is ignored, unknown characters and bad files are clear
 * errors. Skipped (77) when the model file is absent. */
#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "valle/g2p.h"

int main(void) {
    const char *path = "models/g2p/g2p.safetensors";
    FILE *f = fopen(path, "rb");
    if (!f) {
        printf("skip: %s not found (run from the repository root)\n", path);
        return 77;
    }
    fclose(f);
    vl_neural_g2p *g;
    CHECK_INT(vl_neural_g2p_load(path, &g), VL_OK);
    char out[256], out2[256];
    int n = vl_neural_g2p_word(g, "hello", out, sizeof out);
    printf("hello -> %s\n", out);
    CHECK(n > 0 && !strncmp(out, "HH ", 3) && strstr(out, "OW") != NULL);
    CHECK(vl_neural_g2p_word(g, "HeLLo", out2, sizeof out2) == n && !strcmp(out, out2));
    n = vl_neural_g2p_word(g, "cat", out, sizeof out);
    printf("cat -> %s\n", out);
    CHECK(n > 0 && !strcmp(out, "K AE1 T"));
    CHECK_INT(vl_neural_g2p_word(g, "a#b", out, sizeof out), VL_ERR_ARG);
    CHECK(strstr(vl_last_error(), "'#'") != NULL);
    CHECK_INT(vl_neural_g2p_word(g, "", out, sizeof out), VL_ERR_ARG);
    vl_neural_g2p_set_beam(g, 3);
    CHECK(vl_neural_g2p_word(g, "cat", out, sizeof out) > 0);
    vl_neural_g2p_free(g);
    vl_neural_g2p *bad;
    CHECK(vl_neural_g2p_load("tests/golden/data/rnn_lstm.safetensors", &bad) < 0);
    CHECK(vl_neural_g2p_load("/nonexistent.safetensors", &bad) < 0);
    return test_summary();
}
