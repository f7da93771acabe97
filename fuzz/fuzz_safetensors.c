/* fuzz/fuzz_safetensors.c: libFuzzer target for the safetensors reader:
 * parse arbitrary bytes, then read every tensor as float and as int. */
#include <stdlib.h>

#include "valle/io.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    vl_safetensors st;
    if (vl_st_open_memory(&st, data, size, "fuzz") < 0) return 0;
    for (int i = 0; i < st.count; i++) {
        const vl_st_tensor *t = &st.tensors[i];
        if (t->numel > (1 << 20)) continue;
        void *buf = malloc((size_t)(t->numel ? t->numel : 1) * sizeof(float));
        vl_st_read_f32(&st, t->name, buf, t->ndim, t->shape);
        vl_st_read_int(&st, t->name, buf, t->ndim, t->shape);
        free(buf);
    }
    vl_st_meta(&st, "config");
    vl_st_close(&st);
    return 0;
}
