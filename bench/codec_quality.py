#!/usr/bin/env python3
"""bench/codec_quality.py: quality of a `valle` codec round trip on a folder of
speech clips: pocketsphinx word error rate of the originals and of the round
trips (closed-vocabulary unigram LM built from the clips' transcripts), the
log-spectral distance between them, and the encode/decode real-time factors.

Usage (from the repository root; the clips and transcripts are ../shared's):
    python3 bench/codec_quality.py --valle build/valle \
        --clips ../shared/data/speech/ljspeech-test \
        --meta ../shared/data/text/ljspeech-metadata.csv \
        --out /tmp/cq [--conditions base,level,hp,quick,vhq] [codec options after --]

Needs Debian's pocketsphinx + pocketsphinx-en-us and numpy. Each condition is a
set of `valle codec roundtrip` conditioning flags (see CONDITIONS).
ASR runs on 16 kHz versions: the original resampled with `valle audio convert`
(soxr high quality), the round trip as the codec wrote it (LPCNet: 16 kHz).
"""
import argparse
import os
import re
import subprocess
import sys
import wave

import numpy as np

HMM = "/usr/share/pocketsphinx/model/en-us/en-us"
CMUDICT = "/usr/share/pocketsphinx/model/en-us/cmudict-en-us.dict"
CONDITIONS = {
    "base": [],                                   # soxr high quality, no conditioning
    "level": ["--level", "-26"],                  # active level -26 dBFS
    "level20": ["--level", "-20"],
    "level32": ["--level", "-32"],
    "level38": ["--level", "-38"],
    "hp": ["--highpass", "60"],                   # 60 Hz high-pass
    "level_hp": ["--level", "-26", "--highpass", "60"],
    "quick": ["--quality", "quick"],              # soxr quick (worse) resampler
    "vhq": ["--quality", "very-high"],            # soxr very high quality
}


def words(text):
    return re.sub(r"[^a-z' ]", " ", text.lower().replace("-", " ")).split()


def read_wav(path):
    with wave.open(path) as w:
        assert w.getsampwidth() == 2 and w.getnchannels() == 1, path
        x = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16).astype(np.float64) / 32768
        return x, w.getframerate()


def wer_counts(ref, hyp):
    d = np.arange(len(hyp) + 1)
    for i, r in enumerate(ref, 1):
        prev, d[0] = d.copy(), i
        for j, h in enumerate(hyp, 1):
            d[j] = min(prev[j] + 1, d[j - 1] + 1, prev[j - 1] + (r != h))
    return int(d[len(hyp)]), len(ref)


def build_lm(out, transcripts):
    vocab = {}
    for t in transcripts.values():
        for w in words(t):
            vocab[w] = vocab.get(w, 0) + 1
    pron = {}
    for line in open(CMUDICT, encoding="utf-8", errors="replace"):
        p = line.split()
        if not p:
            continue
        w = re.sub(r"\(\d+\)$", "", p[0])
        if w in vocab:
            pron.setdefault(w, []).append(" ".join(p[1:]))
    oov = sorted(set(vocab) - set(pron))
    total = sum(c for w, c in vocab.items() if w in pron) + len(transcripts)
    with open(os.path.join(out, "lm.arpa"), "w") as f:
        f.write("\\data\\\nngram 1=%d\n\n\\1-grams:\n" % (len(pron) + 2))
        f.write("%.4f </s>\n-99.0000 <s>\n" % np.log10(len(transcripts) / total))
        for w in sorted(pron):
            f.write("%.4f %s\n" % (np.log10(vocab[w] / total), w))
        f.write("\n\\end\\\n")
    with open(os.path.join(out, "vocab.dict"), "w") as f:
        for w in sorted(pron):
            for i, p in enumerate(pron[w]):
                f.write("%s %s\n" % (w if i == 0 else "%s(%d)" % (w, i + 1), p))
    return oov


def recognise(out, wav):
    r = subprocess.run(["pocketsphinx_continuous", "-infile", wav, "-hmm", HMM,
                        "-lm", os.path.join(out, "lm.arpa"), "-dict", os.path.join(out, "vocab.dict"),
                        "-logfn", "/dev/null"], capture_output=True, text=True)
    return " ".join(r.stdout.split()).lower().split()


def spec_db(x, n=512, hop=160):
    frames = max(0, (len(x) - n) // hop + 1)
    win = np.hanning(n)
    idx = np.arange(n)[None, :] + hop * np.arange(frames)[:, None]
    p = np.abs(np.fft.rfft(x[idx] * win, axis=1)) ** 2
    return 10 * np.log10(p + 1e-10)


def lsd(ref, deg, rate):
    """Log-spectral distance (dB) with the overall gain difference removed, and
    without (raw), after aligning deg to ref by the lag (in 10 ms
    frames, -10..+30) that best correlates their log-energy envelopes. Frames
    where the original is within 40 dB of its loudest frame."""
    hop = rate // 100
    A, B = spec_db(ref, 512 * rate // 16000, hop), spec_db(deg, 512 * rate // 16000, hop)
    ea, eb = A.mean(1), B.mean(1)
    best, lag = -2, 0
    for L in range(-10, 31):
        a, b = (ea[:len(ea) - L], eb[L:]) if L >= 0 else (ea[-L:], eb[:len(eb) + L])
        m = min(len(a), len(b))
        if m < 20:
            continue
        c = np.corrcoef(a[:m], b[:m])[0, 1]
        if c > best:
            best, lag = c, L
    a, b = (A[:len(A) - lag], B[lag:]) if lag >= 0 else (A[-lag:], B[:len(B) + lag])
    m = min(len(a), len(b))
    a, b = a[:m], b[:m]
    act = a.max(1) > a.max() - 40
    d = a[act] - b[act]
    raw = float(np.sqrt((d ** 2).mean(1)).mean())
    d = d - d.mean()           # remove the overall gain difference (level conditioning)
    return float(np.sqrt((d ** 2).mean(1)).mean()), raw, lag * 10


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--valle", required=True)
    ap.add_argument("--clips", required=True)
    ap.add_argument("--meta", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--conditions", default="base")
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--reuse", action="store_true", help="score round trips already in --out")
    ap.add_argument("codec_args", nargs="*")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    clips = sorted(f for f in os.listdir(a.clips) if f.endswith(".wav"))
    if a.limit:
        clips = clips[:a.limit]
    meta = {}
    for line in open(a.meta, encoding="utf-8"):
        p = line.rstrip("\n").split("|")
        if len(p) >= 3:
            meta[p[0]] = p[2]
    trans = {c: meta[c[:-4]] for c in clips}
    oov = build_lm(a.out, trans)
    print("%d clips, %d words, vocabulary %d, OOV (not in cmudict-en-us, dropped from the LM): %s" % (
        len(clips), sum(len(words(t)) for t in trans.values()),
        len(set(w for t in trans.values() for w in words(t))), " ".join(oov) or "none"))
    orig_err = orig_n = 0
    for c in clips:
        o16 = os.path.join(a.out, "orig16_" + c)
        if not os.path.exists(o16):
            subprocess.run([a.valle, "audio", "convert", os.path.join(a.clips, c), "-o", o16,
                            "--mono", "--rate", "16000"], check=True, capture_output=True)
        e, n = wer_counts(words(trans[c]), recognise(a.out, o16))
        orig_err += e
        orig_n += n
    print("original (16 kHz):      WER %5.1f%%  (%d / %d)" % (100 * orig_err / orig_n, orig_err, orig_n))
    for cond in a.conditions.split(","):
        err = n_words = 0
        lsds, raws, lags, enc, dec, secs = [], [], [], 0.0, 0.0, 0.0
        streams_ok = 0
        for c in clips:
            rt = os.path.join(a.out, "%s_%s" % (cond, c))
            if a.reuse and os.path.exists(rt):
                secs += len(read_wav(rt)[0]) / 16000
            else:
              r = subprocess.run([a.valle, "codec", "roundtrip", os.path.join(a.clips, c), "-o", rt,
                                "--codes", rt + ".npy",
                                "--threads", "1"] + CONDITIONS[cond] + a.codec_args,
                               check=True, capture_output=True, text=True)
              m = re.search(r": ([\d.]+) s, .*encode RTF ([\d.]+), decode RTF ([\d.]+)", r.stdout)
              s = float(m.group(1))
              secs += s
              enc += s * float(m.group(2))
              dec += s * float(m.group(3))
            e, n = wer_counts(words(trans[c]), recognise(a.out, rt))
            err += e
            n_words += n
            x, rate = read_wav(os.path.join(a.out, "orig16_" + c))
            y, rate2 = read_wav(rt)
            if os.path.exists(rt + ".npy") and not a.codec_args:   # lpcnet level streams
                q = np.load(rt + ".npy")
                vocab = np.array([2048, 2048, 2048, 2048, 64, 4])[None, :, None]
                ok = (q.dtype == np.int64 and q.shape == (1, 6, len(x) // 480) and
                      (q >= 0).all() and (q < vocab).all() and len(y) == 480 * q.shape[2])
                streams_ok += int(ok)
                if not ok:
                    print("  %s: bad codes: shape %s for %d samples" % (c, q.shape, len(x)))
            assert rate == rate2
            d, raw, lag = lsd(x, y, rate)
            lsds.append(d)
            raws.append(raw)
            lags.append(lag)
        print("round trip %-10s  WER %5.1f%%  (%d / %d)  LSD %.2f dB (raw %.2f; lag %d ms)  "
              "RTF encode %.3f decode %.3f (1 thread, %.0f s of audio)" % (
                  cond, 100 * err / n_words, err, n_words, np.mean(lsds), np.mean(raws),
                  int(np.median(lags)), enc / secs, dec / secs, secs))
        print("  level streams: %d of %d clips with shape (1, 6, samples // 480), every code in "
              "[0, 2048)x4 [0, 64) [0, 4), decoded length 480 x frames" % (streams_ok, len(clips)))
        sys.stdout.flush()


if __name__ == "__main__":
    main()
