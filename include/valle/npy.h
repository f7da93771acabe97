/* valle/npy.h: NumPy .npy files (format 1.0/2.0/3.0), C order, little-endian
 * or byte-order-free dtypes. Reading checks the header (magic, length,
 * dict keys, shape) and that the data size matches the file exactly.
 *
 * Usage:
 *   vl_npy a;
 *   if (vl_npy_read(&a, "x.npy") < 0) die(vl_last_error());
 *   // a.dtype is "<i8", "<f4", ...; a.ndim, a.shape, a.data
 *   vl_npy_free(&a);
 *   vl_npy_write("y.npy", "<i8", 3, (int64_t[]){1, 8, 100}, codes);   // atomic
 */
#ifndef VALLE_NPY_H
#define VALLE_NPY_H

#include <stddef.h>
#include <stdint.h>
#include "valle/core.h"

#define VL_NPY_MAX_DIMS 8

typedef struct vl_npy {
    char dtype[8];        /* "<i8", "<i4", "<i2", "|i1", "|u1", "<f4", "<f8", ... */
    size_t itemsize;
    int ndim;
    int64_t shape[VL_NPY_MAX_DIMS];
    int64_t numel;
    void *data;           /* malloc'ed, numel * itemsize bytes */
} vl_npy;

int vl_npy_read(vl_npy *a, const char *path);
void vl_npy_free(vl_npy *a);
/* dtype one of the above; data numel * itemsize bytes, little-endian. */
int vl_npy_write(const char *path, const char *dtype, int ndim, const int64_t *shape,
                 const void *data);
/* Element i as int64 (integer dtypes) or double (float dtypes). */
int64_t vl_npy_get_i64(const vl_npy *a, int64_t i);
double vl_npy_get_f64(const vl_npy *a, int64_t i);
int vl_npy_is_int(const vl_npy *a);

#endif
