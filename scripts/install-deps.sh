#!/usr/bin/env bash
# scripts/install-deps.sh: installs the Debian (bookworm) packages valle needs
# to build and test. Idempotent and non-interactive; uses sudo when not root.
# Usage: bash scripts/install-deps.sh [--corpus]
#   --corpus  also the speech synthesizers, recogniser and numpy/scipy that
#             scripts/build-voice-corpus.sh and scripts/eval/ use (issue 9)
set -euo pipefail

packages=(
  build-essential cmake pkg-config   # compiler, build
  libopenblas-openmp-dev             # cblas_sgemm (OpenMP build, static lib)
  libgfortran-12-dev                 # -lgfortran for the static OpenBLAS
  valgrind                           # leak checks of the main commands
  libopenmpi-dev openmpi-bin         # data-parallel training (mpirun)
  clang libclang-rt-14-dev libomp-dev  # libFuzzer targets (fuzz/)
  libsndfile1-dev libsoxr-dev        # audio I/O and resampling (issue 6)
  libcodec2-dev                      # the LPCNet codec (codec2/lpcnet_freedv.h)
  zlib1g-dev                         # the built-in (gzipped) CMU dictionary
  libespeak-ng-dev espeak-ng-data    # OOV G2P fallback and IPA for other languages (issue 7)
)
if [ "${1:-}" = "--corpus" ]; then
  packages+=(flite festival festvox-kallpc16k festvox-kdlpc16k festvox-us-slt-hts espeak-ng
             pocketsphinx pocketsphinx-en-us python3 python3-numpy python3-scipy)
elif [ $# -gt 0 ]; then
  echo "usage: bash scripts/install-deps.sh [--corpus]" >&2
  exit 2
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
