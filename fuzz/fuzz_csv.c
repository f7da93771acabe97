/* fuzz/fuzz_csv.c: libFuzzer target for the CSV loader (both the labelled
 * and the features-only forms). The loader reads files, so each input goes
 * through a memfd (fuzz_file.h). */
#include "fuzz_file.h"  /* first: it defines _GNU_SOURCE */

#include "valle/io.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *path = fuzz_file(0, data, size);
    if (!path) return 0;
    vl_csv_data d;
    if (vl_csv_load(path, &d) == VL_OK) vl_csv_free(&d);
    if (vl_csv_load_features(path, &d) == VL_OK) vl_csv_free(&d);
    return 0;
}
