/* valle/valle_tts.h: text-to-speech with a trained VALL-E bundle: text ->
 * normalised sentences -> ARPAbet phones -> phone ids (the bundle's map) ->
 * AR level 0 (KV cache, stop token or cap) -> NAR levels 1.. -> codec
 * decode -> silence trim -> sentences joined with pauses -> loudness.
 * The speaker comes from an acoustic prompt (a few seconds of speech),
 * encoded with the same codec. See docs/tts.md.
 *
 * Usage:
 *   vl_valle_tts_opts o = vl_valle_tts_default();
 *   o.seed = 42;
 *   float *pcm; int64_t n; vl_valle_tts_stats st;
 *   if (vl_valle_tts(&bundle, codec, g2p, "Hello there.", prompt, np, 16000,
 *                    &o, &pcm, &n, &st) < 0) die(vl_last_error());
 *   // pcm: mono float at st.sample_rate (= the codec's rate)
 *   free(pcm); vl_valle_tts_stats_free(&st);
 */
#ifndef VALLE_VALLE_TTS_H
#define VALLE_VALLE_TTS_H
#include <stdbool.h>
#include <stdint.h>

#include "valle/codec.h"
#include "valle/text.h"
#include "valle/valle_bundle.h"

typedef struct vl_valle_tts_opts {
    /* AR sampling of level 0: temperature, then top-k, then the nucleus
     * (top-p), then repetition-aware sampling (VALL-E 2): a token whose
     * share of the last ras_window tokens exceeds ras_threshold is drawn
     * again from the whole temperature-scaled distribution. */
    float temperature;          /* 1.0 (0 = greedy) */
    int top_k;                  /* 0 = off */
    float top_p;                /* 1.0 = off */
    bool ras;                   /* true */
    int ras_window;             /* 10 */
    float ras_threshold;        /* 0.1 */
    float nar_temperature;      /* 0 = greedy (the reference samples at 0.2) */
    uint64_t seed;              /* 0 */
    /* Cap of a sentence's AR decoding: min(max_seconds, seconds_per_phone *
     * phones) of frames (phones = mapped phones incl. word gaps "_",
     * without <s> </s>), at least one frame. */
    float max_seconds;          /* 20 */
    float seconds_per_phone;    /* 0.4 */
    float pause_seconds;        /* 0.25 of silence between sentences */
    size_t max_sentence_chars;  /* 300: longer sentences are cut at a pause */
    /* prompt */
    float prompt_max_seconds;   /* 10: longer prompts keep their first 10 s */
    float prompt_min_seconds;   /* 0.5 of sound after trimming silence */
    float trim_db;              /* 40: silence = frames this far below the peak */
    /* output loudness: active RMS level, then a peak ceiling */
    float level_db;             /* -20 dBFS */
    float peak_db;              /* -1 dBFS */
} vl_valle_tts_opts;

vl_valle_tts_opts vl_valle_tts_default(void);

typedef struct vl_valle_tts_sentence {
    int phones;         /* mapped phones (without <s> </s>) */
    int frames;         /* AR frames generated */
    int cap;            /* the cap in frames */
    bool stopped;       /* ended by the stop token (else by the cap) */
    double seconds;     /* audio after trimming */
} vl_valle_tts_sentence;

typedef struct vl_valle_tts_stats {
    int n_sentences;
    vl_valle_tts_sentence *sentences;   /* malloc'ed (n_sentences) */
    int phones;             /* all mapped phones */
    int phones_skipped;     /* phones the model's map lacks (left out) */
    int phones_restressed;  /* mapped to another stress of the same vowel */
    double prompt_seconds;  /* prompt used, after trimming and cutting */
    bool prompt_cut;        /* the prompt was longer than prompt_max_seconds */
    int prompt_frames;
    int sample_rate;        /* of the output */
    double audio_seconds;
    double ar_seconds, nar_seconds, codec_seconds, total_seconds;
    double rtf;             /* total_seconds / audio_seconds */
    uint64_t codes_hash;    /* FNV-1a of every sentence's codes (frames,
                               levels): the same seed gives the same hash
                               (the LPCNet decoder's audio varies slightly
                               from run to run) */
} vl_valle_tts_stats;

void vl_valle_tts_stats_free(vl_valle_tts_stats *st);

/* Synthesises `text` in the voice of the prompt (mono float pcm, n samples
 * at `rate` Hz). The bundle needs both models; the codec must be the one
 * the bundle was trained with (same name and level count). Open the G2P
 * with no_normalize = 1 (the text is normalised here). *pcm_out: malloc'ed
 * mono audio at the codec's rate (st->sample_rate). st may be NULL.
 * Errors (VL_ERR_ARG with a message): text with no pronounceable word, a
 * silent or too short prompt, a codec that does not fit the bundle; on
 * error *st is left zeroed. */
int vl_valle_tts(const vl_valle_bundle *b, vl_codec *codec, vl_g2p *g2p,
                 const char *text, const float *prompt_pcm, int64_t n, int rate,
                 const vl_valle_tts_opts *o, float **pcm_out, int64_t *n_out,
                 vl_valle_tts_stats *st);

/* Phone string ("HH AH0 L OW1 _ W ...") to ids with the bundle's map:
 * <s>, the phones, </s> (each only when the map has it). A phone the map
 * lacks is tried with another stress digit (AH0 -> AH1, AH2, AH) and else
 * left out; *skipped / *restressed count them (may be NULL). *ids
 * malloc'ed, *n ids; *n_real = phones other than <s> </s>. */
int vl_valle_tts_map_phones(const vl_symmap *map, const char *phones, int **ids,
                            int *n, int *n_real, int *skipped, int *restressed);
#endif
