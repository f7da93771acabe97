/* src/io/safetensors.c: the safetensors format. The reader maps the file
 * read-only and checks every size and offset in the header against the file
 * before handing out pointers; the writer collects copies of tensors and
 * writes them atomically (header sorted by name, padded to 8 bytes). Also the
 * float32 <-> float16/bfloat16 conversions (round to nearest even).
 *
 * Layout: u64 little-endian header length N, N bytes of JSON, then the data
 * section; "data_offsets" are [begin, end) relative to the data section.
 * All element loads/stores are byte-wise little-endian, so data needs no
 * particular alignment in the file. */
#include "valle/io.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define ST_MAX_HEADER (100u * 1000 * 1000)   /* 100 MB */
#define ST_MAX_INT 9007199254740992.0        /* 2^53: exact in a double */
#define NDTYPES 10

static const char *const dt_names[NDTYPES] = {
    "F32", "F16", "BF16", "F64", "I64", "I32", "I16", "I8", "U8", "BOOL"};
static const unsigned char dt_sizes[NDTYPES] = {4, 2, 2, 8, 8, 4, 2, 1, 1, 1};

const char *vl_dtype_name(vl_dtype d) {
    return (unsigned)d < NDTYPES ? dt_names[d] : "?";
}
size_t vl_dtype_size(vl_dtype d) {
    return (unsigned)d < NDTYPES ? dt_sizes[d] : 0;
}

/* ---- half-precision conversions ---- */
static uint32_t f2u(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }
static float u2f(uint32_t u) { float f; memcpy(&f, &u, 4); return f; }

uint16_t vl_f32_to_f16(float f) {
    uint32_t x = f2u(f), sign = x >> 16 & 0x8000;
    x &= 0x7fffffff;
    if (x >= 0x7f800000)                    /* inf, or NaN kept quiet */
        return (uint16_t)(sign | (x > 0x7f800000 ? 0x7e00 | (x >> 13 & 0x3ff) : 0x7c00));
    if (x >= 0x477ff000) return (uint16_t)(sign | 0x7c00);  /* >= 65520: inf */
    if (x < 0x38800000) {                   /* below 2^-14: subnormal or 0 */
        if (x < 0x33000000) return (uint16_t)sign;          /* <= 2^-25: 0 */
        uint32_t m = (x & 0x7fffff) | 0x800000, shift = 126 - (x >> 23);
        uint32_t r = m >> shift, rem = m & ((1u << shift) - 1), half = 1u << (shift - 1);
        r += rem > half || (rem == half && (r & 1));
        return (uint16_t)(sign | r);
    }
    /* rebias the exponent, round the 13 dropped bits to nearest even */
    return (uint16_t)(sign | (x - 0x38000000 + 0xfff + (x >> 13 & 1)) >> 13);
}

float vl_f16_to_f32(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000) << 16, e = h >> 10 & 0x1f, m = h & 0x3ff;
    if (e == 0) {
        float v = (float)m * 0x1p-24f;
        return sign ? -v : v;
    }
    if (e == 31) return u2f(sign | 0x7f800000 | m << 13);
    return u2f(sign | (e + 112) << 23 | m << 13);
}

uint16_t vl_f32_to_bf16(float f) {
    uint32_t x = f2u(f);
    if ((x & 0x7fffffff) > 0x7f800000) return (uint16_t)(x >> 16 | 0x40);
    return (uint16_t)((x + 0x7fff + (x >> 16 & 1)) >> 16);
}

float vl_bf16_to_f32(uint16_t h) { return u2f((uint32_t)h << 16); }

/* ---- little-endian byte access ---- */
static uint64_t ld_le(const unsigned char *p, int n) {
    uint64_t v = 0;
    for (int k = n - 1; k >= 0; k--) v = v << 8 | p[k];
    return v;
}
static int64_t ld_signed(const unsigned char *p, int n) {
    uint64_t u = ld_le(p, n), sign = (uint64_t)1 << (8 * n - 1);
    uint64_t mask = (sign << 1) - 1;      /* all ones for n == 8 */
    return u & sign ? -(int64_t)(~u & mask) - 1 : (int64_t)u;
}
static void st_le(unsigned char *p, uint64_t v, int n) {
    for (int k = 0; k < n; k++) p[k] = (unsigned char)(v >> 8 * k);
}
static bool host_le(void) {
    const uint16_t one = 1;
    unsigned char b;
    memcpy(&b, &one, 1);
    return b == 1;
}

/* ---- reader ---- */
static int st_fail(const char *path, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static int st_fail(const char *path, const char *fmt, ...) {
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return vl_error(VL_ERR_FORMAT, "%s: %s", path, msg);
}

/* A JSON number that is an integer in [0, 2^53]. */
static bool get_uint(const vl_json *j, int64_t *out) {
    if (!j || j->type != VL_JSON_NUMBER || !(j->number >= 0 && j->number <= ST_MAX_INT))
        return false;
    *out = (int64_t)j->number;
    return (double)*out == j->number;
}

static int parse_entry(const char *path, const vl_json *e, vl_st_tensor *t,
                       const unsigned char *data, uint64_t data_len) {
    const char *name = t->name;
    if (e->type != VL_JSON_OBJECT)
        return st_fail(path, "tensor '%s': entry is not a JSON object", name);
    const char *dt = vl_json_string(e, "dtype", NULL);
    if (!dt) return st_fail(path, "tensor '%s': missing \"dtype\" string", name);
    int d = 0;
    while (d < NDTYPES && strcmp(dt, dt_names[d]) != 0) d++;
    if (d == NDTYPES)
        return st_fail(path, "tensor '%s': unsupported dtype '%.32s'", name, dt);
    t->dtype = (vl_dtype)d;

    const vl_json *sh = vl_json_get(e, "shape");
    if (!sh || sh->type != VL_JSON_ARRAY)
        return st_fail(path, "tensor '%s': missing \"shape\" array", name);
    if (sh->count > VL_ST_MAX_DIMS)
        return st_fail(path, "tensor '%s': %d dimensions (at most %d supported)",
                       name, sh->count, VL_ST_MAX_DIMS);
    bool zero = false;
    t->ndim = 0;
    for (const vl_json *v = sh->child; v; v = v->next) {
        if (!get_uint(v, &t->shape[t->ndim]))
            return st_fail(path, "tensor '%s': shape entry %d is not a non-negative integer",
                           name, t->ndim);
        zero |= t->shape[t->ndim++] == 0;
    }
    int64_t numel = 1, esize = (int64_t)dt_sizes[d];
    for (int k = 0; k < t->ndim && !zero; k++) {
        if (numel > INT64_MAX / esize / t->shape[k])
            return st_fail(path, "tensor '%s': shape is absurdly large", name);
        numel *= t->shape[k];
    }
    t->numel = zero ? 0 : numel;
    t->nbytes = (size_t)(t->numel * esize);   /* < file size below, so fits */

    const vl_json *off = vl_json_get(e, "data_offsets");
    int64_t b, en;
    if (!off || off->type != VL_JSON_ARRAY || off->count != 2 ||
        !get_uint(off->child, &b) || !get_uint(off->child->next, &en))
        return st_fail(path, "tensor '%s': \"data_offsets\" must be [begin, end]", name);
    if (b > en || (uint64_t)en > data_len)
        return st_fail(path, "tensor '%s': data_offsets [%lld, %lld] outside the "
                       "%llu-byte data section", name, (long long)b, (long long)en,
                       (unsigned long long)data_len);
    if (en - b != t->numel * esize)
        return st_fail(path, "tensor '%s': data_offsets span %lld bytes, but shape "
                       "and dtype %s need %lld", name, (long long)(en - b),
                       dt_names[d], (long long)(t->numel * esize));
    t->data = data + b;
    return VL_OK;
}

static int cmp_tensor(const void *a, const void *b) {
    return strcmp(((const vl_st_tensor *)a)->name, ((const vl_st_tensor *)b)->name);
}

static int parse(vl_safetensors *st, const char *path, const unsigned char *bytes,
                 size_t size);

int vl_st_open(vl_safetensors *st, const char *path) {
    memset(st, 0, sizeof *st);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return vl_error(VL_ERR_IO, "%s: %s", path, strerror(errno));
    struct stat sb;
    if (fstat(fd, &sb) != 0) {
        int e = errno;
        close(fd);
        return vl_error(VL_ERR_IO, "%s: %s", path, strerror(e));
    }
    if (!S_ISREG(sb.st_mode)) {
        close(fd);
        return vl_error(VL_ERR_IO, "%s: not a regular file", path);
    }
    if (sb.st_size < 8) {
        close(fd);
        return st_fail(path, "file is %lld bytes, too short for safetensors",
                       (long long)sb.st_size);
    }
    if ((uint64_t)sb.st_size > SIZE_MAX) {
        close(fd);
        return vl_error(VL_ERR_NOMEM, "%s: file too large to map", path);
    }
    size_t size = (size_t)sb.st_size;
    void *map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
    int e = errno;
    close(fd);
    if (map == MAP_FAILED) return vl_error(VL_ERR_IO, "%s: mmap: %s", path, strerror(e));
    st->map = map;
    st->map_size = size;
    st->owns_map = true;
    return parse(st, path, map, size);
}

int vl_st_open_memory(vl_safetensors *st, const void *data, size_t size,
                      const char *name) {
    memset(st, 0, sizeof *st);
    if (size < 8)
        return st_fail(name, "%zu bytes, too short for safetensors", size);
    st->map = (void *)data;
    st->map_size = size;
    return parse(st, name, data, size);
}

/* Validates the header and indexes the tensors of the `size` bytes at
 * `bytes` (already in st->map); closes `st` on failure. */
static int parse(vl_safetensors *st, const char *path, const unsigned char *bytes,
                 size_t size) {
    uint64_t n = ld_le(bytes, 8);
    vl_json *h = NULL;
    int rc = VL_OK;
    if (n > size - 8) {
        rc = st_fail(path, "header length %llu is larger than the rest of the file "
                     "(%zu bytes)", (unsigned long long)n, size - 8);
        goto done;
    }
    if (n > ST_MAX_HEADER) {
        rc = st_fail(path, "header length %llu exceeds the 100 MB limit",
                     (unsigned long long)n);
        goto done;
    }
    if (!(h = vl_json_parse((const char *)bytes + 8, (size_t)n))) {
        char msg[400];
        snprintf(msg, sizeof msg, "%s", vl_last_error());
        rc = st_fail(path, "bad header: %s", msg);
        goto done;
    }
    if (h->type != VL_JSON_OBJECT) {
        rc = st_fail(path, "header is not a JSON object");
        goto done;
    }
    st->tensors = vl_xcalloc((size_t)h->count + 1, sizeof *st->tensors);
    const unsigned char *data = bytes + 8 + n;
    for (const vl_json *m = h->child; m; m = m->next) {
        if (strcmp(m->key, "__metadata__") != 0) {
            vl_st_tensor *t = &st->tensors[st->count++];
            t->name = vl_xstrdup(m->key);
            if ((rc = parse_entry(path, m, t, data, size - 8 - n)) < 0) goto done;
            continue;
        }
        if (st->meta_keys) { rc = st_fail(path, "duplicate \"__metadata__\""); goto done; }
        if (m->type != VL_JSON_OBJECT) {
            rc = st_fail(path, "\"__metadata__\" is not a JSON object");
            goto done;
        }
        st->meta_keys = vl_xcalloc((size_t)m->count + 1, sizeof(char *));
        st->meta_vals = vl_xcalloc((size_t)m->count + 1, sizeof(char *));
        for (const vl_json *kv = m->child; kv; kv = kv->next) {
            if (kv->type != VL_JSON_STRING) {
                rc = st_fail(path, "__metadata__ value of '%s' is not a string", kv->key);
                goto done;
            }
            st->meta_keys[st->meta_count] = vl_xstrdup(kv->key);
            st->meta_vals[st->meta_count++] = vl_xstrdup(kv->string);
        }
    }
    if (st->count > 1) qsort(st->tensors, (size_t)st->count, sizeof *st->tensors, cmp_tensor);
    for (int k = 1; k < st->count; k++)
        if (strcmp(st->tensors[k - 1].name, st->tensors[k].name) == 0) {
            rc = st_fail(path, "duplicate tensor name '%s'", st->tensors[k].name);
            goto done;
        }
done:
    vl_json_free(h);
    if (rc < 0) vl_st_close(st);
    return rc;
}

void vl_st_close(vl_safetensors *st) {
    if (st->map && st->owns_map) munmap(st->map, st->map_size);
    for (int k = 0; k < st->count; k++) free(st->tensors[k].name);
    free(st->tensors);
    for (int k = 0; k < st->meta_count; k++) {
        free(st->meta_keys[k]);
        free(st->meta_vals[k]);
    }
    free(st->meta_keys);
    free(st->meta_vals);
    memset(st, 0, sizeof *st);
}

const vl_st_tensor *vl_st_find(const vl_safetensors *st, const char *name) {
    if (!st->count || !name) return NULL;
    vl_st_tensor key = {.name = (char *)name};
    return bsearch(&key, st->tensors, (size_t)st->count, sizeof key, cmp_tensor);
}

const char *vl_st_meta(const vl_safetensors *st, const char *key) {
    for (int k = 0; key && k < st->meta_count; k++)
        if (strcmp(st->meta_keys[k], key) == 0) return st->meta_vals[k];
    return NULL;
}

static void fmt_shape(char *buf, size_t cap, int ndim, const int64_t *shape) {
    size_t n = (size_t)snprintf(buf, cap, "(");
    for (int k = 0; k < ndim && n < cap; k++)
        n += (size_t)snprintf(buf + n, cap - n, "%s%lld", k ? ", " : "", (long long)shape[k]);
    if (n < cap) snprintf(buf + n, cap - n, ")");
}

/* Finds `name` and checks its shape; NULL with the error set otherwise. */
static const vl_st_tensor *find_shaped(const vl_safetensors *st, const char *name,
                                       int ndim, const int64_t *shape, int *rc) {
    const vl_st_tensor *t = vl_st_find(st, name);
    if (ndim < 0 || ndim > VL_ST_MAX_DIMS || (ndim && !shape)) {
        *rc = vl_error(VL_ERR_ARG, "tensor '%s': bad expected shape (ndim %d)",
                       name ? name : "(null)", ndim);
        return NULL;
    }
    if (!t) {
        *rc = vl_error(VL_ERR_NOTFOUND, "tensor '%s' not found", name ? name : "(null)");
        return NULL;
    }
    bool same = ndim == t->ndim;
    for (int k = 0; same && k < ndim; k++) same = shape[k] == t->shape[k];
    if (!same) {
        char have[256], want[256];
        fmt_shape(have, sizeof have, t->ndim, t->shape);
        fmt_shape(want, sizeof want, ndim, shape);
        *rc = vl_error(VL_ERR_SHAPE, "tensor '%s': shape %s in file, expected %s",
                       name, have, want);
        return NULL;
    }
    return t;
}

int vl_st_read_f32(const vl_safetensors *st, const char *name, float *dst,
                   int ndim, const int64_t *shape) {
    int rc;
    const vl_st_tensor *t = find_shaped(st, name, ndim, shape, &rc);
    if (!t) return rc;
    const unsigned char *p = t->data;
    int64_t n = t->numel;
    switch (t->dtype) {
    case VL_DT_F32:
        if (host_le()) { if (n) memcpy(dst, p, t->nbytes); break; }
        for (int64_t k = 0; k < n; k++) dst[k] = u2f((uint32_t)ld_le(p + 4 * k, 4));
        break;
    case VL_DT_F16:
        for (int64_t k = 0; k < n; k++) dst[k] = vl_f16_to_f32((uint16_t)ld_le(p + 2 * k, 2));
        break;
    case VL_DT_BF16:
        for (int64_t k = 0; k < n; k++) dst[k] = vl_bf16_to_f32((uint16_t)ld_le(p + 2 * k, 2));
        break;
    case VL_DT_F64:
        for (int64_t k = 0; k < n; k++) {
            uint64_t u = ld_le(p + 8 * k, 8);
            double d;
            memcpy(&d, &u, 8);
            dst[k] = (float)d;
        }
        break;
    default:
        return vl_error(VL_ERR_FORMAT, "tensor '%s' has dtype %s, expected a float dtype",
                        name, dt_names[t->dtype]);
    }
    return VL_OK;
}

int vl_st_read_int(const vl_safetensors *st, const char *name, int *dst,
                   int ndim, const int64_t *shape) {
    int rc;
    const vl_st_tensor *t = find_shaped(st, name, ndim, shape, &rc);
    if (!t) return rc;
    int es = dt_sizes[t->dtype];
    bool is_unsigned = t->dtype == VL_DT_U8 || t->dtype == VL_DT_BOOL;
    if (t->dtype < VL_DT_I64)
        return vl_error(VL_ERR_FORMAT, "tensor '%s' has dtype %s, expected an integer dtype",
                        name, dt_names[t->dtype]);
    const unsigned char *p = t->data;
    for (int64_t k = 0; k < t->numel; k++) {
        int64_t v = is_unsigned ? (int64_t)p[k] : ld_signed(p + es * k, es);
        if (v < INT_MIN || v > INT_MAX)
            return vl_error(VL_ERR_FORMAT, "tensor '%s': element %lld = %lld does not fit in int",
                            name, (long long)k, (long long)v);
        dst[k] = t->dtype == VL_DT_BOOL ? v != 0 : (int)v;
    }
    return VL_OK;
}

/* ---- writer ---- */
struct vl_st_writer_item {
    char *name;
    vl_dtype dtype;
    int ndim;
    int64_t shape[VL_ST_MAX_DIMS];
    unsigned char *data;
    size_t nbytes;
};

void vl_st_writer_init(vl_st_writer *w) { memset(w, 0, sizeof *w); }

void vl_st_writer_free(vl_st_writer *w) {
    for (int k = 0; k < w->count; k++) {
        free(w->items[k].name);
        free(w->items[k].data);
    }
    for (int k = 0; k < w->meta_count; k++) {
        free(w->meta_keys[k]);
        free(w->meta_vals[k]);
    }
    free(w->items);
    free(w->meta_keys);
    free(w->meta_vals);
    memset(w, 0, sizeof *w);
}

/* Text must survive a JSON round trip (valid UTF-8, no "\u0000"). */
static int check_text(const char *what, const char *s) {
    if (!s) return vl_error(VL_ERR_ARG, "safetensors writer: %s is NULL", what);
    size_t n = vl_json_escape(NULL, 0, s);
    char *buf = vl_xmalloc(n + 1);
    vl_json_escape(buf, n + 1, s);
    vl_json *j = vl_json_parse(buf, n);
    bool ok = j && j->type == VL_JSON_STRING && strcmp(j->string, s) == 0;
    vl_json_free(j);
    free(buf);
    return ok ? VL_OK
              : vl_error(VL_ERR_ARG, "safetensors writer: %s '%.64s' is not valid UTF-8",
                         what, s);
}

/* Validates and appends an item with an uninitialised buffer; NULL on error. */
static vl_st_writer_item *add_item(vl_st_writer *w, const char *name, vl_dtype dtype,
                                   int ndim, const int64_t *shape, int *rc) {
    *rc = check_text("tensor name", name);
    if (*rc < 0) return NULL;
    if (!*name || strcmp(name, "__metadata__") == 0) {
        *rc = vl_error(VL_ERR_ARG, "safetensors writer: invalid tensor name '%s'", name);
        return NULL;
    }
    if ((unsigned)dtype >= NDTYPES || ndim < 0 || ndim > VL_ST_MAX_DIMS || (ndim && !shape)) {
        *rc = vl_error(VL_ERR_ARG, "tensor '%s': bad dtype or ndim %d", name, ndim);
        return NULL;
    }
    int64_t numel = 1, esize = dt_sizes[dtype];
    for (int k = 0; k < ndim; k++) {
        if (shape[k] < 0 || (shape[k] && numel > INT64_MAX / esize / shape[k])) {
            *rc = vl_error(VL_ERR_ARG, "tensor '%s': bad shape", name);
            return NULL;
        }
        numel *= shape[k];
    }
    unsigned char *data = (uint64_t)(numel * esize) < SIZE_MAX / 2
                              ? malloc(numel ? (size_t)(numel * esize) : 1) : NULL;
    if (!data) {
        *rc = vl_error(VL_ERR_NOMEM, "tensor '%s': cannot allocate %lld bytes", name,
                       (long long)(numel * esize));
        return NULL;
    }
    if (w->count == w->cap) {
        w->cap = w->cap ? 2 * w->cap : 16;
        w->items = vl_xrealloc(w->items, (size_t)w->cap * sizeof *w->items);
    }
    vl_st_writer_item *it = &w->items[w->count++];
    memset(it, 0, sizeof *it);
    it->name = vl_xstrdup(name);
    it->dtype = dtype;
    it->ndim = ndim;
    if (ndim) memcpy(it->shape, shape, (size_t)ndim * sizeof *shape);
    it->nbytes = (size_t)(numel * esize);
    it->data = data;
    *rc = VL_OK;
    return it;
}

int vl_st_writer_add(vl_st_writer *w, const char *name, vl_dtype dtype,
                     int ndim, const int64_t *shape, const void *data) {
    int rc;
    vl_st_writer_item *it = add_item(w, name, dtype, ndim, shape, &rc);
    if (!it) return rc;
    if (it->nbytes && !data) {
        free(it->name), free(it->data), w->count--;
        return vl_error(VL_ERR_ARG, "tensor '%s': data is NULL", name);
    }
    if (it->nbytes) memcpy(it->data, data, it->nbytes);
    return VL_OK;
}

int vl_st_writer_add_f32(vl_st_writer *w, const char *name, vl_dtype dtype,
                         int ndim, const int64_t *shape, const float *src) {
    if (dtype != VL_DT_F32 && dtype != VL_DT_F16 && dtype != VL_DT_BF16 && dtype != VL_DT_F64)
        return vl_error(VL_ERR_ARG, "tensor '%s': cannot store floats as %s",
                        name ? name : "(null)", vl_dtype_name(dtype));
    int rc;
    vl_st_writer_item *it = add_item(w, name, dtype, ndim, shape, &rc);
    if (!it) return rc;
    size_t n = it->nbytes / dt_sizes[dtype];
    if (n && !src) {
        free(it->name), free(it->data), w->count--;
        return vl_error(VL_ERR_ARG, "tensor '%s': data is NULL", name);
    }
    unsigned char *p = it->data;
    for (size_t k = 0; k < n; k++) {
        double d;
        uint64_t u;
        switch (dtype) {
        case VL_DT_F32: st_le(p + 4 * k, f2u(src[k]), 4); break;
        case VL_DT_F16: st_le(p + 2 * k, vl_f32_to_f16(src[k]), 2); break;
        case VL_DT_BF16: st_le(p + 2 * k, vl_f32_to_bf16(src[k]), 2); break;
        default: d = src[k]; memcpy(&u, &d, 8); st_le(p + 8 * k, u, 8);
        }
    }
    return VL_OK;
}

int vl_st_writer_add_int(vl_st_writer *w, const char *name, vl_dtype dtype,
                         int ndim, const int64_t *shape, const int *src) {
    if (dtype != VL_DT_I32 && dtype != VL_DT_I64)
        return vl_error(VL_ERR_ARG, "tensor '%s': cannot store ints as %s",
                        name ? name : "(null)", vl_dtype_name(dtype));
    int rc;
    vl_st_writer_item *it = add_item(w, name, dtype, ndim, shape, &rc);
    if (!it) return rc;
    int es = dt_sizes[dtype];
    size_t n = it->nbytes / (size_t)es;
    if (n && !src) {
        free(it->name), free(it->data), w->count--;
        return vl_error(VL_ERR_ARG, "tensor '%s': data is NULL", name);
    }
    for (size_t k = 0; k < n; k++) st_le(it->data + es * k, (uint64_t)(int64_t)src[k], es);
    return VL_OK;
}

int vl_st_writer_meta(vl_st_writer *w, const char *key, const char *value) {
    int rc = check_text("metadata key", key);
    if (rc == VL_OK) rc = check_text("metadata value", value);
    if (rc < 0) return rc;
    for (int k = 0; k < w->meta_count; k++)
        if (strcmp(w->meta_keys[k], key) == 0) {
            free(w->meta_vals[k]);
            w->meta_vals[k] = vl_xstrdup(value);
            return VL_OK;
        }
    size_t n = (size_t)w->meta_count + 1;
    w->meta_keys = vl_xrealloc(w->meta_keys, n * sizeof(char *));
    w->meta_vals = vl_xrealloc(w->meta_vals, n * sizeof(char *));
    w->meta_keys[w->meta_count] = vl_xstrdup(key);
    w->meta_vals[w->meta_count++] = vl_xstrdup(value);
    return VL_OK;
}

/* growable string for the header */
typedef struct sbuf { char *p; size_t len, cap; } sbuf;

static void sb_reserve(sbuf *b, size_t extra) {
    if (b->len + extra + 1 <= b->cap) return;
    while (b->len + extra + 1 > b->cap) b->cap = b->cap ? 2 * b->cap : 256;
    b->p = vl_xrealloc(b->p, b->cap);
}
static void sb_puts(sbuf *b, const char *s) {
    size_t n = strlen(s);
    sb_reserve(b, n);
    memcpy(b->p + b->len, s, n + 1);
    b->len += n;
}
static void sb_json(sbuf *b, const char *s) {
    size_t n = vl_json_escape(NULL, 0, s);
    sb_reserve(b, n);
    vl_json_escape(b->p + b->len, n + 1, s);
    b->len += n;
}
static void sb_int(sbuf *b, uint64_t v) {
    char tmp[24];
    snprintf(tmp, sizeof tmp, "%llu", (unsigned long long)v);
    sb_puts(b, tmp);
}

static int cmp_item(const void *a, const void *b) {
    return strcmp(((const vl_st_writer_item *)a)->name, ((const vl_st_writer_item *)b)->name);
}

int vl_st_writer_save(vl_st_writer *w, const char *path) {
    if (w->count > 1) qsort(w->items, (size_t)w->count, sizeof *w->items, cmp_item);
    for (int k = 1; k < w->count; k++)
        if (strcmp(w->items[k - 1].name, w->items[k].name) == 0)
            return vl_error(VL_ERR_ARG, "%s: duplicate tensor name '%s'", path,
                            w->items[k].name);
    sbuf h = {0};
    sb_puts(&h, "{");
    if (w->meta_count) {
        sb_puts(&h, "\"__metadata__\":{");
        for (int k = 0; k < w->meta_count; k++) {
            if (k) sb_puts(&h, ",");
            sb_json(&h, w->meta_keys[k]);
            sb_puts(&h, ":");
            sb_json(&h, w->meta_vals[k]);
        }
        sb_puts(&h, "}");
    }
    uint64_t off = 0;
    for (int k = 0; k < w->count; k++) {
        const vl_st_writer_item *it = &w->items[k];
        if (k || w->meta_count) sb_puts(&h, ",");
        sb_json(&h, it->name);
        sb_puts(&h, ":{\"dtype\":\"");
        sb_puts(&h, dt_names[it->dtype]);
        sb_puts(&h, "\",\"shape\":[");
        for (int d = 0; d < it->ndim; d++) {
            if (d) sb_puts(&h, ",");
            sb_int(&h, (uint64_t)it->shape[d]);
        }
        sb_puts(&h, "],\"data_offsets\":[");
        sb_int(&h, off);
        sb_puts(&h, ",");
        sb_int(&h, off += it->nbytes);
        sb_puts(&h, "]}");
    }
    sb_puts(&h, "}");
    while (h.len % 8) sb_puts(&h, " ");

    vl_atomic_file af;
    int rc = vl_atomic_open(&af, path);
    if (rc < 0) { free(h.p); return rc; }
    unsigned char len8[8];
    st_le(len8, h.len, 8);
    bool ok = fwrite(len8, 1, 8, af.f) == 8 && fwrite(h.p, 1, h.len, af.f) == h.len;
    for (int k = 0; ok && k < w->count; k++)
        ok = fwrite(w->items[k].data, 1, w->items[k].nbytes, af.f) == w->items[k].nbytes;
    free(h.p);
    if (!ok) {
        int e = errno;
        vl_atomic_abort(&af);
        return vl_error(VL_ERR_IO, "%s: write failed: %s", path, strerror(e));
    }
    return vl_atomic_commit(&af);
}
