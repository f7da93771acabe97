/* src/audio/audio_io.c: reading and writing audio files through libsndfile.
 * Reads any format libsndfile knows into interleaved float32; writes 16-bit
 * WAV or FLAC through a temp file renamed into place (vl_atomic_*). */
#include "valle/audio.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sndfile.h>
#include <sys/stat.h>

#include "valle/io.h"

void vl_audio_wrap(vl_audio *a, float *data, int64_t frames, int channels, int rate) {
    a->data = data;
    a->frames = frames;
    a->channels = channels;
    a->rate = rate;
}

void vl_audio_free(vl_audio *a) {
    if (!a) return;
    free(a->data);
    memset(a, 0, sizeof *a);
}

double vl_audio_duration(const vl_audio *a) {
    return a->rate > 0 ? (double)a->frames / a->rate : 0.0;
}

/* 2^31 samples (about 12 h of 48 kHz stereo) */
#define MAX_SAMPLES ((int64_t)1 << 31)

int vl_audio_read(vl_audio *a, const char *path) {
    memset(a, 0, sizeof *a);
    SF_INFO info;
    memset(&info, 0, sizeof info);
    SNDFILE *sf = sf_open(path, SFM_READ, &info);
    if (!sf) {
        FILE *f = fopen(path, "rb");
        if (!f) return vl_error(VL_ERR_IO, "%s: %s", path, strerror(errno));
        fseek(f, 0, SEEK_END);
        long size = ftell(f);
        fclose(f);
        if (size == 0) return vl_error(VL_ERR_FORMAT, "%s: empty file", path);
        return vl_error(VL_ERR_FORMAT, "%s: not a readable audio file (%s)", path,
                        sf_strerror(NULL));
    }
    int rc = VL_OK;
    if (info.channels < 1 || info.channels > VL_AUDIO_MAX_CHANNELS) {
        rc = vl_error(VL_ERR_FORMAT, "%s: %d channels (1..%d supported)", path,
                      info.channels, VL_AUDIO_MAX_CHANNELS);
        goto out;
    }
    if (info.samplerate < VL_AUDIO_MIN_RATE || info.samplerate > VL_AUDIO_MAX_RATE) {
        rc = vl_error(VL_ERR_FORMAT, "%s: sample rate %d Hz is out of range (%d..%d)",
                      path, info.samplerate, VL_AUDIO_MIN_RATE, VL_AUDIO_MAX_RATE);
        goto out;
    }
    /* The header's frame count may lie (truncated files): read to the end,
     * growing the buffer, and trust the count only for a first guess, which
     * is bounded by the file's size (a 44-byte WAV may claim 4M frames). */
    int64_t cap = 1 << 16, n = 0;
    if (info.frames > 0 && info.frames < (1 << 22)) {
        struct stat st;
        int64_t bound = stat(path, &st) == 0 && st.st_size > 0 ? (int64_t)st.st_size : 1 << 16;
        cap = info.frames + 1 < bound ? info.frames + 1 : bound;
    }
    float *buf = malloc((size_t)cap * info.channels * sizeof(float));
    if (!buf) {
        rc = vl_error(VL_ERR_NOMEM, "%s: cannot allocate %lld frames", path, (long long)cap);
        goto out;
    }
    for (;;) {
        if (n == cap) {
            if ((cap * 2) * info.channels > MAX_SAMPLES) {
                free(buf);
                rc = vl_error(VL_ERR_NOMEM, "%s: longer than %lld samples", path,
                              (long long)MAX_SAMPLES);
                goto out;
            }
            float *nb = realloc(buf, (size_t)(cap * 2) * info.channels * sizeof(float));
            if (!nb) {
                free(buf);
                rc = vl_error(VL_ERR_NOMEM, "%s: out of memory", path);
                goto out;
            }
            buf = nb, cap *= 2;
        }
        sf_count_t got = sf_readf_float(sf, buf + n * info.channels, cap - n);
        if (got <= 0) break;
        n += got;
    }
    if (sf_error(sf) != SF_ERR_NO_ERROR) {
        free(buf);
        rc = vl_error(VL_ERR_FORMAT, "%s: read error: %s", path, sf_strerror(sf));
        goto out;
    }
    if (n == 0) {
        free(buf);
        rc = vl_error(VL_ERR_FORMAT, "%s: no audio samples (empty or truncated file)", path);
        goto out;
    }
    for (int64_t i = 0; i < n * info.channels; i++)
        if (!(buf[i] == buf[i]) || buf[i] > 1e6f || buf[i] < -1e6f) {
            free(buf);
            rc = vl_error(VL_ERR_FORMAT, "%s: non-finite or absurd sample value", path);
            goto out;
        }
    vl_audio_wrap(a, buf, n, info.channels, info.samplerate);
out:
    sf_close(sf);
    return rc;
}

int vl_audio_load_mono(vl_audio *a, const char *path, int rate) {
    int rc = vl_audio_read(a, path);
    if (rc < 0) return rc;
    vl_audio_to_mono(a);
    if (rate > 0 && rate != a->rate) {
        rc = vl_audio_resample(a, rate);
        if (rc < 0) vl_audio_free(a);
    }
    return rc;
}

static const char *ext_of(const char *path) {
    const char *dot = strrchr(path, '.'), *slash = strrchr(path, '/');
    return dot && (!slash || dot > slash) ? dot + 1 : "";
}

int vl_audio_write(const vl_audio *a, const char *path) {
    const char *ext = ext_of(path);
    int format;
    if (!strcasecmp(ext, "wav")) format = SF_FORMAT_WAV | SF_FORMAT_PCM_16;
    else if (!strcasecmp(ext, "flac")) format = SF_FORMAT_FLAC | SF_FORMAT_PCM_16;
    else
        return vl_error(VL_ERR_ARG, "%s: unknown output format '.%s' (use .wav or .flac)",
                        path, ext);
    if (a->channels < 1 || a->channels > VL_AUDIO_MAX_CHANNELS || a->rate < VL_AUDIO_MIN_RATE ||
        a->rate > VL_AUDIO_MAX_RATE || a->frames < 0)
        return vl_error(VL_ERR_ARG, "%s: bad audio (%d channels, %d Hz)", path, a->channels,
                        a->rate);
    SF_INFO info = {.samplerate = a->rate, .channels = a->channels, .format = format};
    if (!sf_format_check(&info))
        return vl_error(VL_ERR_ARG, "%s: libsndfile cannot write %d channels at %d Hz as .%s",
                        path, a->channels, a->rate, ext);
    vl_atomic_file af;
    int rc = vl_atomic_open(&af, path);
    if (rc < 0) return rc;
    SNDFILE *sf = sf_open_fd(fileno(af.f), SFM_WRITE, &info, 0);
    if (!sf) {
        vl_atomic_abort(&af);
        return vl_error(VL_ERR_IO, "%s: %s", path, sf_strerror(NULL));
    }
    sf_command(sf, SFC_SET_CLIPPING, NULL, SF_TRUE);
    sf_count_t w = a->frames > 0 ? sf_writef_float(sf, a->data, a->frames) : 0;
    int err = sf_close(sf);
    if (w != a->frames || err) {
        vl_atomic_abort(&af);
        return vl_error(VL_ERR_IO, "%s: write failed", path);
    }
    return vl_atomic_commit(&af);
}
