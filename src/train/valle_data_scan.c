/* src/train/valle_data_scan.c: finds the codes files (*.qnt.npy) of a
 * VALL-E data folder recursively, with a depth and a file-count limit,
 * skipping symlink loops (a folder that is one of its own ancestors). */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "valle/core.h"
#include "valle_data_internal.h"

#define CODES_SUFFIX ".qnt.npy"
#define SCAN_MAX_PATH 4096

typedef struct scan {
    char ***paths;
    int *n, *cap;
    dev_t dev[VALLE_DATA_MAX_DEPTH + 1];  /* the folders being walked */
    ino_t ino[VALLE_DATA_MAX_DEPTH + 1];
} scan;

int vl_path_cmp(const char *a, const char *b) {
    const unsigned char *p = (const unsigned char *)a, *q = (const unsigned char *)b;
    while (*p && *p == *q) p++, q++;
    if (*p == *q) return 0;
    if (*p == '/') return *q ? -1 : 1;   /* "a/x" after "a", before "a-b" */
    if (*q == '/') return *p ? 1 : -1;
    return *p < *q ? -1 : 1;
}

static int has_codes_suffix(const char *name) {
    size_t n = strlen(name), s = strlen(CODES_SUFFIX);
    return n > s && !strcmp(name + n - s, CODES_SUFFIX);
}

static int walk(scan *sc, const char *dir, const struct stat *dst, int depth) {
    if (depth > VALLE_DATA_MAX_DEPTH)
        return vl_error(VL_ERR_FORMAT, "%s: data folders nested deeper than %d levels", dir,
                        VALLE_DATA_MAX_DEPTH);
    for (int i = 0; i < depth; i++)
        if (sc->dev[i] == dst->st_dev && sc->ino[i] == dst->st_ino) return VL_OK; /* loop */
    sc->dev[depth] = dst->st_dev;
    sc->ino[depth] = dst->st_ino;
    DIR *dh = opendir(dir);
    if (!dh) return vl_error(VL_ERR_IO, "%s: %s", dir, strerror(errno));
    int rc = VL_OK;
    struct dirent *e;
    char path[SCAN_MAX_PATH];
    while (rc == VL_OK && (e = readdir(dh))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        int len = snprintf(path, sizeof path, "%s%s%s", dir,
                           dir[strlen(dir) - 1] == '/' ? "" : "/", e->d_name);
        if (len < 0 || len >= (int)sizeof path) {
            rc = vl_error(VL_ERR_FORMAT, "%s/%s: path longer than %d bytes", dir, e->d_name,
                          SCAN_MAX_PATH - 1);
            break;
        }
        struct stat st;
        if (stat(path, &st) != 0) continue;   /* dangling symlink, raced away */
        if (S_ISDIR(st.st_mode)) {
            rc = walk(sc, path, &st, depth + 1);
        } else if (S_ISREG(st.st_mode) && has_codes_suffix(e->d_name)) {
            if (*sc->n >= VALLE_DATA_MAX_FILES) {
                rc = vl_error(VL_ERR_FORMAT, "%s: more than %d codes files", dir,
                              VALLE_DATA_MAX_FILES);
                break;
            }
            if (*sc->n == *sc->cap) {
                *sc->cap = *sc->cap ? 2 * *sc->cap : 256;
                *sc->paths = vl_xrealloc(*sc->paths, (size_t)*sc->cap * sizeof **sc->paths);
            }
            (*sc->paths)[(*sc->n)++] = vl_xstrdup(path);
        }
    }
    closedir(dh);
    return rc;
}

int vl_valle_scan_codes(const char *dir, char ***paths, int *n, int *cap) {
    struct stat st;
    if (!dir || !*dir) return vl_error(VL_ERR_ARG, "empty data folder name");
    if (stat(dir, &st) != 0) return vl_error(VL_ERR_IO, "%s: %s", dir, strerror(errno));
    if (!S_ISDIR(st.st_mode)) return vl_error(VL_ERR_IO, "%s: not a folder", dir);
    scan sc = {.paths = paths, .n = n, .cap = cap};
    return walk(&sc, dir, &st, 0);
}
