/* fuzz/fuzz_json.c: libFuzzer target for the JSON reader: parse, walk every
 * node, look up keys, and escape every string back. */
#include <stdlib.h>

#include "valle/io.h"

static void walk(const vl_json *j, int depth) {
    for (const vl_json *c = j->child; c; c = c->next) {
        if (c->string) {
            char buf[64];
            vl_json_escape(buf, sizeof buf, c->string);
        }
        walk(c, depth + 1);
    }
    if (j->type == VL_JSON_OBJECT) {
        vl_json_number(j, "lr", 0);
        vl_json_string(j, "model", "");
        vl_json_get(j, "hidden");
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    vl_json *j = vl_json_parse((const char *)data, size);
    if (j) {
        walk(j, 0);
        vl_json_free(j);
    }
    return 0;
}
