/* valle/plot.h: line charts of (x, y) series as RGB images or PNG files,
 * for training curves (`valle plot`): axes with "nice" ticks, tick labels
 * and a legend drawn with a built-in 5x7 font, one colour per series.
 *
 * Usage:
 *   double x[] = {0, 1, 2}, y[] = {3.2, 2.9, 2.5};
 *   vl_plot_series s = {"loss", x, y, 3};
 *   vl_plot_opts o = {.width = 960, .height = 540, .x_label = "global_step"};
 *   if (vl_plot_png("plot.png", &s, 1, &o) < 0) die(vl_last_error());
 */
#ifndef VALLE_PLOT_H
#define VALLE_PLOT_H

#include <stdint.h>

#define VL_PLOT_MAX_SERIES 10

typedef struct vl_plot_series {
    const char *name;      /* legend text */
    const double *x, *y;   /* n points, drawn in this order; non-finite skipped */
    int n;
} vl_plot_series;

typedef struct vl_plot_opts {
    int width, height;     /* 0: 960 x 540; at least 200 x 120 */
    const char *x_label;   /* under the x axis, or NULL */
} vl_plot_opts;

/* Renders the chart into *rgb (malloc'ed, height * width * 3 bytes).
 * VL_ERR_ARG when there is no finite point or more than
 * VL_PLOT_MAX_SERIES series. */
int vl_plot_render(const vl_plot_series *series, int n_series,
                   const vl_plot_opts *opts, uint8_t **rgb, int *width,
                   int *height);
/* Renders and writes a PNG (atomically). */
int vl_plot_png(const char *path, const vl_plot_series *series, int n_series,
                const vl_plot_opts *opts);

#endif
