/* fuzz/fuzz_csv.c: libFuzzer target for the CSV loader (both the labelled
 * and the features-only forms). The loader reads files, so each input goes
 * through a memfd. */
#define _GNU_SOURCE
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "valle/io.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static int fd = -1;
    static char path[64];
    if (fd < 0) {
        fd = memfd_create("fuzz.csv", 0);
        if (fd < 0) return 0;
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    }
    if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != (ssize_t)size) return 0;
    vl_csv_data d;
    if (vl_csv_load(path, &d) == VL_OK) vl_csv_free(&d);
    if (vl_csv_load_features(path, &d) == VL_OK) vl_csv_free(&d);
    return 0;
}
