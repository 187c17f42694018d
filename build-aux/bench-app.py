#!/usr/bin/python3
"""The app benchmarks (docs/benchmarks.md, "App").

Run through build-aux/bench-app.sh, which puts this inside the headless session
of docs/testing.md (xvfb-run -a, dbus-run-session, throw-away HOME and XDG dirs,
GSK_RENDERER=cairo, GDK_DEBUG=gl-disable). Every app run gets its own
XDG_DATA_HOME and XDG_CONFIG_HOME under a temporary directory.

  cold start   mimp-bench-app start (the real MimpApplication) against
               mimp-bench-floor (AdwApplicationWindow + header bar), alternated,
               median of N runs: exec -> first frame's after-paint, RSS then
  big chat     a history of M messages in one chat, written with SQL into the
               app's schema; open it, then scroll back S messages; against the
               same with a 10-message chat
  search       the big chat's history as it was before search (schema 4): the
               app builds the index in the background (how long, and the longest
               main-loop stall meanwhile), then searches through the history's
               API; against, in the same run, loading the chat's newest page and
               a LIKE scan of the same file (no index)
  burst        a real mimpd on loopback, 20 senders (tests/mimp10_client.py)
               sending B messages to the app's account across 20 chats
  soak         hours of use: a real mimpd on loopback, three accounts in the
               app, twenty senders (mimp-cli send --stdin-lines, one run a
               second) sending K messages evenly over T seconds while the window
               opens the next chat every 2 s; RSS growth and main-loop stalls
               (--soak-seconds 1800 --soak-messages 100000 is the full run)

Prints one JSON object on standard output (progress on standard error).

SPDX-License-Identifier: GPL-3.0-or-later
"""

import argparse
import json
import os
import secrets
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(SRC, "tests"))


def log(*args):
    print("bench-app:", *args, file=sys.stderr, flush=True)


class Runner:
    def __init__(self, args):
        self.args = args
        self.tmp = tempfile.mkdtemp(prefix="mimp-bench-app-")
        self.app = os.path.join(args.build, "src", "bench", "app", "mimp-bench-app")
        self.floor = os.path.join(args.build, "src", "bench", "app", "mimp-bench-floor")
        self.n = 0
        self.keyring = False

    def env(self, name):
        """A fresh (or reused, by name) data and config directory for one app."""
        base = os.path.join(self.tmp, name)
        for d in ("data/mimp", "config/mimp", "cache"):
            os.makedirs(os.path.join(base, d), exist_ok=True)
        env = dict(os.environ)
        env.update({
            "XDG_DATA_HOME": os.path.join(base, "data"),
            "XDG_CONFIG_HOME": os.path.join(base, "config"),
            "XDG_CACHE_HOME": os.path.join(base, "cache"),
            "GSETTINGS_SCHEMA_DIR": os.path.join(self.args.build, "src", "app"),
            "GSETTINGS_BACKEND": "memory",
            "GSK_RENDERER": "cairo",
            "GDK_DEBUG": "gl-disable",
            "GDK_BACKEND": "x11",
            "NO_AT_BRIDGE": "1",
            "GTK_A11Y": "none",
        })
        return env, base

    def run_first_frame(self, argv, env):
        t0 = time.monotonic()
        p = subprocess.run(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=60)
        for line in p.stdout.decode().splitlines():
            if line.startswith("first-frame "):
                _, us, rss = line.split()
                return (int(us) / 1000.0 - t0 * 1000.0, int(rss))
        raise RuntimeError("%s: no first frame (%d): %s" % (argv[0], p.returncode,
                                                             p.stderr.decode()[-2000:]))

    def unlock_keyring(self):
        """An unlocked login keyring, as on a desktop after login (testing.md).
        Locked, the keyring prompts, and the app holds incoming messages until
        its private-chat key is stored or 20 s have passed: that would be
        measured instead of the app."""
        if not self.keyring:
            subprocess.run(["/bin/sh", "-c", "printf ci | gnome-keyring-daemon --unlock "
                            "--components=secrets >/dev/null"], check=True, timeout=30)
            self.keyring = True

    def cold_start(self):
        app_env, _ = self.env("start")
        floor_env, _ = self.env("floor")
        # One discarded run each: the history database is created, files are cached.
        self.run_first_frame([self.app, "start"], app_env)
        self.run_first_frame([self.floor], floor_env)
        app, floor = [], []
        for i in range(self.args.runs):
            floor.append(self.run_first_frame([self.floor], floor_env))
            app.append(self.run_first_frame([self.app, "start"], app_env))
        med = lambda xs, k: statistics.median(x[k] for x in xs)
        r = {"runs": self.args.runs,
             "app_ms": med(app, 0), "floor_ms": med(floor, 0),
             "app_rss_kib": med(app, 1), "floor_rss_kib": med(floor, 1),
             "app_ms_all": [round(x[0], 1) for x in app],
             "floor_ms_all": [round(x[0], 1) for x in floor]}
        log("cold start", r)
        return r

    def write_history(self, base, count, schema=None):
        path = os.path.join(base, "data", "mimp", "history.db")
        db = sqlite3.connect(path)
        migrations = sorted(os.listdir(os.path.join(SRC, "src", "app", "migrations")))
        if schema is not None:
            migrations = migrations[:schema]
        for name in migrations:
            with open(os.path.join(SRC, "src", "app", "migrations", name)) as f:
                db.executescript(f.read())
        db.execute("PRAGMA user_version = %d" % len(migrations))
        db.execute("INSERT INTO accounts (id, protocol) VALUES ('bench', 'mimp')")
        now_ms = int(time.time() * 1000)
        # Oldest first, one message a minute, alternating direction, 20-140 bytes of text.
        db.execute(
            "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < ?) "
            "INSERT INTO messages (account, peer, direction, text, timestamp, state) "
            "SELECT 'bench', 'alice', x % 2, 'Message ' || x || ' ' || "
            "substr('lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod "
            "tempor incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam', "
            "1, 10 + (x * 37) % 130), ? - (? - x) * 60000, 1 FROM c",
            (count, now_ms, count))
        db.execute("INSERT INTO chats (account, peer, unread, last_activity) "
                   "VALUES ('bench', 'alice', 0, ?)", (now_ms,))
        db.commit()
        db.close()
        with open(os.path.join(base, "config", "mimp", "accounts.ini"), "w") as f:
            f.write("[account bench]\nhost=127.0.0.1\nport=9\nuser=me\ntls=false\n"
                    "enabled=false\n")

    def run_json(self, argv, env, timeout):
        p = subprocess.run(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=timeout)
        for line in p.stdout.decode().splitlines():
            if line.startswith("{"):
                return json.loads(line)
        raise RuntimeError("%s: no result (%d): %s" % (" ".join(argv), p.returncode,
                                                        p.stderr.decode()[-2000:]))

    def chat(self, count, scroll, pages=1.0):
        env, base = self.env("chat-%d" % count)
        t0 = time.monotonic()
        # The same chat again (another scroll speed): its history is there.
        if not os.path.exists(os.path.join(base, "data", "mimp", "history.db")):
            self.write_history(base, count)
        made = time.monotonic() - t0
        # BENCH_APP_WRAPPER="perf record -g -o FILE" profiles the chat and burst runs.
        wrapper = os.environ.get("BENCH_APP_WRAPPER", "").split()
        r = self.run_json(wrapper + [self.app, "chat", "--key", "bench/alice",
                           "--messages", str(min(scroll, max(0, count - 100))),
                           "--pages-per-frame", str(pages),
                           "--timeout", str(self.args.scroll_budget)],
                          env, self.args.scroll_budget + 60)
        r["stored"] = count
        r["pages_per_frame"] = pages
        r["scroll_target"] = min(scroll, max(0, count - 100))
        r["db_write_s"] = round(made, 2)
        log("chat", r)
        return r

    def search(self, count):
        env, base = self.env("search-%d" % count)
        t0 = time.monotonic()
        # Schema 4: a history from before search, which the app migrates and indexes.
        self.write_history(base, count, schema=4)
        made = time.monotonic() - t0
        path = os.path.join(base, "data", "mimp", "history.db")
        r = self.run_json([self.app, "search", "--key", "bench/alice", "--timeout", "600"],
                          env, 660)
        # The same words with LIKE over the same file: what a search without the
        # index costs (newest first, as many rows as the app asks for).
        db = sqlite3.connect(path)
        like = []
        for q in r["queries"]:
            words = q["query"].split()
            sql = ("SELECT id FROM messages WHERE " +
                   " AND ".join(["text LIKE ?"] * len(words)) + " ORDER BY id DESC LIMIT 200")
            args = ["%" + w + "%" for w in words]
            times = []
            for _ in range(3):
                t = time.monotonic()
                n = len(db.execute(sql, args).fetchall())
                times.append((time.monotonic() - t) * 1000)
            like.append({"query": q["query"], "results": n,
                         "median_ms": round(statistics.median(times), 2)})
        db.close()
        r["like"] = like
        r["like_median_ms"] = round(statistics.median(x["median_ms"] for x in like), 2)
        r["like_max_ms"] = round(max(x["median_ms"] for x in like), 2)
        r["stored"] = count
        r["db_write_s"] = round(made, 2)
        log("search", r)
        return r

    def burst(self, count, chats, notifications=True):
        from mimpdtest import MimpdServer
        from mimp10_client import Mimp10Client

        password = secrets.token_urlsafe(16)
        senders = ["s%02d" % i for i in range(chats)]
        self.unlock_keyring()
        server = MimpdServer(users={name: password for name in ["me"] + senders},
                             tmpdir=os.path.join(self.tmp, "mimpd-%d" % notifications))
        os.makedirs(server.tmpdir, exist_ok=True)
        server.start()
        try:
            env, base = self.env("burst" if notifications else "burst-quiet")
            with open(os.path.join(base, "config", "mimp", "accounts.ini"), "w") as f:
                f.write("[account bench]\nhost=127.0.0.1\nport=%d\nuser=me\ntls=false\n"
                        "enabled=false\n" % server.port)
            env["MIMP_BENCH_PASSWORD"] = password
            wrapper = os.environ.get("BENCH_APP_WRAPPER", "").split()
            proc = subprocess.Popen(wrapper + [self.app, "burst", "--account", "bench", "--count",
                                     str(count), "--timeout", "120"] +
                                    ([] if notifications else ["--no-notifications"]), env=env,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            try:
                line = proc.stdout.readline().decode()
                if line.startswith("first-frame"):
                    line = proc.stdout.readline().decode()
                if not line.startswith("ready"):
                    raise RuntimeError("burst: app not ready: " + line +
                                       proc.stderr.read().decode()[-2000:])
                clients = []
                for name in senders:
                    c = Mimp10Client("127.0.0.1", server.port)
                    c.handshake()
                    c.login(name, password)
                    clients.append(c)
                per = [count // chats + (1 if i < count % chats else 0) for i in range(chats)]

                def send(c, n):
                    for i in range(n):
                        c.send("me", "burst %s %d" % (c.user, i))

                threads = [threading.Thread(target=send, args=(c, n))
                           for c, n in zip(clients, per)]
                t_send = time.monotonic()
                for t in threads:
                    t.start()
                for t in threads:
                    t.join()
                t_sent = time.monotonic()
                out, err = proc.communicate(timeout=150)
                for c in clients:
                    c.close()
            finally:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
            r = None
            for line in out.decode().splitlines():
                if line.startswith("{"):
                    r = json.loads(line)
            if r is None:
                raise RuntimeError("burst: no result: " + err.decode()[-2000:])
            r["chats"] = chats
            r["notifications"] = notifications
            r["send_s"] = round(t_sent - t_send, 3)
            r["stored_s"] = round(r["stored_us"] / 1e6 - t_send, 3)
            r["shown_s"] = round(r["shown_us"] / 1e6 - t_send, 3)
            log("burst", r)
            return r
        finally:
            server.stop()


    def soak(self, count, seconds, accounts=3, chats=20):
        """Hours of use: K messages over T seconds to three accounts, twenty chats."""
        from mimpdtest import MimpdServer

        password = secrets.token_urlsafe(16)
        users = ["me%d" % i for i in range(accounts)]
        senders = ["s%02d" % i for i in range(chats)]
        self.unlock_keyring()
        server = MimpdServer(users={name: password for name in users + senders},
                             tmpdir=os.path.join(self.tmp, "mimpd-soak"))
        os.makedirs(server.tmpdir, exist_ok=True)
        server.start()
        cli = os.path.join(self.args.build, "src", "cli", "mimp-cli")
        proc = None
        running = []
        try:
            env, base = self.env("soak")
            with open(os.path.join(base, "config", "mimp", "accounts.ini"), "w") as f:
                for u in users:
                    f.write("[account %s]\nhost=127.0.0.1\nport=%d\nuser=%s\ntls=false\n"
                            "enabled=false\n\n" % (u, server.port, u))
            env["MIMP_BENCH_PASSWORD"] = password
            wrapper = os.environ.get("BENCH_APP_WRAPPER", "").split()
            # Its standard error goes to a file: a pipe nobody reads for half an
            # hour would fill up and stop the app.
            app_log = open(os.path.join(base, "app.stderr"), "w+b")
            proc = subprocess.Popen(wrapper + [self.app, "soak", "--account", ",".join(users),
                                     "--count", str(count), "--timeout", str(seconds + 300)],
                                    env=env, stdout=subprocess.PIPE, stderr=app_log)

            def app_errors():
                app_log.seek(0)
                return app_log.read().decode(errors="replace")[-2000:]

            line = proc.stdout.readline().decode()
            if line.startswith("first-frame"):
                line = proc.stdout.readline().decode()
            if not line.startswith("ready"):
                raise RuntimeError("soak: app not ready: " + line + app_errors())
            # The password reaches mimp-cli through its environment, never argv.
            cli_env = dict(os.environ, MIMP_PASSWORD=password)
            words = ("lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod "
                     "tempor incididunt ut labore et dolore magna aliqua").split()
            sent = 0
            tick = 0
            t_send = time.monotonic()
            # One mimp-cli run a second, the senders in turn, with the messages due by
            # then: an even rate over the whole time.
            while sent < count:
                tick += 1
                due = min(count, int(count * tick / seconds) + 1)
                sender = senders[(tick - 1) % len(senders)]
                to = users[senders.index(sender) % len(users)]
                n = due - sent
                if n > 0:
                    lines = "".join("soak %s %d %s\n" % (sender, sent + i,
                                                         " ".join(words[:(sent + i) % 20 + 1]))
                                    for i in range(n))
                    p = subprocess.Popen([cli, "-s", "127.0.0.1:%d" % server.port, "-u", sender,
                                          "--stdin-lines", "send", to, "-"],
                                         env=cli_env, stdin=subprocess.PIPE,
                                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
                    p.stdin.write(lines.encode())
                    p.stdin.close()
                    running.append((p, n))
                    sent = due
                for p, n in list(running):
                    if p.poll() is not None:
                        running.remove((p, n))
                        if p.returncode != 0:
                            raise RuntimeError("soak: mimp-cli failed (%d): %s" %
                                               (p.returncode, p.stderr.read().decode()[-500:]))
                if proc.poll() is not None:
                    raise RuntimeError("soak: the app stopped (%d): %s" %
                                       (proc.returncode, app_errors()))
                if tick % 60 == 0:
                    log("soak: %d of %d sent in %.0f s" % (sent, count,
                                                          time.monotonic() - t_send))
                time.sleep(max(0.0, t_send + tick - time.monotonic()))
            for p, n in running:
                if p.wait(timeout=60) != 0:
                    raise RuntimeError("soak: mimp-cli failed (%d): %s" %
                                       (p.returncode, p.stderr.read().decode()[-500:]))
            running = []
            t_sent = time.monotonic()
            out, _ = proc.communicate(timeout=300)
            r = None
            for line in out.decode().splitlines():
                if line.startswith("{"):
                    r = json.loads(line)
            if r is None:
                raise RuntimeError("soak: no result (%s): %s" % (proc.returncode, app_errors()))
            if os.environ.get("BENCH_APP_SHOW_LOG"):
                sys.stderr.write(app_errors())
            r["sent"] = sent
            r["seconds"] = seconds
            r["send_s"] = round(t_sent - t_send, 1)
            log("soak", r)
            return r
        finally:
            for p, n in running:
                p.kill()
                p.wait()
            if proc is not None and proc.poll() is None:
                proc.kill()
                proc.wait()
            server.stop()

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(SRC, "_build-bench"))
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--messages", type=int, default=1000000)
    ap.add_argument("--scroll", type=int, default=10000)
    ap.add_argument("--burst", type=int, default=1000)
    ap.add_argument("--chats", type=int, default=20)
    ap.add_argument("--scroll-budget", type=int, default=150,
                    help="seconds the scroll may take; a partial scroll is reported as such")
    ap.add_argument("--fling-pages", type=float, default=0.25,
                    help="a second scroll at this many view heights a frame (a fast fling)")
    ap.add_argument("--fling-messages", type=int, default=2000)
    ap.add_argument("--soak-seconds", type=int, default=60,
                    help="the soak's length (1800 for the full run of issue 13)")
    ap.add_argument("--soak-messages", type=int, default=3333,
                    help="messages over the soak (100000 for the full run: 55 a second)")
    ap.add_argument("--only", choices=["start", "chat", "search", "burst", "soak"],
                    help="run one of the benchmarks only")
    ap.add_argument("--quick", action="store_true", help="a tiny configuration, seconds")
    args = ap.parse_args()
    if args.quick:
        args.runs, args.messages, args.scroll, args.burst, args.chats = 1, 2000, 200, 40, 4
        args.fling_messages = 100
        args.soak_seconds, args.soak_messages = min(args.soak_seconds, 20), 400
    os.environ.setdefault("MIMPD", os.path.join(args.build, "src", "mimpd", "mimpd"))
    r = Runner(args)
    t0 = time.monotonic()
    try:
        out = {}
        if args.only in (None, "start"):
            out["start"] = r.cold_start()
        if args.only in (None, "chat"):
            out["chat"] = r.chat(args.messages, args.scroll)
            out["chat_fling"] = r.chat(args.messages, args.fling_messages, args.fling_pages)
            out["chat_small"] = r.chat(10, 0)
        if args.only in (None, "search"):
            out["search"] = r.search(args.messages)
        if args.only in (None, "burst"):
            out["burst"] = r.burst(args.burst, args.chats)
            out["burst_quiet"] = r.burst(args.burst, args.chats, notifications=False)
        if args.only in (None, "soak"):
            out["soak"] = r.soak(args.soak_messages, args.soak_seconds)
    finally:
        shutil.rmtree(r.tmp, ignore_errors=True)
    out["seconds"] = round(time.monotonic() - t0, 1)
    json.dump(out, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
