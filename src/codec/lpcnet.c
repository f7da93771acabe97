/* src/codec/lpcnet.c: the "lpcnet" codec backend over Debian's libcodec2
 * (codec2/lpcnet_freedv.h): the 1733 bit/s LPCNet coder, 16 kHz, 30 ms
 * frames (3 x 10 ms feature frames, decimated), in the non-predictive direct
 * split-VQ mode so each frame's tokens stand alone. lpcnet_enc writes one
 * bit per char, MSB first: 4 x 11-bit VQ stage indices of the 18-dim
 * cepstrum, a 6-bit pitch index, a 2-bit pitch gain (codec2 src/lpcnet_quant.c
 * pack_frame). We expose the six fields as six levels. Separate encoder and
 * decoder instances: each keeps a frame counter that the other would move.
 *
 * libcodec2 draws from the C library's rand(): the encoder adds +-0.5 LSB of
 * dither to every sample and the decoder samples its excitation. We call
 * srand(VL_LPCNET_SEED) at the start of every encode and decode, so codes and
 * audio are a function of the input alone (this resets the process-wide
 * rand() sequence, and two threads must not run LPCNet at once). */
#include "codec_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <codec2/lpcnet_freedv.h>

#define LPC_RATE 16000
#define LPC_LEVELS 6
#define VL_LPCNET_SEED 1u
static const int field_bits[LPC_LEVELS] = {11, 11, 11, 11, 6, 2};

typedef struct lpc_impl {
    LPCNetFreeDV *enc, *dec;
    int hop, bits;
} lpc_impl;

static void lpc_close(vl_codec *c) {
    lpc_impl *p = c->impl;
    if (!p) return;
    if (p->enc) lpcnet_freedv_destroy(p->enc);
    if (p->dec) lpcnet_freedv_destroy(p->dec);
    free(p);
    c->impl = NULL;
}

/* A fresh decoder per utterance: the synthesis net's state (and the frame
 * counter) would otherwise carry over between files. */
static int fresh(LPCNetFreeDV **lf) {
    if (*lf) lpcnet_freedv_destroy(*lf);
    *lf = lpcnet_freedv_create(LPCNET_DIRECT_SPLIT);
    return *lf ? VL_OK : vl_error(VL_ERR_NOMEM, "lpcnet: cannot create an instance");
}

static int lpc_encode(vl_codec *c, const float *pcm, int64_t n, vl_codes *out) {
    lpc_impl *p = c->impl;
    int64_t frames = n / p->hop;
    if (frames < 1)
        return vl_error(VL_ERR_ARG, "lpcnet: %lld samples is shorter than one %d-sample frame",
                        (long long)n, p->hop);
    int rc = fresh(&p->enc);
    if (rc < 0) return rc;
    srand(VL_LPCNET_SEED);
    short *buf = vl_xmalloc(sizeof(short) * p->hop);
    char *bits = vl_xmalloc((size_t)p->bits);
    vl_codes_init(out, LPC_LEVELS, frames);
    for (int64_t f = 0; f < frames; f++) {
        for (int i = 0; i < p->hop; i++) {
            float x = pcm[f * p->hop + i] * 32768.0f;
            buf[i] = (short)lrintf(x > 32767 ? 32767 : x < -32768 ? -32768 : x);
        }
        lpcnet_enc(p->enc, buf, bits);
        int k = 0;
        for (int l = 0; l < LPC_LEVELS; l++) {
            int v = 0;
            for (int b = 0; b < field_bits[l]; b++) v = (v << 1) | (bits[k++] & 1);
            out->data[l * frames + f] = v;
        }
    }
    free(buf), free(bits);
    return VL_OK;
}

static int lpc_decode(vl_codec *c, const vl_codes *q, float **pcm, int64_t *n) {
    lpc_impl *p = c->impl;
    int rc = fresh(&p->dec);
    if (rc < 0) return rc;
    srand(VL_LPCNET_SEED);
    int64_t T = q->frames;
    float *o = malloc(sizeof(float) * (size_t)(T * p->hop));
    if (!o) return vl_error(VL_ERR_NOMEM, "lpcnet: out of memory for %lld frames", (long long)T);
    short *buf = vl_xmalloc(sizeof(short) * p->hop);
    char *bits = vl_xmalloc((size_t)p->bits);
    for (int64_t f = 0; f < T; f++) {
        int k = 0;
        for (int l = 0; l < LPC_LEVELS; l++) {
            int v = q->data[l * T + f];
            for (int b = field_bits[l] - 1; b >= 0; b--) bits[k++] = (char)((v >> b) & 1);
        }
        lpcnet_dec(p->dec, bits, buf);
        for (int i = 0; i < p->hop; i++) o[f * p->hop + i] = buf[i] / 32768.0f;
    }
    free(buf), free(bits);
    *pcm = o;
    *n = T * p->hop;
    return VL_OK;
}

static const vl_codec_ops lpc_ops = {lpc_encode, lpc_decode, lpc_close};

int vl_codec_lpcnet_open(vl_codec *c) {
    lpc_impl *p = vl_xcalloc(1, sizeof *p);
    c->impl = p;
    c->ops = &lpc_ops;
    int rc = fresh(&p->enc);
    if (rc < 0) {
        lpc_close(c);
        return rc;
    }
    p->hop = lpcnet_samples_per_frame(p->enc);
    p->bits = lpcnet_bits_per_frame(p->enc);
    int want = 0;
    for (int l = 0; l < LPC_LEVELS; l++) want += field_bits[l];
    if (p->bits != want || p->hop != 480) {
        rc = vl_error(VL_ERR_UNSUPPORTED,
                      "lpcnet: libcodec2 reports %d bits / %d samples per frame; expected %d / 480",
                      p->bits, p->hop, want);
        lpc_close(c);
        return rc;
    }
    c->info.name = "lpcnet";
    c->info.sample_rate = LPC_RATE;
    c->info.hop = p->hop;
    c->info.frame_rate = (double)LPC_RATE / p->hop;
    c->info.levels = LPC_LEVELS;
    for (int l = 0; l < LPC_LEVELS; l++) c->info.vocab[l] = 1 << field_bits[l];
    return VL_OK;
}
