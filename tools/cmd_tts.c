/* tools/cmd_tts.c: `valle tts "TEXT" [-o OUT.wav] [--prompt REF.wav]
 * [--model FILE] ...`: text-to-speech with a trained VALL-E bundle
 * (include/valle/valle_tts.h, docs/tts.md); `--batch FILE` synthesises one
 * utterance per line ("OUT.wav|TEXT" or just TEXT). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "valle/audio.h"
#include "valle/valle_tts.h"

#define TTS_MAX_BATCH_LINES 100000

/* $env, else `rel` under the current directory, else the copy in the source
 * tree this binary was built from (when compiled in). */
static const char *default_path(const char *env, const char *rel, const char *built) {
    const char *e = getenv(env);
    if (e && *e) return e;
    if (access(rel, R_OK) == 0 || !built) return rel;
    return built;
}

#ifdef VALLE_DEFAULT_MODEL_PATH
#define BUILT_MODEL VALLE_DEFAULT_MODEL_PATH
#else
#define BUILT_MODEL NULL
#endif

/* The default prompt sits beside the default model. */
static char *built_prompt_path(void) {
#ifndef VALLE_DEFAULT_MODEL_PATH
    return NULL;
#else
    const char *m = VALLE_DEFAULT_MODEL_PATH, *slash = strrchr(m, '/');
    size_t dir = slash ? (size_t)(slash - m) + 1 : 0;
    char *p = vl_xmalloc(dir + 32);
    memcpy(p, m, dir);
    strcpy(p + dir, "default-prompt.wav");
    return p;
#endif
}

typedef struct tts_job {
    const vl_valle_bundle *b;
    vl_codec *codec;
    vl_g2p *g2p;
    const vl_audio *prompt;
    const vl_valle_tts_opts *o;
    bool quiet;
} tts_job;

static void print_summary(const char *out, const vl_valle_tts_stats *st, double wall) {
    fprintf(stderr, "valle tts: %s: %.2f s of audio in %.2f s (RTF %.2f; AR %.2f s, NAR "
            "%.2f s, codec %.2f s), %d phones, prompt %.2f s%s\n", out, st->audio_seconds,
            wall, st->audio_seconds > 0 ? wall / st->audio_seconds : 0.0, st->ar_seconds,
            st->nar_seconds, st->codec_seconds, st->phones, st->prompt_seconds,
            st->prompt_cut ? " (cut from a longer prompt)" : "");
    for (int i = 0; i < st->n_sentences; i++) {
        const vl_valle_tts_sentence *s = &st->sentences[i];
        fprintf(stderr, "  sentence %d: %d phones, %d frames, %s, %.2f s\n", i + 1,
                s->phones, s->frames,
                s->stopped ? "stop token" : "cap reached (no stop token)", s->seconds);
    }
    if (st->phones_skipped || st->phones_restressed)
        fprintf(stderr, "valle tts: warning: %d phones not in the model's map were left "
                "out, %d read with another stress\n", st->phones_skipped,
                st->phones_restressed);
}

static int synth_one(const tts_job *j, const char *text, const char *out) {
    double t0 = vl_seconds();
    float *pcm = NULL;
    int64_t n = 0;
    vl_valle_tts_stats st;
    int rc = vl_valle_tts(j->b, j->codec, j->g2p, text, j->prompt->data, j->prompt->frames,
                          j->prompt->rate, j->o, &pcm, &n, &st);
    if (rc < 0) {
        fprintf(stderr, "valle tts: %s\n", vl_last_error());
        return rc == VL_ERR_ARG ? 2 : 1;
    }
    vl_audio a;
    vl_audio_wrap(&a, pcm, n, 1, st.sample_rate);
    rc = vl_audio_write(&a, out);
    vl_audio_free(&a);
    if (rc < 0) {
        vl_valle_tts_stats_free(&st);
        return cli_fail_status(rc);
    }
    if (!j->quiet) print_summary(out, &st, vl_seconds() - t0);
    vl_valle_tts_stats_free(&st);
    return 0;
}

/* One utterance per line: "OUT.wav|TEXT" or TEXT (-> out-0001.wav, ...).
 * Blank lines are skipped; a failing line is reported and the rest go on. */
static int run_batch(const tts_job *j, const char *path) {
    FILE *f = fopen(path, "r");
    if (!f) return cli_fail(1, "tts: cannot open batch file %s", path);
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    int k = 0, failed = 0, worst = 0;
    while ((len = getline(&line, &cap, f)) >= 0 && k < TTS_MAX_BATCH_LINES) {
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r')) line[--len] = 0;
        if (strspn(line, " \t") == (size_t)len) continue;
        k++;
        char name[32], *out = name, *text = line, *bar = strchr(line, '|');
        if (bar) {
            *bar = 0;
            out = line;
            text = bar + 1;
        } else snprintf(name, sizeof name, "out-%04d.wav", k);
        int rc = synth_one(j, text, out);
        if (rc) {
            fprintf(stderr, "valle tts: %s line %d failed\n", path, k);
            failed++;
            if (rc > worst) worst = rc;
        }
    }
    free(line);
    fclose(f);
    if (k == 0) return cli_fail(2, "tts: batch file %s has no utterance", path);
    if (failed) fprintf(stderr, "valle tts: %d of %d utterances failed\n", failed, k);
    return failed ? worst : 0;
}

/* The bundle's codec; EnCodec's bandwidth follows the model's level count. */
static int open_codec(const vl_valle_bundle *b, const char *weights, vl_codec **cd) {
    vl_codec_opts co = {.name = b->codec, .weights = weights,
                        .bandwidth = 0.75f * (float)b->levels};
    if (!strcmp(b->codec, "encodec") && !weights)
        return cli_fail(2, "tts: the model uses the encodec codec: pass its weights with "
                        "--codec-weights FILE");
    int rc = vl_codec_open(cd, &co);
    return rc < 0 ? cli_fail_status(rc) : 0;
}

int cmd_tts(int argc, char **argv) {
    vl_valle_tts_opts o = vl_valle_tts_default();
    const char *out = "out.wav", *prompt = NULL, *model = NULL, *batch = NULL,
               *weights = NULL;
    long long seed = 0;
    int threads = 0;
    float max_s = o.max_seconds;
    bool no_ras = false, quiet = false;
    cli_opt opts[] = {
        {"o", CLI_STR, &out, "OUT.wav", "output audio, .wav or .flac"},
        {"prompt", CLI_STR, &prompt, "REF.wav", "the voice to imitate: 0.5..10 s of speech "
         "(longer is cut to 10 s; default models/valle/default-prompt.wav, $VALLE_PROMPT)"},
        {"model", CLI_STR, &model, "FILE", "VALL-E bundle from `valle export` (default "
         "models/valle/default.safetensors, $VALLE_MODEL)"},
        {"codec-weights", CLI_STR, &weights, "FILE", "EnCodec weights, for encodec models"},
        {"temperature", CLI_FLOAT, &o.temperature, "T", "AR sampling temperature (0 = greedy)"},
        {"top-k", CLI_INT, &o.top_k, "K", "AR: keep the K likeliest codes (0 = off)"},
        {"top-p", CLI_FLOAT, &o.top_p, "P", "AR nucleus, before repetition-aware sampling "
         "(1 = off)"},
        {"no-ras", CLI_FLAG, &no_ras, NULL, "no repetition-aware sampling (on by default: "
         "window 10, threshold 0.1)"},
        {"nar-temperature", CLI_FLOAT, &o.nar_temperature, "T", "NAR temperature (0 = greedy; "
         "the reference uses 0.2)"},
        {"seed", CLI_LONG, &seed, "S", "random seed: the same seed draws the same codes"},
        {"max-seconds", CLI_FLOAT, &max_s, "S", "cap per sentence (also at most 0.4 s "
         "per phone)"},
        {"batch", CLI_STR, &batch, "FILE", "one utterance per line: OUT.wav|TEXT or TEXT "
         "(-> out-0001.wav, ...)"},
        {"threads", CLI_INT, &threads, "N", "threads (0 = all cores)"},
        {"quiet", CLI_FLAG, &quiet, NULL, "no summary on stderr"},
        {0}};
    int np = 0;
    char **pos = NULL;
    int rc = cli_parse(argc, argv, opts, "valle tts \"TEXT\" [-o OUT.wav] [options]",
                       "Text-to-speech with a VALL-E model: the text is normalised, split "
                       "into sentences and phonemized; the AR draws the first codec level "
                       "until its stop token (or the cap), the NAR fills the other levels, "
                       "the codec decodes, and sentences are joined with 0.25 s pauses at "
                       "-20 dBFS RMS (peak <= -1 dBFS). Prints a summary on stderr.",
                       &np, &pos);
    if (rc) return rc == CLI_HELP ? 0 : 2;
    if (!batch && np == 0) return cli_fail(2, "tts: no TEXT given (see valle tts --help)");
    if (batch && np > 0) return cli_fail(2, "tts: give TEXT or --batch FILE, not both");
    if (threads < 0) return cli_fail(2, "--threads must be >= 0");
    if (seed < 0) return cli_fail(2, "--seed must be >= 0");
    o.max_seconds = max_s;
    o.ras = !no_ras;
    o.seed = (uint64_t)seed;
    vl_set_num_threads(threads);

    char *built_prompt = built_prompt_path();
    bool default_model = !model;
    if (!model) model = default_path("VALLE_MODEL", "models/valle/default.safetensors",
                                     BUILT_MODEL);
    if (!prompt) prompt = default_path("VALLE_PROMPT", "models/valle/default-prompt.wav",
                                       built_prompt);
    if (default_model && access(model, R_OK) != 0) {
        free(built_prompt);
        return cli_fail(2, "tts: no default VALL-E model is shipped yet (looked for %s); "
                        "pass one with --model FILE (make it with `valle export`) or set "
                        "$VALLE_MODEL", model);
    }
    vl_valle_bundle b;
    vl_codec *codec = NULL;
    vl_g2p *g2p = NULL;
    vl_audio pa = {0};
    rc = vl_valle_bundle_load(&b, model);
    if (rc < 0) {
        free(built_prompt);
        fprintf(stderr, "valle tts: %s\n", vl_last_error());
        return 1;
    }
    if ((rc = vl_audio_load_mono(&pa, prompt, 0)) < 0) {
        fprintf(stderr, "valle tts: prompt: %s\n", vl_last_error());
        rc = 1;
        goto done;
    }
    if ((rc = open_codec(&b, weights, &codec))) goto done;
    vl_g2p_options go = {.no_normalize = 1};
    if ((rc = vl_g2p_open(&g2p, &go)) < 0) {
        rc = cli_fail_status(rc);
        goto done;
    }
    tts_job j = {.b = &b, .codec = codec, .g2p = g2p, .prompt = &pa, .o = &o, .quiet = quiet};
    if (batch) rc = run_batch(&j, batch);
    else {
        char *text = NULL;
        size_t len = 1;
        for (int i = 0; i < np; i++) len += strlen(pos[i]) + 1;
        text = vl_xmalloc(len);
        text[0] = 0;
        for (int i = 0; i < np; i++) {
            if (i) strcat(text, " ");
            strcat(text, pos[i]);
        }
        rc = synth_one(&j, text, out);
        free(text);
    }
done:
    if (g2p) vl_g2p_close(g2p);
    if (codec) vl_codec_close(codec);
    vl_audio_free(&pa);
    vl_valle_bundle_free(&b);
    free(built_prompt);
    return rc;
}
