/* src/io/symmap.c: symbol tables (sorted names -> ids from a base), built
 * from a list of names, looked up by binary search, and serialised as a
 * JSON array of strings. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "valle/io.h"
#include "valle/valle_data.h"

#define SYMMAP_MAX_NAMES 1000000

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int vl_symmap_build(vl_symmap *m, const char *const *names, int n, int base) {
    memset(m, 0, sizeof *m);
    if (n < 0) return vl_error(VL_ERR_ARG, "symbol map: negative name count");
    char **sorted = vl_xmalloc((size_t)(n ? n : 1) * sizeof *sorted);
    for (int i = 0; i < n; i++) sorted[i] = (char *)names[i];
    qsort(sorted, (size_t)n, sizeof *sorted, cmp_str);
    m->names = vl_xmalloc((size_t)(n ? n : 1) * sizeof *m->names);
    for (int i = 0; i < n; i++)
        if (i == 0 || strcmp(sorted[i], sorted[i - 1]))
            m->names[m->n++] = vl_xstrdup(sorted[i]);
    free(sorted);
    m->base = base;
    return VL_OK;
}

int vl_symmap_find(const vl_symmap *m, const char *name) {
    int lo = 0, hi = m->n - 1;
    while (lo <= hi) {
        int mid = lo + (hi - lo) / 2;
        int c = strcmp(m->names[mid], name);
        if (!c) return mid + m->base;
        if (c < 0) lo = mid + 1;
        else hi = mid - 1;
    }
    return -1;
}

void vl_symmap_free(vl_symmap *m) {
    if (!m) return;
    for (int i = 0; i < m->n; i++) free(m->names[i]);
    free(m->names);
    memset(m, 0, sizeof *m);
}

char *vl_symmap_to_json(const vl_symmap *m) {
    size_t cap = 3, len = 0;
    for (int i = 0; i < m->n; i++) cap += vl_json_escape(NULL, 0, m->names[i]) + 2;
    char *out = vl_xmalloc(cap);
    out[len++] = '[';
    for (int i = 0; i < m->n; i++) {
        if (i) out[len++] = ',', out[len++] = ' ';
        len += vl_json_escape(out + len, cap - len, m->names[i]);
    }
    out[len++] = ']';
    out[len] = 0;
    return out;
}

int vl_symmap_from_json_value(vl_symmap *m, const vl_json *j, int base) {
    memset(m, 0, sizeof *m);
    if (!j || j->type != VL_JSON_ARRAY || j->count > SYMMAP_MAX_NAMES)
        return vl_error(VL_ERR_FORMAT, "symbol map: expected a JSON array of at most %d "
                        "strings", SYMMAP_MAX_NAMES);
    int rc = VL_OK;
    m->names = vl_xmalloc((size_t)(j->count ? j->count : 1) * sizeof *m->names);
    m->base = base;
    for (const vl_json *e = j->child; e; e = e->next) {
        if (e->type != VL_JSON_STRING) {
            rc = vl_error(VL_ERR_FORMAT, "symbol map: element %d is not a string", m->n);
            break;
        }
        if (m->n && strcmp(m->names[m->n - 1], e->string) >= 0) {
            rc = vl_error(VL_ERR_FORMAT,
                          "symbol map: element %d \"%s\" is not after \"%s\" (names must be "
                          "sorted and unique)", m->n, e->string, m->names[m->n - 1]);
            break;
        }
        m->names[m->n++] = vl_xstrdup(e->string);
    }
    if (rc < 0) vl_symmap_free(m);
    return rc;
}

int vl_symmap_from_json(vl_symmap *m, const char *json, int base) {
    memset(m, 0, sizeof *m);
    vl_json *j = vl_json_parse(json, strlen(json));
    if (!j) {
        char msg[512];
        snprintf(msg, sizeof msg, "%s", vl_last_error());
        return vl_error(VL_ERR_FORMAT, "symbol map: %s", msg);
    }
    int rc = vl_symmap_from_json_value(m, j, base);
    vl_json_free(j);
    return rc;
}
