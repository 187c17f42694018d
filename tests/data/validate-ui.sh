#!/bin/sh
# Validates every GtkBuilder .ui file under the given directory with
# gtk4-builder-tool, preloading ui-types-preload.so so that libadwaita's and
# the app's own types are known. Files are found when the test runs, so a new
# .ui file is checked without reconfiguring. Needs a display (the headless
# test setup provides one).
# Usage: validate-ui.sh DIR PRELOAD_MODULE
set -u
dir=$1 preload=$2

files=$(find "$dir" -name '*.ui' | sort)
if [ -z "$files" ]; then
  echo "no .ui files under $dir yet: nothing to validate"
  exit 77
fi
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  echo "no display: run through the headless test setup"
  exit 77
fi

status=0
for f in $files; do
  # Every class and template parent named in the file, except the template's
  # own class: gtk4-builder-tool makes a stand-in type for that.
  template=$(sed -n 's/.*<template[^>]*class="\([A-Za-z0-9_]*\)".*/\1/p' "$f" | head -n 1)
  types=$(grep -o -E '(class|parent)="[A-Za-z0-9_]+"' "$f" | sed 's/.*="\(.*\)"/\1/' \
          | sort -u | grep -v -x -F "${template:-@none@}" | tr '\n' ' ')
  if out=$(MIMP_UI_TYPES="$types" LD_PRELOAD="$preload" gtk4-builder-tool validate "$f" 2>&1) \
     && [ -z "$out" ]; then
    echo "ok: $f"
  else
    echo "FAIL: $f"
    echo "$out"
    status=1
  fi
done
exit $status
