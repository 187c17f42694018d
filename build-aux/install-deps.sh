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
  libgtk-4-dev libadwaita-1-dev libsecret-1-dev
  dbus dbus-x11 xvfb xauth gnome-keyring python3-dbusmock python3-gi
  at-spi2-core python3-pyatspi gir1.2-atspi-2.0 x11-utils xdotool
  imagemagick desktop-file-utils appstream yelp-tools
  libgtk-4-bin librsvg2-bin groff-base systemd flatpak-builder
  sqlite3 procps
  clang libclang-rt-14-dev
"
# python3-cryptography: AES for the Cryptully test peers (tests/cryptully) and
# the Miricat test server (tests/miricat/miricat_server.py); libsoup: the HTTP
# side of Miricat (src/libmiricat).
PACKAGES="$PACKAGES python3-cryptography libsoup-3.0-dev"
# ngircd: the IRC server that build-aux/bench.sh measures mimpd against (docs/benchmarks.md,
# benchmarks only; no test needs it).
PACKAGES="$PACKAGES ngircd"
# Private chats (docs/private-chats.md): libotr's SMP engine, and protobuf-c for the copy
# of libomemo-c 0.5.1 built in subprojects/ (docs/private-chats.md says why
# Debian's libomemo-c-dev is not used).
PACKAGES="$PACKAGES libotr5-dev libprotobuf-c-dev protobuf-c-compiler"

# Nothing to do when every package is there already (the run and test
# commands call this each time).
missing=""
for package in $PACKAGES; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" ||
    missing="$missing $package"
done
if [ -z "$missing" ]; then
  exit 0
fi
echo "install-deps: installing$missing"

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
# shellcheck disable=SC2086
$SUDO apt-get install -y -q --no-install-recommends $PACKAGES
