/* valle/yaml.h: a reader for the subset of YAML that training configs use:
 * block mappings and sequences nested by indentation, flow sequences
 * `[a, b]` and mappings `{a: 1}`, plain / 'single' / "double" quoted
 * scalars, `#` comments, one optional `---`, null (`null`, `~`, empty).
 * Anchors, aliases, tags, block scalars (`|`, `>`), multi-line scalars,
 * several documents, tabs in indentation and duplicate keys are rejected
 * with "FILE:LINE: ..." messages.
 *
 * Bounds: input <= 1 MiB, nesting <= 32 levels, <= 100000 nodes.
 *
 * Usage:
 *   vl_yaml_doc *doc = vl_yaml_load("config/test/ar.yml");
 *   if (!doc) die(vl_last_error());
 *   const vl_yaml *bs = vl_yaml_get(doc->root, "batch_size");
 *   int64_t n;
 *   if (bs && vl_yaml_to_int(bs, &n) < 0) die(vl_last_error());
 *       // "config/test/ar.yml:4: key 'batch_size': expected an integer, got 'abc'"
 *   for (const vl_yaml *c = doc->root->child; c; c = c->next) puts(c->key);
 *   vl_yaml_free(doc);
 */
#ifndef VALLE_YAML_H
#define VALLE_YAML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VL_YAML_MAX_BYTES (1 << 20)
#define VL_YAML_MAX_DEPTH 32
#define VL_YAML_MAX_NODES 100000

typedef enum vl_yaml_kind {
    VL_YAML_NULL, VL_YAML_SCALAR, VL_YAML_SEQ, VL_YAML_MAP
} vl_yaml_kind;

typedef struct vl_yaml vl_yaml;
struct vl_yaml {
    vl_yaml_kind kind;
    int line;             /* 1-based line of the node (of its key in a map) */
    char *key;            /* member name when inside a map, else NULL */
    char *text;           /* SCALAR: the unescaped text, NUL-terminated */
    bool quoted;          /* SCALAR: written in quotes (always a string) */
    vl_yaml *child;       /* SEQ / MAP: first item / member */
    vl_yaml *next;        /* next sibling */
    int count;            /* SEQ / MAP: number of items / members */
    const char *file;     /* the document's name (for messages) */
};

typedef struct vl_yaml_doc {
    vl_yaml *root;        /* NULL kind for an empty document */
    char *file;
} vl_yaml_doc;

/* Parses `len` bytes (need not be NUL-terminated); `name` is used in
 * messages. NULL on error with "NAME:LINE: ..." in vl_last_error(). */
vl_yaml_doc *vl_yaml_parse(const char *text, size_t len, const char *name);
/* Reads and parses a file (at most VL_YAML_MAX_BYTES). */
vl_yaml_doc *vl_yaml_load(const char *path);
void vl_yaml_free(vl_yaml_doc *doc);

/* The member `key` of a map, or NULL (also when `map` is not a map). */
const vl_yaml *vl_yaml_get(const vl_yaml *map, const char *key);
/* Item i of a sequence, or NULL. */
const vl_yaml *vl_yaml_at(const vl_yaml *seq, int i);
const char *vl_yaml_kind_name(vl_yaml_kind kind);   /* "mapping", ... */

/* Conversions of a scalar; on a mismatch VL_ERR_FORMAT with
 * "FILE:LINE: key 'x': expected an integer, got 'abc'". Quoted scalars are
 * strings, never numbers or booleans. */
/* Decimal (sign, `_` between digits as in YAML 1.1: 10_000) or 0x hex. */
int vl_yaml_to_int(const vl_yaml *n, int64_t *out);
/* Integers and decimals: 1e-4, 2.0e-4, .5, 1_000.5, .inf, -.inf, .nan. */
int vl_yaml_to_double(const vl_yaml *n, double *out);
/* true/false/yes/no/on/off, any case. */
int vl_yaml_to_bool(const vl_yaml *n, bool *out);
/* Any scalar's text; a null node gives *out = NULL (status OK). */
int vl_yaml_to_string(const vl_yaml *n, const char **out);

/* Sets an error "FILE:LINE: key 'x': <message>" about node n and returns
 * `status`, for range checks done by the caller. */
int vl_yaml_error(const vl_yaml *n, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
