/* tools/cmd_audio.c: `valle audio info|convert|spectrogram`: inspect audio,
 * convert it (mono, resample, DC removal, high-pass, normalisation, trim,
 * fade) and draw its log-mel spectrogram as a PNG. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "valle/audio.h"

static int fail_status(int rc) {
    fprintf(stderr, "valle: %s: %s\n", vl_strerror(rc), vl_last_error());
    return 1;
}

static int audio_info(int argc, char **argv) {
    cli_opt opts[] = {{0}};
    int np = 0;
    char **pos = NULL;
    int rc = cli_parse(argc, argv, opts, "valle audio info FILE...",
                       "Print rate, channels, duration, peak and active level.", &np, &pos);
    if (rc) return rc == CLI_HELP ? 0 : 2;
    if (np < 1) return cli_fail(2, "audio info: no input file");
    int failed = 0;
    for (int i = 0; i < np; i++) {
        vl_audio a;
        rc = vl_audio_read(&a, pos[i]);
        if (rc < 0) {
            fail_status(rc);
            failed = 1;
            continue;
        }
        float peak = 0;
        for (int64_t k = 0; k < a.frames * a.channels; k++) peak = fmaxf(peak, fabsf(a.data[k]));
        printf("%s: %d Hz, %d channel%s, %lld frames, %.3f s, peak %.1f dBFS, active level "
               "%.1f dBFS\n", pos[i], a.rate, a.channels, a.channels == 1 ? "" : "s",
               (long long)a.frames, vl_audio_duration(&a), 20 * log10f(fmaxf(peak, 1e-10f)),
               vl_audio_active_level(&a));
        vl_audio_free(&a);
    }
    return failed;
}

static int audio_convert(int argc, char **argv) {
    const char *out = NULL;
    int rate = 0;
    float peak = NAN, level = NAN, trim = NAN, margin = 0.1f, hp = 0, fade = 0;
    bool mono = false, dc = false;
    cli_opt opts[] = {
        {"o", CLI_STR, &out, "FILE", "output .wav or .flac (required)"},
        {"out", CLI_STR, &out, "FILE", "same as -o"},
        {"rate", CLI_INT, &rate, "HZ", "resample (libsoxr, high quality)"},
        {"mono", CLI_FLAG, &mono, NULL, "mix down to one channel"},
        {"dc", CLI_FLAG, &dc, NULL, "remove the DC offset"},
        {"highpass", CLI_FLOAT, &hp, "HZ", "2nd-order Butterworth high-pass"},
        {"peak", CLI_FLOAT, &peak, "DB", "normalise the peak to DB dBFS"},
        {"level", CLI_FLOAT, &level, "DB", "normalise the active RMS level to DB dBFS"},
        {"trim", CLI_FLOAT, &trim, "DB", "trim leading/trailing audio DB below the loudest"},
        {"margin", CLI_FLOAT, &margin, "S", "silence kept around the trimmed audio (s)"},
        {"fade", CLI_FLOAT, &fade, "S", "linear fade in and out (s)"},
        {0}};
    int np = 0;
    char **pos = NULL;
    int rc = cli_parse(argc, argv, opts, "valle audio convert IN -o OUT [options]",
                       "Convert and condition an audio file.", &np, &pos);
    if (rc) return rc == CLI_HELP ? 0 : 2;
    if (np != 1 || !out) return cli_fail(2, "audio convert: needs one input and -o OUT");
    if (rate && (rate < VL_AUDIO_MIN_RATE || rate > VL_AUDIO_MAX_RATE))
        return cli_fail(2, "audio convert: --rate %d is out of range (%d..%d)", rate,
                        VL_AUDIO_MIN_RATE, VL_AUDIO_MAX_RATE);
    if (hp < 0 || margin < 0 || fade < 0)
        return cli_fail(2, "audio convert: --highpass, --margin, --fade must be >= 0");
    vl_audio a;
    rc = vl_audio_read(&a, pos[0]);
    if (rc < 0) return fail_status(rc);
    if (mono) vl_audio_to_mono(&a);
    if (rate && (rc = vl_audio_resample(&a, rate)) < 0) goto fail;
    if (dc) vl_audio_remove_dc(&a);
    if (hp > 0) vl_audio_highpass(&a, hp);
    if (!isnan(trim)) vl_audio_trim_silence(&a, trim, margin);
    if (!isnan(level)) vl_audio_normalize_level(&a, level);
    if (!isnan(peak)) vl_audio_normalize_peak(&a, peak);
    if (fade > 0) vl_audio_fade(&a, fade, fade);
    if ((rc = vl_audio_write(&a, out)) < 0) goto fail;
    vl_audio_free(&a);
    return 0;
fail:
    vl_audio_free(&a);
    return fail_status(rc);
}

static int audio_spectrogram(int argc, char **argv) {
    const char *out = NULL;
    int n_mels = 80, n_fft = 1024, hop = 256;
    float dyn = 80;
    cli_opt opts[] = {
        {"o", CLI_STR, &out, "FILE", "output .png (required)"},
        {"out", CLI_STR, &out, "FILE", "same as -o"},
        {"mels", CLI_INT, &n_mels, "N", "mel bands"},
        {"n-fft", CLI_INT, &n_fft, "N", "FFT size (power of 2)"},
        {"hop", CLI_INT, &hop, "N", "hop in samples"},
        {"range", CLI_FLOAT, &dyn, "DB", "dynamic range shown"},
        {0}};
    int np = 0;
    char **pos = NULL;
    int rc = cli_parse(argc, argv, opts, "valle audio spectrogram IN -o OUT.png [options]",
                       "Draw the log-mel spectrogram of an audio file (mono mix).", &np, &pos);
    if (rc) return rc == CLI_HELP ? 0 : 2;
    if (np != 1 || !out) return cli_fail(2, "audio spectrogram: needs one input and -o OUT.png");
    if (n_mels < 1 || n_mels > 512 || hop < 1 || !(dyn > 0))
        return cli_fail(2, "audio spectrogram: --mels 1..512, --hop >= 1, --range > 0");
    vl_audio a;
    rc = vl_audio_load_mono(&a, pos[0], 0);
    if (rc < 0) return fail_status(rc);
    vl_mel_config mc;
    vl_mel_config_default(&mc, a.rate);
    mc.n_mels = n_mels, mc.n_fft = n_fft, mc.hop = hop;
    float *mel = NULL;
    int frames = 0;
    rc = vl_logmel(&mc, a.data, a.frames, &mel, &frames);
    vl_audio_free(&a);
    if (rc < 0) return fail_status(rc);
    rc = vl_spectrogram_png(out, mel, frames, n_mels, dyn);
    free(mel);
    if (rc < 0) return fail_status(rc);
    printf("%s: %d frames x %d mels\n", out, frames, n_mels);
    return 0;
}

int cmd_audio(int argc, char **argv) {
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        printf("usage: valle audio info|convert|spectrogram ...\n\n"
               "  info FILE...                  rate, channels, duration, levels\n"
               "  convert IN -o OUT [options]   mono, resample, normalise, trim, fade\n"
               "  spectrogram IN -o OUT.png     log-mel spectrogram picture\n");
        return argc < 2 ? 2 : 0;
    }
    if (!strcmp(argv[1], "info")) return audio_info(argc - 1, argv + 1);
    if (!strcmp(argv[1], "convert")) return audio_convert(argc - 1, argv + 1);
    if (!strcmp(argv[1], "spectrogram")) return audio_spectrogram(argc - 1, argv + 1);
    return cli_fail(2, "audio: unknown subcommand '%s'", argv[1]);
}
