#!/usr/bin/env python3
"""scripts/eval/wer.py: word error rate of synthesized speech, measured with
pocketsphinx against a closed-vocabulary language model (issue 9).

The language model (Witten-Bell trigram, ARPA) and the dictionary are built
from ALL the sentences of --sentences, so the recogniser only has to pick
among words and word sequences of those sentences; the WER therefore measures
intelligibility relative to other systems scored the same way, not absolute
open-vocabulary ASR accuracy.

    scripts/eval/wer.py --sentences data/voice-corpus/heldout.csv --wavs DIR
                        [--ids FILE] [--list FILE] [--out hyp.tsv] [-j N]
                        [--json] [--workdir DIR]

Needs pocketsphinx_continuous and its en-us model (Debian: pocketsphinx,
pocketsphinx-en-us) and build/valle (pronunciations of words missing from
cmudict). See --help for how wav files are matched to sentence ids.
"""

import argparse
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import wave
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor

from tsv import read_pairs

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MODEL_DIR = "/usr/share/pocketsphinx/model/en-us"
PHONES = set("AA AE AH AO AW AY B CH D DH EH ER EY F G HH IH IY JH K L M N NG "
             "OW OY P R S SH T TH UH UW V W Y Z ZH".split())

EPILOG = """\
matching wav files to sentences:
  With --wavs DIR, every DIR/*.wav whose name is <id>.wav or <id>-<anything>.wav
  (id: a sentence id of --sentences; the longest matching id wins, so ids
  containing '-' such as LJ001-0028 work) is scored against that sentence;
  other wav files are ignored (and counted in a warning). Several files of
  the same id are all scored. With --list FILE, each line is
  '<id><TAB><wav path>' instead. --ids FILE (one id per line, or the id|text
  csv format) keeps only those ids.

output:
  --out FILE gets one tab-separated line per utterance:
  id, wav, errors, reference words, reference, hypothesis.
  stdout ends with 'WER xx.xx% (E errors / N words, U utterances)', or the
  same summary as one JSON object with --json.

text normalisation (reference and hypothesis alike): lower case, every
character other than a-z and the apostrophe becomes a space, apostrophes at
word ends are dropped.
"""


def die(msg):
    print(f"wer.py: error: {msg}", file=sys.stderr)
    sys.exit(2)


def words_of(text):
    out = []
    for w in re.sub(r"[^a-z']+", " ", text.lower()).split():
        w = w.strip("'")
        if w:
            out.append(w)
    return out


def read_sentences(path):
    sents = {}
    try:
        with open(path, encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                line = line.rstrip("\n")
                if not line.strip():
                    continue
                parts = line.split("|")
                if len(parts) < 2:
                    die(f"{path}:{n}: expected 'id|text'")
                sents[parts[0]] = parts[-1]
    except OSError as e:
        die(f"cannot read --sentences: {e}")
    if not sents:
        die(f"{path}: no sentences")
    return sents


# ---------------------------------------------------------------- language model

def write_arpa(sentences, path, order=3):
    """Interpolated Witten-Bell n-gram model written as a backoff ARPA file:
    P(w|h) = (c(h,w) + T(h) P(w|h')) / (c(h) + T(h)) for seen (h,w) and
    bow(h) = T(h) / (c(h) + T(h)), which makes every distribution sum to one."""
    counts = [defaultdict(int) for _ in range(order + 1)]  # counts[n][ngram tuple]
    for s in sentences:
        toks = ["<s>"] + s + ["</s>"]
        for n in range(1, order + 1):
            for i in range(len(toks) - n + 1):
                g = tuple(toks[i:i + n])
                if n == 1 and g == ("<s>",):
                    continue
                if n > 1 and g[-1] == "<s>":
                    continue
                counts[n][g] += 1
    vocab = sorted(g[0] for g in counts[1])
    V = len(vocab)
    # context statistics: c(h) and T(h) over the n-grams ending in a word
    ctx_c = [defaultdict(int) for _ in range(order + 1)]
    ctx_t = [defaultdict(int) for _ in range(order + 1)]
    for n in range(2, order + 1):
        for g, c in counts[n].items():
            ctx_c[n][g[:-1]] += c
            ctx_t[n][g[:-1]] += 1
    N1 = sum(counts[1].values())
    T1 = V
    prob = [dict() for _ in range(order + 1)]
    for g, c in counts[1].items():
        prob[1][g] = (c + T1 / V) / (N1 + T1)

    def p_interp(g):  # interpolated probability of any n-gram (recursive)
        n = len(g)
        if n == 1:
            return prob[1].get(g, 1e-99)
        if g in prob[n]:
            return prob[n][g]
        h = g[:-1]
        lower = p_interp(g[1:])
        if h not in ctx_c[n]:
            return lower
        return ctx_t[n][h] / (ctx_c[n][h] + ctx_t[n][h]) * lower

    for n in range(2, order + 1):
        for g, c in counts[n].items():
            h = g[:-1]
            prob[n][g] = (c + ctx_t[n][h] * p_interp(g[1:])) / (ctx_c[n][h] + ctx_t[n][h])

    def bow(h):
        n = len(h) + 1
        if n > order or h not in ctx_c[n]:
            return None
        return ctx_t[n][h] / (ctx_c[n][h] + ctx_t[n][h])

    with open(path, "w", encoding="utf-8") as f:
        f.write("\\data\\\n")
        f.write(f"ngram 1={V + 1}\n")
        for n in range(2, order + 1):
            f.write(f"ngram {n}={len(counts[n])}\n")
        for n in range(1, order + 1):
            f.write(f"\n\\{n}-grams:\n")
            grams = sorted(counts[n])
            if n == 1:
                grams = [("<s>",)] + grams
            for g in grams:
                lp = -99.0 if g == ("<s>",) else math.log10(prob[n][g])
                b = bow(g)
                if b is not None:
                    f.write(f"{lp:.6f}\t{' '.join(g)}\t{math.log10(b):.6f}\n")
                else:
                    f.write(f"{lp:.6f}\t{' '.join(g)}\n")
        f.write("\n\\end\\\n")


# ---------------------------------------------------------------- dictionary

def read_cmudict(path):
    d = defaultdict(list)
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            parts = line.split()
            if len(parts) < 2:
                continue
            w = re.sub(r"\(\d+\)$", "", parts[0])
            d[w].append(parts[1:])
    return d


def valle_pron(valle, word):
    try:
        r = subprocess.run([valle, "phonemize", "--no-normalize", word],
                           capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as e:
        print(f"wer.py: warning: valle phonemize {word!r} failed: {e}", file=sys.stderr)
        return None
    if r.returncode != 0:
        print(f"wer.py: warning: valle phonemize {word!r}: {r.stderr.strip()}", file=sys.stderr)
        return None
    phones = [re.sub(r"\d", "", p) for p in r.stdout.split() if p != "_"]
    phones = [p for p in phones if p]
    bad = [p for p in phones if p not in PHONES]
    if bad or not phones:
        print(f"wer.py: warning: {word!r}: unusable phones {bad or phones}", file=sys.stderr)
        return None
    return phones


def write_dict(vocab, path, cmudict_path, valle):
    cmu = read_cmudict(cmudict_path)
    missing = []
    with open(path, "w", encoding="utf-8") as f:
        for w in sorted(vocab):
            prons = cmu.get(w)
            if not prons:
                p = valle_pron(valle, w)
                if p is None:
                    die(f"no pronunciation for {w!r}")
                prons = [p]
                missing.append(w)
            for i, p in enumerate(prons):
                name = w if i == 0 else f"{w}({i + 1})"
                f.write(f"{name} {' '.join(p)}\n")
    return missing


# ---------------------------------------------------------------- recognition

def is_16k_mono_pcm16(path):
    try:
        with wave.open(path, "rb") as w:
            return (w.getframerate() == 16000 and w.getnchannels() == 1
                    and w.getsampwidth() == 2 and w.getcomptype() == "NONE")
    except (wave.Error, EOFError, OSError):
        return False


def recognise(wav, lm, dic, hmm, valle, tmpdir):
    src = wav
    if not is_16k_mono_pcm16(wav):
        fd, src = tempfile.mkstemp(suffix=".wav", dir=tmpdir)
        os.close(fd)
        r = subprocess.run([valle, "audio", "convert", wav, "-o", src, "--mono",
                            "--rate", "16000"], capture_output=True, text=True)
        if r.returncode != 0 or not is_16k_mono_pcm16(src):
            raise RuntimeError(f"{wav}: cannot convert to 16 kHz mono 16-bit: {r.stderr.strip()}")
    cmd = ["pocketsphinx_continuous", "-infile", src, "-hmm", hmm, "-lm", lm,
           "-dict", dic, "-logfn", os.devnull]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if src != wav:
        os.unlink(src)
    if r.returncode != 0:
        raise RuntimeError(f"{wav}: pocketsphinx_continuous failed (rc {r.returncode}): "
                           f"{r.stderr.strip()[-500:]}")
    # one line per speech segment; some builds prefix '<id>: ' (none with -infile)
    return " ".join(line.strip() for line in r.stdout.splitlines() if line.strip())


def levenshtein(ref, hyp):
    prev = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        cur = [i] + [0] * len(hyp)
        for j, h in enumerate(hyp, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (r != h))
        prev = cur
    return prev[-1]


def match_wavs(wdir, ids):
    try:
        names = sorted(n for n in os.listdir(wdir) if n.lower().endswith(".wav"))
    except OSError as e:
        die(f"cannot list --wavs: {e}")
    by_len = sorted(ids, key=len, reverse=True)
    pairs, unmatched = [], 0
    for n in names:
        stem = n[:-4]
        if stem in ids:
            pairs.append((stem, os.path.join(wdir, n)))
            continue
        for i in by_len:
            if stem.startswith(i + "-"):
                pairs.append((i, os.path.join(wdir, n)))
                break
        else:
            unmatched += 1
    if unmatched:
        print(f"wer.py: warning: {unmatched} wav file(s) in {wdir} match no sentence id",
              file=sys.stderr)
    return pairs


def main():
    ap = argparse.ArgumentParser(
        description="Word error rate of wav files with pocketsphinx and a closed-vocabulary "
                    "LM built from the --sentences file.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sentences", required=True, help="id|text csv (e.g. heldout.csv); "
                    "ALL its sentences make the LM and dictionary")
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--wavs", help="folder of <id>.wav / <id>-<anything>.wav")
    src.add_argument("--list", help="file of '<id><TAB><wav path>' lines")
    ap.add_argument("--ids", help="score only these ids (one per line)")
    ap.add_argument("--out", help="per-utterance tsv output")
    ap.add_argument("--json", action="store_true", help="print the summary as JSON")
    ap.add_argument("-j", "--jobs", type=int, default=1, help="parallel recognisers (default 1)")
    ap.add_argument("--workdir", help="keep the LM/dictionary here (default: a temp dir)")
    ap.add_argument("--hmm", default=os.path.join(MODEL_DIR, "en-us"),
                    help="pocketsphinx acoustic model (default: %(default)s)")
    ap.add_argument("--cmudict", default=os.path.join(MODEL_DIR, "cmudict-en-us.dict"),
                    help="pronunciation dictionary (default: %(default)s)")
    ap.add_argument("--valle", default=os.environ.get("VALLE_BIN", os.path.join(ROOT, "build", "valle")),
                    help="valle binary, pronounces words missing from --cmudict "
                         "(default: $VALLE_BIN or build/valle)")
    a = ap.parse_args()

    if a.jobs < 1:
        die("-j must be >= 1")
    if shutil.which("pocketsphinx_continuous") is None:
        die("pocketsphinx_continuous not found (apt-get install pocketsphinx)")
    for p, what in ((a.hmm, "--hmm"), (a.cmudict, "--cmudict")):
        if not os.path.exists(p):
            die(f"{what} {p} not found (apt-get install pocketsphinx-en-us)")

    sents = read_sentences(a.sentences)
    if a.wavs:
        if not os.path.isdir(a.wavs):
            die(f"--wavs {a.wavs}: not a folder")
        pairs = match_wavs(a.wavs, sents)
    else:
        pairs = []
        try:
            for n, uid, wav in read_pairs(a.list, "<id><TAB><wav>"):
                if uid not in sents:
                    die(f"{a.list}:{n}: id {uid!r} not in --sentences")
                pairs.append((uid, wav))
        except OSError as e:
            die(f"cannot read --list: {e}")
        except ValueError as e:
            die(str(e))
    if a.ids:
        try:
            with open(a.ids, encoding="utf-8") as f:
                keep = {l.split("|")[0].strip() for l in f if l.strip()}
        except OSError as e:
            die(f"cannot read --ids: {e}")
        pairs = [p for p in pairs if p[0] in keep]
    if not pairs:
        die("no wav files to score")
    for _, w in pairs:
        if not os.path.isfile(w):
            die(f"{w}: no such file")

    workdir = a.workdir or tempfile.mkdtemp(prefix="wer-")
    os.makedirs(workdir, exist_ok=True)
    try:
        sent_words = [words_of(t) for t in sents.values()]
        sent_words = [s for s in sent_words if s]
        vocab = {w for s in sent_words for w in s}
        lm = os.path.join(workdir, "lm.arpa")
        dic = os.path.join(workdir, "words.dict")
        write_arpa(sent_words, lm)
        missing = write_dict(vocab, dic, a.cmudict, a.valle)
        if missing:
            print(f"wer.py: {len(missing)} word(s) not in cmudict, pronounced by valle: "
                  f"{' '.join(missing[:20])}{' ...' if len(missing) > 20 else ''}", file=sys.stderr)

        def job(p):
            return recognise(p[1], lm, dic, a.hmm, a.valle, workdir)
        try:
            with ThreadPoolExecutor(max_workers=a.jobs) as ex:
                hyps = list(ex.map(job, pairs))
        except RuntimeError as e:
            die(str(e))
    finally:
        if not a.workdir:
            shutil.rmtree(workdir, ignore_errors=True)

    E = N = 0
    rows = []
    for (i, w), h in zip(pairs, hyps):
        ref, hyp = words_of(sents[i]), words_of(h)
        e = levenshtein(ref, hyp)
        E += e
        N += len(ref)
        rows.append((i, w, e, len(ref), " ".join(ref), " ".join(hyp)))
    if a.out:
        try:
            with open(a.out, "w", encoding="utf-8") as f:
                f.write("id\twav\terrors\twords\treference\thypothesis\n")
                for r in rows:
                    f.write("\t".join(str(x) for x in r) + "\n")
        except OSError as e:
            die(f"cannot write --out: {e}")
    wer = 100.0 * E / N if N else 0.0
    if a.json:
        print(json.dumps({"wer": round(wer, 4), "errors": E, "words": N,
                          "utterances": len(rows)}))
    else:
        print(f"WER {wer:.2f}% ({E} errors / {N} words, {len(rows)} utterances)")


if __name__ == "__main__":
    main()
