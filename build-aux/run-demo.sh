#!/bin/bash
# The newcomer command: a local mimpd with demo users, an echo bot, and the
# app with a demo account already set up. Stops mimpd and the bot when the
# app exits. Only ever talks to 127.0.0.1.
#
# Data (server database, generated demo passwords, mode 600) lives in
# ${XDG_DATA_HOME:-~/.local/share}/mimp-demo/. Passwords are passed through
# the environment or standard input, never on a command line.
set -euo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
build=${MIMP_BUILD_DIR:-$src/_build}
demo=${XDG_DATA_HOME:-$HOME/.local/share}/mimp-demo

"$src/build-aux/install-deps.sh"
[ -f "$build/build.ninja" ] || meson setup "$build" "$src"
ninja -C "$build"
mimpd="$build/src/mimpd/mimpd"
cli="$build/src/cli/mimp-cli"
export GSETTINGS_SCHEMA_DIR="$build/src/app${GSETTINGS_SCHEMA_DIR:+:$GSETTINGS_SCHEMA_DIR}"

mkdir -p "$demo"
chmod 700 "$demo"
db="$demo/mimpd.db"

password_of () {
  local file="$demo/$1.password"
  if [ ! -s "$file" ]; then
    (umask 077; head -c 18 /dev/urandom | base64 | tr -d '/+=' > "$file")
    "$mimpd" --database "$db" user add "$1" < "$file" >/dev/null
  fi
  cat "$file"
}

# Users first: `mimpd user` refuses to change a database a server is using.
me_pw=$(password_of me)
alice_pw=$(password_of alice)
echo_pw=$(password_of echo)

# Port 3290 if it is free, else any free one.
port_free () {
  ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}
port=0
if port_free 3290; then port=3290; fi

log="$demo/mimpd.log"
"$mimpd" --database "$db" --listen 127.0.0.1 --port "$port" > "$demo/mimpd.out" 2> "$log" &
mimpd_pid=$!
bot_pid=
cleanup () {
  [ -n "$bot_pid" ] && kill "$bot_pid" 2>/dev/null || true
  kill "$mimpd_pid" 2>/dev/null || true
  wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

for _ in $(seq 50); do
  grep -q "listening on" "$demo/mimpd.out" 2>/dev/null && break
  sleep 0.1
done
port=$(sed -n 's/^mimpd: listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$demo/mimpd.out" | head -1)
[ -n "$port" ] || { echo "run-demo: mimpd did not start (see $log)" >&2; exit 1; }
server="127.0.0.1:$port"

# The echo bot: answers every message with the same text, in a private chat
# (end-to-end encrypted; its keys in $demo/echo-e2e) when the message came
# encrypted, as the app's messages do.
MIMP_PASSWORD=$echo_pw "$cli" --server "$server" --user echo --e2e --state "$demo/echo-e2e" \
  listen --echo > /dev/null &
bot_pid=$!

if [ ! -e "$demo/greeted" ]; then
  echo "Welcome to Mimp! This is a local demo server. Write to “echo” and it answers." |
    MIMP_PASSWORD=$alice_pw "$cli" --server "$server" --user alice send me - >/dev/null
  echo "Hi, I am echo. Send me anything." |
    MIMP_PASSWORD=$echo_pw "$cli" --server "$server" --user echo send me - >/dev/null
  touch "$demo/greeted"
fi

echo "run-demo: mimpd on $server; the app signs in as “me”"
MIMP_PASSWORD=$me_pw "$build/src/app/mimp" --add-account="me@$server"
