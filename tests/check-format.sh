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
# G_DEFINE_QUARK registers its first argument as written, and clang-format
# spaces the hyphens of a name like mimp-error-quark: such a line stays
# between "// clang-format off" and "// clang-format on".
if grep -rn --include='*.c' 'G_DEFINE_QUARK (.* - ' src tests; then
  echo "a G_DEFINE_QUARK name with spaced hyphens: wrap it in // clang-format off/on"
  bad=1
fi
exit $bad
