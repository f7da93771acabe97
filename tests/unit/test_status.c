/* tests/unit/test_status.c: error messages: vl_error sets the thread's
 * message and returns the status; a message may be re-set with the previous
 * one as an argument (context prefixed), which must not garble it. */
#include <string.h>

#include "harness.h"
#include "valle/core.h"

int main(void) {
    CHECK_INT(vl_error(VL_ERR_FORMAT, "bad header in %s", "x.bin"), VL_ERR_FORMAT);
    CHECK(strcmp(vl_last_error(), "bad header in x.bin") == 0);
    CHECK_INT(vl_error(VL_ERR_IO, "%s: %s", "model.safetensors", vl_last_error()), VL_ERR_IO);
    CHECK_MSG(strcmp(vl_last_error(), "model.safetensors: bad header in x.bin") == 0,
              "got '%s'", vl_last_error());
    CHECK_INT(vl_error(VL_ERR_ARG, "%s", vl_last_error()), VL_ERR_ARG);
    CHECK(strcmp(vl_last_error(), "model.safetensors: bad header in x.bin") == 0);
    return test_summary();
}
