/* src/core/threads.c: one thread count for OpenMP loops and OpenBLAS. BLAS
 * calls are made outside OpenMP regions, so the two never nest. */
#include <omp.h>

#include "valle/core.h"

void openblas_set_num_threads(int n);

static int num_threads;

void vl_set_num_threads(int n) {
    if (n < 1) n = omp_get_num_procs();
    num_threads = n;
    omp_set_num_threads(n);
    openblas_set_num_threads(n);
}

int vl_get_num_threads(void) {
    if (!num_threads) vl_set_num_threads(0);
    return num_threads;
}
