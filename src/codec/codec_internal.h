/* src/codec/codec_internal.h: the backend vtable behind vl_codec. */
#ifndef VALLE_CODEC_INTERNAL_H
#define VALLE_CODEC_INTERNAL_H

#include "valle/codec.h"

typedef struct vl_codec_ops {
    /* pcm already at info.sample_rate */
    int (*encode)(vl_codec *c, const float *pcm, int64_t n, vl_codes *out);
    /* codes already checked against info */
    int (*decode)(vl_codec *c, const vl_codes *codes, float **pcm, int64_t *n);
    void (*close)(vl_codec *c);
} vl_codec_ops;

struct vl_codec {
    vl_codec_info info;
    const vl_codec_ops *ops;
    void *impl;
};

int vl_codec_lpcnet_open(vl_codec *c);
int vl_codec_encodec_open(vl_codec *c, const char *weights, float bandwidth);

#endif
