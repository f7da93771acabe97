/* fuzz/fuzz_npy.c: libFuzzer target for the .npy reader and the codes
 * loader: the input goes through a memfd (fuzz_file.h; the reader takes a
 * path), read as an array (every element converted) and as codes. */
#include "fuzz_file.h"  /* first: it defines _GNU_SOURCE */
#include <stdlib.h>

#include "valle/codec.h"
#include "valle/npy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *path = fuzz_file(0, data, size);
    if (!path) return 0;
    vl_npy a;
    if (vl_npy_read(&a, path) == VL_OK) {
        double sum = 0;
        for (int64_t i = 0; i < a.numel; i++)
            sum += vl_npy_is_int(&a) ? (double)vl_npy_get_i64(&a, i) : vl_npy_get_f64(&a, i);
        (void)sum;
        vl_npy_free(&a);
    }
    vl_codes q;
    if (vl_codes_load_npy(&q, path) == VL_OK) {
        if (q.levels < 1 || q.frames < 1) abort();
        vl_codes_free(&q);
    }
    return 0;
}
