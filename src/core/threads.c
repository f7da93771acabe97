/* src/core/threads.c: one thread count for OpenMP loops and OpenBLAS (the
 * OpenMP build, so both use one thread pool; BLAS calls are made outside
 * OpenMP regions, so they never nest), and the choice of OpenBLAS kernels.
 *
 * OpenBLAS picks its kernels from the CPU model at start-up; on virtual
 * machines whose CPUID hides the model it falls back to Prescott (SSE3)
 * kernels, 4-8x slower than the AVX-512 ones. Unless the user set
 * OPENBLAS_CORETYPE, a constructor that runs before OpenBLAS's own (priority
 * 101; OpenBLAS is linked statically) chooses from the CPU's features
 * instead: AVX-512 -> SkylakeX, AVX2 + FMA -> Haswell. */
#include <omp.h>
#include <stdlib.h>

#include "valle/core.h"

void openblas_set_num_threads(int n);

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
__attribute__((constructor(101))) static void choose_blas_kernels(void) {
    if (getenv("OPENBLAS_CORETYPE")) return;
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl"))
        setenv("OPENBLAS_CORETYPE", "SkylakeX", 0);
    else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        setenv("OPENBLAS_CORETYPE", "Haswell", 0);
}
#endif

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
