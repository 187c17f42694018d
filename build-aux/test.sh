#!/bin/sh
# Sets everything up and runs every test: installs the Debian packages the
# project needs, configures and builds in _build, and runs the whole suite
# (each test inside its own headless X server and D-Bus session).
#
#   ./build-aux/test.sh [extra arguments for meson test]
set -eu

cd "$(dirname "$0")/.."

./build-aux/install-deps.sh

if [ -f _build/build.ninja ]; then
  meson setup --reconfigure _build
else
  meson setup _build
fi
meson compile -C _build
meson test -C _build --print-errorlogs --num-processes 2 "$@"
