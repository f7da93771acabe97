/* fuzz/fuzz_yaml.c: libFuzzer target for the YAML reader: parse arbitrary
 * bytes, walk every node converting each scalar to every type, look up
 * keys, free. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "valle/yaml.h"

static void walk(const vl_yaml *n, int depth) {
    if (n->kind == VL_YAML_SCALAR || n->kind == VL_YAML_NULL) {
        int64_t i;
        double d;
        bool b;
        const char *s;
        vl_yaml_to_int(n, &i);
        vl_yaml_to_double(n, &d);
        vl_yaml_to_bool(n, &b);
        vl_yaml_to_string(n, &s);
    }
    for (const vl_yaml *c = n->child; c; c = c->next) walk(c, depth + 1);
    vl_yaml_get(n, "model");
    vl_yaml_at(n, 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    vl_yaml_doc *d = vl_yaml_parse((const char *)data, size, "fuzz.yml");
    if (d) {
        walk(d->root, 0);
        vl_yaml_free(d);
    }
    return 0;
}
