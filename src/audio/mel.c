/* src/audio/mel.c: log-mel spectrogram: centred frames (reflect padding),
 * periodic Hann window, power spectrum through src/audio/fft.c, Slaney-scale
 * area-normalised mel filters (librosa.filters.mel defaults), natural log. */
#include "valle/audio.h"

#include <math.h>
#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif
#include <stdlib.h>

void vl_mel_config_default(vl_mel_config *c, int rate) {
    c->rate = rate;
    c->n_fft = 1024;
    c->hop = 256;
    c->n_mels = 80;
    c->fmin = 0;
    c->fmax = 0;
    c->floor = 1e-5f;
}

static double hz_to_mel(double f) {   /* Slaney */
    const double f_sp = 200.0 / 3, min_log_hz = 1000.0, min_log_mel = min_log_hz / f_sp;
    const double logstep = log(6.4) / 27.0;
    return f >= min_log_hz ? min_log_mel + log(f / min_log_hz) / logstep : f / f_sp;
}

static double mel_to_hz(double m) {
    const double f_sp = 200.0 / 3, min_log_hz = 1000.0, min_log_mel = min_log_hz / f_sp;
    const double logstep = log(6.4) / 27.0;
    return m >= min_log_mel ? min_log_hz * exp(logstep * (m - min_log_mel)) : f_sp * m;
}

int vl_logmel(const vl_mel_config *c, const float *pcm, int64_t n, float **out, int *frames) {
    *out = NULL, *frames = 0;
    float fmax = c->fmax > 0 ? c->fmax : c->rate * 0.5f;
    if (c->rate <= 0 || c->hop < 1 || c->n_mels < 1 || c->n_mels > 1024 || c->fmin < 0 ||
        fmax <= c->fmin || fmax > c->rate * 0.5f + 1e-3f || !(c->floor > 0))
        return vl_error(VL_ERR_ARG, "logmel: bad configuration");
    if (n < 1) return vl_error(VL_ERR_ARG, "logmel: no samples");
    vl_fft *fft = vl_fft_new(c->n_fft);
    if (!fft) return VL_ERR_ARG;
    int nfft = c->n_fft, nbin = nfft / 2 + 1, nm = c->n_mels, pad = nfft / 2;
    int64_t nf = n / c->hop + 1;
    if (nf > (1 << 24)) {
        vl_fft_free(fft);
        return vl_error(VL_ERR_ARG, "logmel: input too long");
    }
    /* mel filter bank (nm, nbin) */
    float *fb = vl_xcalloc((size_t)nm * nbin, sizeof(float));
    double mmin = hz_to_mel(c->fmin), mmax = hz_to_mel(fmax);
    double *pts = vl_xmalloc(sizeof(double) * (nm + 2));
    for (int i = 0; i < nm + 2; i++) pts[i] = mel_to_hz(mmin + (mmax - mmin) * i / (nm + 1));
    for (int m = 0; m < nm; m++) {
        double lo = pts[m], ce = pts[m + 1], hi = pts[m + 2], enorm = 2.0 / (hi - lo);
        for (int k = 0; k < nbin; k++) {
            double f = (double)k * c->rate / nfft;
            double w = fmin((f - lo) / (ce - lo), (hi - f) / (hi - ce));
            if (w > 0) fb[(size_t)m * nbin + k] = (float)(w * enorm);
        }
    }
    free(pts);
    float *win = vl_xmalloc(sizeof(float) * nfft), *frame = vl_xmalloc(sizeof(float) * nfft);
    float *pw = vl_xmalloc(sizeof(float) * nbin), *work = vl_xmalloc(sizeof(float) * 2 * nfft);
    for (int i = 0; i < nfft; i++) win[i] = (float)(0.5 - 0.5 * cos(2 * M_PI * i / nfft));
    float *o = vl_xmalloc(sizeof(float) * (size_t)nf * nm);   /* (nf, nm) */
    for (int64_t f = 0; f < nf; f++) {
        for (int i = 0; i < nfft; i++) {
            int64_t t = f * c->hop + i - pad;
            /* reflect padding (repeated for very short input) */
            while (t < 0 || t >= n) {
                if (n == 1) { t = 0; break; }
                if (t < 0) t = -t;
                if (t >= n) t = 2 * (n - 1) - t;
            }
            frame[i] = pcm[t] * win[i];
        }
        vl_fft_power(fft, frame, pw, work);
        for (int m = 0; m < nm; m++) {
            const float *w = fb + (size_t)m * nbin;
            double s = 0;
            for (int k = 0; k < nbin; k++) s += w[k] * pw[k];
            o[f * nm + m] = logf(fmaxf((float)s, c->floor));
        }
    }
    free(fb), free(win), free(frame), free(pw), free(work);
    vl_fft_free(fft);
    *out = o;
    *frames = (int)nf;
    return VL_OK;
}
