/* tests/unit/test_valle_tts.c: the synthesis pipeline on a random tiny
 * VALL-E bundle (ar-tiny + nar-tiny, LPCNet codec, a phone map of the
 * ARPAbet symbols): two sentences give finite audio within the caps and the
 * loudness ceiling; the same seed gives the same audio; phone mapping
 * restresses or skips unknown phones; bad input (empty or unpronounceable
 * text, silent, too short or huge prompts, wrong files) fails with a
 * message; `valle tts` and `valle export` work and fail the same way. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "valle/audio.h"
#include "valle/valle_generate.h"
#include "valle/valle_tts.h"

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* "<s>", "</s>", "_" and every ARPAbet phone (vowels with stress 0-2). */
static void arpabet_map(vl_symmap *m) {
    static const char *const vowels[] = {"AA", "AE", "AH", "AO", "AW", "AY", "EH", "ER",
                                         "EY", "IH", "IY", "OW", "OY", "UH", "UW"};
    static const char *const cons[] = {"B", "CH", "D", "DH", "F", "G", "HH", "JH", "K",
                                       "L", "M", "N", "NG", "P", "R", "S", "SH", "T",
                                       "TH", "V", "W", "Y", "Z", "ZH"};
    char *names[3 + 45 + 24];
    int n = 0;
    names[n++] = vl_xstrdup("<s>");
    names[n++] = vl_xstrdup("</s>");
    names[n++] = vl_xstrdup("_");
    for (int v = 0; v < 15; v++)
        for (int s = 0; s < 3; s++) {
            names[n] = vl_xmalloc(8);
            snprintf(names[n++], 8, "%s%d", vowels[v], s);
        }
    for (int c = 0; c < 24; c++) names[n++] = vl_xstrdup(cons[c]);
    vl_symmap_build(m, (const char *const *)names, n, 1);
    for (int i = 0; i < n; i++) free(names[i]);
}

static void make_model(vl_valle_model *m, vl_params *P, const char *preset, int n_tokens,
                       int levels, int n_text, uint64_t seed) {
    vl_valle_model_config mc;
    CHECK(vl_valle_preset(&mc, preset, n_tokens, levels, n_text) == VL_OK);
    vl_params_init(P);
    vl_valle_model_init(m, P, "", &mc);
    vl_params_finalize(P, seed);
}

/* A random bundle for `codec` (AR and/or NAR) written to path. */
static int write_bundle(const char *path, const vl_codec_info *ci, bool ar, bool nar,
                        bool extra_phone) {
    vl_valle_bundle b;
    memset(&b, 0, sizeof b);
    arpabet_map(&b.phones);
    if (extra_phone) {  /* a different phone map */
        vl_symmap old = b.phones;
        const char **names = vl_xmalloc((size_t)(old.n + 1) * sizeof *names);
        for (int i = 0; i < old.n; i++) names[i] = old.names[i];
        names[old.n] = "XX";
        vl_symmap_build(&b.phones, names, old.n + 1, 1);
        free(names);
        vl_symmap_free(&old);
    }
    snprintf(b.codec, sizeof b.codec, "%s", ci->name);
    b.levels = ci->levels;
    int n_tokens = 0;
    for (int l = 0; l < ci->levels; l++) {
        b.vocab[l] = ci->vocab[l];
        if (ci->vocab[l] > n_tokens) n_tokens = ci->vocab[l];
    }
    if (ar) make_model(&b.ar, &b.ar_params, "ar-tiny", n_tokens, b.levels, b.phones.n + 1, 3);
    if (nar)
        make_model(&b.nar, &b.nar_params, "nar-tiny", n_tokens, b.levels, b.phones.n + 1, 4);
    b.has_ar = ar;
    b.has_nar = nar;
    int rc = vl_valle_bundle_save(&b, path, VL_DT_F32);
    vl_valle_bundle_free(&b);
    return rc;
}

static void test_map_phones(void) {
    const char *names[] = {"<s>", "</s>", "_", "AH1", "HH", "L", "OW"};
    vl_symmap m;
    vl_symmap_build(&m, names, 7, 1);
    int *ids, n, real, skipped = 0, re = 0;
    CHECK(vl_valle_tts_map_phones(&m, "HH AH0 L OW1 _ QQ", &ids, &n, &real, &skipped,
                                  &re) == VL_OK);
    CHECK_INT(n, 7);          /* <s> HH AH1 L OW _ </s> */
    CHECK_INT(real, 5);
    CHECK_INT(skipped, 1);    /* QQ */
    CHECK_INT(re, 2);         /* AH0 -> AH1, OW1 -> OW */
    if (n == 7) {
        CHECK_INT(ids[0], vl_symmap_find(&m, "<s>"));
        CHECK_INT(ids[2], vl_symmap_find(&m, "AH1"));
        CHECK_INT(ids[4], vl_symmap_find(&m, "OW"));
        CHECK_INT(ids[6], vl_symmap_find(&m, "</s>"));
    }
    free(ids);
    vl_symmap_free(&m);
}

static bool all_finite(const float *x, int64_t n) {
    for (int64_t i = 0; i < n; i++)
        if (!isfinite(x[i])) return false;
    return true;
}

/* Runs `cmd` (stderr to err_path); returns the exit code, or -1 on a
 * signal. */
static int run(const char *cmd, const char *err_path) {
    char full[4096];
    snprintf(full, sizeof full, "%s 2>%s >/dev/null", cmd, err_path);
    int st = system(full);
    if (st == -1 || !WIFEXITED(st)) return -1;
    return WEXITSTATUS(st);
}

static bool file_has(const char *path, const char *needle) {
    FILE *f = fopen(path, "r");
    if (!f) return false;
    char buf[8192];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    for (char *p = buf; *p; p++) *p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
    return strstr(buf, needle) != NULL;
}

static void write_wav(const char *path, const float *x, int64_t n, int rate) {
    vl_audio a;
    float *c = vl_xmalloc((size_t)(n ? n : 1) * sizeof *c);
    memcpy(c, x, (size_t)n * sizeof *c);
    vl_audio_wrap(&a, c, n, 1, rate);
    CHECK(vl_audio_write(&a, path) == VL_OK);
    vl_audio_free(&a);
}

/* The codes' hash of one synthesis (0 on failure). */
static uint64_t synth_hash(const vl_valle_bundle *b, vl_codec *cd, vl_g2p *g2p,
                           const vl_audio *prompt, const vl_valle_tts_opts *o) {
    float *pcm;
    int64_t n;
    vl_valle_tts_stats st;
    int rc = vl_valle_tts(b, cd, g2p, "Hello, how are you? I am fine.", prompt->data,
                          prompt->frames, prompt->rate, o, &pcm, &n, &st);
    CHECK_MSG(rc == VL_OK, "%s", vl_last_error());
    uint64_t h = rc == VL_OK ? st.codes_hash : 0;
    free(pcm);
    vl_valle_tts_stats_free(&st);
    return h;
}

/* `valle tts` / `valle export` through the built binary. */
static void test_cli(const char *dir, const char *model, const vl_audio *speech) {
    const char *bin = getenv("VALLE_BIN");
    if (!bin || access(bin, X_OK) != 0) {
        printf("  VALLE_BIN not set: the command-line checks are skipped\n");
        return;
    }
    char cmd[4096], err[512], out[512], path[512];
    snprintf(err, sizeof err, "%s/err.txt", dir);
    snprintf(out, sizeof out, "%s/cli.wav", dir);
    const char *common = "--max-seconds 0.6 --threads 2";
    snprintf(cmd, sizeof cmd, "%s tts 'Hello there. How are you?' --model %s --prompt "
             "tests/data/speech.wav -o %s %s --seed 3", bin, model, out, common);
    CHECK_INT(run(cmd, err), 0);
    CHECK(file_has(err, "stop token") || file_has(err, "cap reached"));
    vl_audio a;
    CHECK(vl_audio_read(&a, out) == VL_OK);
    CHECK(a.frames > 0 && a.rate == 16000);
    vl_audio_free(&a);

    /* bad input: each a message and exit 1 or 2 */
    snprintf(cmd, sizeof cmd, "%s tts '' --model %s --prompt tests/data/speech.wav -o %s %s",
             bin, model, out, common);
    CHECK_INT(run(cmd, err), 2);
    CHECK(file_has(err, "no word to pronounce"));
    snprintf(cmd, sizeof cmd, "%s tts '!!!' --model %s --prompt tests/data/speech.wav -o %s "
             "%s", bin, model, out, common);
    CHECK_INT(run(cmd, err), 2);
    CHECK(file_has(err, "no word to pronounce"));
    snprintf(cmd, sizeof cmd, "%s tts hello --model %s --prompt %s/nonexistent.wav -o %s %s",
             bin, model, dir, out, common);
    int rc = run(cmd, err);
    CHECK(rc == 1 || rc == 2);
    CHECK(file_has(err, "nonexistent.wav"));
    snprintf(cmd, sizeof cmd, "%s tts hello --model models/g2p/g2p.safetensors --prompt "
             "tests/data/speech.wav -o %s %s", bin, out, common);
    CHECK_INT(run(cmd, err), 1);
    CHECK(file_has(err, "not a vall-e model"));
    float *zeros = vl_xcalloc(16000, sizeof *zeros);
    snprintf(path, sizeof path, "%s/silent.wav", dir);
    write_wav(path, zeros, 16000, 16000);
    free(zeros);
    snprintf(cmd, sizeof cmd, "%s tts hello --model %s --prompt %s -o %s %s", bin, model,
             path, out, common);
    CHECK_INT(run(cmd, err), 2);
    CHECK(file_has(err, "silent"));
    snprintf(path, sizeof path, "%s/short.wav", dir);
    write_wav(path, speech->data + speech->frames / 2, speech->rate / 10, speech->rate);
    snprintf(cmd, sizeof cmd, "%s tts hello --model %s --prompt %s -o %s %s", bin, model,
             path, out, common);
    CHECK_INT(run(cmd, err), 2);
    CHECK(file_has(err, "too short"));
    /* no default model shipped (yet): a message naming --model */
    if (access("models/valle/default.safetensors", R_OK) != 0) {
        snprintf(cmd, sizeof cmd, "cd %s && VALLE_MODEL= %s tts hello", dir, bin);
        CHECK_INT(run(cmd, err), 2);
        CHECK(file_has(err, "--model"));
    }
    /* batch: OUT|TEXT and TEXT lines */
    snprintf(path, sizeof path, "%s/batch.txt", dir);
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (f) {
        fprintf(f, "%s/b1.wav|Good morning.\n\nGood night.\n", dir);
        fclose(f);
    }
    char cwd[1024];
    CHECK(getcwd(cwd, sizeof cwd) != NULL);
    snprintf(cmd, sizeof cmd, "cd %s && %s tts --batch batch.txt --model %s --prompt "
             "%s/tests/data/speech.wav %s --quiet", dir, bin, model, cwd, common);
    CHECK_INT(run(cmd, err), 0);
    snprintf(path, sizeof path, "%s/b1.wav", dir);
    CHECK(access(path, R_OK) == 0);
    snprintf(path, sizeof path, "%s/out-0002.wav", dir);
    CHECK(access(path, R_OK) == 0);

    /* export: AR-only + NAR-only files -> a bundle tts can read */
    char arp[512], narp[512], otherp[512], joined[512];
    snprintf(arp, sizeof arp, "%s/ar.safetensors", dir);
    snprintf(narp, sizeof narp, "%s/nar.safetensors", dir);
    snprintf(otherp, sizeof otherp, "%s/other.safetensors", dir);
    snprintf(joined, sizeof joined, "%s/joined.safetensors", dir);
    vl_codec *cd;
    vl_codec_opts co = {.name = "lpcnet"};
    CHECK(vl_codec_open(&cd, &co) == VL_OK);
    CHECK(write_bundle(arp, vl_codec_get_info(cd), true, false, false) == VL_OK);
    CHECK(write_bundle(narp, vl_codec_get_info(cd), false, true, false) == VL_OK);
    CHECK(write_bundle(otherp, vl_codec_get_info(cd), false, true, true) == VL_OK);
    vl_codec_close(cd);
    snprintf(cmd, sizeof cmd, "%s export --ar %s --nar %s -o %s --dtype bf16", bin, arp,
             narp, joined);
    CHECK_INT(run(cmd, err), 0);
    vl_valle_bundle b;
    CHECK(vl_valle_bundle_load(&b, joined) == VL_OK);
    CHECK(b.has_ar && b.has_nar && b.levels == 6);
    vl_valle_bundle_free(&b);
    snprintf(cmd, sizeof cmd, "%s tts 'Good.' --model %s --prompt tests/data/speech.wav "
             "-o %s %s", bin, joined, out, common);
    CHECK_INT(run(cmd, err), 0);
    snprintf(cmd, sizeof cmd, "%s tts 'Good.' --model %s --prompt tests/data/speech.wav "
             "-o %s %s", bin, arp, out, common);
    CHECK_INT(run(cmd, err), 2);
    CHECK(file_has(err, "needs both"));
    snprintf(cmd, sizeof cmd, "%s export --ar %s --nar %s -o %s", bin, arp, otherp, joined);
    CHECK_INT(run(cmd, err), 1);
    CHECK(file_has(err, "disagree on the phone map"));
    snprintf(cmd, sizeof cmd, "%s export --ar %s --nar %s -o %s", bin, narp, narp, joined);
    CHECK_INT(run(cmd, err), 1);
    CHECK(file_has(err, "no ar model"));
}

int main(void) {
    test_map_phones();
    const char *dir = test_tmpdir();
    char model[512];
    snprintf(model, sizeof model, "%s/model.safetensors", dir);
    vl_set_num_threads(2);
    vl_codec *cd;
    vl_codec_opts co = {.name = "lpcnet"};
    CHECK(vl_codec_open(&cd, &co) == VL_OK);
    const vl_codec_info *ci = vl_codec_get_info(cd);
    CHECK(write_bundle(model, ci, true, true, false) == VL_OK);
    vl_valle_bundle b;
    CHECK(vl_valle_bundle_load(&b, model) == VL_OK);
    vl_g2p *g2p;
    vl_g2p_options go = {.no_normalize = 1};
    CHECK(vl_g2p_open(&g2p, &go) == VL_OK);
    vl_audio speech;
    CHECK(vl_audio_load_mono(&speech, "tests/data/speech.wav", 0) == VL_OK);

    /* (a) two sentences, within the caps */
    vl_valle_tts_opts o = vl_valle_tts_default();
    o.max_seconds = 0.6f;
    o.seed = 11;
    float *pcm = NULL;
    int64_t n = 0;
    vl_valle_tts_stats st;
    double t0 = now();
    int rc = vl_valle_tts(&b, cd, g2p, "Hello, how are you? I am fine.", speech.data,
                          speech.frames, speech.rate, &o, &pcm, &n, &st);
    CHECK_MSG(rc == VL_OK, "tts: %s", vl_last_error());
    printf("  two sentences: %.2f s of audio in %.2f s\n", (double)n / 16000, now() - t0);
    CHECK_INT(st.n_sentences, 2);
    CHECK_INT(st.sample_rate, 16000);
    CHECK(n > 0 && all_finite(pcm, n));
    /* each sentence at most max_seconds (+ one frame of rounding), one pause */
    CHECK(n <= (int64_t)(2 * (0.6 + 0.03) * 16000 + 0.25 * 16000));
    CHECK(st.phones > 10 && st.phones_skipped == 0);
    for (int i = 0; i < st.n_sentences; i++) {
        CHECK(st.sentences[i].frames <= st.sentences[i].cap);
        CHECK(st.sentences[i].cap <= 20);   /* 0.6 s at 33.3 frames/s */
        CHECK(st.sentences[i].stopped || st.sentences[i].frames == st.sentences[i].cap);
    }
    float pk = 0;
    for (int64_t i = 0; i < n; i++) pk = fmaxf(pk, fabsf(pcm[i]));
    CHECK(pk <= powf(10.0f, -1.0f / 20.0f) + 1e-4f);
    CHECK(st.prompt_seconds > 0.5 && !st.prompt_cut);
    CHECK(st.rtf > 0);
    vl_valle_tts_stats_free(&st);

    /* (d) the same seed gives the same codes; another seed other codes.
     * (Compared through the codes' hash: libcodec2's LPCNet decoder does
     * not give bit-identical audio from run to run.) */
    free(pcm);
    o.seed = 11;
    uint64_t h1 = synth_hash(&b, cd, g2p, &speech, &o);
    uint64_t h2 = synth_hash(&b, cd, g2p, &speech, &o);
    o.seed = 12;
    uint64_t h3 = synth_hash(&b, cd, g2p, &speech, &o);
    CHECK(h1 != 0 && h1 == h2);
    CHECK(h3 != h1);

    /* (c) bad input */
    const char *bad_text[] = {"", "!!!", "   ...  ?"};
    for (int i = 0; i < 3; i++) {
        rc = vl_valle_tts(&b, cd, g2p, bad_text[i], speech.data, speech.frames, speech.rate,
                          &o, &pcm, &n, NULL);
        CHECK_MSG(rc == VL_ERR_ARG && strstr(vl_last_error(), "no word to pronounce"),
                  "text '%s': %d %s", bad_text[i], rc, vl_last_error());
        CHECK(pcm == NULL);
    }
    float *zeros = vl_xcalloc(32000, sizeof *zeros);
    rc = vl_valle_tts(&b, cd, g2p, "hello", zeros, 32000, 16000, &o, &pcm, &n, NULL);
    CHECK(rc == VL_ERR_ARG && strstr(vl_last_error(), "silent"));
    /* 0.1 s of speech inside silence */
    memcpy(zeros + 16000, speech.data + speech.frames / 2, 1600 * sizeof *zeros);
    rc = vl_valle_tts(&b, cd, g2p, "hello", zeros, 32000, 16000, &o, &pcm, &n, NULL);
    CHECK_MSG(rc == VL_ERR_ARG && strstr(vl_last_error(), "too short"), "%s", vl_last_error());
    free(zeros);
    rc = vl_valle_tts(&b, cd, g2p, "hello", NULL, 0, 16000, &o, &pcm, &n, NULL);
    CHECK(rc == VL_ERR_ARG);
    /* a 10-minute prompt is cut to 10 s, quickly */
    int64_t long_n = (int64_t)600 * speech.rate;
    float *longp = vl_xmalloc((size_t)long_n * sizeof *longp);
    for (int64_t i = 0; i < long_n; i++) longp[i] = speech.data[i % speech.frames];
    t0 = now();
    rc = vl_valle_tts(&b, cd, g2p, "hello", longp, long_n, speech.rate, &o, &pcm, &n, &st);
    double dt = now() - t0;
    CHECK_MSG(rc == VL_OK, "%s", vl_last_error());
    CHECK(st.prompt_cut && st.prompt_seconds <= 10.0 + 1e-6 && st.prompt_seconds > 9.0);
    CHECK_MSG(dt < 20.0, "10-minute prompt took %.1f s", dt);
    printf("  10-minute prompt: %.2f s\n", dt);
    vl_valle_tts_stats_free(&st);
    free(pcm);
    free(longp);
    /* bad options */
    vl_valle_tts_opts bo = o;
    bo.top_p = 0;
    rc = vl_valle_tts(&b, cd, g2p, "hello", speech.data, speech.frames, speech.rate, &bo,
                      &pcm, &n, NULL);
    CHECK(rc == VL_ERR_ARG);
    /* a stop token that always wins: no audio, an error rather than an
     * empty file */
    b.ar.classifier.bias->data[vl_valle_stop_token(&b.ar)] = 1e4f;
    rc = vl_valle_tts(&b, cd, g2p, "hello", speech.data, speech.frames, speech.rate, &o,
                      &pcm, &n, &st);
    CHECK(rc < 0 && strstr(vl_last_error(), "no audio"));

    test_cli(dir, model, &speech);

    vl_audio_free(&speech);
    vl_g2p_close(g2p);
    vl_valle_bundle_free(&b);
    vl_codec_close(cd);
    return test_summary();
}
