/* valle/audio.h: speech audio I/O and processing: read any format libsndfile
 * knows (WAV/FLAC/OGG, any sample format and channel count), write WAV/FLAC
 * atomically, mix down, resample through libsoxr (high quality), DC removal,
 * peak and level normalisation, energy-based silence trimming, fades, the
 * log-mel spectrogram (our own radix-2 FFT) and a PNG picture of it.
 *
 * Samples are float32 in [-1, 1], interleaved (frames, channels).
 *
 * Usage:
 *   vl_audio a;
 *   if (vl_audio_load_mono(&a, "in.flac", 16000) < 0) die(vl_last_error());
 *   vl_audio_remove_dc(&a);
 *   vl_audio_normalize_peak(&a, -1.0f);          // dBFS
 *   vl_audio_trim_silence(&a, -40.0f, 0.1f);     // below peak, margin in s
 *   vl_audio_write(&a, "out.wav");               // .wav (16-bit) or .flac
 *   vl_audio_free(&a);
 */
#ifndef VALLE_AUDIO_H
#define VALLE_AUDIO_H

#include <stdint.h>
#include "valle/core.h"

#define VL_AUDIO_MAX_CHANNELS 64
#define VL_AUDIO_MIN_RATE 1000
#define VL_AUDIO_MAX_RATE 384000

typedef struct vl_audio {
    float *data;       /* (frames, channels), interleaved */
    int64_t frames;
    int channels;
    int rate;          /* Hz */
} vl_audio;

/* Any libsndfile format. Empty files, unknown formats, rates outside
 * [VL_AUDIO_MIN_RATE, VL_AUDIO_MAX_RATE] and more than VL_AUDIO_MAX_CHANNELS
 * channels are errors with a message naming the file. */
int vl_audio_read(vl_audio *a, const char *path);
/* Read, mix down to mono, resample to `rate` (0: keep the file's rate). */
int vl_audio_load_mono(vl_audio *a, const char *path, int rate);
/* Format from the extension: .wav (PCM 16-bit), .flac (16-bit); written to a
 * temp file and renamed, so a failure never leaves a damaged file. Samples
 * are clipped to [-1, 1]. */
int vl_audio_write(const vl_audio *a, const char *path);
/* Takes ownership of `data` (malloc'ed, frames*channels floats). */
void vl_audio_wrap(vl_audio *a, float *data, int64_t frames, int channels, int rate);
void vl_audio_free(vl_audio *a);
double vl_audio_duration(const vl_audio *a);

/* ---- processing (in place) ---- */
void vl_audio_to_mono(vl_audio *a);                  /* mean of channels */
/* libsoxr, SOXR_HQ (20-bit, 95% band); quality: "quick","low","medium",
 * "high","very-high" via vl_audio_resample_q. */
int vl_audio_resample(vl_audio *a, int rate);
int vl_audio_resample_q(vl_audio *a, int rate, int soxr_quality);
void vl_audio_remove_dc(vl_audio *a);                /* subtract the mean */
/* Second-order Butterworth high-pass at `hz` (0: none), forward only. */
void vl_audio_highpass(vl_audio *a, float hz);
/* Scales so the largest |sample| is `peak_db` dBFS; returns the gain. */
float vl_audio_normalize_peak(vl_audio *a, float peak_db);
/* Scales so the RMS level over active frames (50 ms frames within 40 dB of
 * the loudest) is `level_db` dBFS, then limits the peak to -0.1 dBFS;
 * returns the gain. */
float vl_audio_normalize_level(vl_audio *a, float level_db);
/* RMS level in dBFS of active frames (as above); -inf for silence. */
double vl_audio_active_level(const vl_audio *a);
/* Removes leading/trailing audio whose 20 ms frame energy is more than
 * `threshold_db` below the loudest frame, keeping `margin_s` seconds either
 * side. All-silent input is left unchanged. Returns the frames removed. */
int64_t vl_audio_trim_silence(vl_audio *a, float threshold_db, float margin_s);
/* Linear fade-in and fade-out over the given durations. */
void vl_audio_fade(vl_audio *a, float in_s, float out_s);

/* ---- FFT (src/audio/fft.c): in-place complex radix-2, n a power of 2 ---- */
typedef struct vl_fft vl_fft;
vl_fft *vl_fft_new(int n);          /* NULL (message set) if n not 2^k */
void vl_fft_free(vl_fft *f);
/* re/im of length n, forward transform (no scaling). */
void vl_fft_forward(const vl_fft *f, float *re, float *im);
/* Power spectrum |X_k|^2 for k in [0, n/2] of a real frame of length n. */
void vl_fft_power(const vl_fft *f, const float *x, float *power, float *work);

/* ---- log-mel spectrogram (src/audio/mel.c) ---- */
typedef struct vl_mel_config {
    int rate;          /* Hz */
    int n_fft;         /* power of 2; window = n_fft (Hann, periodic) */
    int hop;           /* samples */
    int n_mels;
    float fmin, fmax;  /* Hz; fmax 0: rate/2 */
    float floor;       /* log(max(mel, floor)) */
} vl_mel_config;
/* 1024 / 256 / 80 mels / 0..rate/2 / 1e-5 */
void vl_mel_config_default(vl_mel_config *c, int rate);
/* Slaney mel scale, area-normalised triangles (librosa's default), centred
 * frames with reflect padding. *out = malloc'ed (frames, n_mels) of
 * natural-log mel power. */
int vl_logmel(const vl_mel_config *c, const float *pcm, int64_t n, float **out,
              int *frames);

/* ---- PNG (src/audio/png.c): a zlib-less writer with stored blocks ---- */
/* rgb: (h, w, 3) bytes; written atomically. */
int vl_png_write_rgb(const char *path, int w, int h, const uint8_t *rgb);
/* Draws a (frames, n_mels) spectrogram, low frequencies at the bottom,
 * `dyn_db` of range below the maximum, with a perceptual colour map. */
int vl_spectrogram_png(const char *path, const float *logmel, int frames,
                       int n_mels, float dyn_db);

#endif
