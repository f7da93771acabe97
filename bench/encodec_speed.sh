#!/usr/bin/env bash
# bench/encodec_speed.sh: EnCodec 24 kHz decode speed of `valle` against
# encodec.cpp (ggml) on the same weights and the same codes, runs interleaved
# so machine noise hits both; plus valle's encode time. Times are compute
# only, as each program reports them (valle decode's "decoded in", encodec.cpp
# decompress's "eval time"), weights loading excluded.
#
# Usage: bash bench/encodec_speed.sh VALLE DECOMPRESS WEIGHTS.safetensors GGML.bin CODES.npy CODES.ecdc IN.wav RUNS THREADS...
#   DECOMPRESS: encodec.cpp's examples/decompress binary, built outside the repo
#   CODES.npy / CODES.ecdc: the same codes for each (see bench/RESULTS.md, issue 6)
set -euo pipefail
valle=$1 decomp=$2 st=$3 ggml=$4 npy=$5 ecdc=$6 in=$7 runs=$8
shift 8
T=$(mktemp -d /tmp/encodec-bench-XXXXXX)
trap 'rm -rf "$T"' EXIT
median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
for th in "$@"; do
  : >"$T/vd"; : >"$T/pd"; : >"$T/ve"
  for r in $(seq "$runs"); do
    "$valle" decode "$npy" -o "$T/v.wav" --codec encodec --weights "$st" --bandwidth 12 --threads "$th" |
      sed -nE 's/.*decoded in ([0-9.]+) s.*/\1/p' >>"$T/vd"
    "$decomp" -m "$ggml" -i "$ecdc" -o "$T/p.wav" -t "$th" 2>/dev/null |
      sed -nE 's/.*eval time = *([0-9.]+) ms.*/\1/p' | awk '{print $1 / 1000}' >>"$T/pd"
    "$valle" codec roundtrip "$in" -o "$T/r.wav" --codec encodec --weights "$st" --bandwidth 12 --threads "$th" |
      sed -nE 's/.*: ([0-9.]+) s, .*encode RTF ([0-9.]+).*/\1 \2/p' | awk '{print $1 * $2}' >>"$T/ve"
  done
  secs=$("$valle" audio info "$T/v.wav" | sed -E 's/.* ([0-9.]+) s, peak.*/\1/')
  vd=$(median <"$T/vd"); pd=$(median <"$T/pd"); ve=$(median <"$T/ve")
  awk -v th="$th" -v s="$secs" -v vd="$vd" -v pd="$pd" -v ve="$ve" 'BEGIN {
    printf "threads %s  decode %.2f s of audio: valle %.3f s (RTF %.3f)  encodec.cpp %.3f s (RTF %.3f)  encodec.cpp/valle %.2fx;  valle encode %.3f s (RTF %.3f)\n", th, s, vd, vd/s, pd, pd/s, pd/vd, ve, ve/s }'
  echo "  runs (s): valle decode $(tr '\n' ' ' <"$T/vd")| encodec.cpp decode $(tr '\n' ' ' <"$T/pd")| valle encode $(tr '\n' ' ' <"$T/ve")"
done
"$valle" audio convert "$T/p.wav" -o "$T/p16.wav" >/dev/null   # encodec.cpp writes float WAV
python3 - "$T/v.wav" "$T/p16.wav" <<'PY' || true
import sys, wave, numpy as np
def rd(p):
    with open(p, "rb") as f: b = f.read()
    w = wave.open(p)
    if w.getsampwidth() == 2:
        return np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16) / 32768.0
    return np.frombuffer(w.readframes(w.getnframes()), dtype=np.float32).astype(np.float64)
try:
    a, b = rd(sys.argv[1]), rd(sys.argv[2])
except Exception as e:
    print("cannot compare outputs:", e); sys.exit(0)
n = min(len(a), len(b))
print("same codes decoded: valle vs encodec.cpp max abs diff %.3g over %d samples (peak %.3g)" % (np.abs(a[:n] - b[:n]).max(), n, np.abs(a).max()))
PY
