/* src/optim/decimal.h: hyper-parameters as PyTorch sees them (internal).
 * A float option such as 0.9f is turned back into the shortest decimal that
 * rounds to it (0.9) before the double-precision scalar maths, as Python's
 * float of the same literal, so trajectories match PyTorch bit for bit. */
#ifndef VALLE_OPTIM_DECIMAL_H
#define VALLE_OPTIM_DECIMAL_H

/* Shortest decimal (<= 9 significant digits) that rounds to x. */
double vl_float_as_decimal(float x);

#endif
