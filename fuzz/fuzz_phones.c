/* fuzz/fuzz_phones.c: libFuzzer target for the phone file parser; what it
 * accepts is also turned into a symbol map, written as JSON and read back,
 * which must give the same names. */
#include <stdlib.h>
#include <string.h>

#include "valle/valle_data.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char **syms;
    int n;
    if (vl_phone_parse((const char *)data, size, &syms, &n) != VL_OK) return 0;
    vl_symmap m, back;
    if (vl_symmap_build(&m, (const char *const *)syms, n, 1) != VL_OK) abort();
    char *json = vl_symmap_to_json(&m);
    if (vl_symmap_from_json(&back, json, 1) != VL_OK || back.n != m.n) abort();
    for (int i = 0; i < m.n; i++) {
        if (strcmp(back.names[i], m.names[i])) abort();
        if (vl_symmap_find(&m, m.names[i]) != i + 1) abort();
    }
    free(json);
    vl_symmap_free(&back);
    vl_symmap_free(&m);
    for (int i = 0; i < n; i++) free(syms[i]);
    free(syms);
    return 0;
}
