/* src/audio/process.c: in-place processing of float audio: mix-down, DC
 * removal, high-pass, peak and active-level normalisation, energy-based
 * silence trimming and fades. */
#include "valle/audio.h"

#include <math.h>
#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif
#include <stdlib.h>
#include <string.h>

void vl_audio_to_mono(vl_audio *a) {
    int ch = a->channels;
    if (ch <= 1) return;
    for (int64_t t = 0; t < a->frames; t++) {
        double s = 0;
        for (int c = 0; c < ch; c++) s += a->data[t * ch + c];
        a->data[t] = (float)(s / ch);
    }
    a->channels = 1;
    if (a->frames > 0) {
        float *d = realloc(a->data, (size_t)a->frames * sizeof(float));
        if (d) a->data = d;
    }
}

void vl_audio_remove_dc(vl_audio *a) {
    int ch = a->channels;
    if (a->frames == 0) return;
    for (int c = 0; c < ch; c++) {
        double m = 0;
        for (int64_t t = 0; t < a->frames; t++) m += a->data[t * ch + c];
        m /= (double)a->frames;
        for (int64_t t = 0; t < a->frames; t++) a->data[t * ch + c] -= (float)m;
    }
}

void vl_audio_highpass(vl_audio *a, float hz) {
    if (hz <= 0 || hz >= a->rate * 0.5f) return;
    /* RBJ cookbook high-pass, Q = 1/sqrt(2) (Butterworth) */
    double w0 = 2 * M_PI * hz / a->rate, alpha = sin(w0) / (2 * 0.70710678118654752), cw = cos(w0);
    double a0 = 1 + alpha;
    double b0 = (1 + cw) / 2 / a0, b1 = -(1 + cw) / a0, b2 = b0;
    double a1 = -2 * cw / a0, a2 = (1 - alpha) / a0;
    int ch = a->channels;
    for (int c = 0; c < ch; c++) {
        double x1 = 0, x2 = 0, y1 = 0, y2 = 0;
        for (int64_t t = 0; t < a->frames; t++) {
            double x = a->data[t * ch + c];
            double y = b0 * x + b1 * x1 + b2 * x2 - a1 * y1 - a2 * y2;
            x2 = x1, x1 = x, y2 = y1, y1 = y;
            a->data[t * ch + c] = (float)y;
        }
    }
}

static void scale(vl_audio *a, float g) {
    int64_t n = a->frames * a->channels;
    for (int64_t i = 0; i < n; i++) a->data[i] *= g;
}

static float peak_of(const vl_audio *a) {
    float p = 0;
    int64_t n = a->frames * a->channels;
    for (int64_t i = 0; i < n; i++) p = fmaxf(p, fabsf(a->data[i]));
    return p;
}

float vl_audio_normalize_peak(vl_audio *a, float peak_db) {
    float p = peak_of(a);
    if (p <= 0) return 1.0f;
    float g = powf(10.0f, peak_db / 20.0f) / p;
    scale(a, g);
    return g;
}

/* Mean-square energy of frames of `len` frames (all channels); n returned. */
static double *frame_energy(const vl_audio *a, int64_t len, int64_t *nf) {
    int ch = a->channels;
    *nf = (a->frames + len - 1) / len;
    if (*nf == 0) return NULL;
    double *e = calloc((size_t)*nf, sizeof(double));
    for (int64_t f = 0; f < *nf; f++) {
        int64_t t0 = f * len, t1 = t0 + len < a->frames ? t0 + len : a->frames;
        double s = 0;
        for (int64_t i = t0 * ch; i < t1 * ch; i++) s += (double)a->data[i] * a->data[i];
        e[f] = s / (double)((t1 - t0) * ch);
    }
    return e;
}

double vl_audio_active_level(const vl_audio *a) {
    int64_t nf, len = a->rate / 20 > 0 ? a->rate / 20 : 1;
    double *e = frame_energy(a, len, &nf);
    if (!e) return -INFINITY;
    double mx = 0;
    for (int64_t f = 0; f < nf; f++) mx = fmax(mx, e[f]);
    double s = 0;
    int64_t k = 0;
    for (int64_t f = 0; f < nf; f++)
        if (mx > 0 && e[f] >= mx * 1e-4) s += e[f], k++;
    free(e);
    if (k == 0 || s <= 0) return -INFINITY;
    return 10 * log10(s / k);
}

float vl_audio_normalize_level(vl_audio *a, float level_db) {
    double lv = vl_audio_active_level(a);
    if (!isfinite(lv)) return 1.0f;
    float g = (float)pow(10.0, (level_db - lv) / 20.0);
    float p = peak_of(a) * g, lim = powf(10.0f, -0.1f / 20.0f);
    if (p > lim) g *= lim / p;
    scale(a, g);
    return g;
}

int64_t vl_audio_trim_silence(vl_audio *a, float threshold_db, float margin_s) {
    int64_t nf, len = a->rate / 50 > 0 ? a->rate / 50 : 1;
    double *e = frame_energy(a, len, &nf);
    if (!e) return 0;
    double mx = 0;
    for (int64_t f = 0; f < nf; f++) mx = fmax(mx, e[f]);
    double thr = mx * pow(10.0, -fabs(threshold_db) / 10.0);
    int64_t first = -1, last = -1;
    for (int64_t f = 0; f < nf; f++)
        if (mx > 0 && e[f] > thr) {
            if (first < 0) first = f;
            last = f;
        }
    free(e);
    if (first < 0) return 0;
    int64_t margin = (int64_t)(margin_s * a->rate);
    int64_t t0 = first * len - margin, t1 = (last + 1) * len + margin;
    if (t0 < 0) t0 = 0;
    if (t1 > a->frames) t1 = a->frames;
    int64_t removed = a->frames - (t1 - t0);
    if (removed == 0) return 0;
    memmove(a->data, a->data + t0 * a->channels,
            (size_t)(t1 - t0) * a->channels * sizeof(float));
    a->frames = t1 - t0;
    return removed;
}

void vl_audio_fade(vl_audio *a, float in_s, float out_s) {
    int ch = a->channels;
    int64_t nin = (int64_t)(in_s * a->rate), nout = (int64_t)(out_s * a->rate);
    if (nin > a->frames) nin = a->frames;
    if (nout > a->frames) nout = a->frames;
    for (int64_t t = 0; t < nin; t++)
        for (int c = 0; c < ch; c++) a->data[t * ch + c] *= (float)t / (float)nin;
    for (int64_t k = 0; k < nout; k++) {
        int64_t t = a->frames - 1 - k;
        for (int c = 0; c < ch; c++) a->data[t * ch + c] *= (float)k / (float)nout;
    }
}
