#!/bin/sh
# Checks the mimpd systemd unit with systemd-analyze (unknown keys, bad
# values, a missing ExecStart binary) and the sysusers/tmpfiles snippets with
# systemd-sysusers and systemd-tmpfiles in a throw-away root. Any diagnostic
# fails the test.
# Usage: check-systemd.sh UNIT_IN MIMPD_BINARY SYSUSERS TMPFILES
set -u
unit_in=$(realpath "$1") mimpd=$(realpath "$2") sysusers=$(realpath "$3") tmpfiles=$(realpath "$4")
status=0
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mimp-systemd.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

if command -v systemd-analyze >/dev/null 2>&1; then
  bindir=$(dirname "$mimpd")
  sed "s|@bindir@|$bindir|g" "$unit_in" > "$tmp/mimpd.service"
  systemd-analyze verify --man=no "$tmp/mimpd.service" > "$tmp/out" 2>&1 || status=1
  if [ -s "$tmp/out" ]; then cat "$tmp/out"; status=1; fi
  echo "systemd-analyze verify: checked"
else
  echo "systemd-analyze not installed: unit not verified"
fi

for key in NoNewPrivileges ProtectSystem=strict ProtectHome PrivateTmp PrivateDevices \
    RestrictAddressFamilies SystemCallFilter=@system-service MemoryDenyWriteExecute \
    LockPersonality RestrictNamespaces 'CapabilityBoundingSet=$' User=mimpd StateDirectory=mimpd; do
  if ! grep -q "^$key" "$unit_in"; then
    echo "FAIL: $unit_in lacks $key"
    status=1
  fi
done

if command -v systemd-sysusers >/dev/null 2>&1; then
  mkdir -p "$tmp/root/etc"
  if ! systemd-sysusers --root="$tmp/root" "$sysusers" > "$tmp/out" 2>&1; then
    cat "$tmp/out"; status=1
  elif ! grep -q '^mimpd:' "$tmp/root/etc/passwd"; then
    echo "FAIL: $sysusers does not create the mimpd user"; status=1
  else
    echo "systemd-sysusers: checked"
  fi
fi
if command -v systemd-tmpfiles >/dev/null 2>&1; then
  # --root resolves the mimpd user in the throw-away root made above.
  if ! systemd-tmpfiles --root="$tmp/root" --create "$tmpfiles" > "$tmp/out" 2>&1 || [ -s "$tmp/out" ]; then
    cat "$tmp/out"; status=1
  elif [ ! -d "$tmp/root/var/lib/mimpd" ]; then
    echo "FAIL: $tmpfiles does not create /var/lib/mimpd"; status=1
  else
    echo "systemd-tmpfiles: checked"
  fi
fi
exit $status
