#!/usr/bin/env python3
"""scripts/eval/speaker_id.py: a small speaker classifier for the default-voice
corpus (issue 9), used to check that generated speech sounds like the
prompted voice. Features per utterance: mean and standard deviation over
speech frames of 20 MFCCs (numpy, 25 ms window, 10 ms hop, 40 mel bands,
frames more than 40 dB below the loudest one dropped), standardised.
Classifiers tried: nearest class mean, linear discriminant (shared
covariance) and multinomial logistic regression; the one with the best
accuracy on a held-out 10% of the corpus is saved (trained on the other 90%).

    scripts/eval/speaker_id.py train --corpus data/voice-corpus --model M.npz
                              [--max-per-speaker 200] [--add LIST.tsv] [--seed 0]
    scripts/eval/speaker_id.py eval --model M.npz LIST.tsv   (lines: wav<TAB>speaker)
    scripts/eval/speaker_id.py predict --model M.npz WAV...

Speakers are the sub-folders of --corpus holding <id>.wav files. --add
appends more training files (wav<TAB>speaker lines, e.g. codec round-trip
decoded audio); they are split 90/10 like the corpus files. Needs numpy.
"""

import argparse
import os
import random
import sys
import wave

import numpy as np

from tsv import read_pairs

RATE = 16000
WIN, HOP, NFFT, NMEL, NCEP = 400, 160, 512, 40, 20


def die(msg):
    print(f"speaker_id.py: error: {msg}", file=sys.stderr)
    sys.exit(2)


# ---------------------------------------------------------------- features

def read_wav(path):
    try:
        with wave.open(path, "rb") as w:
            rate, ch, sw, n = w.getframerate(), w.getnchannels(), w.getsampwidth(), w.getnframes()
            raw = w.readframes(n)
    except (wave.Error, EOFError, OSError) as e:
        raise ValueError(f"{path}: cannot read wav ({e})")
    if sw != 2:
        raise ValueError(f"{path}: need 16-bit PCM (got {8 * sw}-bit)")
    x = np.frombuffer(raw, dtype="<i2").astype(np.float64) / 32768.0
    if ch > 1:
        x = x.reshape(-1, ch).mean(axis=1)
    if rate != RATE:
        from scipy.signal import resample_poly
        g = np.gcd(rate, RATE)
        x = resample_poly(x, RATE // g, rate // g)
    return x


def _mel_matrix():
    def hz2mel(f):
        return 2595.0 * np.log10(1.0 + f / 700.0)

    def mel2hz(m):
        return 700.0 * (10.0 ** (m / 2595.0) - 1.0)
    pts = mel2hz(np.linspace(hz2mel(20.0), hz2mel(RATE / 2), NMEL + 2))
    bins = np.arange(NFFT // 2 + 1) * RATE / NFFT
    fb = np.zeros((NMEL, bins.size))
    for m in range(NMEL):
        lo, c, hi = pts[m], pts[m + 1], pts[m + 2]
        fb[m] = np.clip(np.minimum((bins - lo) / (c - lo), (hi - bins) / (hi - c)), 0, None)
    return fb


MEL = _mel_matrix()
_k = np.arange(NMEL)
DCT = np.sqrt(2.0 / NMEL) * np.cos(np.pi / NMEL * (_k[None, :] + 0.5) * np.arange(NCEP)[:, None])
DCT[0] /= np.sqrt(2.0)
HAMMING = np.hamming(WIN)


def features(path):
    x = read_wav(path)
    if x.size < WIN:
        x = np.pad(x, (0, WIN - x.size))
    x = np.append(x[0], x[1:] - 0.97 * x[:-1])  # pre-emphasis
    nfr = 1 + (x.size - WIN) // HOP
    idx = np.arange(WIN)[None, :] + HOP * np.arange(nfr)[:, None]
    fr = x[idx] * HAMMING
    energy = 10 * np.log10(np.sum(fr ** 2, axis=1) + 1e-12)
    fr = fr[energy > energy.max() - 40.0]
    spec = np.abs(np.fft.rfft(fr, NFFT)) ** 2
    logmel = np.log(spec @ MEL.T + 1e-10)
    mfcc = logmel @ DCT.T
    return np.concatenate([mfcc.mean(axis=0), mfcc.std(axis=0)])


def feature_matrix(paths, verbose=True):
    out = np.zeros((len(paths), 2 * NCEP))
    for i, p in enumerate(paths):
        try:
            out[i] = features(p)
        except ValueError as e:
            die(str(e))
        if verbose and (i + 1) % 500 == 0:
            print(f"  features: {i + 1}/{len(paths)}", file=sys.stderr)
    return out


# ---------------------------------------------------------------- classifiers

def fit_ncm(X, y, K):
    mu = np.stack([X[y == k].mean(axis=0) for k in range(K)])
    # score = -|x - mu|^2 / 2 = x.mu - |mu|^2/2 + const
    return mu.T.copy(), -0.5 * np.sum(mu ** 2, axis=1)


def fit_lda(X, y, K, shrink=0.1):
    mu = np.stack([X[y == k].mean(axis=0) for k in range(K)])
    R = X - mu[y]
    S = R.T @ R / max(1, len(X) - K)
    S = (1 - shrink) * S + shrink * np.eye(S.shape[0]) * np.trace(S) / S.shape[0]
    Si = np.linalg.inv(S)
    W = Si @ mu.T
    return W, -0.5 * np.sum(mu.T * W, axis=0)


def fit_logreg(X, y, K, l2=1e-3, iters=2000, lr=0.5):
    n, d = X.shape
    W, b = np.zeros((d, K)), np.zeros(K)
    Y = np.eye(K)[y]
    vW, vb = np.zeros_like(W), np.zeros_like(b)
    for _ in range(iters):
        Z = X @ W + b
        Z -= Z.max(axis=1, keepdims=True)
        P = np.exp(Z)
        P /= P.sum(axis=1, keepdims=True)
        G = (P - Y) / n
        gW, gb = X.T @ G + l2 * W, G.sum(axis=0)
        vW = 0.9 * vW - lr * gW
        vb = 0.9 * vb - lr * gb
        W += vW
        b += vb
    return W, b


CLASSIFIERS = {"ncm": fit_ncm, "lda": fit_lda, "logreg": fit_logreg}


def confusion_text(y, p, names):
    K = len(names)
    C = np.zeros((K, K), dtype=int)
    for a, b in zip(y, p):
        C[a, b] += 1
    short = [f"{i:>4}" for i in range(K)]
    lines = ["confusion (rows: true speaker, columns: predicted, by number):",
             f"{'':>22}" + "".join(short)]
    for i in range(K):
        lines.append(f"{i:>2} {names[i]:<19}" + "".join(f"{c:>4}" for c in C[i]))
    return "\n".join(lines)


# ---------------------------------------------------------------- commands

def read_list(path):
    try:
        return [(wav, spk) for _, wav, spk in read_pairs(path, "wav<TAB>speaker")]
    except OSError as e:
        die(f"cannot read {path}: {e}")
    except ValueError as e:
        die(str(e))


def cmd_train(a):
    if not os.path.isdir(a.corpus):
        die(f"--corpus {a.corpus}: not a folder")
    if a.max_per_speaker < 2:
        die("--max-per-speaker must be >= 2")
    rng = random.Random(a.seed)
    items = []
    for spk in sorted(os.listdir(a.corpus)):
        d = os.path.join(a.corpus, spk)
        if spk.startswith(".") or not os.path.isdir(d):
            continue
        wavs = sorted(f for f in os.listdir(d) if f.endswith(".wav") and ".tmp" not in f)
        if len(wavs) < 2:
            continue
        rng.shuffle(wavs)
        items += [(os.path.join(d, w), spk) for w in wavs[:a.max_per_speaker]]
    if a.add:
        items += read_list(a.add)
    names = sorted({s for _, s in items})
    if len(names) < 2:
        die(f"need at least 2 speakers (found {len(names)}) in {a.corpus}")
    # 10% of every speaker's files held out
    train, held = [], []
    for s in names:
        its = [it for it in items if it[1] == s]
        rng.shuffle(its)
        nh = max(1, round(0.1 * len(its)))
        held += its[:nh]
        train += its[nh:]
    print(f"speakers: {len(names)}, train {len(train)}, held out {len(held)}", file=sys.stderr)
    sid = {s: i for i, s in enumerate(names)}
    Xtr = feature_matrix([p for p, _ in train])
    Xhe = feature_matrix([p for p, _ in held])
    ytr = np.array([sid[s] for _, s in train])
    yhe = np.array([sid[s] for _, s in held])
    mean, std = Xtr.mean(axis=0), Xtr.std(axis=0) + 1e-8
    Ztr, Zhe = (Xtr - mean) / std, (Xhe - mean) / std
    best = None
    for name, fit in CLASSIFIERS.items():
        W, b = fit(Ztr, ytr, len(names))
        acc_tr = np.mean(np.argmax(Ztr @ W + b, axis=1) == ytr)
        p = np.argmax(Zhe @ W + b, axis=1)
        acc = np.mean(p == yhe)
        print(f"{name:<7} train accuracy {100 * acc_tr:5.1f}%  held-out accuracy "
              f"{100 * acc:5.1f}% ({int(np.sum(p == yhe))}/{len(yhe)})")
        if best is None or acc > best[0]:
            best = (acc, name, W, b, p)
    acc, name, W, b, p = best
    print(f"chosen: {name}, held-out accuracy {100 * acc:.1f}%")
    print(confusion_text(yhe, p, names))
    try:
        np.savez(a.model, speakers=np.array(names), mean=mean, std=std, W=W, b=b,
                 classifier=np.array(name), heldout_accuracy=np.array(acc))
    except OSError as e:
        die(f"cannot write --model: {e}")
    print(f"model: {a.model}", file=sys.stderr)


def load_model(path):
    try:
        m = np.load(path)
        return [str(s) for s in m["speakers"]], m["mean"], m["std"], m["W"], m["b"]
    except (OSError, KeyError, ValueError) as e:
        die(f"cannot load --model {path}: {e}")


def predict(model, paths):
    names, mean, std, W, b = model
    X = (feature_matrix(paths, verbose=False) - mean) / std
    return [names[i] for i in np.argmax(X @ W + b, axis=1)]


def cmd_eval(a):
    model = load_model(a.model)
    items = read_list(a.list)
    if not items:
        die(f"{a.list}: empty")
    preds = predict(model, [p for p, _ in items])
    k = 0
    for (p, s), q in zip(items, preds):
        k += s == q
        print(f"{p}\t{s}\t{q}\t{'ok' if s == q else 'WRONG'}")
    names = model[0]
    unknown = sorted({s for _, s in items} - set(names))
    if unknown:
        print(f"speaker_id.py: warning: expected speakers not in the model: {' '.join(unknown)}",
              file=sys.stderr)
    if a.confusion:
        allnames = names + unknown
        ix = {s: i for i, s in enumerate(allnames)}
        print(confusion_text([ix[s] for _, s in items], [ix[q] for q in preds], allnames))
    print(f"accuracy {100 * k / len(items):.1f}% ({k}/{len(items)})")


def cmd_predict(a):
    model = load_model(a.model)
    for p, q in zip(a.wavs, predict(model, a.wavs)):
        print(f"{p}\t{q}")


def main():
    ap = argparse.ArgumentParser(description="Speaker classifier (MFCC statistics + linear "
                                 "classifier) for the default-voice corpus.")
    sub = ap.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("train", help="train on a corpus folder of <speaker>/<id>.wav")
    t.add_argument("--corpus", required=True)
    t.add_argument("--model", required=True, help="output .npz")
    t.add_argument("--max-per-speaker", type=int, default=200)
    t.add_argument("--add", help="extra training files: wav<TAB>speaker lines")
    t.add_argument("--seed", type=int, default=0)
    e = sub.add_parser("eval", help="accuracy on a list of wav<TAB>expected_speaker lines")
    e.add_argument("--model", required=True)
    e.add_argument("--confusion", action="store_true", help="also print the confusion matrix")
    e.add_argument("list")
    p = sub.add_parser("predict", help="print the predicted speaker of each wav")
    p.add_argument("--model", required=True)
    p.add_argument("wavs", nargs="+")
    a = ap.parse_args()
    {"train": cmd_train, "eval": cmd_eval, "predict": cmd_predict}[a.cmd](a)


if __name__ == "__main__":
    main()
