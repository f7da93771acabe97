/* src/train/dist.c: MPI data parallelism (see valle/dist.h). Compiled
 * with VALLE_HAVE_MPI when CMake finds MPI; otherwise a single rank. MPI is
 * joined only when the process was launched by an MPI launcher, so a plain
 * `valle ...` never pays MPI's start-up. */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "valle/dist.h"

#ifdef VALLE_HAVE_MPI
#include <mpi.h>
#endif

static int rank_, size_ = 1, local_size_ = 1;
#ifdef VALLE_HAVE_MPI
static bool joined;
#endif

static bool launched_by_mpi(void) {
    return getenv("OMPI_COMM_WORLD_SIZE") || getenv("PMI_SIZE") || getenv("PMIX_RANK");
}

bool vl_dist_compiled(void) {
#ifdef VALLE_HAVE_MPI
    return true;
#else
    return false;
#endif
}

int vl_dist_init(int *argc, char ***argv) {
#ifdef VALLE_HAVE_MPI
    if (joined || !launched_by_mpi()) return VL_OK;
    int inited = 0;
    MPI_Initialized(&inited);
    if (!inited && MPI_Init(argc, argv) != MPI_SUCCESS)
        return vl_error(VL_ERR_IO, "MPI_Init failed");
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);
    MPI_Comm local;
    MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, rank_, MPI_INFO_NULL, &local);
    MPI_Comm_size(local, &local_size_);
    MPI_Comm_free(&local);
    joined = true;
    atexit(vl_dist_finalize);
#else
    (void)argc;
    (void)argv;
    if (launched_by_mpi() && getenv("OMPI_COMM_WORLD_RANK") &&
        atoi(getenv("OMPI_COMM_WORLD_RANK")) == 0)
        return vl_error(VL_ERR_UNSUPPORTED, "launched by mpirun, but this valle was "
                        "built without MPI (install libopenmpi-dev and rebuild)");
#endif
    return VL_OK;
}

void vl_dist_finalize(void) {
#ifdef VALLE_HAVE_MPI
    int fin = 0;
    if (!joined) return;
    MPI_Finalized(&fin);
    if (!fin) MPI_Finalize();
    joined = false;
#endif
}

int vl_dist_rank(void) { return rank_; }
int vl_dist_size(void) { return size_; }
int vl_dist_local_size(void) { return local_size_; }

int vl_dist_threads(int threads) {
    if (threads != 0 || size_ < 2) return threads;
    long cores = sysconf(_SC_NPROCESSORS_ONLN) / local_size_;
    return cores > 1 ? (int)cores : 1;
}

void vl_dist_allreduce_sum(float *x, int64_t n) {
#ifdef VALLE_HAVE_MPI
    while (joined && size_ > 1 && n > 0) {
        int chunk = n > INT_MAX ? INT_MAX : (int)n;
        MPI_Allreduce(MPI_IN_PLACE, x, chunk, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
        x += chunk;
        n -= chunk;
    }
#else
    (void)x;
    (void)n;
#endif
}

void vl_dist_allreduce_sum_f64(double *x, int n) {
#ifdef VALLE_HAVE_MPI
    if (joined && size_ > 1 && n > 0)
        MPI_Allreduce(MPI_IN_PLACE, x, n, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
#else
    (void)x;
    (void)n;
#endif
}

int vl_dist_min_int(int v) {
#ifdef VALLE_HAVE_MPI
    if (joined && size_ > 1)
        MPI_Allreduce(MPI_IN_PLACE, &v, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
#endif
    return v;
}

int vl_dist_rank0_result(int rc, const char *fmt, ...) {
    if (vl_dist_min_int(rc) >= 0 || rc < 0) return rc;
    char what[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return vl_error(VL_ERR_IO, "rank 0 failed to %s", what);
}

void vl_dist_broadcast(void *buf, size_t bytes, int root) {
#ifdef VALLE_HAVE_MPI
    unsigned char *p = buf;
    while (joined && size_ > 1 && bytes > 0) {
        int chunk = bytes > INT_MAX ? INT_MAX : (int)bytes;
        MPI_Bcast(p, chunk, MPI_BYTE, root, MPI_COMM_WORLD);
        p += chunk;
        bytes -= (size_t)chunk;
    }
#else
    (void)buf;
    (void)bytes;
    (void)root;
#endif
}
