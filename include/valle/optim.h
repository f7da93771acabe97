/* valle/optim.h: optimisers, learning-rate schedules, gradient clipping and
 * numeric checks, all as single passes over a vl_params buffer.
 *
 * Usage:
 *   vl_optim o; vl_optim_init(&o, VL_OPT_ADAMW, P.n_train);
 *   o.lr = 1e-3f; o.weight_decay = 0.01f;
 *   ... backward ...
 *   float norm = vl_clip_grad_norm(P.grad, P.n_train, 1.0f);
 *   o.lr = vl_schedule_lr(&sched, step);
 *   vl_optim_step(&o, P.data, P.grad);
 */
#ifndef VALLE_OPTIM_H
#define VALLE_OPTIM_H

#include "valle/core.h"

typedef enum vl_optim_kind { VL_OPT_SGD, VL_OPT_ADAM, VL_OPT_ADAMW }
    vl_optim_kind;

typedef struct vl_optim {
    vl_optim_kind kind;
    int64_t n;            /* parameters */
    float lr;
    float momentum;       /* SGD */
    float dampening;      /* SGD (PyTorch semantics) */
    bool nesterov;        /* SGD */
    float beta1, beta2, eps; /* Adam(W) */
    float weight_decay;   /* SGD/Adam: L2 added to grad; AdamW: decoupled */
    int64_t step;         /* steps taken (Adam bias correction) */
    float *m;             /* (n): SGD momentum buffer or Adam first moment */
    float *v;             /* (n): Adam second moment; NULL for SGD */
} vl_optim;

/* Defaults as PyTorch: momentum 0, betas (0.9, 0.999), eps 1e-8, weight
 * decay 0 (SGD, Adam) or 0.01 (AdamW, as torch.optim.AdamW). */
void vl_optim_init(vl_optim *o, vl_optim_kind kind, int64_t n);
void vl_optim_free(vl_optim *o);
void vl_optim_step(vl_optim *o, float *param, const float *grad);
int vl_optim_parse(const char *s, vl_optim_kind *out);
const char *vl_optim_name(vl_optim_kind k);

/* ---- learning-rate schedules ---- */
typedef enum vl_sched_kind {
    VL_SCHED_CONSTANT,
    VL_SCHED_STEP,          /* lr * gamma^(floor(step / step_size)) */
    VL_SCHED_COSINE,        /* warmup linear 0->lr, cosine to min_lr */
    VL_SCHED_WARMUP_DECAY   /* DeepSpeed WarmupDecayLR */
} vl_sched_kind;

typedef struct vl_schedule {
    vl_sched_kind kind;
    float lr;               /* base / max lr (warmup_max_lr for WarmupDecay) */
    float min_lr;           /* cosine floor; warmup_min_lr for WarmupDecay */
    int64_t warmup_steps;
    int64_t total_steps;
    int64_t step_size;
    float gamma;
    int warmup_type_log;    /* DeepSpeed warmup_type "log" (1) or "linear" (0) */
} vl_schedule;

/* Learning rate for the optimiser step number `step` (0-based). */
float vl_schedule_lr(const vl_schedule *s, int64_t step);
int vl_schedule_parse(const char *s, vl_sched_kind *out);
const char *vl_schedule_name(vl_sched_kind k);

/* ---- gradient utilities ---- */
/* L2 norm of g (double accumulation). */
double vl_grad_norm(const float *g, int64_t n);
/* Scales g so its norm is at most max_norm (if max_norm > 0); returns the
 * norm before clipping (PyTorch clip_grad_norm_ semantics, eps 1e-6). */
float vl_clip_grad_norm(float *g, int64_t n, float max_norm);
/* true when every value is finite. */
bool vl_all_finite(const float *x, int64_t n);

#endif
