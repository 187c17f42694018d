#!/bin/sh
# Builds the project again with AddressSanitizer and UndefinedBehaviorSanitizer
# (same compiler as the main build) in a build directory of its own, and runs
# the test suites there with leak detection on. Any report fails the test.
#
#   run-sanitized.sh SRCDIR ASAN_BUILDDIR SUITE...
#
# Leaks are suppressed only inside system libraries (lsan.supp), never in
# the project's code.
set -eu

src=$1
build=$2
shift 2

start=$(date +%s)
if [ ! -f "$build/build.ninja" ]; then
  meson setup "$build" "$src" -Db_sanitize=address,undefined -Db_lundef=false \
    -Dbuildtype=debug >"$build.setup.log" 2>&1 \
    || { cat "$build.setup.log" >&2; exit 1; }
fi
meson compile -C "$build" >"$build/compile.log" 2>&1 || { tail -n 60 "$build/compile.log" >&2; exit 1; }
echo "sanitized build ready in $(( $(date +%s) - start )) s"

# intercept_tls_get_addr=0: up to GCC 13, the runtime's __tls_get_addr
# interceptor takes a malloc'd dynamic TLS block that happens to start at a
# certain page offset for a pre-2.25 glibc header and reads past it; at exit
# LeakSanitizer's tracer then dies ("Tracer caught signal 11", no leak
# reported), in about one process exit in a few hundred.
# fast_unwind_on_malloc=0: GLib has no frame pointers, so the fast unwinder
# stops at g_malloc; the full stack lets lsan.supp match a system library's
# one-time allocation by where it was made, and nothing else.
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1:intercept_tls_get_addr=0:fast_unwind_on_malloc=0"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
export LSAN_OPTIONS="suppressions=$src/tests/sanitize/lsan.supp:print_suppressions=0"

# The hostile clients harness measures RSS against a bound meant for a
# normal build (ASan's shadow memory and quarantine would exceed it).
suites="--no-suite hostile"
for s in "$@"; do
  suites="$suites --suite $s"
done
start=$(date +%s)
status=0
# Under the sanitizers everything runs 2-3 times slower: double the timeouts.
# shellcheck disable=SC2086
meson test -C "$build" $suites --num-processes 2 --timeout-multiplier 3 --print-errorlogs \
  >"$build/test.log" 2>&1 || status=$?
grep -E '^ *[0-9]+/[0-9]+ |^(Ok|Fail|Timeout|Skipped):' "$build/test.log" || true
if [ $status -ne 0 ]; then
  grep -E -A 30 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error' "$build/test.log" | head -n 150
  echo "full log: $build/test.log and $build/meson-logs/"
fi
echo "sanitized test run took $(( $(date +%s) - start )) s"
exit $status
