/* valle/io.h: file formats we read and write: safetensors (mmap reader,
 * atomic writer), a small JSON reader, CSV classification data, and atomic
 * file replacement (temp file + fsync + rename).
 *
 * Every size read from a file is checked against the file's length before
 * anything is allocated; every failure returns a vl_status with a message
 * in vl_last_error().
 *
 * Usage:
 *   vl_safetensors st;
 *   if (vl_st_open(&st, "model.safetensors") < 0) die(vl_last_error());
 *   float w[6]; vl_st_read_f32(&st, "fc.0.weight", w, 2, (int64_t[]){2, 3});
 *   const char *cfg = vl_st_meta(&st, "config");   // JSON text or NULL
 *   vl_st_close(&st);
 *
 *   vl_st_writer wr; vl_st_writer_init(&wr);
 *   vl_st_writer_add_f32(&wr, "w", VL_DT_F16, 2, (int64_t[]){2, 3}, w);
 *   vl_st_writer_meta(&wr, "config", "{\"dim\": 3}");
 *   vl_st_writer_save(&wr, "out.safetensors");   // atomic
 *   vl_st_writer_free(&wr);
 */
#ifndef VALLE_IO_H
#define VALLE_IO_H

#include <stdio.h>
#include "valle/core.h"

/* ---- whole files ---- */
/* Reads the whole file, NUL-terminated (*len excludes the NUL); refuses
 * files over 2 GB. Errors name the file. */
int vl_read_file(const char *path, char **out, size_t *len);

/* ---- atomic file replacement ---- */
typedef struct vl_atomic_file {
    FILE *f;           /* write here */
    char *path;        /* final name */
    char *tmp_path;    /* "<path>.tmp.<pid>.<n>" in the same directory */
} vl_atomic_file;
int vl_atomic_open(vl_atomic_file *a, const char *path);
/* Flushes, fsyncs, closes, renames over `path`, fsyncs the directory. On
 * any failure the temp file is removed and `path` is untouched. */
int vl_atomic_commit(vl_atomic_file *a);
void vl_atomic_abort(vl_atomic_file *a);

/* ---- safetensors ---- */
typedef enum vl_dtype {
    VL_DT_F32, VL_DT_F16, VL_DT_BF16, VL_DT_F64,
    VL_DT_I64, VL_DT_I32, VL_DT_I16, VL_DT_I8, VL_DT_U8, VL_DT_BOOL
} vl_dtype;
const char *vl_dtype_name(vl_dtype d);    /* "F32", ... as in safetensors */
size_t vl_dtype_size(vl_dtype d);

#define VL_ST_MAX_DIMS 8
typedef struct vl_st_tensor {
    char *name;
    vl_dtype dtype;
    int ndim;
    int64_t shape[VL_ST_MAX_DIMS];
    int64_t numel;
    const void *data;      /* into the mapping */
    size_t nbytes;
} vl_st_tensor;

typedef struct vl_safetensors {
    void *map;             /* the file's bytes */
    size_t map_size;
    bool owns_map;         /* mmap'ed by vl_st_open (vl_st_close unmaps) */
    vl_st_tensor *tensors;
    int count;
    char **meta_keys, **meta_vals;   /* __metadata__ (string -> string) */
    int meta_count;
} vl_safetensors;

int vl_st_open(vl_safetensors *st, const char *path);
/* The same over `size` bytes in memory (not copied; they must outlive st).
 * `name` is used in error messages. */
int vl_st_open_memory(vl_safetensors *st, const void *data, size_t size,
                      const char *name);
void vl_st_close(vl_safetensors *st);
const vl_st_tensor *vl_st_find(const vl_safetensors *st, const char *name);
const char *vl_st_meta(const vl_safetensors *st, const char *key);
/* Converts F32/F16/BF16/F64 into dst; the stored shape must equal `shape`
 * (VL_ERR_SHAPE otherwise, VL_ERR_NOTFOUND when missing). */
int vl_st_read_f32(const vl_safetensors *st, const char *name, float *dst,
                   int ndim, const int64_t *shape);
/* Converts I64/I32/I16/I8/U8 into int (range-checked). */
int vl_st_read_int(const vl_safetensors *st, const char *name, int *dst,
                   int ndim, const int64_t *shape);

typedef struct vl_st_writer_item vl_st_writer_item;
typedef struct vl_st_writer {
    vl_st_writer_item *items;
    int count, cap;
    char **meta_keys, **meta_vals;
    int meta_count;
} vl_st_writer;
void vl_st_writer_init(vl_st_writer *w);
/* Copies `data` (already in `dtype`). */
int vl_st_writer_add(vl_st_writer *w, const char *name, vl_dtype dtype,
                     int ndim, const int64_t *shape, const void *data);
/* Converts float32 `src` to `dtype` (F32, F16, BF16 with round-to-nearest-
 * even, F64) and copies. */
int vl_st_writer_add_f32(vl_st_writer *w, const char *name, vl_dtype dtype,
                         int ndim, const int64_t *shape, const float *src);
/* Stores ints as I32 or I64. */
int vl_st_writer_add_int(vl_st_writer *w, const char *name, vl_dtype dtype,
                         int ndim, const int64_t *shape, const int *src);
int vl_st_writer_meta(vl_st_writer *w, const char *key, const char *value);
/* Header sorted by name, 8-byte aligned, written atomically. */
int vl_st_writer_save(vl_st_writer *w, const char *path);
void vl_st_writer_free(vl_st_writer *w);

/* float <-> half helpers (round to nearest even) */
uint16_t vl_f32_to_f16(float f);
float vl_f16_to_f32(uint16_t h);
uint16_t vl_f32_to_bf16(float f);
float vl_bf16_to_f32(uint16_t h);

/* ---- JSON (read-only DOM, for safetensors headers and configs) ---- */
typedef enum vl_json_type {
    VL_JSON_NULL, VL_JSON_BOOL, VL_JSON_NUMBER, VL_JSON_STRING,
    VL_JSON_ARRAY, VL_JSON_OBJECT
} vl_json_type;

typedef struct vl_json vl_json;
struct vl_json {
    vl_json_type type;
    double number;        /* NUMBER, BOOL (0/1) */
    char *string;         /* STRING (unescaped, NUL-terminated) */
    char *key;            /* member name when inside an object */
    vl_json *child;       /* first element / member */
    vl_json *next;        /* next sibling */
    int count;            /* elements / members */
};
/* Parses `len` bytes; depth limited to 64. NULL on error (message set). */
vl_json *vl_json_parse(const char *text, size_t len);
void vl_json_free(vl_json *j);
const vl_json *vl_json_get(const vl_json *obj, const char *key);
/* Typed getters with defaults for config reading. */
double vl_json_number(const vl_json *obj, const char *key, double dflt);
const char *vl_json_string(const vl_json *obj, const char *key,
                           const char *dflt);
/* Appends s as a JSON string literal (with quotes) to buf; returns the
 * length needed (like snprintf). */
size_t vl_json_escape(char *buf, size_t cap, const char *s);

/* ---- a growing string, for writing JSON (src/io/strbuf.c) ---- */
typedef struct vl_strbuf {
    char *s;        /* NUL-terminated once anything is written; free() it */
    size_t len, cap;
} vl_strbuf;
void vl_strbuf_printf(vl_strbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* s as a JSON string literal (quotes, escapes); NULL writes null. */
void vl_strbuf_json_string(vl_strbuf *b, const char *s);

/* ---- UTF-8 (src/io/utf8.c) ---- */
/* Decodes one code point of s[0..n) (n > 0) into *cp; returns the bytes used
 * (1..4), or 0 for an invalid or truncated sequence (overlong forms,
 * surrogates and code points beyond U+10FFFF are invalid). */
int vl_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp);
/* Writes cp (<= U+10FFFF) as 1..4 bytes at out; returns the count. */
int vl_utf8_encode(char *out, uint32_t cp);

/* ---- CSV classification data: features..., integer label per row ---- */
typedef struct vl_csv_data {
    float *x;        /* (n, d) */
    int *y;          /* (n) labels in [0, n_classes) */
    int n, d;
    int n_classes;   /* max label + 1 */
} vl_csv_data;
/* A first row that is not numeric is taken as a header. Blank lines are
 * skipped. Every row must have the same column count; labels must be
 * non-negative integers; features finite numbers. Errors name the line. */
int vl_csv_load(const char *path, vl_csv_data *out);
/* Every column is a feature (no label column); y is all zeros. */
int vl_csv_load_features(const char *path, vl_csv_data *out);
void vl_csv_free(vl_csv_data *d);

#endif
