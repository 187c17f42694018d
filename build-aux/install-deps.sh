#!/bin/sh
# Installs every Debian 12 package the project needs to build, run and test.
# Runs as root, or through sudo when it is available.
set -eu

SUDO=""
if [ "$(id -u)" != 0 ]; then
  SUDO=sudo
fi

PACKAGES="
  build-essential meson ninja-build pkg-config gettext clang-format
  libglib2.0-dev libglib2.0-bin glib-networking libjson-glib-dev
  libsqlite3-dev libgcrypt20-dev gnutls-bin
  libgtk-4-dev libadwaita-1-dev libsecret-1-dev libnotify-dev
  dbus dbus-x11 xvfb xauth gnome-keyring python3-dbusmock python3-gi
  imagemagick desktop-file-utils appstream yelp-tools
  libgtk-4-bin librsvg2-bin groff-base systemd flatpak-builder
  sqlite3 procps
  clang libclang-rt-14-dev
"

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
# shellcheck disable=SC2086
$SUDO apt-get install -y -q --no-install-recommends $PACKAGES
