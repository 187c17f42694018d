#!/bin/sh
# Regenerates src/app/icons (see its README.md) from the Adwaita icon theme
# with gtk4-encode-symbolic-svg (package libgtk-4-bin).
set -eu
cd "$(dirname "$0")/.."
adwaita=${ADWAITA:-/usr/share/icons/Adwaita/scalable}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for pair in status/avatar-default:mimp-welcome actions/chat-message-new:mimp-no-chats \
  status/mail-unread:mimp-no-chat-selected; do
  cp "$adwaita/${pair%%:*}-symbolic.svg" "$tmp/${pair#*:}-symbolic.svg"
  gtk4-encode-symbolic-svg -o src/app/icons/128x128/status "$tmp/${pair#*:}-symbolic.svg" 128x128
  gtk4-encode-symbolic-svg -o src/app/icons/128x128@2/status "$tmp/${pair#*:}-symbolic.svg" 256x256
done
