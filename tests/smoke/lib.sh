# tests/smoke/lib.sh: helpers for the shell smoke tests: counters, a temp
# dir, and expect_fail (non-zero exit, no crash signal, message on stderr).
set -u
VALLE=${VALLE_BIN:-build/valle}
passed=0
failed=0
T=$(mktemp -d /tmp/valle-smoke-XXXXXX)
trap 'rm -rf "$T"' EXIT

ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "FAIL: $*" >&2; }
check() { if eval "$1"; then ok; else bad "$1"; fi; }

# expect_fail "description" pattern cmd...: must exit 1 or 2 (not a signal),
# and stderr must match the pattern.
expect_fail() {
  local what=$1 pattern=$2
  shift 2
  "$@" >"$T/out" 2>"$T/err"
  local rc=$?
  if [ $rc -ne 1 ] && [ $rc -ne 2 ]; then
    bad "$what: exit code $rc (want 1 or 2)"; cat "$T/err" >&2; return
  fi
  if ! grep -qiE -e "$pattern" "$T/err"; then
    bad "$what: stderr does not match '$pattern':"; cat "$T/err" >&2; return
  fi
  ok
}

finish() {
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ]
}
