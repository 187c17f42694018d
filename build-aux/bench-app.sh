#!/bin/sh
# The app benchmarks (build-aux/bench-app.py), in the headless
# session of docs/testing.md: xvfb-run -a, dbus-run-session, throw-away HOME
# and XDG dirs. Prints the figures as JSON; build-aux/bench.sh puts them in
# docs/benchmarks.md.
#   build-aux/bench-app.sh [--build DIR] [--quick] [bench-app.py options]
# Bounded: under 15 minutes with the defaults (the search benchmark indexes a
# million messages); the soak's length on top with --soak-seconds (1800 for
# the full run).
set -eu
cd "$(dirname "$0")/.."
build=_build-bench
soak=60
prev=
for a in "$@"; do
  [ "$prev" = --build ] && build=$a
  [ "$prev" = --soak-seconds ] && soak=$a
  prev=$a
done
if [ ! -d "$build" ]; then
  meson setup "$build" --buildtype=debugoptimized >&2
fi
ninja -C "$build" src/bench/app/mimp-bench-app src/bench/app/mimp-bench-floor \
  src/mimpd/mimpd src/cli/mimp-cli src/app/gschemas.compiled >&2
# GDK as on a desktop: it loads GL to pick its visual (the tests turn that off).
GDK_DEBUG= exec timeout $((900 + soak + soak / 5)) tests/run-headless.sh /usr/bin/python3 build-aux/bench-app.py "$@"
