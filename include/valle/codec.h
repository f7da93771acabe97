/* valle/codec.h: neural speech codecs behind one interface. A codec turns
 * mono audio into `levels` parallel streams of integer tokens at a fixed
 * frame rate (codes[levels][frames]) and back. Backends: "lpcnet" (default;
 * Debian's libcodec2 LPCNet 1733 bit/s, 16 kHz, 30 ms frames, six streams of
 * vocabularies 2048 x 4, 64, 4) and "encodec" (EnCodec 24 kHz, 75 frames/s,
 * 2..32 codebooks of 1024 depending on the bandwidth; needs --weights).
 *
 * Usage:
 *   vl_codec_opts o = {.name = "lpcnet"};
 *   vl_codec *cd;
 *   if (vl_codec_open(&cd, &o) < 0) die(vl_last_error());
 *   const vl_codec_info *in = vl_codec_get_info(cd);   // rate, levels, vocab
 *   vl_codes q;
 *   vl_codec_encode(cd, pcm, n, 22050, &q);   // resampled to in->sample_rate
 *   float *out; int64_t m;
 *   vl_codec_decode(cd, &q, &out, &m);        // at in->sample_rate
 *   vl_codes_save_npy(&q, "x.qnt.npy");       // int64 (1, levels, frames)
 *   vl_codes_free(&q); free(out); vl_codec_close(cd);
 */
#ifndef VALLE_CODEC_H
#define VALLE_CODEC_H

#include <stdint.h>
#include "valle/core.h"

#define VL_CODEC_MAX_LEVELS 32

typedef struct vl_codes {
    int levels;
    int64_t frames;
    int32_t *data;     /* (levels, frames) */
} vl_codes;

typedef struct vl_codec_info {
    const char *name;
    int sample_rate;                   /* Hz of encode input / decode output */
    double frame_rate;                 /* frames per second */
    int hop;                           /* samples per frame */
    int levels;                        /* streams in use */
    int vocab[VL_CODEC_MAX_LEVELS];    /* vocabulary size of each level */
} vl_codec_info;

typedef struct vl_codec_opts {
    const char *name;       /* "lpcnet" (NULL = lpcnet) or "encodec" */
    const char *weights;    /* encodec: safetensors file (HF or original names) */
    float bandwidth;        /* encodec kbps: 1.5, 3, 6 (default), 12, 24 */
} vl_codec_opts;

typedef struct vl_codec vl_codec;

int vl_codec_open(vl_codec **out, const vl_codec_opts *o);
void vl_codec_close(vl_codec *c);
const vl_codec_info *vl_codec_get_info(const vl_codec *c);
/* Mono float pcm at `rate` Hz (resampled with libsoxr when it differs).
 * Frames = samples (at the codec rate) / hop, rounded as the backend does. */
int vl_codec_encode(vl_codec *c, const float *pcm, int64_t n, int rate, vl_codes *out);
/* Checks the level count and every index against the vocabularies first.
 * *pcm = malloc'ed mono audio at info->sample_rate. */
int vl_codec_decode(vl_codec *c, const vl_codes *codes, float **pcm, int64_t *n);
/* VL_ERR_SHAPE / VL_ERR_FORMAT with a message when codes do not fit. */
int vl_codec_check_codes(const vl_codec *c, const vl_codes *codes);

void vl_codes_init(vl_codes *q, int levels, int64_t frames);   /* zeroed */
void vl_codes_free(vl_codes *q);
/* int64 (1, levels, frames), written atomically. */
int vl_codes_save_npy(const vl_codes *q, const char *path);
/* Accepts (1, L, T) or (L, T) of any integer dtype; values must fit int32. */
int vl_codes_load_npy(vl_codes *q, const char *path);

#endif
