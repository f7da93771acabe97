/* bench/bench_valle.c: VALL-E decoding speed of the quarter presets
 * (256 dim, 4 heads, 12 layers) with random weights on the LPCNet codec's
 * shape (6 levels, 2048 codes): AR decoding of N frames with the KV cache
 * and with full recomputation (same seed: the tokens must be equal), NAR
 * decoding of the 5 upper levels, the LPCNet decode, and the whole
 * pipeline's real-time factor (LPCNet: 33.3 frames/s).
 *
 *   bench_valle [--frames 600] [--threads 2] [--no-recompute]
 *
 * Prints one JSON line. The stop token is disabled so every run decodes
 * exactly N frames; text 40 phones, prompt 100 frames (3 s). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "valle/codec.h"
#include "valle/valle_generate.h"

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void make(vl_valle_model *m, vl_params *P, const char *preset) {
    vl_valle_model_config mc;
    if (vl_valle_preset(&mc, preset, 2048, 6, 80) < 0) {
        fprintf(stderr, "%s\n", vl_last_error());
        exit(1);
    }
    vl_params_init(P);
    vl_valle_model_init(m, P, "", &mc);
    vl_params_finalize(P, 3);
    /* PyTorch's N(0, 1) embeddings make random logits very peaked; scale
     * them down so sampling is not trivially deterministic */
    for (int64_t i = 0; i < m->resps_emb->numel; i++) m->resps_emb->data[i] *= 0.1f;
}

int main(int argc, char **argv) {
    int frames = 600, threads = 2, recompute = 1;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--frames") && i + 1 < argc) frames = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--threads") && i + 1 < argc) threads = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--no-recompute")) recompute = 0;
        else {
            fprintf(stderr, "usage: bench_valle [--frames 600] [--threads 2] [--no-recompute]\n");
            return 2;
        }
    }
    if (frames < 1) return 2;
    vl_set_num_threads(threads);
    vl_params Pa, Pn;
    vl_valle_model ar, nar;
    make(&ar, &Pa, "ar-quarter");
    make(&nar, &Pn, "nar-quarter");
    ar.classifier.bias->data[vl_valle_stop_token(&ar)] = -1e4f;
    enum { NT = 40, TP = 100, L = 6 };
    int text[NT];
    int32_t prom[TP * L];
    const int vocab[L] = {2048, 2048, 2048, 2048, 64, 4};
    for (int i = 0; i < NT; i++) text[i] = 1 + (i * 7) % 79;
    for (int t = 0; t < TP; t++)
        for (int l = 0; l < L; l++) prom[t * L + l] = (t * 31 + l * 17) % vocab[l];
    vl_valle_sampling o = vl_valle_sampling_default();
    o.max_steps = frames;
    vl_rng r1, r2;
    vl_rng_seed(&r1, 1);
    vl_rng_seed(&r2, 1);
    int32_t *a, *b = NULL;
    int na, nb = 0;
    bool sa, sb;
    double t0 = now();
    vl_valle_ar_generate(&ar, text, NT, prom, TP, L, &o, vocab[0], true, &r1, &a, &na, &sa);
    double t_cache = now() - t0, t_full = 0;
    int same = -1;
    if (recompute) {
        t0 = now();
        vl_valle_ar_generate(&ar, text, NT, prom, TP, L, &o, vocab[0], false, &r2, &b, &nb, &sb);
        t_full = now() - t0;
        same = 0;
        for (int i = 0; i < na && i < nb; i++) same += a[i] == b[i];
    }
    int32_t *resp = calloc((size_t)na * L, sizeof(int32_t));
    for (int t = 0; t < na; t++) resp[t * L] = a[t];
    t0 = now();
    vl_valle_nar_generate(&nar, text, NT, prom, TP, L, resp, na, L, vocab, 0.0f, &r1);
    double t_nar = now() - t0;
    vl_codec *cd;
    vl_codec_opts co = {.name = "lpcnet"};
    double t_dec = 0, audio_s = na / 33.333;
    if (vl_codec_open(&cd, &co) == VL_OK) {
        vl_codes q;
        vl_codes_init(&q, L, na);
        for (int t = 0; t < na; t++)
            for (int l = 0; l < L; l++) q.data[(size_t)l * na + t] = resp[t * L + l];
        float *pcm;
        int64_t n;
        t0 = now();
        if (vl_codec_decode(cd, &q, &pcm, &n) == VL_OK) free(pcm);
        t_dec = now() - t0;
        vl_codes_free(&q);
        vl_codec_close(cd);
    }
    printf("{\"frames\": %d, \"threads\": %d, \"ar_cache_s\": %.3f, \"ar_recompute_s\": %.3f, "
           "\"cache_speedup\": %.1f, \"same_tokens\": %d, \"ar_frames_per_s\": %.1f, "
           "\"nar_s\": %.3f, \"codec_decode_s\": %.3f, \"audio_s\": %.2f, \"rtf\": %.3f}\n",
           na, threads, t_cache, t_full, t_full > 0 ? t_full / t_cache : 0.0, same,
           na / t_cache, t_nar, t_dec, audio_s, (t_cache + t_nar + t_dec) / audio_s);
    free(a);
    free(b);
    free(resp);
    vl_valle_model_free(&ar);
    vl_valle_model_free(&nar);
    vl_params_free(&Pa);
    vl_params_free(&Pn);
    return recompute && same != na ? 1 : 0;
}
