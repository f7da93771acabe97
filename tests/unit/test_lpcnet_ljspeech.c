/* tests/unit/test_lpcnet_ljspeech.c: LPCNet level streams on real speech:
 * the first 8 clips of ../shared/data/speech/ljspeech-test (22.05 kHz,
 * resampled to 16 kHz): frames = duration / 30 ms, every stream within its
 * vocabulary, and each stream actually used (many distinct VQ indices, pitch
 * indices spread, the pitch gain not constant). Skips (77) without ../shared. The full
 * 32-clip round trip with WER is bench/codec_quality.py. */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "valle/audio.h"
#include "valle/codec.h"

int main(void) {
    const char *dir = test_shared_path("speech/ljspeech-test/LJ001-0001.wav");
    if (!dir) return 77;
    vl_codec *cd;
    vl_codec_opts o = {.name = "lpcnet"};
    CHECK(vl_codec_open(&cd, &o) == VL_OK);
    const vl_codec_info *in = vl_codec_get_info(cd);
    static int seen[6][2048];
    int64_t total_frames = 0;
    double total_s = 0;
    for (int k = 1; k <= 8; k++) {
        char path[4096];
        snprintf(path, sizeof path, "%.*s/LJ001-%04d.wav", (int)(strrchr(dir, '/') - dir), dir, k);
        vl_audio a;
        int rc = vl_audio_load_mono(&a, path, 16000);
        CHECK_MSG(rc == VL_OK, "%s: %s", path, vl_last_error());
        if (rc < 0) continue;
        vl_codes q;
        CHECK(vl_codec_encode(cd, a.data, a.frames, 16000, &q) == VL_OK);
        CHECK_INT(q.levels, 6);
        CHECK_INT(q.frames, (int64_t)(vl_audio_duration(&a) / 0.030));
        int ok = 1;
        for (int l = 0; l < 6; l++)
            for (int64_t t = 0; t < q.frames; t++) {
                int v = q.data[l * q.frames + t];
                ok &= v >= 0 && v < in->vocab[l];
                if (v >= 0 && v < in->vocab[l]) seen[l][v] = 1;
            }
        CHECK_MSG(ok, "%s: a code out of range", path);
        total_frames += q.frames;
        total_s += vl_audio_duration(&a);
        vl_codes_free(&q);
        vl_audio_free(&a);
    }
    int distinct[6] = {0};
    for (int l = 0; l < 6; l++)
        for (int v = 0; v < 2048; v++) distinct[l] += seen[l][v];
    printf("%lld frames (%.1f s): distinct values per level %d %d %d %d %d %d\n",
           (long long)total_frames, total_s, distinct[0], distinct[1], distinct[2], distinct[3],
           distinct[4], distinct[5]);
    for (int l = 0; l < 4; l++) CHECK_MSG(distinct[l] > 300, "VQ stage %d: %d values", l, distinct[l]);
    CHECK_MSG(distinct[4] > 20, "pitch: %d values", distinct[4]);
    CHECK_MSG(distinct[5] >= 2, "pitch gain: %d values", distinct[5]);   /* 3 of 4 on these clips */
    vl_codec_close(cd);
    return test_summary();
}
