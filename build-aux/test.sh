#!/bin/sh
# Sets everything up and runs every test: installs the Debian packages the
# project needs, configures and builds in _build, and runs the whole suite
# (each test inside its own headless X server and D-Bus session).
#
#   ./build-aux/test.sh [extra arguments for meson test]
set -eu

cd "$(dirname "$0")/.."

./build-aux/install-deps.sh

# Warnings are errors in CI: the build is kept free of them (docs/style.md).
# The vendored subprojects/libomemo-c is built without (src/libmimpe2e/meson.build).
if [ -f _build/build.ninja ]; then
  meson setup --reconfigure -Dwerror=true _build
else
  meson setup -Dwerror=true _build
fi
meson compile -C _build
meson test -C _build --print-errorlogs --num-processes 2 "$@"
