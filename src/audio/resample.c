/* src/audio/resample.c: sample-rate conversion through libsoxr (one-shot,
 * high quality by default), all channels at once. */
#include "valle/audio.h"

#include <stdlib.h>
#include <soxr.h>

int vl_audio_resample_q(vl_audio *a, int rate, int quality) {
    if (rate < VL_AUDIO_MIN_RATE || rate > VL_AUDIO_MAX_RATE)
        return vl_error(VL_ERR_ARG, "resample: target rate %d Hz is out of range (%d..%d)",
                        rate, VL_AUDIO_MIN_RATE, VL_AUDIO_MAX_RATE);
    if (rate == a->rate || a->frames == 0) {
        a->rate = rate;
        return VL_OK;
    }
    double ratio = (double)rate / a->rate;
    size_t olen = (size_t)(a->frames * ratio + 0.5);
    float *out = malloc((olen ? olen : 1) * a->channels * sizeof(float));
    if (!out) return vl_error(VL_ERR_NOMEM, "resample: out of memory");
    soxr_io_spec_t io = soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I);
    soxr_quality_spec_t q = soxr_quality_spec(quality, 0);
    size_t odone = 0;
    soxr_error_t err = soxr_oneshot(a->rate, rate, a->channels, a->data, (size_t)a->frames,
                                    NULL, out, olen, &odone, &io, &q, NULL);
    if (err) {
        free(out);
        return vl_error(VL_ERR_ARG, "resample %d -> %d Hz: %s", a->rate, rate, err);
    }
    free(a->data);
    a->data = out;
    a->frames = (int64_t)odone;
    a->rate = rate;
    return VL_OK;
}

int vl_audio_resample(vl_audio *a, int rate) {
    return vl_audio_resample_q(a, rate, SOXR_HQ);
}
