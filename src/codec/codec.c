/* src/codec/codec.c: the codec front end: backend selection, resampling of
 * the input to the codec's rate, validation of codes before decoding, and
 * codes <-> .npy (int64 (1, levels, frames), as the VALL-E reference's
 * `qnt.npy` files). */
#include "codec_internal.h"

#include <stdlib.h>
#include <string.h>

#include "valle/audio.h"
#include "valle/npy.h"

int vl_codec_open(vl_codec **out, const vl_codec_opts *o) {
    *out = NULL;
    static const char *const names[] = {"lpcnet", "encodec"};
    const char *name = o && o->name ? o->name : "lpcnet";
    int k = vl_parse_name(name, names, 2, "codec");
    if (k < 0) return k;
    vl_codec *c = vl_xcalloc(1, sizeof *c);
    int rc;
    if (k == 0) {
        if (o && o->weights)
            rc = vl_error(VL_ERR_ARG, "codec lpcnet: takes no --weights (its model is built in)");
        else
            rc = vl_codec_lpcnet_open(c);
    } else {
        if (!o || !o->weights)
            rc = vl_error(VL_ERR_ARG, "codec encodec: needs --weights FILE (safetensors)");
        else
            rc = vl_codec_encodec_open(c, o->weights, o->bandwidth > 0 ? o->bandwidth : 6.0f);
    }
    if (rc < 0) {
        free(c);
        return rc;
    }
    *out = c;
    return VL_OK;
}

void vl_codec_close(vl_codec *c) {
    if (!c) return;
    if (c->ops && c->ops->close) c->ops->close(c);
    free(c);
}

const vl_codec_info *vl_codec_get_info(const vl_codec *c) { return &c->info; }

int vl_codec_encode(vl_codec *c, const float *pcm, int64_t n, int rate, vl_codes *out) {
    memset(out, 0, sizeof *out);
    if (rate < VL_AUDIO_MIN_RATE || rate > VL_AUDIO_MAX_RATE)
        return vl_error(VL_ERR_ARG, "codec %s: input rate %d Hz is out of range (%d..%d)",
                        c->info.name, rate, VL_AUDIO_MIN_RATE, VL_AUDIO_MAX_RATE);
    if (n < 1) return vl_error(VL_ERR_ARG, "codec %s: no samples to encode", c->info.name);
    if (rate == c->info.sample_rate) return c->ops->encode(c, pcm, n, out);
    vl_audio a;
    float *copy = malloc((size_t)n * sizeof(float));
    if (!copy) return vl_error(VL_ERR_NOMEM, "codec: out of memory");
    memcpy(copy, pcm, (size_t)n * sizeof(float));
    vl_audio_wrap(&a, copy, n, 1, rate);
    int rc = vl_audio_resample(&a, c->info.sample_rate);
    if (rc >= 0) rc = c->ops->encode(c, a.data, a.frames, out);
    vl_audio_free(&a);
    return rc;
}

int vl_codec_check_codes(const vl_codec *c, const vl_codes *q) {
    const vl_codec_info *in = &c->info;
    if (q->levels != in->levels)
        return vl_error(VL_ERR_SHAPE, "codes have %d levels; codec %s uses %d", q->levels,
                        in->name, in->levels);
    if (q->frames < 1) return vl_error(VL_ERR_SHAPE, "codes have no frames");
    for (int l = 0; l < q->levels; l++)
        for (int64_t t = 0; t < q->frames; t++) {
            int32_t v = q->data[l * q->frames + t];
            if (v < 0 || v >= in->vocab[l])
                return vl_error(VL_ERR_FORMAT,
                                "code %d at level %d, frame %lld is out of range [0, %d)", v,
                                l, (long long)t, in->vocab[l]);
        }
    return VL_OK;
}

int vl_codec_decode(vl_codec *c, const vl_codes *codes, float **pcm, int64_t *n) {
    *pcm = NULL, *n = 0;
    int rc = vl_codec_check_codes(c, codes);
    if (rc < 0) return rc;
    return c->ops->decode(c, codes, pcm, n);
}

void vl_codes_init(vl_codes *q, int levels, int64_t frames) {
    q->levels = levels;
    q->frames = frames;
    q->data = vl_xcalloc((size_t)(levels * frames > 0 ? levels * frames : 1), sizeof(int32_t));
}

void vl_codes_free(vl_codes *q) {
    if (!q) return;
    free(q->data);
    memset(q, 0, sizeof *q);
}

int vl_codes_save_npy(const vl_codes *q, const char *path) {
    int64_t n = (int64_t)q->levels * q->frames;
    int64_t *v = vl_xmalloc((size_t)(n > 0 ? n : 1) * sizeof(int64_t));
    for (int64_t i = 0; i < n; i++) v[i] = q->data[i];
    int rc = vl_npy_write(path, "<i8", 3, (int64_t[]){1, q->levels, q->frames}, v);
    free(v);
    return rc;
}

int vl_codes_load_npy(vl_codes *q, const char *path) {
    memset(q, 0, sizeof *q);
    vl_npy a;
    int rc = vl_npy_read(&a, path);
    if (rc < 0) return rc;
    if (!vl_npy_is_int(&a)) {
        vl_npy_free(&a);
        return vl_error(VL_ERR_FORMAT, "%s: codes must be integers, not '%s'", path, a.dtype);
    }
    int64_t L, T;
    if (a.ndim == 3 && a.shape[0] == 1) L = a.shape[1], T = a.shape[2];
    else if (a.ndim == 2) L = a.shape[0], T = a.shape[1];
    else {
        vl_npy_free(&a);
        return vl_error(VL_ERR_SHAPE, "%s: codes must have shape (1, levels, frames) or "
                                      "(levels, frames)", path);
    }
    if (L < 1 || L > VL_CODEC_MAX_LEVELS || T < 1) {
        vl_npy_free(&a);
        return vl_error(VL_ERR_SHAPE, "%s: %lld levels x %lld frames (levels 1..%d, frames >= 1)",
                        path, (long long)L, (long long)T, VL_CODEC_MAX_LEVELS);
    }
    vl_codes_init(q, (int)L, T);
    for (int64_t i = 0; i < L * T; i++) {
        int64_t v = vl_npy_get_i64(&a, i);
        if (v < INT32_MIN || v > INT32_MAX) {
            vl_npy_free(&a);
            vl_codes_free(q);
            return vl_error(VL_ERR_FORMAT, "%s: code %lld does not fit 32 bits", path,
                            (long long)v);
        }
        q->data[i] = (int32_t)v;
    }
    vl_npy_free(&a);
    return VL_OK;
}
