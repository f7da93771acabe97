/* src/optim/decimal.c: the shortest decimal of a float (see decimal.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "optim/decimal.h"

double vl_float_as_decimal(float x) {
    if (!isfinite(x) || x == 0.0f) return (double)x;
    char buf[32];
    for (int prec = 1; prec <= 9; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, (double)x);
        double d = strtod(buf, NULL);
        if ((float)d == x) return d;
    }
    return (double)x;
}
