/* tools/cmd_codec.c: `valle quantize PATH...` (audio -> <name>.qnt.npy
 * beside each file, as the VALL-E reference's qnt stage), `valle decode
 * CODES.npy -o OUT.wav`, and `valle codec roundtrip|info`. */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <soxr.h>

#include "cli.h"
#include "commands.h"
#include "valle/audio.h"
#include "valle/codec.h"

static int fail_status(int rc) {
    fprintf(stderr, "valle: %s: %s\n", vl_strerror(rc), vl_last_error());
    return 1;
}

/* options every codec command shares */
typedef struct codec_args {
    const char *codec, *weights, *quality;
    float bandwidth, level, highpass;
    int threads;
} codec_args;

#define CODEC_OPTS(a)                                                                      \
    {"codec", CLI_STR, &(a).codec, "NAME", "lpcnet (default) | encodec"},                 \
    {"weights", CLI_STR, &(a).weights, "FILE", "encodec weights (.safetensors)"},          \
    {"bandwidth", CLI_FLOAT, &(a).bandwidth, "KBPS", "encodec: 1.5 | 3 | 6 | 12 | 24"},   \
    {"threads", CLI_INT, &(a).threads, "N", "threads (0: all cores)"}

#define COND_OPTS(a)                                                                       \
    {"level", CLI_FLOAT, &(a).level, "DB", "normalise the active level to DB dBFS first"}, \
    {"highpass", CLI_FLOAT, &(a).highpass, "HZ", "high-pass the input first"},             \
    {"quality", CLI_STR, &(a).quality, "Q", "resampler: quick|low|medium|high|very-high"}

static void args_default(codec_args *a) {
    memset(a, 0, sizeof *a);
    a->codec = "lpcnet";
    a->level = NAN;
    a->quality = "high";
}

static int open_codec(const codec_args *a, vl_codec **cd) {
    if (a->threads < 0) return cli_fail(2, "--threads must be >= 0");
    vl_set_num_threads(a->threads);
    vl_codec_opts o = {.name = a->codec, .weights = a->weights, .bandwidth = a->bandwidth};
    int rc = vl_codec_open(cd, &o);
    if (rc < 0) return rc == VL_ERR_ARG ? (cli_fail(2, "%s", vl_last_error()), 2)
                                        : fail_status(rc);
    return 0;
}

static int soxr_quality(const char *q) {
    static const char *const names[] = {"quick", "low", "medium", "high", "very-high"};
    static const int vals[] = {SOXR_QQ, SOXR_LQ, SOXR_MQ, SOXR_HQ, SOXR_VHQ};
    int k = vl_parse_name(q, names, 5, "resampler quality");
    return k < 0 ? k : vals[k];
}

/* Load, condition and resample a file to the codec's rate, then encode. */
static int encode_file(vl_codec *cd, const codec_args *a, const char *path, vl_codes *q,
                       double *seconds) {
    vl_audio au;
    int rc = vl_audio_load_mono(&au, path, 0);
    if (rc < 0) return rc;
    if (a->highpass > 0) vl_audio_highpass(&au, a->highpass);
    if (!isnan(a->level)) vl_audio_normalize_level(&au, a->level);
    int qual = soxr_quality(a->quality);
    if (qual < 0) rc = qual;
    else if (au.rate != vl_codec_get_info(cd)->sample_rate)
        rc = vl_audio_resample_q(&au, vl_codec_get_info(cd)->sample_rate, qual);
    if (rc >= 0) {
        *seconds = vl_audio_duration(&au);
        rc = vl_codec_encode(cd, au.data, au.frames, au.rate, q);
    }
    vl_audio_free(&au);
    return rc;
}

/* ---- file discovery for quantize ---- */
typedef struct path_list {
    char **v;
    int n, cap;
} path_list;

static void push(path_list *l, const char *s) {
    if (l->n == l->cap) l->cap = l->cap ? 2 * l->cap : 64, l->v = vl_xrealloc(l->v, l->cap * sizeof(char *));
    l->v[l->n++] = vl_xstrdup(s);
}

static int is_audio_name(const char *name) {
    static const char *const exts[] = {".wav", ".flac", ".ogg", ".opus", ".mp3"};
    size_t n = strlen(name);
    for (size_t i = 0; i < sizeof exts / sizeof *exts; i++) {
        size_t e = strlen(exts[i]);
        if (n > e && !strcasecmp(name + n - e, exts[i])) return 1;
    }
    return 0;
}

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void walk(const char *dir, path_list *out, int depth) {
    if (depth > 32) return;
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        size_t n = strlen(dir) + strlen(e->d_name) + 2;
        char *p = vl_xmalloc(n);
        snprintf(p, n, "%s/%s", dir, e->d_name);
        struct stat sb;
        if (stat(p, &sb) == 0) {
            if (S_ISDIR(sb.st_mode)) walk(p, out, depth + 1);
            else if (S_ISREG(sb.st_mode) && is_audio_name(e->d_name)) push(out, p);
        }
        free(p);
    }
    closedir(d);
}

/* "dir/x.wav" -> "dir/x.qnt.npy" */
static char *qnt_name(const char *path) {
    const char *dot = strrchr(path, '.'), *slash = strrchr(path, '/');
    size_t stem = dot && (!slash || dot > slash) ? (size_t)(dot - path) : strlen(path);
    char *s = vl_xmalloc(stem + 9);
    memcpy(s, path, stem);
    strcpy(s + stem, ".qnt.npy");
    return s;
}

int cmd_quantize(int argc, char **argv) {
    codec_args a;
    args_default(&a);
    bool force = false, quiet = false;
    cli_opt opts[] = {CODEC_OPTS(a), COND_OPTS(a),
                      {"force", CLI_FLAG, &force, NULL, "re-encode files whose .qnt.npy exists"},
                      {"quiet", CLI_FLAG, &quiet, NULL, "no progress lines"},
                      {0}};
    int np = 0;
    char **pos = NULL;
    int rc = cli_parse(argc, argv, opts, "valle quantize [options] PATH...",
                       "Encode every audio file (.wav .flac .ogg .opus .mp3) under the given "
                       "folders (or the given files) into <name>.qnt.npy beside it: int64, "
                       "shape (1, levels, frames). Existing .qnt.npy files are skipped.",
                       &np, &pos);
    if (rc) return rc == CLI_HELP ? 0 : 2;
    if (np < 1) return cli_fail(2, "quantize: no PATH given");
    path_list files = {0};
    for (int i = 0; i < np; i++) {
        struct stat sb;
        if (stat(pos[i], &sb) != 0) {
            for (int k = 0; k < files.n; k++) free(files.v[k]);
            free(files.v);
            return cli_fail(1, "quantize: %s: no such file or folder", pos[i]);
        }
        if (S_ISDIR(sb.st_mode)) {
            path_list sub = {0};
            walk(pos[i], &sub, 0);
            qsort(sub.v, sub.n, sizeof(char *), cmp_str);
            for (int k = 0; k < sub.n; k++) push(&files, sub.v[k]), free(sub.v[k]);
            free(sub.v);
        } else push(&files, pos[i]);
    }
    vl_codec *cd = NULL;
    if ((rc = open_codec(&a, &cd))) goto done_files;
    const vl_codec_info *in = vl_codec_get_info(cd);
    int done = 0, skipped = 0, failed = 0;
    double t0 = vl_seconds(), audio_s = 0, last = 0;
    /* a progress line a second on a terminal, every 30 s into a log file */
    const double progress_every = isatty(STDERR_FILENO) ? 1.0 : 30.0;
    for (int i = 0; i < files.n; i++) {
        char *out = qnt_name(files.v[i]);
        if (!force && access(out, F_OK) == 0) {
            skipped++;
            free(out);
            continue;
        }
        vl_codes q = {0};
        double sec = 0;
        int r = encode_file(cd, &a, files.v[i], &q, &sec);
        if (r >= 0) r = vl_codes_save_npy(&q, out);
        if (r < 0) {
            fprintf(stderr, "valle: quantize: %s\n", vl_last_error());
            failed++;
        } else {
            done++;
            audio_s += sec;
        }
        vl_codes_free(&q);
        free(out);
        double t = vl_seconds();
        if (!quiet && (t - last > progress_every || i + 1 == files.n)) {
            last = t;
            fprintf(stderr, "quantize: %d/%d files (%d encoded, %d skipped, %d failed), "
                    "%.1f s of audio, RTF %.3f\n", i + 1, files.n, done, skipped, failed,
                    audio_s, audio_s > 0 ? (t - t0) / audio_s : 0.0);
        }
    }
    if (!quiet)
        printf("quantize: %s, %d levels at %.2f frames/s: %d encoded, %d skipped, %d failed\n",
               in->name, in->levels, in->frame_rate, done, skipped, failed);
    if (files.n == 0) fprintf(stderr, "valle: quantize: no audio files found\n");
    rc = failed || files.n == 0 ? 1 : 0;
    vl_codec_close(cd);
done_files:
    for (int k = 0; k < files.n; k++) free(files.v[k]);
    free(files.v);
    return rc;
}

static int write_pcm(const char *path, float *pcm, int64_t n, int rate) {
    vl_audio au;
    vl_audio_wrap(&au, pcm, n, 1, rate);
    int rc = vl_audio_write(&au, path);
    vl_audio_free(&au);
    return rc;
}

int cmd_decode(int argc, char **argv) {
    codec_args a;
    args_default(&a);
    const char *out = NULL;
    cli_opt opts[] = {CODEC_OPTS(a), {"o", CLI_STR, &out, "FILE", "output .wav/.flac (required)"},
                      {"out", CLI_STR, &out, "FILE", "same as -o"}, {0}};
    int np = 0;
    char **pos = NULL;
    int rc = cli_parse(argc, argv, opts, "valle decode CODES.npy -o OUT.wav [options]",
                       "Decode a codes file ((1, levels, frames) or (levels, frames)) to audio "
                       "at the codec's rate.", &np, &pos);
    if (rc) return rc == CLI_HELP ? 0 : 2;
    if (np != 1 || !out) return cli_fail(2, "decode: needs one CODES.npy and -o OUT");
    vl_codes q;
    if ((rc = vl_codes_load_npy(&q, pos[0])) < 0) return fail_status(rc);
    vl_codec *cd = NULL;
    if ((rc = open_codec(&a, &cd))) {
        vl_codes_free(&q);
        return rc;
    }
    float *pcm = NULL;
    int64_t n = 0;
    double t0 = vl_seconds();
    rc = vl_codec_decode(cd, &q, &pcm, &n);
    double dt = vl_seconds() - t0;
    int sr = vl_codec_get_info(cd)->sample_rate;
    vl_codes_free(&q);
    vl_codec_close(cd);
    if (rc < 0) {
        fprintf(stderr, "valle: decode: %s: %s\n", pos[0], vl_last_error());
        return 1;
    }
    if ((rc = write_pcm(out, pcm, n, sr)) < 0) return fail_status(rc);
    printf("%s: %.2f s at %d Hz, decoded in %.2f s (RTF %.3f)\n", out, (double)n / sr, sr, dt,
           dt / ((double)n / sr));
    return 0;
}

static int codec_roundtrip(int argc, char **argv) {
    codec_args a;
    args_default(&a);
    const char *out = NULL, *codes_out = NULL;
    cli_opt opts[] = {CODEC_OPTS(a), COND_OPTS(a),
                      {"o", CLI_STR, &out, "FILE", "output .wav/.flac (required)"},
                      {"out", CLI_STR, &out, "FILE", "same as -o"},
                      {"codes", CLI_STR, &codes_out, "FILE", "also save the codes (.npy)"},
                      {0}};
    int np = 0;
    char **pos = NULL;
    int rc = cli_parse(argc, argv, opts, "valle codec roundtrip IN -o OUT [options]",
                       "Encode and decode an audio file; prints the encode and decode real-time "
                       "factors.", &np, &pos);
    if (rc) return rc == CLI_HELP ? 0 : 2;
    if (np != 1 || !out) return cli_fail(2, "codec roundtrip: needs one input and -o OUT");
    vl_codec *cd = NULL;
    if ((rc = open_codec(&a, &cd))) return rc;
    vl_codes q = {0};
    double sec = 0, t0 = vl_seconds();
    rc = encode_file(cd, &a, pos[0], &q, &sec);
    double t_enc = vl_seconds() - t0;
    float *pcm = NULL;
    int64_t n = 0;
    if (rc >= 0 && codes_out) rc = vl_codes_save_npy(&q, codes_out);
    double t_dec = 0;
    if (rc >= 0) {
        t0 = vl_seconds();
        rc = vl_codec_decode(cd, &q, &pcm, &n);
        t_dec = vl_seconds() - t0;
    }
    int sr = vl_codec_get_info(cd)->sample_rate;
    int levels = q.levels;
    int64_t frames = q.frames;
    vl_codes_free(&q);
    vl_codec_close(cd);
    if (rc < 0) return fail_status(rc);
    if ((rc = write_pcm(out, pcm, n, sr)) < 0) return fail_status(rc);
    printf("%s: %.2f s, %d levels x %lld frames; encode RTF %.3f, decode RTF %.3f\n", out, sec,
           levels, (long long)frames, t_enc / sec, t_dec / sec);
    return 0;
}

static int codec_info(int argc, char **argv) {
    codec_args a;
    args_default(&a);
    cli_opt opts[] = {CODEC_OPTS(a), {0}};
    int rc = cli_parse(argc, argv, opts, "valle codec info [options]",
                       "Print the codec's rate, frame rate, levels and vocabularies.", NULL, NULL);
    if (rc) return rc == CLI_HELP ? 0 : 2;
    vl_codec *cd = NULL;
    if ((rc = open_codec(&a, &cd))) return rc;
    const vl_codec_info *in = vl_codec_get_info(cd);
    printf("codec %s: %d Hz, %.3f frames/s (hop %d), %d levels, vocab", in->name,
           in->sample_rate, in->frame_rate, in->hop, in->levels);
    for (int l = 0; l < in->levels; l++) printf(" %d", in->vocab[l]);
    printf("\n");
    vl_codec_close(cd);
    return 0;
}

int cmd_codec(int argc, char **argv) {
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        printf("usage: valle codec roundtrip|info ...\n\n"
               "  roundtrip IN -o OUT [options]  encode + decode, with RTFs\n"
               "  info [--codec NAME ...]        rate, frame rate, levels, vocabularies\n");
        return argc < 2 ? 2 : 0;
    }
    if (!strcmp(argv[1], "roundtrip")) return codec_roundtrip(argc - 1, argv + 1);
    if (!strcmp(argv[1], "info")) return codec_info(argc - 1, argv + 1);
    return cli_fail(2, "codec: unknown subcommand '%s'", argv[1]);
}
