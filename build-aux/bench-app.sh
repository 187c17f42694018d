#!/bin/sh
# The app benchmarks (build-aux/bench-app.py), in the headless
# session of docs/testing.md: xvfb-run -a, dbus-run-session, throw-away HOME
# and XDG dirs. Prints the figures as JSON; build-aux/bench.sh puts them in
# docs/benchmarks.md.
#   build-aux/bench-app.sh [--build DIR] [--quick] [bench-app.py options]
# Bounded: under 5 minutes with the defaults.
set -eu
cd "$(dirname "$0")/.."
build=_build-bench
prev=
for a in "$@"; do
  [ "$prev" = --build ] && build=$a
  prev=$a
done
if [ ! -d "$build" ]; then
  meson setup "$build" --buildtype=debugoptimized >&2
fi
ninja -C "$build" src/bench/app/mimp-bench-app src/bench/app/mimp-bench-floor \
  src/mimpd/mimpd src/app/gschemas.compiled >&2
# GDK as on a desktop: it loads GL to pick its visual (the tests turn that off).
GDK_DEBUG= exec timeout 300 tests/run-headless.sh /usr/bin/python3 build-aux/bench-app.py "$@"
