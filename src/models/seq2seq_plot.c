/* src/models/seq2seq_plot.c: the attention map of one decoded example as a
 * PNG heat map (rows: output symbols, columns: input characters, labels
 * drawn with a built-in 5x7 font), written with vl_png_write_rgb. */
#include <stdlib.h>
#include <string.h>

#include "valle/audio.h"
#include "valle/seq2seq.h"

/* 5x7 glyphs, one byte per row (low 5 bits, MSB = left). Lower case is
 * drawn with the upper-case glyph. */
static const char *const glyph_chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_,./+' ";
static const uint8_t glyphs[][7] = {
    {14, 17, 17, 31, 17, 17, 17}, {30, 17, 17, 30, 17, 17, 30}, {14, 17, 16, 16, 16, 17, 14},
    {30, 17, 17, 17, 17, 17, 30}, {31, 16, 16, 30, 16, 16, 31}, {31, 16, 16, 30, 16, 16, 16},
    {14, 17, 16, 23, 17, 17, 15}, {17, 17, 17, 31, 17, 17, 17}, {14, 4, 4, 4, 4, 4, 14},
    {7, 2, 2, 2, 2, 18, 12},      {17, 18, 20, 24, 20, 18, 17}, {16, 16, 16, 16, 16, 16, 31},
    {17, 27, 21, 21, 17, 17, 17}, {17, 17, 25, 21, 19, 17, 17}, {14, 17, 17, 17, 17, 17, 14},
    {30, 17, 17, 30, 16, 16, 16}, {14, 17, 17, 17, 21, 18, 13}, {30, 17, 17, 30, 20, 18, 17},
    {15, 16, 16, 14, 1, 1, 30},   {31, 4, 4, 4, 4, 4, 4},       {17, 17, 17, 17, 17, 17, 14},
    {17, 17, 17, 17, 17, 10, 4},  {17, 17, 17, 21, 21, 21, 10}, {17, 17, 10, 4, 10, 17, 17},
    {17, 17, 10, 4, 4, 4, 4},     {31, 1, 2, 4, 8, 16, 31},     {14, 17, 19, 21, 25, 17, 14},
    {4, 12, 4, 4, 4, 4, 14},      {14, 17, 1, 2, 4, 8, 31},     {31, 2, 4, 2, 1, 17, 14},
    {2, 6, 10, 18, 31, 2, 2},     {31, 16, 30, 1, 1, 17, 14},   {6, 8, 16, 30, 17, 17, 14},
    {31, 1, 2, 4, 8, 8, 8},       {14, 17, 17, 14, 17, 17, 14}, {14, 17, 17, 15, 1, 2, 12},
    {0, 0, 0, 31, 0, 0, 0},       {0, 0, 0, 0, 0, 0, 31},       {0, 0, 0, 0, 12, 4, 8},
    {0, 0, 0, 0, 0, 12, 12},      {1, 1, 2, 4, 8, 16, 16},      {0, 4, 4, 31, 4, 4, 0},
    {4, 4, 8, 0, 0, 0, 0},        {0, 0, 0, 0, 0, 0, 0},
};

static void put_px(uint8_t *img, int W, int H, int x, int y, uint8_t v) {
    if (x < 0 || y < 0 || x >= W || y >= H) return;
    uint8_t *p = img + ((size_t)y * W + x) * 3;
    p[0] = p[1] = p[2] = v;
}

/* Draws s at (x, y) with the given scale; vertical: one char per line. */
static void draw_text(uint8_t *img, int W, int H, int x, int y, const char *s, int len) {
    for (int i = 0; i < len; i++) {
        char ch = s[i];
        if (ch >= 'a' && ch <= 'z') ch = (char)(ch - 'a' + 'A');
        const char *q = strchr(glyph_chars, ch);
        if (!q || !ch) q = strchr(glyph_chars, '_');
        const uint8_t *g = glyphs[q - glyph_chars];
        for (int r = 0; r < 7; r++)
            for (int c = 0; c < 5; c++)
                if (g[r] & (16 >> c)) put_px(img, W, H, x + i * 6 + c, y + r, 0);
    }
}

int vl_s2s_plot_attention(const char *path, const vl_s2s_config *cfg, const char *src,
                          const int *out, int n_out, const float *attn) {
    int ns = (int)strlen(src), cell = 14, left = 40, top = 12;
    if (n_out < 1 || ns < 1) return vl_error(VL_ERR_ARG, "nothing to plot");
    int W = left + ns * cell + 4, H = top + n_out * cell + 4;
    uint8_t *img = vl_xmalloc((size_t)W * H * 3);
    memset(img, 255, (size_t)W * H * 3);
    for (int r = 0; r < n_out; r++) {
        const float *row = attn + (size_t)r * ns;
        for (int j = 0; j < ns; j++) {
            /* source position j in the original order */
            int jj = cfg->reverse ? ns - 1 - j : j;
            float a = row[j];
            a = a < 0 ? 0 : a > 1 ? 1 : a;
            uint8_t v = (uint8_t)(255 - 255 * a); /* dark = high weight */
            for (int y = 0; y < cell - 1; y++)
                for (int x = 0; x < cell - 1; x++) {
                    uint8_t *p = img + ((size_t)(top + r * cell + y) * W + left + jj * cell + x) * 3;
                    p[0] = 255; p[1] = v; p[2] = v;  /* white -> red */
                }
        }
        const char *sym = cfg->tgt_sym[out[r]];
        draw_text(img, W, H, 2, top + r * cell + 3, sym, (int)strlen(sym) > 6 ? 6 : (int)strlen(sym));
    }
    for (int j = 0; j < ns; j++) draw_text(img, W, H, left + j * cell + 4, 2, src + j, 1);
    int rc = vl_png_write_rgb(path, W, H, img);
    free(img);
    return rc;
}
