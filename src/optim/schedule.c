/* src/optim/schedule.c: learning-rate schedules, evaluated in closed form
 * for a 0-based optimiser step (negative steps are treated as 0).
 *
 *   constant:     lr
 *   step:         lr * gamma^floor(step / step_size)  (torch StepLR;
 *                 step_size <= 0 means constant)
 *   cosine:       nanoGPT get_lr: step < W: lr * (step+1) / W (W > 0);
 *                 step >= T: min_lr; else min_lr + 0.5*(1 + cos(pi*r))
 *                 * (lr - min_lr), r = (step - W) / (T - W)
 *   warmup_decay: DeepSpeed WarmupDecayLR (deepspeed/runtime/
 *                 lr_schedules.py), with DeepSpeed's last_batch_iteration
 *                 equal to our `step` (i.e. the value get_lr() returns after
 *                 scheduler.step() has been called step+1 times):
 *                   W = max(2, warmup_steps)          (WarmupLR.__init__)
 *                   step < W, log:    gamma = ln(step + 1) / ln(W)
 *                   step < W, linear: gamma = step / W
 *                   step >= W:        gamma = max(0, (T - step) /
 *                                                max(1, T - W))
 *                   lr = min_lr + (lr - min_lr) * gamma
 *                 with lr = warmup_max_lr, min_lr = warmup_min_lr,
 *                 T = total_num_steps. Step 0 gives warmup_min_lr.
 *                 (DeepSpeed's engine calls scheduler.step() after each
 *                 optimizer.step(), so there optimiser step k >= 1 runs
 *                 with last_batch_iteration k-1 and step 0 with the
 *                 optimiser's configured lr; we instead give step k the
 *                 value for last_batch_iteration k.) Source:
 *                 microsoft/DeepSpeed deepspeed/runtime/lr_schedules.py,
 *                 WarmupLR._get_gamma / WarmupDecayLR._get_gamma.
 *
 * Arithmetic is in double from the shortest decimals of the float
 * hyper-parameters (as Python would see them), rounded to float at the end. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "optim/decimal.h"
#include "valle/optim.h"

#define VL_PI 3.14159265358979323846


float vl_schedule_lr(const vl_schedule *s, int64_t step) {
    VL_ASSERT(s != NULL);
    const double lr = vl_float_as_decimal(s->lr);
    const double min_lr = vl_float_as_decimal(s->min_lr);
    if (step < 0) step = 0;
    switch (s->kind) {
    case VL_SCHED_CONSTANT:
        return s->lr;
    case VL_SCHED_STEP: {
        if (s->step_size <= 0) return s->lr;
        double k = (double)(step / s->step_size);
        return (float)(lr * pow(vl_float_as_decimal(s->gamma), k));
    }
    case VL_SCHED_COSINE: {
        const int64_t W = s->warmup_steps, T = s->total_steps;
        if (W > 0 && step < W) return (float)(lr * (double)(step + 1) / (double)W);
        if (step >= T) return s->min_lr;
        double r = (double)(step - (W > 0 ? W : 0)) /
                   (double)(T - (W > 0 ? W : 0));
        double coeff = 0.5 * (1.0 + cos(VL_PI * r));
        return (float)(min_lr + coeff * (lr - min_lr));
    }
    case VL_SCHED_WARMUP_DECAY: {
        const int64_t W = s->warmup_steps > 2 ? s->warmup_steps : 2;
        const int64_t T = s->total_steps;
        double gamma;
        if (step < W) {
            gamma = s->warmup_type_log
                        ? (1.0 / log((double)W)) * log((double)(step + 1))
                        : (double)step / (double)W;
        } else {
            double den = (double)(T - W);
            if (den < 1.0) den = 1.0;
            gamma = (double)(T - step) / den;
            if (gamma < 0.0) gamma = 0.0;
        }
        return (float)(min_lr + (lr - min_lr) * gamma);
    }
    default:
        VL_ASSERT(0, "unknown schedule kind %d", (int)s->kind);
    }
    return s->lr;
}

static const char *const sched_names[] = {"constant", "step", "cosine",
                                          "warmup_decay"};

int vl_schedule_parse(const char *s, vl_sched_kind *out) {
    int i = vl_parse_name(s, sched_names, 4, "lr schedule");
    if (i >= 0 && out) *out = (vl_sched_kind)i;
    return i < 0 ? i : VL_OK;
}

const char *vl_schedule_name(vl_sched_kind k) {
    return ((int)k >= 0 && (int)k < 4) ? sched_names[k] : "?";
}
