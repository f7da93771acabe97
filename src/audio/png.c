/* src/audio/png.c: a tiny PNG writer (8-bit RGB, no filtering, deflate
 * "stored" blocks, so no zlib) and the spectrogram picture drawn with it.
 * Files are larger than compressed PNGs but any viewer reads them. */
#include "valle/audio.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "valle/io.h"

static uint32_t crc_table[256];

static void crc_init(void) {
    for (uint32_t n = 0; n < 256; n++) {
        uint32_t c = n;
        for (int k = 0; k < 8; k++) c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
        crc_table[n] = c;
    }
}

static uint32_t crc_update(uint32_t c, const uint8_t *p, size_t n) {
    for (size_t i = 0; i < n; i++) c = crc_table[(c ^ p[i]) & 0xff] ^ (c >> 8);
    return c;
}

static void put32(uint8_t *p, uint32_t v) {
    p[0] = v >> 24, p[1] = v >> 16, p[2] = v >> 8, p[3] = v;
}

static int chunk(FILE *f, const char *type, const uint8_t *data, size_t n) {
    uint8_t hdr[8];
    put32(hdr, (uint32_t)n);
    memcpy(hdr + 4, type, 4);
    uint32_t crc = crc_update(0xffffffffu, hdr + 4, 4);
    crc = crc_update(crc, data, n) ^ 0xffffffffu;
    uint8_t tail[4];
    put32(tail, crc);
    return fwrite(hdr, 1, 8, f) == 8 && (n == 0 || fwrite(data, 1, n, f) == n) &&
           fwrite(tail, 1, 4, f) == 4;
}

int vl_png_write_rgb(const char *path, int w, int h, const uint8_t *rgb) {
    if (w < 1 || h < 1 || w > 16384 || h > 16384)
        return vl_error(VL_ERR_ARG, "png: bad size %dx%d", w, h);
    static int inited;
    if (!inited) crc_init(), inited = 1;
    size_t row = (size_t)w * 3 + 1, raw_n = row * h;
    uint8_t *raw = vl_xmalloc(raw_n);
    for (int y = 0; y < h; y++) {
        raw[y * row] = 0;   /* filter: none */
        memcpy(raw + y * row + 1, rgb + (size_t)y * w * 3, (size_t)w * 3);
    }
    size_t nblk = (raw_n + 65534) / 65535;
    size_t zn = 2 + raw_n + 5 * nblk + 4;
    uint8_t *z = vl_xmalloc(zn), *p = z;
    *p++ = 0x78, *p++ = 0x01;
    uint32_t s1 = 1, s2 = 0;
    for (size_t off = 0; off < raw_n; off += 65535) {
        size_t len = raw_n - off < 65535 ? raw_n - off : 65535;
        *p++ = off + len == raw_n;   /* BFINAL, BTYPE=00 */
        *p++ = len & 0xff, *p++ = len >> 8, *p++ = ~len & 0xff, *p++ = (~len >> 8) & 0xff;
        memcpy(p, raw + off, len);
        p += len;
        for (size_t i = 0; i < len; i++) {
            s1 = (s1 + raw[off + i]) % 65521;
            s2 = (s2 + s1) % 65521;
        }
    }
    put32(p, (s2 << 16) | s1);
    free(raw);
    uint8_t ihdr[13];
    put32(ihdr, (uint32_t)w), put32(ihdr + 4, (uint32_t)h);
    ihdr[8] = 8, ihdr[9] = 2, ihdr[10] = ihdr[11] = ihdr[12] = 0;
    vl_atomic_file af;
    int rc = vl_atomic_open(&af, path);
    if (rc < 0) {
        free(z);
        return rc;
    }
    static const uint8_t sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    int ok = fwrite(sig, 1, 8, af.f) == 8 && chunk(af.f, "IHDR", ihdr, 13) &&
             chunk(af.f, "IDAT", z, zn) && chunk(af.f, "IEND", NULL, 0);
    free(z);
    if (!ok) {
        vl_atomic_abort(&af);
        return vl_error(VL_ERR_IO, "%s: write failed", path);
    }
    return vl_atomic_commit(&af);
}

/* black -> purple -> red -> orange -> pale yellow (magma-like) */
static void colour(float v, uint8_t *rgb) {
    static const float stops[5][3] = {
        {0, 0, 4}, {81, 18, 124}, {183, 55, 121}, {252, 137, 97}, {252, 253, 191}};
    v = v < 0 ? 0 : v > 1 ? 1 : v;
    float x = v * 4;
    int i = (int)x;
    if (i > 3) i = 3;
    float t = x - i;
    for (int c = 0; c < 3; c++)
        rgb[c] = (uint8_t)lrintf(stops[i][c] + t * (stops[i + 1][c] - stops[i][c]));
}

int vl_spectrogram_png(const char *path, const float *logmel, int frames, int n_mels,
                       float dyn_db) {
    if (frames < 1 || n_mels < 1) return vl_error(VL_ERR_ARG, "spectrogram: empty");
    int w = frames > 16384 ? 16384 : frames, sy = n_mels < 128 ? 3 : 1, h = n_mels * sy;
    float mx = -INFINITY;
    for (long i = 0; i < (long)frames * n_mels; i++) mx = fmaxf(mx, logmel[i]);
    float range = dyn_db / 10.0f * logf(10.0f);   /* dB of power -> natural log */
    uint8_t *rgb = vl_xmalloc((size_t)w * h * 3);
    for (int y = 0; y < h; y++) {
        int m = n_mels - 1 - y / sy;
        for (int x = 0; x < w; x++) {
            long f = (long)x * frames / w;
            colour((logmel[f * n_mels + m] - (mx - range)) / range, rgb + ((size_t)y * w + x) * 3);
        }
    }
    int rc = vl_png_write_rgb(path, w, h, rgb);
    free(rgb);
    return rc;
}
