/* tests/unit/test_audio.c: audio I/O (WAV/FLAC round trips, 8 channels,
 * bad files), processing (mix-down, resampling, DC, high-pass, peak/level
 * normalisation, trimming, fade), the FFT against a direct DFT, the log-mel
 * spectrogram of a tone, and the PNG writer (decoded back and CRC-checked). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "valle/audio.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

static char path_buf[512];
static const char *tmp(const char *name) {
    snprintf(path_buf, sizeof path_buf, "%s/%s", test_tmpdir(), name);
    return path_buf;
}

static float *tone(int64_t n, int rate, double hz, double amp) {
    float *x = vl_xmalloc(sizeof(float) * (size_t)n);
    for (int64_t i = 0; i < n; i++) x[i] = (float)(amp * sin(2 * M_PI * hz * i / rate));
    return x;
}

static void write_bytes(const char *path, const void *p, size_t n) {
    FILE *f = fopen(path, "wb");
    fwrite(p, 1, n, f);
    fclose(f);
}

static void test_fft(void) {
    int n = 64;
    vl_fft *f = vl_fft_new(n);
    CHECK(f != NULL);
    float re[64], im[64];
    double xr[64], xi[64];
    vl_rng r;
    vl_rng_seed(&r, 3);
    for (int i = 0; i < n; i++) xr[i] = re[i] = vl_rng_normal(&r), xi[i] = im[i] = vl_rng_normal(&r);
    vl_fft_forward(f, re, im);
    double worst = 0;
    for (int k = 0; k < n; k++) {
        double sr = 0, si = 0;
        for (int j = 0; j < n; j++) {
            double a = -2 * M_PI * (double)j * k / n;
            sr += xr[j] * cos(a) - xi[j] * sin(a);
            si += xr[j] * sin(a) + xi[j] * cos(a);
        }
        worst = fmax(worst, fmax(fabs(sr - re[k]), fabs(si - im[k])));
    }
    CHECK_MSG(worst < 1e-4, "fft vs dft: %g", worst);
    vl_fft_free(f);
    CHECK(vl_fft_new(48) == NULL);   /* not a power of two */
}

static void test_mel(void) {
    int rate = 16000;
    int64_t n = 16000;
    float *x = tone(n, rate, 1000, 0.5);
    vl_mel_config c;
    vl_mel_config_default(&c, rate);
    float *mel;
    int frames;
    CHECK(vl_logmel(&c, x, n, &mel, &frames) == VL_OK);
    CHECK_INT(frames, n / c.hop + 1);
    /* the loudest band of a middle frame is the one centred nearest 1 kHz */
    const float *row = mel + (frames / 2) * c.n_mels;
    int best = 0;
    for (int m = 1; m < c.n_mels; m++)
        if (row[m] > row[best]) best = m;
    /* Slaney mel of 1 kHz = 15; 80 bands over 0..mel(8 kHz) ~ 45.2 */
    double m1k = 15.0, mtop = 15.0 + log(8.0) / (log(6.4) / 27.0);
    int want = (int)lrint(m1k / mtop * (c.n_mels + 1)) - 1;
    CHECK_MSG(abs(best - want) <= 1, "1 kHz tone peaks in band %d, expected %d", best, want);
    free(mel);
    free(x);
    c.n_fft = 1000;
    float *m2;
    CHECK(vl_logmel(&c, (float[]){0, 0}, 2, &m2, &frames) < 0);
}

static void test_io_roundtrip(void) {
    int rate = 22050;
    int64_t n = 5000;
    float *x = tone(n, rate, 440, 0.8);
    vl_audio a;
    vl_audio_wrap(&a, x, n, 1, rate);
    const char *exts[] = {"t.wav", "t.flac"};
    for (int e = 0; e < 2; e++) {
        CHECK(vl_audio_write(&a, tmp(exts[e])) == VL_OK);
        vl_audio b;
        CHECK(vl_audio_read(&b, tmp(exts[e])) == VL_OK);
        CHECK_INT(b.frames, n);
        CHECK_INT(b.rate, rate);
        CHECK_INT(b.channels, 1);
        double worst = 0;
        for (int64_t i = 0; i < n && b.frames == n; i++) worst = fmax(worst, fabs(b.data[i] - x[i]));
        CHECK_MSG(worst <= 1.0 / 32768 + 1e-7, "%s: 16-bit round trip error %g", exts[e], worst);
        vl_audio_free(&b);
    }
    CHECK(vl_audio_write(&a, tmp("t.mp4")) == VL_ERR_ARG);
    vl_audio_free(&a);

    /* 8 channels: channel c holds the constant c/10; the mix is their mean */
    int ch = 8;
    float *m = vl_xmalloc(sizeof(float) * 100 * ch);
    for (int t = 0; t < 100; t++)
        for (int c = 0; c < ch; c++) m[t * ch + c] = c / 10.0f;
    vl_audio_wrap(&a, m, 100, ch, 48000);
    CHECK(vl_audio_write(&a, tmp("eight.wav")) == VL_OK);
    vl_audio_free(&a);
    vl_audio b;
    CHECK(vl_audio_read(&b, tmp("eight.wav")) == VL_OK);
    CHECK_INT(b.channels, 8);
    vl_audio_to_mono(&b);
    CHECK_INT(b.channels, 1);
    CHECK_NEAR(b.data[50], 0.35, 1e-3);
    vl_audio_free(&b);
}

static void test_bad_files(void) {
    vl_audio a;
    write_bytes(tmp("empty.wav"), "", 0);
    CHECK(vl_audio_read(&a, tmp("empty.wav")) < 0);
    CHECK(strstr(vl_last_error(), "empty") != NULL);
    write_bytes(tmp("text.wav"), "hello, I am not audio\n", 22);
    CHECK(vl_audio_read(&a, tmp("text.wav")) < 0);
    CHECK(vl_audio_read(&a, tmp("missing.wav")) == VL_ERR_IO);
    /* a canonical 44-byte WAV header with a patched rate and no data */
    unsigned char h[44] = {'R', 'I', 'F', 'F', 36, 0, 0, 0, 'W', 'A', 'V', 'E', 'f', 'm', 't', ' ',
                           16, 0, 0, 0, 1, 0, 1, 0, 0x80, 0x3e, 0, 0, 0, 0x7d, 0, 0, 2, 0, 16, 0,
                           'd', 'a', 't', 'a', 0, 0, 0, 0};
    write_bytes(tmp("nodata.wav"), h, 44);
    CHECK(vl_audio_read(&a, tmp("nodata.wav")) < 0);
    unsigned char z[48];
    memcpy(z, h, 44);
    z[4] = 40, z[40] = 4, z[44] = 1, z[45] = 0, z[46] = 2, z[47] = 0;
    z[24] = z[25] = z[26] = z[27] = 0;   /* 0 Hz */
    write_bytes(tmp("zero.wav"), z, 48);
    CHECK(vl_audio_read(&a, tmp("zero.wav")) < 0);
    z[24] = 0x00, z[25] = 0x96, z[26] = 0x98, z[27] = 0x00;   /* 10 MHz */
    write_bytes(tmp("absurd.wav"), z, 48);
    CHECK(vl_audio_read(&a, tmp("absurd.wav")) < 0);
    CHECK(strstr(vl_last_error(), "absurd.wav") != NULL);
    /* a valid file cut in the middle of its data reads the samples present */
    float *x = tone(1000, 16000, 300, 0.5);
    vl_audio g;
    vl_audio_wrap(&g, x, 1000, 1, 16000);
    CHECK(vl_audio_write(&g, tmp("cut.wav")) == VL_OK);
    vl_audio_free(&g);
    FILE *f = fopen(tmp("cut.wav"), "r+b");
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fclose(f);
    CHECK(truncate(tmp("cut.wav"), size / 2) == 0);
    int rc = vl_audio_read(&a, tmp("cut.wav"));
    CHECK(rc == VL_OK);
    if (rc == VL_OK) {
        CHECK(a.frames > 400 && a.frames < 1000);
        vl_audio_free(&a);
    }
}

static void test_resample(void) {
    int64_t n = 16000;
    float *x = tone(n, 16000, 1000, 0.5);
    vl_audio a;
    vl_audio_wrap(&a, x, n, 1, 16000);
    CHECK(vl_audio_resample(&a, 24000) == VL_OK);
    CHECK_INT(a.rate, 24000);
    CHECK(llabs(a.frames - 24000) <= 1);
    /* compare the middle with the ideal 1 kHz tone at 24 kHz (phase aligned) */
    double worst = 0;
    for (int64_t i = 2000; i < 22000; i++)
        worst = fmax(worst, fabs(a.data[i] - 0.5 * sin(2 * M_PI * 1000.0 * i / 24000)));
    CHECK_MSG(worst < 2e-3, "resampled tone error %g", worst);
    CHECK(vl_audio_resample(&a, 0) == VL_ERR_ARG);
    CHECK(vl_audio_resample(&a, 100000000) == VL_ERR_ARG);
    vl_audio_free(&a);
}

static void test_processing(void) {
    int rate = 16000;
    int64_t n = 3 * rate;
    float *x = vl_xcalloc((size_t)n, sizeof(float));
    for (int64_t i = rate; i < 2 * rate; i++) x[i] = (float)(0.25 * sin(2 * M_PI * 200.0 * i / rate));
    for (int64_t i = 0; i < n; i++) x[i] += 0.1f;   /* DC */
    vl_audio a;
    vl_audio_wrap(&a, x, n, 1, rate);
    vl_audio_remove_dc(&a);
    double mean = 0;
    for (int64_t i = 0; i < n; i++) mean += a.data[i];
    CHECK_NEAR(mean / n, 0.0, 1e-6);
    /* put a quiet noise floor back so the trim has something to cut */
    for (int64_t i = 0; i < n; i++)
        if (i < rate || i >= 2 * rate) a.data[i] = 1e-4f * (float)((i * 7919) % 13 - 6);
        else a.data[i] = (float)(0.25 * sin(2 * M_PI * 200.0 * i / rate));
    int64_t removed = vl_audio_trim_silence(&a, -40.0f, 0.1f);
    CHECK_MSG(llabs(a.frames - (rate + rate / 5)) <= rate / 50 + 1,
              "trimmed to %lld frames (removed %lld)", (long long)a.frames, (long long)removed);
    float g = vl_audio_normalize_peak(&a, -6.0f);
    float peak = 0;
    for (int64_t i = 0; i < a.frames; i++) peak = fmaxf(peak, fabsf(a.data[i]));
    CHECK_NEAR(peak, pow(10, -6.0 / 20), 1e-5);
    CHECK(g > 1.5f);
    vl_audio_normalize_level(&a, -26.0f);
    CHECK_NEAR(vl_audio_active_level(&a), -26.0, 0.05);
    vl_audio_fade(&a, 0.05f, 0.05f);
    CHECK(a.data[0] == 0.0f);
    CHECK(fabsf(a.data[a.frames - 1]) < 1e-3f);
    vl_audio_free(&a);

    /* high-pass: a constant decays to ~0, a 1 kHz tone passes */
    float *c = vl_xmalloc(sizeof(float) * 16000);
    for (int i = 0; i < 16000; i++) c[i] = 0.5f;
    vl_audio_wrap(&a, c, 16000, 1, 16000);
    vl_audio_highpass(&a, 60.0f);
    CHECK(fabsf(a.data[15999]) < 1e-4f);
    vl_audio_free(&a);
    float *t = tone(16000, 16000, 1000, 0.5);
    vl_audio_wrap(&a, t, 16000, 1, 16000);
    vl_audio_highpass(&a, 60.0f);
    float p2 = 0;
    for (int i = 8000; i < 16000; i++) p2 = fmaxf(p2, fabsf(a.data[i]));
    CHECK_NEAR(p2, 0.5, 0.01);
    vl_audio_free(&a);
}

/* independent bitwise CRC-32 */
static uint32_t crc32_ref(const unsigned char *p, size_t n) {
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1)));
    }
    return ~c;
}

static uint32_t be32(const unsigned char *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void test_png(void) {
    int w = 300, h = 250;   /* > 64 KiB of pixels: several stored blocks */
    uint8_t *rgb = vl_xmalloc((size_t)w * h * 3);
    for (int i = 0; i < w * h * 3; i++) rgb[i] = (uint8_t)(i * 31 + i / 7);
    CHECK(vl_png_write_rgb(tmp("x.png"), w, h, rgb) == VL_OK);
    FILE *f = fopen(tmp("x.png"), "rb");
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *buf = vl_xmalloc((size_t)n);
    CHECK((long)fread(buf, 1, (size_t)n, f) == n);
    fclose(f);
    CHECK(!memcmp(buf, "\x89PNG\r\n\x1a\n", 8));
    /* walk the chunks, check CRCs, collect IDAT */
    long p = 8;
    unsigned char *z = NULL;
    size_t zn = 0;
    int crc_ok = 1, saw_end = 0;
    while (p + 12 <= n) {
        uint32_t len = be32(buf + p);
        if (p + 12 + (long)len > n) break;
        if (crc32_ref(buf + p + 4, len + 4) != be32(buf + p + 8 + len)) crc_ok = 0;
        if (!memcmp(buf + p + 4, "IHDR", 4)) {
            CHECK_INT(be32(buf + p + 8), w);
            CHECK_INT(be32(buf + p + 12), h);
        }
        if (!memcmp(buf + p + 4, "IDAT", 4)) {
            z = vl_xrealloc(z, zn + len);
            memcpy(z + zn, buf + p + 8, len);
            zn += len;
        }
        if (!memcmp(buf + p + 4, "IEND", 4)) saw_end = 1;
        p += 12 + len;
    }
    CHECK(crc_ok && saw_end);
    /* inflate the stored blocks and compare pixels */
    size_t row = (size_t)w * 3 + 1, q = 2, out = 0;
    unsigned char *raw = vl_xmalloc(row * h);
    int last = 0;
    while (!last && q + 5 <= zn) {
        last = z[q] & 1;
        size_t len = z[q + 1] | (size_t)z[q + 2] << 8;
        CHECK_INT((z[q + 3] | z[q + 4] << 8) ^ 0xffff, len);
        if (out + len > row * h) break;
        memcpy(raw + out, z + q + 5, len);
        out += len, q += 5 + len;
    }
    CHECK_INT(out, row * h);
    int same = 1;
    for (int y = 0; y < h && out == row * h; y++)
        same &= raw[y * row] == 0 && !memcmp(raw + y * row + 1, rgb + (size_t)y * w * 3, (size_t)w * 3);
    CHECK(same);
    free(raw), free(z), free(buf), free(rgb);
    CHECK(vl_png_write_rgb(tmp("y.png"), 0, 5, NULL) == VL_ERR_ARG);
}

int main(void) {
    test_fft();
    test_mel();
    test_io_roundtrip();
    test_bad_files();
    test_resample();
    test_processing();
    test_png();
    return test_summary();
}
