/* valle/core.h: status codes, error reporting, the activation arena, the RNG
 * and the per-thread compute context every op runs in.
 *
 * Usage:
 *   vl_ctx *c = vl_ctx_new(1234);          // seed
 *   vl_tensor *x = vl_tensor_new(c, 2, (int[]){4, 3});   // from the arena
 *   ...forward ops...
 *   vl_backward(c, loss);
 *   vl_ctx_reset(c);                       // drops activations and the tape
 *   vl_ctx_free(c);
 */
#ifndef VALLE_CORE_H
#define VALLE_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VALLE_VERSION "0.1.0"

/* ---- status codes: everything a user can cause returns one of these ---- */
typedef enum vl_status {
    VL_OK = 0,
    VL_ERR_IO = -1,        /* open/read/write/rename failed */
    VL_ERR_FORMAT = -2,    /* malformed file contents */
    VL_ERR_SHAPE = -3,     /* shapes do not fit */
    VL_ERR_NOMEM = -4,     /* allocation failed or size absurd */
    VL_ERR_ARG = -5,       /* bad argument / option value */
    VL_ERR_NOTFOUND = -6,  /* a named tensor or key is missing */
    VL_ERR_NUMERIC = -7,   /* NaN or inf where it must not be */
    VL_ERR_UNSUPPORTED = -8
} vl_status;

const char *vl_strerror(int status);
/* A thread-local message with the details of the last error set. */
const char *vl_last_error(void);
/* Sets the detail message (printf-style) and returns `status`. The
 * arguments may include vl_last_error() (to prefix context to it). */
int vl_error(int status, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Index of `s` in names[0..n); otherwise VL_ERR_ARG with a message naming
 * `what` and listing the choices. For enum-valued options and configs. */
int vl_parse_name(const char *s, const char *const *names, int n,
                  const char *what);

/* Internal invariants: abort with file and line. Not for user errors. */
#define VL_ASSERT(cond, ...)                                                   \
    do {                                                                       \
        if (!(cond)) vl_panic(__FILE__, __LINE__, #cond, "" __VA_ARGS__);      \
    } while (0)
_Noreturn void vl_panic(const char *file, int line, const char *cond,
                        const char *fmt, ...);

/* Heap allocation that aborts on failure (for sizes we computed ourselves). */
void *vl_xmalloc(size_t n);
void *vl_xcalloc(size_t n, size_t size);
void *vl_xrealloc(void *p, size_t n);
char *vl_xstrdup(const char *s);

/* ---- time ---- */
/* Seconds on the monotonic clock (for durations and rates). */
double vl_seconds(void);

/* ---- threads ---- */
/* Number of threads for OpenMP loops and the BLAS (default: all cores). */
void vl_set_num_threads(int n);
int vl_get_num_threads(void);

/* ---- RNG: xoshiro256** seeded with splitmix64; state is 4 words ---- */
typedef struct vl_rng {
    uint64_t s[4];
} vl_rng;

void vl_rng_seed(vl_rng *r, uint64_t seed);
uint64_t vl_rng_u64(vl_rng *r);
float vl_rng_uniform(vl_rng *r);                  /* [0, 1) with 24 bits */
double vl_rng_uniform_f64(vl_rng *r);             /* [0, 1) with 53 bits */
float vl_rng_normal(vl_rng *r);                   /* N(0, 1), Box-Muller */
uint64_t vl_rng_below(vl_rng *r, uint64_t n);     /* uniform in [0, n) */
void vl_rng_shuffle_int(vl_rng *r, int *a, int n);
/* Counter-based hash used for parallel, reproducible masks: uniform [0,1). */
float vl_hash_uniform(uint64_t key, uint64_t counter);

/* ---- arena: bump allocator for activations, reset every step ---- */
typedef struct vl_arena_block vl_arena_block;
typedef struct vl_arena {
    vl_arena_block *head; /* newest block first */
    size_t used_total;    /* bytes handed out since the last reset */
    size_t peak;          /* largest used_total seen */
} vl_arena;

void vl_arena_init(vl_arena *a);
void *vl_arena_alloc(vl_arena *a, size_t bytes);  /* 64-byte aligned */
void *vl_arena_calloc(vl_arena *a, size_t bytes);
/* Frees everything handed out; keeps (consolidated) capacity for reuse. */
void vl_arena_reset(vl_arena *a);
void vl_arena_free(vl_arena *a);

/* ---- compute context: arena + tape + rng + modes ---- */
typedef struct vl_node vl_node;
typedef struct vl_tensor vl_tensor;

typedef struct vl_ctx {
    vl_arena arena;
    vl_node *tape;      /* newest op first (linked through vl_node.prev) */
    int tape_len;
    bool grad_enabled;  /* false: ops record nothing (no-grad mode) */
    bool training;      /* dropout / batch statistics */
    vl_rng rng;         /* dropout keys and other sampling */
} vl_ctx;

vl_ctx *vl_ctx_new(uint64_t seed);
void vl_ctx_free(vl_ctx *c);
/* Drops every activation and the tape; parameters are untouched. */
void vl_ctx_reset(vl_ctx *c);
/* Returns the previous value, so callers can restore it. */
bool vl_set_grad_enabled(vl_ctx *c, bool on);
void vl_set_training(vl_ctx *c, bool on);

#endif
