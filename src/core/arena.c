/* src/core/arena.c: bump allocator for a step's activations and tape.
 * Blocks are chained; a reset frees them all and, if more than one was
 * needed, replaces them by one block as large as the peak, so steady-state
 * steps allocate nothing. */
#include <stdlib.h>
#include <string.h>

#include "valle/core.h"

#define ARENA_ALIGN 64
#define ARENA_MIN_BLOCK ((size_t)16 << 20)

struct vl_arena_block {
    vl_arena_block *next;
    size_t cap, used;
    unsigned char *mem;
};

static vl_arena_block *block_new(size_t cap) {
    vl_arena_block *b = vl_xmalloc(sizeof *b);
    b->next = NULL;
    b->cap = cap;
    b->used = 0;
    b->mem = aligned_alloc(ARENA_ALIGN, (cap + ARENA_ALIGN - 1) / ARENA_ALIGN * ARENA_ALIGN);
    if (!b->mem) vl_panic(__FILE__, __LINE__, "aligned_alloc", "%zu bytes", cap);
    return b;
}

void vl_arena_init(vl_arena *a) {
    memset(a, 0, sizeof *a);
}

void *vl_arena_alloc(vl_arena *a, size_t bytes) {
    size_t n = (bytes + ARENA_ALIGN - 1) / ARENA_ALIGN * ARENA_ALIGN;
    if (n == 0) n = ARENA_ALIGN;
    vl_arena_block *b = a->head;
    if (!b || b->cap - b->used < n) {
        size_t cap = n > ARENA_MIN_BLOCK ? n : ARENA_MIN_BLOCK;
        if (b && cap < b->cap * 2 && n <= b->cap * 2) cap = b->cap * 2;
        vl_arena_block *nb = block_new(cap);
        nb->next = a->head;
        a->head = b = nb;
    }
    void *p = b->mem + b->used;
    b->used += n;
    a->used_total += n;
    if (a->used_total > a->peak) a->peak = a->used_total;
    return p;
}

void *vl_arena_calloc(vl_arena *a, size_t bytes) {
    void *p = vl_arena_alloc(a, bytes);
    memset(p, 0, bytes);
    return p;
}

static void free_blocks(vl_arena_block *b) {
    while (b) {
        vl_arena_block *n = b->next;
        free(b->mem);
        free(b);
        b = n;
    }
}

void vl_arena_reset(vl_arena *a) {
    if (a->head && a->head->next) {
        size_t cap = a->peak;
        free_blocks(a->head);
        a->head = block_new(cap > ARENA_MIN_BLOCK ? cap : ARENA_MIN_BLOCK);
    } else if (a->head) {
        a->head->used = 0;
    }
    a->used_total = 0;
}

void vl_arena_free(vl_arena *a) {
    free_blocks(a->head);
    memset(a, 0, sizeof *a);
}
