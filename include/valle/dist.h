/* valle/dist.h: data-parallel training across processes with MPI.
 *
 * A program started by `mpirun -np N` gets N ranks; without mpirun (or in a
 * build without MPI) it is one process of rank 0, and every call below is
 * a no-op, so trainers are written once. Trainers split each global batch
 * across ranks, sum gradients with one all-reduce over the contiguous
 * gradient buffer, and let rank 0 log and save.
 *
 * Usage:
 *   vl_dist_init(&argc, &argv);          // once, at the start of main
 *   ... backward ...
 *   vl_dist_allreduce_sum(P.grad, P.n_train);
 *   if (vl_dist_rank() == 0) save(...);
 *   vl_dist_finalize();                   // at exit (registered by init)
 */
#ifndef VALLE_DIST_H
#define VALLE_DIST_H

#include "valle/core.h"

/* Joins the MPI job when launched by mpirun/srun; returns VL_OK. */
int vl_dist_init(int *argc, char ***argv);
void vl_dist_finalize(void);
int vl_dist_rank(void);
int vl_dist_size(void);
/* Ranks sharing this machine (for choosing threads per rank). */
int vl_dist_local_size(void);
/* Threads for this rank: `threads` when > 0; for 0 ("all cores") under
 * several ranks, this machine's cores divided among the ranks on it (at
 * least 1); otherwise 0, which vl_set_num_threads reads as all cores. */
int vl_dist_threads(int threads);
/* true when the library was built with MPI. */
bool vl_dist_compiled(void);

/* In-place sums over all ranks. */
void vl_dist_allreduce_sum(float *x, int64_t n);
void vl_dist_allreduce_sum_f64(double *x, int n);
/* The smallest value of `v` over all ranks: ranks agree on a failure. */
int vl_dist_min_int(int v);
void vl_dist_broadcast(void *buf, size_t bytes, int root);
/* After a step only rank 0 does (a save, an evaluation), every rank calls
 * this with its own status: it returns rc where rc < 0 or nothing failed,
 * else (rank 0 failed) VL_ERR_IO "rank 0 failed to <fmt...>", so all ranks
 * stop together. Collective. */
int vl_dist_rank0_result(int rc, const char *fmt, ...);

#endif
