/* src/core/clock.c: the monotonic clock the trainers time their steps with. */
#include <time.h>

#include "valle/core.h"

double vl_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}
