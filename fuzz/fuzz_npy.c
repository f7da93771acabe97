/* fuzz/fuzz_npy.c: libFuzzer target for the .npy reader and the codes
 * loader: the input is written to a temp file (the reader takes a path),
 * read as an array (every element converted) and as codes. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "valle/codec.h"
#include "valle/npy.h"

static const char *temp_path(void) {
    static char path[64];
    if (!path[0]) {
        snprintf(path, sizeof path, "/tmp/fuzz_npy.%d.npy", (int)getpid());
    }
    return path;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *path = temp_path();
    FILE *f = fopen(path, "wb");
    if (!f) return 0;
    if (size) fwrite(data, 1, size, f);
    fclose(f);
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
    unlink(path);
    return 0;
}
