#!/bin/sh
# Runs one test inside the session docs/testing.md describes: a throw-away HOME and
# XDG directories, its own X server (xvfb-run -a) and its own D-Bus session
# bus, so tests never touch the user's session and can run in parallel.
set -eu

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mimp-test.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
mkdir -p "$tmp/home" "$tmp/data" "$tmp/config" "$tmp/cache" "$tmp/runtime"
chmod 700 "$tmp/runtime"

export HOME="$tmp/home"
export XDG_DATA_HOME="$tmp/data"
export XDG_CONFIG_HOME="$tmp/config"
export XDG_CACHE_HOME="$tmp/cache"
export XDG_RUNTIME_DIR="$tmp/runtime"
export GDK_BACKEND=x11
export GSK_RENDERER=cairo
# No OpenGL at all: the tests render with cairo, and GDK would still load
# Mesa's software driver to pick a visual (which, since Debian's Mesa
# 22.3.6-1+deb12u2, leaves an allocation LeakSanitizer cannot suppress:
# the driver is unloaded before the report names it). A caller may set it
# (even empty, as the app benchmarks do) to keep GDK's default.
export GDK_DEBUG="${GDK_DEBUG-gl-disable}"
export NO_AT_BRIDGE=1

# The test's own exit status is what counts; cleanup happens in the trap.
# Only the test writes to standard output (a TAP stream for most): the
# session bus, and the services it starts (at-spi2-registryd prints
# "SpiRegistry daemon is running..."), write theirs to /dev/null, while the
# test gets the real one back through file descriptor 3.
status=0
exec 3>&1
xvfb-run -a -s "-screen 0 1280x1024x24 -nolisten tcp" \
  dbus-run-session -- sh -c 'exec "$@" >&3 3>&-' sh "$@" >/dev/null || status=$?
exit $status
