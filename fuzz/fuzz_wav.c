/* fuzz/fuzz_wav.c: libFuzzer target for the audio path through our
 * wrappers: any file libsndfile recognises (WAV, FLAC, AIFF, ...) is read,
 * checked (channels, rate, sample values), mixed to mono and resampled to
 * 16 kHz, as `valle quantize`, `valle tts --prompt` and the codecs do. */
#include "fuzz_file.h"  /* first: it defines _GNU_SOURCE */
#include <math.h>
#include <stdlib.h>

#include "valle/audio.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *path = fuzz_file(0, data, size);
    if (!path) return 0;
    vl_audio a;
    if (vl_audio_load_mono(&a, path, 16000) != VL_OK) return 0;
    if (a.channels != 1 || a.rate != 16000 || a.frames < 0) abort();
    for (int64_t i = 0; i < a.frames; i++)
        if (!isfinite(a.data[i])) abort();
    vl_audio_free(&a);
    return 0;
}
