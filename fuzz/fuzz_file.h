/* fuzz/fuzz_file.h: the readers under test take paths, so each fuzz input is
 * written to one memfd per process and handed over as /proc/self/fd/N
 * (no disk writes, no temp files left behind by a crash). */
#ifndef FUZZ_FILE_H
#define FUZZ_FILE_H

#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

/* The path of a file holding exactly data[0..size), or NULL. `slot` picks one
 * of a few memfds, for targets that need two files at once. */
static inline const char *fuzz_file(int slot, const uint8_t *data, size_t size) {
    static int fd[4] = {-1, -1, -1, -1};
    static char path[4][64];
    if (slot < 0 || slot > 3) return NULL;
    if (fd[slot] < 0) {
        fd[slot] = memfd_create("fuzz-input", 0);
        if (fd[slot] < 0) return NULL;
        snprintf(path[slot], sizeof path[slot], "/proc/self/fd/%d", fd[slot]);
    }
    if (ftruncate(fd[slot], 0) != 0) return NULL;
    if (size && pwrite(fd[slot], data, size, 0) != (ssize_t)size) return NULL;
    return path[slot];
}

#endif
