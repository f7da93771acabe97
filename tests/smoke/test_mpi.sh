#!/usr/bin/env bash
# tests/smoke/test_mpi.sh: data-parallel `valle mlp train` under mpirun -np 2
# follows the single-process trajectory (same global batches, gradients
# all-reduced) and resumes bit-identically. Skips without MPI.
source "$(dirname "$0")/lib.sh"
if ! command -v mpirun >/dev/null || ! "$VALLE" --version | grep -q '(mpi)'; then
  echo "SKIP: mpirun or an MPI build of valle is missing (apt-get install libopenmpi-dev openmpi-bin)"
  exit 77
fi
# OpenMPI's runtime leaks at exit from plugins it has already unloaded
# (LeakSanitizer cannot even name them), so leak detection is off for this
# test only; address and UB checks stay on. The trainer's own paths are
# leak-checked by the single-process tests and scripts/valgrind.sh.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
mpi() { mpirun -np 2 --bind-to none "$@"; }
data=tests/data/spiral.csv
cfg=(--data "$data" --hidden 32,32 --optim adamw --schedule cosine --warmup 10
     --epochs 40 --batch-size 32 --seed 5)

"$VALLE" mlp train "${cfg[@]}" --out "$T/one.safetensors" >"$T/one.log"
check '[ $? -eq 0 ]'
mpi "$VALLE" mlp train "${cfg[@]}" --out "$T/two.safetensors" >"$T/two.log"
check '[ $? -eq 0 ]'
cat "$T/two.log"
check 'grep -q "2 ranks" "$T/two.log"'
# rank 0 alone logs: one "final:" line
check '[ "$(grep -c "^final:" "$T/two.log")" -eq 1 ]'
l1=$(sed -n 's/^final: train loss \([0-9.]*\).*/\1/p' "$T/one.log")
l2=$(sed -n 's/^final: train loss \([0-9.]*\).*/\1/p' "$T/two.log")
echo "final loss: 1 process $l1, 2 ranks $l2"
# same trajectory up to float summation order
check "awk 'BEGIN{d=$l1-$l2; if(d<0)d=-d; exit !(d <= 1e-3 * $l1 + 1e-4)}'"

# exact resume under MPI, with BatchNorm (running statistics averaged over
# ranks) and dropout
cfg2=(--data "$data" --hidden 16,16 --norm batch --dropout 0.1 --epochs 10
      --batch-size 20 --seed 9 --quiet)
mpi "$VALLE" mlp train "${cfg2[@]}" --out "$T/a.safetensors"
check '[ $? -eq 0 ]'
mpi "$VALLE" mlp train "${cfg2[@]}" --out "$T/b.safetensors" --stop-after 4
mpi "$VALLE" mlp train --data "$data" --resume "$T/b.safetensors" --out "$T/b.safetensors" --quiet
check 'cmp -s "$T/a.safetensors" "$T/b.safetensors"'
# a failure on every rank ends every rank (no hang): a bad data file
printf '1,2,0\n3,x,1\n' >"$T/bad.csv"
timeout 60 mpirun -np 2 --bind-to none "$VALLE" mlp train --data "$T/bad.csv" --quiet 2>/dev/null
rc=$?
check '[ $rc -ne 0 ] && [ $rc -ne 124 ]'
finish
