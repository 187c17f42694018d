#!/bin/sh
# Runs every benchmark (docs/benchmarks.md: the server's, then the app's through
# build-aux/bench-app.sh) and rewrites docs/benchmarks.md.
#   build-aux/bench.sh [--quick] [--no-app | --app-only | --e2e-only] [bench.py options]
# (private chats: mimp-bench-e2e, docs/private-chats.md)
# Needs ngircd (build-aux/install-deps.sh installs it). Loopback only,
# bounded in time (about 5 minutes for the server, 3-4 more for its growth
# runs, under 5 for the app).
set -eu
cd "$(dirname "$0")/.."
if ! command -v ngircd >/dev/null 2>&1 && [ ! -x /usr/sbin/ngircd ]; then
  echo "bench: ngircd is missing; run build-aux/install-deps.sh" >&2
  exit 1
fi
if [ ! -d _build-bench ]; then
  meson setup _build-bench --buildtype=debugoptimized
fi
ninja -C _build-bench src/mimpd/mimpd src/bench/mimp-bench src/bench/mimp-bench-e2e
exec /usr/bin/python3 build-aux/bench.py "$@"
