/* src/train/valle_data_internal.h: pieces of the VALL-E data set shared
 * between its files (not part of the public API). */
#ifndef VALLE_VALLE_DATA_INTERNAL_H
#define VALLE_VALLE_DATA_INTERNAL_H

#define VALLE_DATA_MAX_DEPTH 16
#define VALLE_DATA_MAX_FILES 2000000

/* Appends the paths of the regular files named *.qnt.npy under dir
 * (recursively, symlinks followed, loops skipped, at most
 * VALLE_DATA_MAX_DEPTH folders deep) to *paths (n, cap grow). */
int vl_valle_scan_codes(const char *dir, char ***paths, int *n, int *cap);
/* strcmp, except that '/' sorts before every other byte (so paths compare
 * component by component, as Python's pathlib does). */
int vl_path_cmp(const char *a, const char *b);

#endif
