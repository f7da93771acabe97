/* src/audio/fft.c: an in-place iterative radix-2 complex FFT with
 * precomputed twiddles and bit-reversal table, and the power spectrum of a
 * real frame. Our own rather than FFTW/kissfft: the only user is the
 * spectrogram (power-of-2 frames, not a hot path next to the codecs), the
 * code is 60 lines, and it keeps the build free of another dependency. */
#include "valle/audio.h"

#include <math.h>
#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif
#include <stdlib.h>

struct vl_fft {
    int n;
    float *cos_t, *sin_t;   /* (n/2) twiddles exp(-2 pi i k / n) */
    int *rev;               /* (n) bit reversal */
};

vl_fft *vl_fft_new(int n) {
    if (n < 2 || n > (1 << 24) || (n & (n - 1))) {
        vl_error(VL_ERR_ARG, "fft: size %d is not a power of two in [2, 2^24]", n);
        return NULL;
    }
    vl_fft *f = vl_xcalloc(1, sizeof *f);
    f->n = n;
    f->cos_t = vl_xmalloc(sizeof(float) * (n / 2));
    f->sin_t = vl_xmalloc(sizeof(float) * (n / 2));
    f->rev = vl_xmalloc(sizeof(int) * n);
    for (int k = 0; k < n / 2; k++) {
        f->cos_t[k] = (float)cos(2 * M_PI * k / n);
        f->sin_t[k] = (float)-sin(2 * M_PI * k / n);
    }
    int bits = 0;
    while ((1 << bits) < n) bits++;
    for (int i = 0; i < n; i++) {
        int r = 0;
        for (int b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b);
        f->rev[i] = r;
    }
    return f;
}

void vl_fft_free(vl_fft *f) {
    if (!f) return;
    free(f->cos_t), free(f->sin_t), free(f->rev), free(f);
}

void vl_fft_forward(const vl_fft *f, float *re, float *im) {
    int n = f->n;
    for (int i = 0; i < n; i++) {
        int j = f->rev[i];
        if (j > i) {
            float t = re[i]; re[i] = re[j]; re[j] = t;
            t = im[i]; im[i] = im[j]; im[j] = t;
        }
    }
    for (int len = 2; len <= n; len <<= 1) {
        int half = len >> 1, step = n / len;
        for (int s = 0; s < n; s += len)
            for (int k = 0; k < half; k++) {
                float wr = f->cos_t[k * step], wi = f->sin_t[k * step];
                int a = s + k, b = a + half;
                float xr = re[b] * wr - im[b] * wi, xi = re[b] * wi + im[b] * wr;
                re[b] = re[a] - xr, im[b] = im[a] - xi;
                re[a] += xr, im[a] += xi;
            }
    }
}

void vl_fft_power(const vl_fft *f, const float *x, float *power, float *work) {
    int n = f->n;
    float *re = work, *im = work + n;   /* work: 2n floats */
    for (int i = 0; i < n; i++) re[i] = x[i], im[i] = 0;
    vl_fft_forward(f, re, im);
    for (int k = 0; k <= n / 2; k++) power[k] = re[k] * re[k] + im[k] * im[k];
}
