/* src/io/plot.c: line charts (valle/plot.h): white canvas, a framed plot
 * area with "nice" ticks and grid lines, labels in a built-in 5x7 font drawn
 * at twice its size, each series a 2-pixel line in its own colour (with
 * point markers when it has few points), a legend at the top right. */
#include "valle/plot.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "valle/audio.h"
#include "valle/core.h"

/* ---- font: 5x7 glyphs, one byte per row, bit 4 = leftmost column; lower
 * case letters use the upper-case glyphs, unknown characters '?' ---- */
static const char font_chars[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ.-_+:/(),=? ";
static const uint8_t font[][7] = {
    {0x0E, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0E}, {0x04, 0x0C, 0x04, 0x04, 0x04, 0x04, 0x0E},
    {0x0E, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1F}, {0x1F, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0E},
    {0x02, 0x06, 0x0A, 0x12, 0x1F, 0x02, 0x02}, {0x1F, 0x10, 0x1E, 0x01, 0x01, 0x11, 0x0E},
    {0x06, 0x08, 0x10, 0x1E, 0x11, 0x11, 0x0E}, {0x1F, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08},
    {0x0E, 0x11, 0x11, 0x0E, 0x11, 0x11, 0x0E}, {0x0E, 0x11, 0x11, 0x0F, 0x01, 0x02, 0x0C},
    {0x0E, 0x11, 0x11, 0x1F, 0x11, 0x11, 0x11}, {0x1E, 0x11, 0x11, 0x1E, 0x11, 0x11, 0x1E},
    {0x0E, 0x11, 0x10, 0x10, 0x10, 0x11, 0x0E}, {0x1C, 0x12, 0x11, 0x11, 0x11, 0x12, 0x1C},
    {0x1F, 0x10, 0x10, 0x1E, 0x10, 0x10, 0x1F}, {0x1F, 0x10, 0x10, 0x1E, 0x10, 0x10, 0x10},
    {0x0E, 0x11, 0x10, 0x17, 0x11, 0x11, 0x0F}, {0x11, 0x11, 0x11, 0x1F, 0x11, 0x11, 0x11},
    {0x0E, 0x04, 0x04, 0x04, 0x04, 0x04, 0x0E}, {0x07, 0x02, 0x02, 0x02, 0x02, 0x12, 0x0C},
    {0x11, 0x12, 0x14, 0x18, 0x14, 0x12, 0x11}, {0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x1F},
    {0x11, 0x1B, 0x15, 0x15, 0x11, 0x11, 0x11}, {0x11, 0x11, 0x19, 0x15, 0x13, 0x11, 0x11},
    {0x0E, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0E}, {0x1E, 0x11, 0x11, 0x1E, 0x10, 0x10, 0x10},
    {0x0E, 0x11, 0x11, 0x11, 0x15, 0x12, 0x0D}, {0x1E, 0x11, 0x11, 0x1E, 0x14, 0x12, 0x11},
    {0x0F, 0x10, 0x10, 0x0E, 0x01, 0x01, 0x1E}, {0x1F, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04},
    {0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0E}, {0x11, 0x11, 0x11, 0x11, 0x11, 0x0A, 0x04},
    {0x11, 0x11, 0x11, 0x15, 0x15, 0x15, 0x0A}, {0x11, 0x11, 0x0A, 0x04, 0x0A, 0x11, 0x11},
    {0x11, 0x11, 0x11, 0x0A, 0x04, 0x04, 0x04}, {0x1F, 0x01, 0x02, 0x04, 0x08, 0x10, 0x1F},
    {0x00, 0x00, 0x00, 0x00, 0x00, 0x0C, 0x0C}, {0x00, 0x00, 0x00, 0x1F, 0x00, 0x00, 0x00},
    {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x1F}, {0x00, 0x04, 0x04, 0x1F, 0x04, 0x04, 0x00},
    {0x00, 0x0C, 0x0C, 0x00, 0x0C, 0x0C, 0x00}, {0x01, 0x01, 0x02, 0x04, 0x08, 0x10, 0x10},
    {0x02, 0x04, 0x08, 0x08, 0x08, 0x04, 0x02}, {0x08, 0x04, 0x02, 0x02, 0x02, 0x04, 0x08},
    {0x00, 0x00, 0x00, 0x00, 0x0C, 0x04, 0x08}, {0x00, 0x00, 0x1F, 0x00, 0x1F, 0x00, 0x00},
    {0x0E, 0x11, 0x01, 0x02, 0x04, 0x00, 0x04}, {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00},
};
#define SCALE 2                      /* font pixels per glyph pixel */
#define ADVANCE (6 * SCALE)          /* glyph width + 1 column of space */
#define TEXT_H (7 * SCALE)

typedef struct canvas {
    uint8_t *rgb;
    int w, h;
} canvas;

typedef struct rgb_t { uint8_t r, g, b; } rgb_t;

static const rgb_t palette[VL_PLOT_MAX_SERIES] = {
    {31, 119, 180}, {255, 127, 14}, {44, 160, 44}, {214, 39, 40}, {148, 103, 189},
    {140, 86, 75},  {227, 119, 194}, {127, 127, 127}, {188, 189, 34}, {23, 190, 207}};
static const rgb_t black = {0, 0, 0}, grid = {225, 225, 225}, white = {255, 255, 255};

static void put(canvas *c, int x, int y, rgb_t col) {
    if (x < 0 || y < 0 || x >= c->w || y >= c->h) return;
    uint8_t *p = c->rgb + ((size_t)y * c->w + x) * 3;
    p[0] = col.r, p[1] = col.g, p[2] = col.b;
}

static void fill(canvas *c, int x0, int y0, int x1, int y1, rgb_t col) {
    for (int y = y0; y <= y1; y++)
        for (int x = x0; x <= x1; x++) put(c, x, y, col);
}

static int text_width(const char *s) { return (int)strlen(s) * ADVANCE - SCALE; }

static void draw_text(canvas *c, int x, int y, const char *s, rgb_t col) {
    for (; *s; s++, x += ADVANCE) {
        char ch = *s >= 'a' && *s <= 'z' ? (char)(*s - 32) : *s;
        const char *at = ch ? strchr(font_chars, ch) : NULL;
        int g = at ? (int)(at - font_chars) : (int)(strchr(font_chars, '?') - font_chars);
        for (int r = 0; r < 7; r++)
            for (int k = 0; k < 5; k++)
                if (font[g][r] >> (4 - k) & 1)
                    fill(c, x + k * SCALE, y + r * SCALE, x + k * SCALE + SCALE - 1,
                         y + r * SCALE + SCALE - 1, col);
    }
}

/* A 2-pixel line from (x0, y0) to (x1, y1), clipped to the clip box. */
typedef struct box { int x0, y0, x1, y1; } box;
static void draw_line(canvas *c, const box *clip, int x0, int y0, int x1, int y1, rgb_t col) {
    int dx = abs(x1 - x0), dy = -abs(y1 - y0), sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1;
    int err = dx + dy;
    for (;;) {
        for (int oy = 0; oy < 2; oy++)
            for (int ox = 0; ox < 2; ox++) {
                int x = x0 + ox, y = y0 + oy;
                if (x >= clip->x0 && x <= clip->x1 && y >= clip->y0 && y <= clip->y1)
                    put(c, x, y, col);
            }
        if (x0 == x1 && y0 == y1) break;
        int e2 = 2 * err;
        if (e2 >= dy) err += dy, x0 += sx;
        if (e2 <= dx) err += dx, y0 += sy;
    }
}

/* ---- axes ---- */

typedef struct axis {
    double lo, hi, step;   /* range (widened to whole steps) and tick step */
} axis;

static axis nice_axis(double lo, double hi) {
    if (!(hi > lo)) {   /* one value: a unit (or 10 %) around it */
        double pad = lo != 0 ? fabs(lo) * 0.1 : 1;
        lo -= pad, hi += pad;
    }
    double raw = (hi - lo) / 5, mag = pow(10, floor(log10(raw))), f = raw / mag;
    double step = (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag;
    axis a = {floor(lo / step) * step, ceil(hi / step) * step, step};
    if (!(a.hi > a.lo) || !isfinite(a.hi - a.lo)) a = (axis){lo, hi, hi - lo};
    return a;
}

/* Pixel offset of v along an axis `len` pixels long (clamped just outside
 * it, so no line can get absurdly long). */
static int to_pixels(double v, const axis *a, int len) {
    double t = (v - a->lo) / (a->hi - a->lo);
    if (!(t >= -0.01)) t = -0.01;
    if (t > 1.01) t = 1.01;
    return (int)lround(t * len);
}

static void tick_label(char *buf, size_t cap, double v, double step) {
    if (fabs(v) < step * 1e-9) v = 0;
    snprintf(buf, cap, "%.6g", v);
}

int vl_plot_render(const vl_plot_series *series, int n_series, const vl_plot_opts *opts,
                   uint8_t **rgb_out, int *width, int *height) {
    int W = opts && opts->width ? opts->width : 960;
    int H = opts && opts->height ? opts->height : 540;
    if (W < 200 || H < 120 || W > 8192 || H > 8192)
        return vl_error(VL_ERR_ARG, "plot: size %dx%d is outside 200x120 .. 8192x8192", W, H);
    if (n_series < 1 || n_series > VL_PLOT_MAX_SERIES)
        return vl_error(VL_ERR_ARG, "plot: %d series (1 to %d can be drawn)", n_series,
                        VL_PLOT_MAX_SERIES);
    double xlo = INFINITY, xhi = -INFINITY, ylo = INFINITY, yhi = -INFINITY;
    for (int s = 0; s < n_series; s++)
        for (int i = 0; i < series[s].n; i++) {
            double x = series[s].x[i], y = series[s].y[i];
            if (!isfinite(x) || !isfinite(y)) continue;
            xlo = fmin(xlo, x), xhi = fmax(xhi, x), ylo = fmin(ylo, y), yhi = fmax(yhi, y);
        }
    if (!(xlo <= xhi)) return vl_error(VL_ERR_ARG, "plot: no finite point to draw");
    axis ax = nice_axis(xlo, xhi), ay = nice_axis(ylo, yhi);
    if (!isfinite(ax.hi - ax.lo) || !isfinite(ay.hi - ay.lo) || !(ax.step > 0) ||
        !(ay.step > 0))
        return vl_error(VL_ERR_ARG, "plot: the values span too large a range to draw");

    canvas c = {vl_xmalloc((size_t)W * H * 3), W, H};
    memset(c.rgb, 255, (size_t)W * H * 3);
    box plot = {10 * ADVANCE, 20, W - 28, H - (opts && opts->x_label ? 3 : 2) * TEXT_H - 14};
    int pw = plot.x1 - plot.x0, ph = plot.y1 - plot.y0;
#define PX(v) (plot.x0 + to_pixels((v), &ax, pw))
#define PY(v) (plot.y1 - to_pixels((v), &ay, ph))

    char label[64];
    for (int k = 0; k <= 40; k++) {   /* y ticks, grid */
        double v = ay.lo + k * ay.step;
        if (v > ay.hi + ay.step * 1e-6) break;
        int y = PY(v);
        fill(&c, plot.x0, y, plot.x1, y, grid);
        fill(&c, plot.x0 - 5, y, plot.x0, y, black);
        tick_label(label, sizeof label, v, ay.step);
        draw_text(&c, plot.x0 - 8 - text_width(label), y - TEXT_H / 2, label, black);
    }
    int last_right = -1000;
    for (int k = 0; k <= 40; k++) {   /* x ticks, grid; labels that fit */
        double v = ax.lo + k * ax.step;
        if (v > ax.hi + ax.step * 1e-6) break;
        int x = PX(v);
        fill(&c, x, plot.y0, x, plot.y1, grid);
        fill(&c, x, plot.y1, x, plot.y1 + 5, black);
        tick_label(label, sizeof label, v, ax.step);
        int tw = text_width(label), left = x - tw / 2;
        if (left > last_right + ADVANCE && left + tw < W) {
            draw_text(&c, left, plot.y1 + 9, label, black);
            last_right = left + tw;
        }
    }
    fill(&c, plot.x0, plot.y0, plot.x1, plot.y0, black);   /* frame */
    fill(&c, plot.x0, plot.y1, plot.x1, plot.y1, black);
    fill(&c, plot.x0, plot.y0, plot.x0, plot.y1, black);
    fill(&c, plot.x1, plot.y0, plot.x1, plot.y1, black);
    if (opts && opts->x_label) {
        const char *t = opts->x_label;
        draw_text(&c, plot.x0 + (pw - text_width(t)) / 2, plot.y1 + 9 + TEXT_H + 8, t, black);
    }

    for (int s = 0; s < n_series; s++) {
        rgb_t col = palette[s];
        int px = 0, py = 0;
        bool have_prev = false, markers = series[s].n <= 60;
        for (int i = 0; i < series[s].n; i++) {
            double x = series[s].x[i], y = series[s].y[i];
            if (!isfinite(x) || !isfinite(y)) continue;
            int qx = PX(x), qy = PY(y);
            if (have_prev) draw_line(&c, &plot, px, py, qx, qy, col);
            if (markers || series[s].n == 1) fill(&c, qx - 2, qy - 2, qx + 3, qy + 3, col);
            px = qx, py = qy, have_prev = true;
        }
    }
#undef PX
#undef PY

    int longest = 0;   /* legend: top right, inside the plot */
    for (int s = 0; s < n_series; s++) {
        int n = series[s].name ? (int)strlen(series[s].name) : 0;
        if (n > longest) longest = n;
    }
    if (longest > 40) longest = 40;
    int lw = 30 + longest * ADVANCE + 10, lh = n_series * (TEXT_H + 6) + 8;
    int lx = plot.x1 - lw - 8, ly = plot.y0 + 8;
    fill(&c, lx, ly, lx + lw, ly + lh, white);
    fill(&c, lx, ly, lx + lw, ly, black), fill(&c, lx, ly + lh, lx + lw, ly + lh, black);
    fill(&c, lx, ly, lx, ly + lh, black), fill(&c, lx + lw, ly, lx + lw, ly + lh, black);
    for (int s = 0; s < n_series; s++) {
        int y = ly + 6 + s * (TEXT_H + 6);
        fill(&c, lx + 6, y + TEXT_H / 2 - 1, lx + 24, y + TEXT_H / 2 + 1, palette[s]);
        char name[41];
        snprintf(name, sizeof name, "%s", series[s].name ? series[s].name : "");
        draw_text(&c, lx + 30, y, name, black);
    }
    *rgb_out = c.rgb;
    *width = W;
    *height = H;
    return VL_OK;
}

int vl_plot_png(const char *path, const vl_plot_series *series, int n_series,
                const vl_plot_opts *opts) {
    uint8_t *rgb;
    int w, h;
    int rc = vl_plot_render(series, n_series, opts, &rgb, &w, &h);
    if (rc < 0) return rc;
    rc = vl_png_write_rgb(path, w, h, rgb);
    free(rgb);
    return rc;
}
