/* src/models/valle_tts.c: the VALL-E synthesis pipeline (text + prompt ->
 * speech) over a bundle, a codec and a G2P. See valle/valle_tts.h and
 * docs/tts.md. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "valle/audio.h"
#include "valle/valle_generate.h"
#include "valle/valle_tts.h"

#define TTS_MAX_SENTENCES 10000
#define TTS_MAX_PHONES 100000

vl_valle_tts_opts vl_valle_tts_default(void) {
    return (vl_valle_tts_opts){.temperature = 1.0f, .top_k = 0, .top_p = 1.0f,
                               .ras = true, .ras_window = 10, .ras_threshold = 0.1f,
                               .nar_temperature = 0.0f, .seed = 0,
                               .max_seconds = 20.0f, .seconds_per_phone = 0.4f,
                               .pause_seconds = 0.25f, .max_sentence_chars = 300,
                               .prompt_max_seconds = 10.0f, .prompt_min_seconds = 0.5f,
                               .trim_db = 40.0f, .level_db = -20.0f, .peak_db = -1.0f};
}

void vl_valle_tts_stats_free(vl_valle_tts_stats *st) {
    if (!st) return;
    free(st->sentences);
    memset(st, 0, sizeof *st);
}

/* ---- phones -> ids ---- */

/* id of `ph`, else of the same vowel with another (or no) stress digit. */
static int find_phone(const vl_symmap *map, const char *ph, bool *restressed) {
    *restressed = false;
    int id = vl_symmap_find(map, ph);
    if (id >= 0) return id;
    size_t len = strlen(ph);
    if (len == 0 || len > 30) return -1;
    char base[40];
    memcpy(base, ph, len + 1);
    if (base[len - 1] >= '0' && base[len - 1] <= '9') base[--len] = 0;
    static const char *const stress[] = {"1", "0", "2", ""};
    for (int k = 0; k < 4; k++) {
        char alt[48];
        snprintf(alt, sizeof alt, "%s%s", base, stress[k]);
        if (!strcmp(alt, ph)) continue;
        if ((id = vl_symmap_find(map, alt)) >= 0) {
            *restressed = true;
            return id;
        }
    }
    return -1;
}

int vl_valle_tts_map_phones(const vl_symmap *map, const char *phones, int **ids,
                            int *n, int *n_real, int *skipped, int *restressed) {
    *ids = NULL;
    *n = *n_real = 0;
    size_t len = strlen(phones);
    if (len > (size_t)TTS_MAX_PHONES * 8)
        return vl_error(VL_ERR_ARG, "tts: a sentence of %zu phone characters is too long", len);
    int *out = vl_xmalloc((len / 2 + 3) * sizeof *out);
    int k = 0, real = 0;
    int bos = vl_symmap_find(map, "<s>"), eos = vl_symmap_find(map, "</s>");
    if (bos >= 0) out[k++] = bos;
    const char *p = phones;
    char tok[64];
    while (*p) {
        while (*p == ' ') p++;
        size_t t = strcspn(p, " ");
        if (!t) break;
        bool re = false;
        int id = -1;
        if (t < sizeof tok) {
            memcpy(tok, p, t);
            tok[t] = 0;
            id = find_phone(map, tok, &re);
        }
        p += t;
        if (id < 0) {
            if (skipped) (*skipped)++;
            continue;
        }
        if (re && restressed) (*restressed)++;
        out[k++] = id;
        real++;
    }
    if (eos >= 0) out[k++] = eos;
    *ids = out;
    *n = k;
    *n_real = real;
    return VL_OK;
}

/* true when the phone string has a phone other than the word gap "_" */
static bool has_sound(const char *phones) {
    for (const char *p = phones; *p; p++)
        if (*p != ' ' && *p != '_') return true;
    return false;
}

/* ---- prompt ---- */

static float peak_of(const float *x, int64_t n) {
    float m = 0;
    for (int64_t i = 0; i < n; i++) {
        float a = fabsf(x[i]);
        if (!(a <= m)) m = a;   /* NaN propagates as "not <= m" */
    }
    return m;
}

/* Trims, checks and cuts the prompt, encodes it and lays its first
 * b->levels levels out frame-major in *prom (frames, b->levels). */
static int encode_prompt(const vl_valle_bundle *b, vl_codec *codec, const float *pcm,
                         int64_t n, int rate, const vl_valle_tts_opts *o, int32_t **prom,
                         int *frames, vl_valle_tts_stats *st) {
    *prom = NULL;
    *frames = 0;
    if (!pcm || n <= 0) return vl_error(VL_ERR_ARG, "tts: the prompt is empty");
    if (rate < VL_AUDIO_MIN_RATE || rate > VL_AUDIO_MAX_RATE)
        return vl_error(VL_ERR_ARG, "tts: prompt sample rate %d Hz is outside [%d, %d]",
                        rate, VL_AUDIO_MIN_RATE, VL_AUDIO_MAX_RATE);
    float pk = peak_of(pcm, n);
    if (!isfinite(pk)) return vl_error(VL_ERR_ARG, "tts: the prompt has NaN or inf samples");
    if (pk < 1e-3f)   /* below -60 dBFS everywhere */
        return vl_error(VL_ERR_ARG, "tts: the prompt is silent (peak %.1f dBFS)",
                        pk > 0 ? 20.0 * log10(pk) : -INFINITY);
    vl_audio a;
    float *copy = vl_xmalloc((size_t)n * sizeof(float));
    memcpy(copy, pcm, (size_t)n * sizeof(float));
    vl_audio_wrap(&a, copy, n, 1, rate);
    vl_audio_remove_dc(&a);
    vl_audio_trim_silence(&a, o->trim_db, 0.05f);
    double dur = vl_audio_duration(&a);
    if (dur < o->prompt_min_seconds) {
        vl_audio_free(&a);
        return vl_error(VL_ERR_ARG, "tts: the prompt is too short: %.2f s of sound after "
                        "trimming silence (at least %.2g s of speech is needed)", dur,
                        (double)o->prompt_min_seconds);
    }
    int64_t keep = (int64_t)((double)o->prompt_max_seconds * rate);
    if (keep > 0 && a.frames > keep) {
        a.frames = keep;
        st->prompt_cut = true;
    }
    st->prompt_seconds = vl_audio_duration(&a);
    vl_codes q = {0};
    int rc = vl_codec_encode(codec, a.data, a.frames, a.rate, &q);
    vl_audio_free(&a);
    if (rc < 0) return rc;
    if (q.frames < 1 || q.frames > 1000000) {
        vl_codes_free(&q);
        return vl_error(VL_ERR_ARG, "tts: the prompt encodes to %lld frames",
                        (long long)q.frames);
    }
    const int L = b->levels, T = (int)q.frames;
    int32_t *p = vl_xmalloc((size_t)T * L * sizeof *p);
    for (int l = 0; l < L; l++) {
        int lim = b->ar.cfg.n_tokens < b->nar.cfg.n_tokens ? b->ar.cfg.n_tokens
                                                           : b->nar.cfg.n_tokens;
        for (int t = 0; t < T; t++) {
            int32_t v = q.data[(size_t)l * T + t];
            if (v < 0 || v >= lim) {
                free(p);
                vl_codes_free(&q);
                return vl_error(VL_ERR_FORMAT, "tts: prompt code %d at level %d is outside "
                                "the model's vocabulary [0, %d)", (int)v, l, lim);
            }
            p[(size_t)t * L + l] = v;
        }
    }
    vl_codes_free(&q);
    *prom = p;
    *frames = T;
    st->prompt_frames = T;
    return VL_OK;
}

/* ---- one sentence ---- */

typedef struct tts_run {
    const vl_valle_bundle *b;
    vl_codec *codec;
    const vl_codec_info *ci;
    const vl_valle_tts_opts *o;
    const int32_t *prom;
    int prom_frames;
    vl_rng rng;
    vl_valle_tts_stats *st;
} tts_run;

/* Phone ids -> audio at the codec rate (*pcm malloc'ed; may be empty when
 * the AR stops at once). */
static int speak(tts_run *r, const int *ids, int n_ids, int n_real,
                 vl_valle_tts_sentence *s, float **pcm, int64_t *n) {
    *pcm = NULL;
    *n = 0;
    const vl_valle_bundle *b = r->b;
    const vl_valle_tts_opts *o = r->o;
    double fr = r->ci->frame_rate;
    double secs = fmin((double)o->max_seconds, (double)o->seconds_per_phone * n_real);
    double capd = ceil(secs * fr - 1e-6);   /* 0.6 s at 33.3 fps: 20 */
    int cap = capd < 1 ? 1 : capd > 1e6 ? 1000000 : (int)capd;
    vl_valle_sampling sp = vl_valle_sampling_default();
    sp.temperature = o->temperature;
    sp.top_k = o->top_k;
    sp.top_p = o->top_p;
    sp.ras = o->ras;
    sp.ras_window = o->ras_window;
    sp.ras_threshold = o->ras_threshold;
    sp.max_steps = cap;
    s->phones = n_real;
    s->cap = cap;
    int32_t *codes0 = NULL;
    int frames = 0;
    bool stopped = false;
    double t0 = vl_seconds();
    int rc = vl_valle_ar_generate((vl_valle_model *)&b->ar, ids, n_ids, r->prom,
                                  r->prom_frames, b->levels, &sp, b->vocab[0], true,
                                  &r->rng, &codes0, &frames, &stopped);
    double t1 = vl_seconds();
    r->st->ar_seconds += t1 - t0;
    if (rc < 0) return rc;
    s->frames = frames;
    s->stopped = stopped;
    if (frames == 0) {
        free(codes0);
        return VL_OK;
    }
    const int L = b->levels;
    int32_t *resp = vl_xcalloc((size_t)frames * L, sizeof *resp);
    for (int t = 0; t < frames; t++) resp[(size_t)t * L] = codes0[t];
    free(codes0);
    if (L > 1)
        rc = vl_valle_nar_generate((vl_valle_model *)&b->nar, ids, n_ids, r->prom,
                                   r->prom_frames, L, resp, frames, L, b->vocab,
                                   o->nar_temperature, &r->rng);
    double t2 = vl_seconds();
    r->st->nar_seconds += t2 - t1;
    if (rc < 0) {
        free(resp);
        return rc;
    }
    for (size_t i = 0; i < (size_t)frames * L; i++) {
        uint32_t v = (uint32_t)resp[i];
        for (int k = 0; k < 4; k++)
            r->st->codes_hash = (r->st->codes_hash ^ ((v >> (8 * k)) & 0xff)) *
                                1099511628211ull;
    }
    vl_codes q;
    vl_codes_init(&q, L, frames);
    for (int l = 0; l < L; l++)
        for (int t = 0; t < frames; t++) q.data[(size_t)l * frames + t] = resp[(size_t)t * L + l];
    free(resp);
    rc = vl_codec_decode(r->codec, &q, pcm, n);
    vl_codes_free(&q);
    r->st->codec_seconds += vl_seconds() - t2;
    if (rc < 0) return rc;
    for (int64_t i = 0; i < *n; i++)
        if (!isfinite((*pcm)[i])) {
            free(*pcm);
            *pcm = NULL;
            *n = 0;
            return vl_error(VL_ERR_NUMERIC, "tts: the codec decoded NaN or inf samples");
        }
    /* trim the silence at both ends (all-silent audio stays as it is) */
    vl_audio a;
    vl_audio_wrap(&a, *pcm, *n, 1, r->ci->sample_rate);
    vl_audio_trim_silence(&a, o->trim_db, 0.05f);
    *pcm = a.data;
    *n = a.frames;
    s->seconds = (double)*n / r->ci->sample_rate;
    return VL_OK;
}

/* ---- output buffer ---- */

typedef struct fbuf {
    float *v;
    int64_t n, cap;
} fbuf;

static void fb_append(fbuf *f, const float *x, int64_t n) {
    if (f->n + n > f->cap) {
        f->cap = (f->n + n) * 2 + 1024;
        f->v = vl_xrealloc(f->v, (size_t)f->cap * sizeof(float));
    }
    if (x) memcpy(f->v + f->n, x, (size_t)n * sizeof(float));
    else memset(f->v + f->n, 0, (size_t)n * sizeof(float));
    f->n += n;
}

static int check_setup(const vl_valle_bundle *b, const vl_codec_info *ci,
                       const vl_valle_tts_opts *o) {
    if (!b->has_ar || !b->has_nar)
        return vl_error(VL_ERR_ARG, "tts: the model file has %s only; synthesis needs "
                        "both the AR and the NAR (make one with `valle export`)",
                        b->has_ar ? "an AR" : "a NAR");
    if (strcmp(b->codec, ci->name))
        return vl_error(VL_ERR_ARG, "tts: the model was trained on codec '%s', not '%s'",
                        b->codec, ci->name);
    if (ci->levels != b->levels)
        return vl_error(VL_ERR_ARG, "tts: the model uses %d levels of codec '%s', the "
                        "codec gives %d", b->levels, b->codec, ci->levels);
    for (int l = 0; l < b->levels; l++)
        if (b->vocab[l] > ci->vocab[l] || b->vocab[l] > b->ar.cfg.n_tokens)
            return vl_error(VL_ERR_ARG, "tts: level %d vocabulary %d of the model does not "
                            "fit the codec's %d / the model's %d tokens", l, b->vocab[l],
                            ci->vocab[l], b->ar.cfg.n_tokens);
    if (!(o->temperature >= 0) || !(o->nar_temperature >= 0) || o->top_k < 0 ||
        !(o->top_p > 0 && o->top_p <= 1) || !(o->max_seconds > 0) ||
        !(o->seconds_per_phone > 0) || !(o->pause_seconds >= 0 && o->pause_seconds <= 60) ||
        !(o->prompt_max_seconds > 0) || !(o->prompt_min_seconds >= 0) ||
        !(o->max_seconds <= 3600))
        return vl_error(VL_ERR_ARG, "tts: option out of range (temperatures >= 0, top-k "
                        ">= 0, top-p in (0, 1], max seconds in (0, 3600], pause in [0, 60])");
    return VL_OK;
}

/* Text -> sentences' phone strings with at least one sound. */
static int text_to_phones(vl_g2p *g2p, const char *text, const vl_valle_tts_opts *o,
                          char ***phones, int *n) {
    *phones = NULL;
    *n = 0;
    char *norm = NULL;
    int rc = vl_text_normalize(text, &norm);
    if (rc < 0) return rc;
    char **sent = NULL;
    int ns = 0;
    rc = vl_text_split_sentences(norm, o->max_sentence_chars, &sent, &ns);
    free(norm);
    if (rc < 0) return rc;
    char **out = vl_xmalloc((size_t)(ns ? ns : 1) * sizeof *out);
    int k = 0;
    for (int i = 0; i < ns; i++) {
        char *ph = NULL;
        if (rc >= 0 && i < TTS_MAX_SENTENCES) {
            rc = vl_g2p_phonemize(g2p, sent[i], &ph);
            if (rc >= 0 && has_sound(ph)) out[k++] = ph;
            else free(ph);
        }
        free(sent[i]);
    }
    free(sent);
    if (rc >= 0 && k == 0)
        rc = vl_error(VL_ERR_ARG, "tts: the text has no word to pronounce");
    if (rc < 0) {
        for (int i = 0; i < k; i++) free(out[i]);
        free(out);
        return rc;
    }
    *phones = out;
    *n = k;
    return VL_OK;
}

int vl_valle_tts(const vl_valle_bundle *b, vl_codec *codec, vl_g2p *g2p,
                 const char *text, const float *prompt_pcm, int64_t n, int rate,
                 const vl_valle_tts_opts *o, float **pcm_out, int64_t *n_out,
                 vl_valle_tts_stats *st_user) {
    *pcm_out = NULL;
    *n_out = 0;
    vl_valle_tts_stats st_local;
    vl_valle_tts_stats *st = st_user ? st_user : &st_local;
    memset(st, 0, sizeof *st);
    st->codes_hash = 14695981039346656037ull;
    vl_valle_tts_opts def = vl_valle_tts_default();
    if (!o) o = &def;
    if (!b || !codec || !g2p || !text)
        return vl_error(VL_ERR_ARG, "tts: missing model, codec, G2P or text");
    double t_start = vl_seconds();
    const vl_codec_info *ci = vl_codec_get_info(codec);
    st->sample_rate = ci->sample_rate;
    int rc = check_setup(b, ci, o);
    if (rc < 0) return rc;
    char **phones = NULL;
    int n_sent = 0;
    if ((rc = text_to_phones(g2p, text, o, &phones, &n_sent)) < 0) return rc;
    /* every sentence's ids first, so a text the model cannot say fails
     * before the prompt is encoded */
    int **ids = vl_xcalloc((size_t)n_sent, sizeof *ids);
    int *n_ids = vl_xcalloc((size_t)n_sent, sizeof *n_ids);
    int *n_real = vl_xcalloc((size_t)n_sent, sizeof *n_real);
    int usable = 0;
    for (int i = 0; i < n_sent && rc >= 0; i++) {
        rc = vl_valle_tts_map_phones(&b->phones, phones[i], &ids[i], &n_ids[i], &n_real[i],
                                     &st->phones_skipped, &st->phones_restressed);
        if (rc >= 0) {
            st->phones += n_real[i];
            usable += n_real[i] > 0;
        }
    }
    if (rc >= 0 && usable == 0)
        rc = vl_error(VL_ERR_ARG, "tts: none of the text's %d phones is in the model's "
                      "phone map", st->phones_skipped);
    int32_t *prom = NULL;
    int prom_frames = 0;
    if (rc >= 0) {
        double t0 = vl_seconds();
        rc = encode_prompt(b, codec, prompt_pcm, n, rate, o, &prom, &prom_frames, st);
        st->codec_seconds += vl_seconds() - t0;
    }
    fbuf out = {0};
    if (rc >= 0) {
        tts_run r = {.b = b, .codec = codec, .ci = ci, .o = o, .prom = prom,
                     .prom_frames = prom_frames, .st = st};
        vl_rng_seed(&r.rng, o->seed);
        st->sentences = vl_xcalloc((size_t)n_sent, sizeof *st->sentences);
        int64_t pause = (int64_t)((double)o->pause_seconds * ci->sample_rate);
        for (int i = 0; i < n_sent && rc >= 0; i++) {
            if (n_real[i] == 0) continue;
            vl_valle_tts_sentence *s = &st->sentences[st->n_sentences++];
            float *pcm = NULL;
            int64_t np = 0;
            rc = speak(&r, ids[i], n_ids[i], n_real[i], s, &pcm, &np);
            if (rc >= 0 && np > 0) {
                if (out.n > 0) fb_append(&out, NULL, pause);
                fb_append(&out, pcm, np);
            }
            free(pcm);
        }
        if (rc >= 0 && out.n == 0)
            rc = vl_error(VL_ERR_NUMERIC, "tts: the model produced no audio (it chose the "
                          "stop token first in every sentence)");
    }
    for (int i = 0; i < n_sent; i++) free(ids[i]), free(phones[i]);
    free(ids);
    free(n_ids);
    free(n_real);
    free(phones);
    free(prom);
    if (rc < 0) {
        free(out.v);
        vl_valle_tts_stats_free(st);
        return rc;
    }
    /* loudness of the whole: active RMS level, then a peak ceiling */
    vl_audio a;
    vl_audio_wrap(&a, out.v, out.n, 1, ci->sample_rate);
    if (isfinite(vl_audio_active_level(&a))) {
        vl_audio_normalize_level(&a, o->level_db);
        float pk = peak_of(a.data, a.frames), ceil_lin = powf(10.0f, o->peak_db / 20.0f);
        if (pk > ceil_lin)
            for (int64_t i = 0; i < a.frames; i++) a.data[i] *= ceil_lin / pk;
    }
    *pcm_out = a.data;
    *n_out = a.frames;
    st->audio_seconds = (double)a.frames / ci->sample_rate;
    st->total_seconds = vl_seconds() - t_start;
    st->rtf = st->audio_seconds > 0 ? st->total_seconds / st->audio_seconds : 0;
    if (!st_user) vl_valle_tts_stats_free(st);
    return VL_OK;
}
