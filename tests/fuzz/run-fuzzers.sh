#!/bin/sh
# Builds the libFuzzer targets with clang (independently of the compiler the
# main build uses) and runs each for a bounded time on its seed corpus and
# past regressions. Fails on any finding: a crash, a sanitizer report, a
# leak, a timeout or running out of memory.
#
#   run-fuzzers.sh SRCDIR FUZZ_BUILDDIR TARGET...
#
# MIMP_FUZZ_SECONDS (default 20) sets the time per target. A finding leaves
# its input in FUZZ_BUILDDIR/artifacts/: copy it to
# tests/fuzz/regressions/TARGET/ so the replay test keeps checking it.
set -eu

src=$1
build=$2
shift 2
seconds=${MIMP_FUZZ_SECONDS:-20}

if ! command -v clang >/dev/null 2>&1; then
  echo "clang is missing: install clang and libclang-rt-14-dev (build-aux/install-deps.sh does)" >&2
  exit 1
fi

if [ ! -f "$build/build.ninja" ]; then
  CC=clang meson setup "$build" "$src" -Dfuzzing=true -Dapp=disabled -Dbuildtype=debugoptimized -Dwerror=true \
    >"$build.setup.log" 2>&1 || { cat "$build.setup.log" >&2; exit 1; }
else
  # A target added since this directory was set up is known only after this.
  meson setup --reconfigure "$build" "$src" >"$build.setup.log" 2>&1 ||
    { cat "$build.setup.log" >&2; exit 1; }
fi
targets=""
for t in "$@"; do
  targets="$targets fuzz-$t"
done
start=$(date +%s)
# shellcheck disable=SC2086
meson compile -C "$build" $targets >"$build/compile.log" 2>&1 || { tail -n 60 "$build/compile.log" >&2; exit 1; }
echo "built $# fuzz targets with clang in $(( $(date +%s) - start )) s"

mkdir -p "$build/artifacts"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:symbolize=1"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
export MIMPD_ARGON2_TEST_COST=1
status=0
for t in "$@"; do
  work=$(mktemp -d "${TMPDIR:-/tmp}/mimp-fuzz-$t.XXXXXX")
  log="$build/fuzz-$t.log"
  seeds=""
  for d in "$src/tests/fuzz/corpus/$t" "$src/tests/fuzz/regressions/$t"; do
    if [ -d "$d" ]; then
      seeds="$seeds $d"
    fi
  done
  set +e
  # shellcheck disable=SC2086
  "$build/tests/fuzz/fuzz-$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -max_len=65536 -print_final_stats=1 -artifact_prefix="$build/artifacts/$t-" \
    "$work" $seeds >"$log" 2>&1
  rc=$?
  set -e
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1)
  new=$(ls "$work" | wc -l)
  if [ "$rc" -eq 0 ]; then
    echo "fuzz-$t: ok, ${runs:-?} inputs in ${seconds} s, ${cov:-cov: ?}, $new new corpus inputs"
  else
    echo "fuzz-$t: FINDING (exit $rc), log $log"
    grep -A 40 -E '^==[0-9]+==ERROR|runtime error|fuzz oracle failed|deadly signal|Test unit written' "$log" | head -n 80
    status=1
  fi
  rm -rf "$work"
done
exit $status
