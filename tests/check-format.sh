#!/bin/sh
# Fails when a C file of the project differs from what clang-format makes of
# it with the repository's .clang-format (GNU/GTK style). Fix with:
#   clang-format -i FILE
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

command -v clang-format >/dev/null || { echo "clang-format is not installed"; exit 1; }

bad=0
for file in $(find src tests -name '*.[ch]' -not -path 'tests/data/fixtures/*' | sort); do
  if ! clang-format --dry-run -Werror "$file" >/dev/null 2>&1; then
    echo "not formatted: $file"
    bad=1
  fi
done
exit $bad
