#!/usr/bin/python3
"""Runs the benchmarks and writes docs/benchmarks.md.

    build-aux/bench.sh            # everything, about 5 minutes
    build-aux/bench.sh --quick    # short runs, to try the machinery

Every server (mimpd, the bench's own relay, ngircd) is started here on
127.0.0.1 with a free port and a temporary directory, and stopped by PID.
Traffic goes to loopback only; every run is bounded in time.

Passwords are generated at run time and reach mimpd and mimp-bench only
through files of mode 0600 in the temporary directory or standard input.

SPDX-License-Identifier: GPL-3.0-or-later
"""

import argparse
import datetime
import json
import os
import platform
import re
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(HERE)


def log(*args):
    print("bench:", *args, file=sys.stderr, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def read_listening(proc, pattern, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        m = re.search(pattern, line.decode())
        if m:
            return int(m.group(1))
    raise RuntimeError("server did not report its port")


def wait_port(port, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("nothing listens on port %d" % port)


class Server:
    """A server process, stopped (SIGTERM, then SIGKILL) when done."""

    def __init__(self, proc, port, name):
        self.proc, self.port, self.name = proc, port, name

    @property
    def pid(self):
        return self.proc.pid

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class Bench:
    def __init__(self, args):
        self.args = args
        self.build = os.path.abspath(args.build)
        self.mimpd = os.path.join(self.build, "src/mimpd/mimpd")
        self.tool = os.path.join(self.build, "src/bench/mimp-bench")
        self.tmp = tempfile.mkdtemp(prefix="mimp-bench-")
        self.db = os.path.join(self.tmp, "mimpd.db")
        self.pwfile = os.path.join(self.tmp, "password")
        self.password = secrets.token_urlsafe(18)
        fd = os.open(self.pwfile, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.write(fd, (self.password + "\n").encode())
        os.close(fd)
        self.results = {}
        self.servers = []
        self.t0 = time.monotonic()

    def cleanup(self):
        for s in self.servers:
            s.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)

    # --- servers -----------------------------------------------------------

    def env(self, test_cost):
        env = dict(os.environ)
        env.pop("MIMPD_ARGON2_TEST_COST", None)
        if test_cost:
            env["MIMPD_ARGON2_TEST_COST"] = "1"
        return env

    def add_users(self, names, test_cost=True):
        """`mimpd user add`, two at a time, password on standard input."""
        env = self.env(test_cost)
        names = list(names)
        running = []
        while names or running:
            # The first creates the schema alone.
            width = 2 if os.path.exists(self.db) else 1
            while names and len(running) < width:
                p = subprocess.Popen([self.mimpd, "--database", self.db, "user", "add",
                                      names.pop(0)], stdin=subprocess.PIPE,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
                p.stdin.write((self.password + "\n").encode())
                p.stdin.close()
                running.append(p)
            p = running.pop(0)
            if p.wait(timeout=60) != 0:
                raise RuntimeError("mimpd user add failed: " + p.stderr.read().decode())

    def start_mimpd(self, *extra, test_cost=True):
        proc = subprocess.Popen([self.mimpd, "--database", self.db, "--listen", "127.0.0.1",
                                 "--port", "0", *extra], stdout=subprocess.PIPE,
                                stderr=open(os.path.join(self.tmp, "mimpd.log"), "ab"),
                                env=self.env(test_cost))
        port = read_listening(proc, r"listening on 127\.0\.0\.1:(\d+)")
        s = Server(proc, port, "mimpd")
        self.servers.append(s)
        return s

    def start_echo(self):
        proc = subprocess.Popen([self.tool, "--echo-server"], stdout=subprocess.PIPE)
        port = read_listening(proc, r"listening on 127\.0\.0\.1:(\d+)")
        s = Server(proc, port, "echo")
        self.servers.append(s)
        return s

    def start_ngircd(self):
        port = free_port()
        conf = os.path.join(self.tmp, "ngircd.conf")
        with open(conf, "w") as f:
            f.write(NGIRCD_CONF.format(port=port, pidfile=os.path.join(self.tmp, "ngircd.pid"),
                                       motd=os.path.join(self.tmp, "motd")))
        open(os.path.join(self.tmp, "motd"), "w").write("bench\n")
        proc = subprocess.Popen([self.args.ngircd, "--nodaemon", "--config", conf],
                                stdout=open(os.path.join(self.tmp, "ngircd.log"), "ab"),
                                stderr=subprocess.STDOUT)
        wait_port(port)
        s = Server(proc, port, "ngircd")
        self.servers.append(s)
        return s

    def stop(self, server):
        server.stop()
        self.servers.remove(server)

    # --- runs --------------------------------------------------------------

    def tool_json(self, argv, env=None, timeout=600):
        log("%6.1f s:" % (time.monotonic() - self.t0)," ".join(os.path.basename(a) if a == self.tool else a for a in argv))
        p = subprocess.run([self.tool, *argv], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           env=env, timeout=timeout)
        if p.returncode != 0:
            raise RuntimeError("mimp-bench failed (%d): %s" % (p.returncode, p.stderr.decode()))
        return json.loads(p.stdout.decode())

    def load(self, server, proto, *extra, clients=None, count_syscalls=False):
        a = self.args
        argv = ["--proto", proto, "--port", str(server.port), "--server-pid", str(server.pid),
                "--clients", str(clients or a.clients), "--warmup", str(a.warmup),
                "--duration", str(a.duration), *extra]
        if proto == "mimp":
            argv += ["--password-file", self.pwfile]
        counter = self.count_syscalls(server) if count_syscalls else None
        result = self.tool_json(argv)
        if counter is not None:
            result.update(self.syscalls_per_message(counter, result["delivered_per_s"]))
        return result

    SYSCALL_EVENTS = {"all": "raw_syscalls:sys_enter",
                      "write": "syscalls:sys_enter_write", "sendto": "syscalls:sys_enter_sendto",
                      "sendmsg": "syscalls:sys_enter_sendmsg"}

    def count_syscalls(self, server):
        """Counts the server's system calls with `perf stat` over the middle of
        the measured window (from 1 s after the warm-up, for the duration less
        2 s). A count, unlike time, does not move with the machine's load:
        it shows what the server does per message. None without perf."""
        perf = shutil.which("perf")
        seconds = self.args.duration - 2
        if perf is None or seconds < 1:
            return None
        out = os.path.join(self.tmp, "perf-stat-%d.csv" % server.pid)
        events = ",".join(self.SYSCALL_EVENTS.values())
        proc = subprocess.Popen(
            ["sh", "-c", 'sleep "$1"; exec "$2" stat -x, -e "$3" -p "$4" -o "$5" -- sleep "$6"',
             "perf-stat", str(self.args.warmup + 1), perf, events, str(server.pid), out,
             str(seconds)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return proc, out, seconds

    def syscalls_per_message(self, counter, per_s):
        proc, out, seconds = counter
        try:
            ok = proc.wait(timeout=seconds + 30) == 0
        except subprocess.TimeoutExpired:
            proc.kill()
            ok = False
        counts = {}
        if ok and os.path.exists(out):
            with open(out) as f:
                for line in f:
                    fields = line.strip().split(",")
                    if len(fields) > 2 and fields[0].isdigit():
                        counts[fields[2]] = int(fields[0])
        messages = per_s * seconds
        if not messages or self.SYSCALL_EVENTS["all"] not in counts:
            log("no system call count (perf stat unavailable or not permitted)")
            return {}
        sends = sum(counts.get(self.SYSCALL_EVENTS[k], 0) for k in ("write", "sendto", "sendmsg"))
        return {"syscalls_per_msg": counts[self.SYSCALL_EVENTS["all"]] / messages,
                "sends_per_msg": sends / messages}

    def fsync_latency(self, rounds=300):
        """What one durable acknowledgement costs at least on this disk: append
        4 KiB to a file in the bench's directory and fdatasync it."""
        path = os.path.join(self.tmp, "fsync-probe")
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        block = os.urandom(4096)
        times = []
        try:
            for _ in range(rounds):
                os.write(fd, block)
                t = time.perf_counter()
                os.fdatasync(fd)
                times.append((time.perf_counter() - t) * 1e6)
        finally:
            os.close(fd)
            os.unlink(path)
        times.sort()
        return {"fsync_p50_us": times[len(times) // 2],
                "fsync_p99_us": times[int(len(times) * 0.99)], "fsync_max_us": times[-1],
                "fsync_rounds": rounds}

    def run(self):
        a = self.args
        R = self.results
        log("temporary directory", self.tmp)
        log("creating %d client users and %d idle users (MIMPD_ARGON2_TEST_COST=1)"
            % (a.clients, a.idle_users))
        t0 = time.monotonic()
        self.add_users(["bench%d" % i for i in range(a.clients)])
        self.add_users(["idle%d" % i for i in range(a.idle_users)])
        self.add_users(["login0"], test_cost=False)
        R["setup_users_s"] = time.monotonic() - t0

        R["fsync"] = self.fsync_latency()
        R["codec"] = self.tool_json(["--codec", "--codec-seconds", str(a.codec_seconds)])
        R["argon2"] = self.tool_json(["--argon2", "--codec-seconds", str(a.codec_seconds * 3)],
                                     env=self.env(False))

        # Throughput: the same workload against the relay, ngircd and mimpd.
        s = self.start_echo()
        R["echo"] = self.load(s, "echo", count_syscalls=True)
        R["echo_20k"] = self.load(s, "echo", "--rate", str(a.rate))
        R["echo_low"] = self.load(s, "echo", "--rate", str(a.low_rate))
        self.stop(s)
        s = self.start_ngircd()
        R["ngircd"] = self.load(s, "irc", count_syscalls=True)
        R["ngircd_20k"] = self.load(s, "irc", "--rate", str(a.rate))
        self.stop(s)
        s = self.start_mimpd()
        R["mimpd"] = self.load(s, "mimp", count_syscalls=True)
        R["mimpd_20k"] = self.load(s, "mimp", "--rate", str(a.rate))
        R["mimpd_low"] = self.load(s, "mimp", "--rate", str(a.low_rate))
        R["mimpd_poll"] = self.load(s, "mimp", "--rate", str(a.poll_rate), "--receive", "poll",
                                    "--poll-interval", "5")
        self.stop(s)
        s = self.start_mimpd("--sync", "normal")
        R["mimpd_normal"] = self.load(s, "mimp")
        self.stop(s)

        # Capacity: idle authenticated connections, then the throughput run beside them.
        s = self.start_ngircd()
        # ngircd listens with a backlog of 10: connect a few at a time.
        R["ngircd_idle"] = self.load(s, "irc", "--idle", str(a.idle), "--max-inflight", "8")
        self.stop(s)
        s = self.start_mimpd()
        R["mimpd_idle"] = self.load(s, "mimp", "--idle", str(a.idle), "--idle-users",
                                    str(a.idle_users))
        self.stop(s)

        # Login at the real Argon2id cost.
        s = self.start_mimpd(test_cost=False)
        R["login"] = self.tool_json(["--port", str(s.port), "--server-pid", str(s.pid),
                                     "--password-file", self.pwfile, "--user-prefix", "login",
                                     "--clients", "1", "--login", str(a.logins),
                                     "--login-concurrency", "4"])
        self.stop(s)


NGIRCD_CONF = """\
# Generated by build-aux/bench.py: loopback only, no flood protection.
[Global]
Name = bench.localhost
Info = mimp-bench baseline
Listen = 127.0.0.1
Ports = {port}
PidFile = {pidfile}
MotdFile = {motd}
[Limits]
# No limit on connections, none per address (every client is 127.0.0.1).
MaxConnections = 0
MaxConnectionsIP = 0
# 0 disables the penalties that slow down clients that send fast.
MaxPenaltyTime = 0
MaxNickLength = 16
PingTimeout = 600
PongTimeout = 600
[Options]
DNS = no
Ident = no
PAM = no
"""


# --- report ---------------------------------------------------------------------


def machine():
    model = "?"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "?"
    try:
        for line in open("/proc/meminfo"):
            if line.startswith("MemTotal"):
                mem = "%.1f GiB" % (int(line.split()[1]) / 1024 / 1024)
    except OSError:
        pass
    ngircd = subprocess.run(["ngircd", "--version"], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL).stdout.decode().splitlines()
    return {
        "nproc": os.cpu_count(),
        "cpu": model,
        "memory": mem,
        "kernel": platform.release(),
        "os": (open("/etc/debian_version").read().strip()
               if os.path.exists("/etc/debian_version") else "?"),
        "ngircd": ngircd[0] if ngircd else "?",
        "date": datetime.datetime.utcnow().strftime("%Y-%m-%d %H:%M UTC"),
    }


def ratio(a, b):
    return a / b if b else 0.0


def fmt(v, digits=0):
    if isinstance(v, str):
        return v
    if digits == 0:
        return "{:,.0f}".format(v)
    return "{:,.{}f}".format(v, digits)


def build_report(R, args, m):
    rows = []  # (figure, value, baseline/ratio, target, verdict)
    mi, ng, ec = R["mimpd"], R["ngircd"], R["echo"]

    def row(name, value, ref="", target="", ok=None):
        verdict = "" if ok is None else ("met" if ok else "MISSED")
        rows.append((name, value, ref, target, verdict))

    row("relay (bench's own), msg/s", fmt(ec["delivered_per_s"]), "ceiling")
    row("ngircd, msg/s", fmt(ng["delivered_per_s"]),
        "%.2f of relay" % ratio(ng["delivered_per_s"], ec["delivered_per_s"]))
    r_ng = ratio(mi["delivered_per_s"], ng["delivered_per_s"])
    row("mimpd (sync=full), msg/s", fmt(mi["delivered_per_s"]),
        "%.3f of ngircd, %.3f of relay" % (r_ng, ratio(mi["delivered_per_s"],
                                                        ec["delivered_per_s"])),
        ">= 0.5 of ngircd", r_ng >= 0.5)
    mn = R["mimpd_normal"]
    row("mimpd (sync=normal), msg/s", fmt(mn["delivered_per_s"]),
        "%.3f of ngircd" % ratio(mn["delivered_per_s"], ng["delivered_per_s"]))
    row("server CPU per message, µs: relay / ngircd / mimpd",
        "%.1f / %.1f / %.1f" % (ec["server_cpu_us_per_msg"], ng["server_cpu_us_per_msg"],
                                mi["server_cpu_us_per_msg"]),
        "mimpd %.1fx ngircd" % ratio(mi["server_cpu_us_per_msg"], ng["server_cpu_us_per_msg"]))
    if all("syscalls_per_msg" in x for x in (ec, ng, mi)):
        row("system calls per message (perf stat): relay / ngircd / mimpd",
            "%.2f / %.2f / %.2f" % (ec["syscalls_per_msg"], ng["syscalls_per_msg"],
                                    mi["syscalls_per_msg"]),
            "of them socket writes: %.2f / %.2f / %.2f" % (
                ec["sends_per_msg"], ng["sends_per_msg"], mi["sends_per_msg"]))
    else:
        row("system calls per message (perf stat)", "n/a", "not counted in this run (no perf)")
    row("SM reply latency p50/p99/max, µs (mimpd, full load)",
        "%s / %s / %s" % (fmt(mi["sm_p50_us"]), fmt(mi["sm_p99_us"]), fmt(mi["sm_max_us"])),
        "ngircd PONG: %s / %s / %s" % (fmt(ng["sm_p50_us"]), fmt(ng["sm_p99_us"]),
                                       fmt(ng["sm_max_us"])))
    row("delivery latency p50/p99/max, µs (mimpd, full load)",
        "%s / %s / %s" % (fmt(mi["e2e_p50_us"]), fmt(mi["e2e_p99_us"]), fmt(mi["e2e_max_us"])),
        "ngircd: %s / %s / %s" % (fmt(ng["e2e_p50_us"]), fmt(ng["e2e_p99_us"]),
                                  fmt(ng["e2e_max_us"])))
    m20, e20, n20 = R["mimpd_20k"], R["echo_20k"], R["ngircd_20k"]
    row("at %s msg/s offered: mimpd delivered msg/s" % fmt(args.rate),
        fmt(m20["delivered_per_s"]), "relay %s, ngircd %s" % (fmt(e20["delivered_per_s"]),
                                                              fmt(n20["delivered_per_s"])))
    ok = m20["e2e_p99_us"] < 1000 and m20["delivered_per_s"] >= 0.95 * args.rate
    row("at %s msg/s: long-poll delivery p50/p99/max, µs" % fmt(args.rate),
        "%s / %s / %s" % (fmt(m20["e2e_p50_us"]), fmt(m20["e2e_p99_us"]),
                          fmt(m20["e2e_max_us"])),
        "relay %s / %s, ngircd %s / %s (p50 / p99)" % (
            fmt(e20["e2e_p50_us"]), fmt(e20["e2e_p99_us"]), fmt(n20["e2e_p50_us"]),
            fmt(n20["e2e_p99_us"])),
        "p99 < 1,000 µs", ok)
    if "mimpd_low" in R:
        ml, el = R["mimpd_low"], R["echo_low"]
        row("at %s msg/s: long-poll delivery p50/p99/max, µs" % fmt(args.low_rate),
            "%s / %s / %s" % (fmt(ml["e2e_p50_us"]), fmt(ml["e2e_p99_us"]),
                              fmt(ml["e2e_max_us"])),
            "relay %s / %s (p50 / p99); mimpd delivered %s msg/s" % (
                fmt(el["e2e_p50_us"]), fmt(el["e2e_p99_us"]), fmt(ml["delivered_per_s"])))
    if "fsync" in R:
        fs = R["fsync"]
        row("fdatasync of a 4 KiB append, p50/p99/max, µs (the floor of a durable reply)",
            "%s / %s / %s" % (fmt(fs["fsync_p50_us"]), fmt(fs["fsync_p99_us"]),
                              fmt(fs["fsync_max_us"])), "%d rounds" % fs["fsync_rounds"])
    mp = R["mimpd_poll"]
    row("at %s msg/s: plain 1.0 polling (every 5 s) delivery p50/p99/max, µs" % fmt(args.poll_rate),
        "%s / %s / %s" % (fmt(mp["e2e_p50_us"]), fmt(mp["e2e_p99_us"]), fmt(mp["e2e_max_us"])),
        "long poll p99 is %.0fx lower" % ratio(mp["e2e_p99_us"], m20["e2e_p99_us"]))
    mid, ngi = R["mimpd_idle"], R["ngircd_idle"]
    per_m, per_n = mid["server_bytes_per_idle_conn"], ngi["server_bytes_per_idle_conn"]
    row("memory per idle authenticated connection, bytes (%s conns)" % fmt(args.idle),
        "mimpd %s, ngircd %s" % (fmt(per_m), fmt(per_n)), "%.2fx ngircd" % ratio(per_m, per_n),
        "<= 1.5x ngircd", ratio(per_m, per_n) <= 1.5)
    row("time to log in %s idle connections, s" % fmt(args.idle),
        "mimpd %.1f, ngircd %.1f" % (mid["idle_setup_s"], ngi["idle_setup_s"]))
    healthy = mid["delivered_per_s"] >= 0.8 * mi["delivered_per_s"] and mid["errors"] == 0
    row("throughput beside %s idle connections, msg/s" % fmt(args.idle),
        "mimpd %s, ngircd %s" % (fmt(mid["delivered_per_s"]), fmt(ngi["delivered_per_s"])),
        "mimpd %.2f of its own without them" % ratio(mid["delivered_per_s"],
                                                     mi["delivered_per_s"]),
        ">= 0.8, no errors", healthy)
    c = R["codec"]
    row("XOR cipher, 1 MiB body, MB/s", fmt(c["codec_1mib_xor_mb_s"]),
        "memcpy %s (%.2f of it)" % (fmt(c["codec_1mib_memcpy_mb_s"]),
                                     c["codec_1mib_xor_vs_memcpy"]),
        ">= 0.80 of memcpy", c["codec_1mib_xor_vs_memcpy"] >= 0.8)
    row("XOR cipher, 128-byte body, ns", fmt(c["codec_small_xor_ns"], 1),
        "memcpy %s ns" % fmt(c["codec_small_memcpy_ns"], 1))
    row("frame encode / decode, 1 MiB, MB/s",
        "%s / %s" % (fmt(c["codec_1mib_encode_mb_s"]), fmt(c["codec_1mib_decode_mb_s"])),
        "memcpy %s" % fmt(c["codec_1mib_memcpy_mb_s"]))
    row("frame encode / decode, 128 bytes, ns",
        "%s / %s" % (fmt(c["codec_small_encode_ns"], 1), fmt(c["codec_small_decode_ns"], 1)),
        "memcpy %s ns" % fmt(c["codec_small_memcpy_ns"], 1))
    row("JSON: parse an SM request / build its reply, ns",
        "%s / %s" % (fmt(c["json_parse_sm_ns"]), fmt(c["json_build_sm_reply_ns"])))
    a2, lg = R["argon2"], R["login"]
    row("Argon2id (%s) verify, ms, one core" % a2["argon2_params"], fmt(a2["argon2_verify_ms"], 1))
    row("logins/s through mimpd (4 at once)", fmt(lg["logins_per_s"], 1),
        "p50 %s ms, p99 %s ms; %.1f ms server CPU each" % (
            fmt(lg["login_p50_us"] / 1000, 1), fmt(lg["login_p99_us"] / 1000, 1),
            lg["server_cpu_ms_per_login"]))
    return rows


def build_app_report(A):
    """Rows of the App table (build-aux/bench-app.py's figures)."""
    rows = []

    def row(name, value, ref="", target="", ok=None):
        verdict = "" if ok is None else ("met" if ok else "MISSED")
        rows.append((name, value, ref, target, verdict))

    st, ch, sm, bu = A["start"], A["chat"], A["chat_small"], A["burst"]
    r = ratio(st["app_ms"], st["floor_ms"])
    row("cold start, exec to first frame, ms (median of %d)" % st["runs"], fmt(st["app_ms"]),
        "floor %s (%.2fx)" % (fmt(st["floor_ms"]), r), "<= 1.3x floor", r <= 1.3)
    r = ratio(st["app_rss_kib"], st["floor_rss_kib"])
    row("RSS at first frame, MiB", fmt(st["app_rss_kib"] / 1024, 1),
        "floor %s (%.2fx)" % (fmt(st["floor_rss_kib"] / 1024, 1), r), "<= 1.3x floor", r <= 1.3)
    row("open a chat of %s messages, ms (to the first frame with rows)" % fmt(ch["stored"]),
        fmt(ch["open_ms"], 1), "10-message chat %s (%.2fx)" % (
            fmt(sm["open_ms"], 1), ratio(ch["open_ms"], sm["open_ms"])),
        "< 200 ms", ch["open_ms"] < 200)
    scrolled = fmt(ch["scrolled"])
    if not ch.get("complete", True):
        scrolled += " of %s (the time budget ran out)" % fmt(ch.get("scroll_target", 0))
    row("scroll back %s messages: frame p50 / p99 / longest, ms" % scrolled,
        "%s / %s / %s" % (fmt(ch["p50_ms"], 1), fmt(ch["p99_ms"], 1), fmt(ch["max_ms"], 1)),
        "%d frames in %.1f s; longest gap between frames %s ms" % (
            ch["frames"], ch["scroll_s"], fmt(ch["max_interval_ms"], 1)),
        "p99 < 16.7 ms", ch["p99_ms"] < 16.7)
    fl = A.get("chat_fling")
    if fl:
        row("the same, %s messages at %s of a view per frame (a fast fling): frame p50 / p99 / "
            "longest, ms" % (fmt(fl["scrolled"]), fl.get("pages_per_frame", "?")),
            "%s / %s / %s" % (fmt(fl["p50_ms"], 1), fmt(fl["p99_ms"], 1), fmt(fl["max_ms"], 1)),
            "%d frames in %.1f s" % (fl["frames"], fl["scroll_s"]))
    row("RSS growth over that scroll, MiB", fmt(ch["rss_growth_kib"] / 1024, 1),
        "RSS with the chat open %s MiB (10-message chat %s)" % (
            fmt(ch["rss_open_kib"] / 1024, 1), fmt(sm["rss_open_kib"] / 1024, 1)),
        "< 30 MiB", ch["rss_growth_kib"] < 30 * 1024)
    row("burst of %d messages across %d chats: longest main-loop stall, ms" % (
        bu["received"], bu["chats"]), fmt(bu["stall_max_ms"], 1),
        "idle main loop %s ms" % fmt(bu["idle_stall_max_ms"], 1))
    row("burst: all stored / shown, s after the first send", "%.2f / %.2f" % (
        bu["stored_s"], bu["shown_s"]), "the senders took %.2f s" % bu["send_s"])
    bq = A.get("burst_quiet")
    if bq:
        row("the same burst, notifications off: longest stall, ms", fmt(bq["stall_max_ms"], 1),
            "all stored / shown %.2f / %.2f s" % (bq["stored_s"], bq["shown_s"]))
    return rows


def table_text(rows):
    head = ("figure", "value", "baseline / ratio", "target", "")
    widths = [max(len(str(r[i])) for r in rows + [head]) for i in range(5)]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(head, widths)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    for r in rows:
        lines.append("  ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip())
    return "\n".join(lines)


def table_md(rows):
    out = ["| figure | value | baseline / ratio | target | |", "|---|---|---|---|---|"]
    for r in rows:
        out.append("| " + " | ".join(str(c).replace("|", "/") for c in r) + " |")
    return "\n".join(out)


def write_doc(path, rows, R, args, m, notes):
    raw = json.dumps(R, indent=1, sort_keys=True)
    with open(path, "w") as f:
        f.write(DOC_TEMPLATE.format(
            machine="\n".join("- %s: %s" % (k, v) for k, v in m.items()),
            table=table_md(rows), args=R.get("argv") or "(defaults)",
            clients=args.clients, duration=args.duration, warmup=args.warmup,
            rate=fmt(args.rate), low_rate=fmt(args.low_rate), idle=fmt(args.idle), notes=notes,
            raw=raw,
            commit=R.get("commit", "?"), elapsed=R.get("elapsed_s", 0),
            app=app_section(R.get("app")), e2e=e2e_section(R.get("e2e"))))


def e2e_section(E):
    if not E:
        return "Not measured in this run (`build-aux/bench.sh --e2e-only` measures it)."
    rows = [
        ("encrypt + decrypt one message (%d B of text, wall)" % E["text_bytes"],
         "%.0f us" % E["e2e_us_per_message"], "%.1fx" % E["e2e_vs_plain"]),
        ("the same, CPU", "%.0f us" % E["e2e_cpu_us_per_message"],
         "%.1fx" % E["e2e_cpu_vs_plain"]),
        ("plain baseline (JSON body + XOR, same run)", "%.1f us" % E["plain_us_per_message"],
         "1x"),
        ("start a session from a bundle", "%.1f ms" % E["session_start_ms"],
         "%.1fx a message" % E["session_start_vs_message"]),
        ("one full SMP run (both sides)", "%.0f ms" % E["smp_run_ms"],
         "%.1fx a message" % E["smp_run_vs_message"]),
        ("envelope of a %d B text" % E["text_bytes"], "%d B" % E["envelope_bytes"], ""),
    ]
    table = "| what | cost | against |\n|---|---|---|\n" + "\n".join(
        "| %s | %s | %s |" % r for r in rows)
    return E2E_TEMPLATE.format(table=table, messages=E["messages"],
                               commit=E.get("commit", "?"), note=E.get("note", ""))


E2E_TEMPLATE = """\
`mimp-bench-e2e` (src/bench/mimp-bench-e2e.c) at {commit}: {messages} messages encrypted by one
`MimpE2e` and decrypted by another, each call committed to its SQLite database as the app
does it ({note}). Ratios are against a plain MIMP message measured in the same run.

{table}

A private message costs milliseconds, not microseconds: almost all of it is the durable commit
of the ratchet step on each side (the rule that a crash loses nothing). A person types a few
messages a minute; a burst of 1,000 incoming messages is decrypted in a few seconds on the
worker thread, never on the main loop.
"""


def run_e2e(args):
    """mimp-bench-e2e: what a private message, a session start and an SMP run cost."""
    tool = os.path.join(args.build, "src/bench/mimp-bench-e2e")
    argv = [tool] + (["-n", "300", "--sessions", "5", "--smp-runs", "1"] if args.quick
                     else ["-n", "3000", "--sessions", "20", "--smp-runs", "3"])
    log("private-chat benchmarks:", " ".join(argv[1:]))
    p = subprocess.run(argv, stdout=subprocess.PIPE, timeout=600)
    if p.returncode != 0:
        raise RuntimeError("mimp-bench-e2e failed (%d)" % p.returncode)
    E = json.loads(p.stdout)
    E["commit"] = subprocess.run(["git", "-C", SRC, "rev-parse", "--short", "HEAD"],
                                 stdout=subprocess.PIPE,
                                 stderr=subprocess.DEVNULL).stdout.decode().strip()
    return E


def app_section(A):
    if not A:
        return "Not measured in this run (`build-aux/bench.sh --app-only` measures it)."
    return APP_TEMPLATE.format(table=table_md(build_app_report(A)), commit=A.get("commit", "?"),
                               elapsed=A.get("seconds", 0), argv=A.get("argv") or "(defaults)")


APP_TEMPLATE = """\
Written by `build-aux/bench-app.sh` (run by `build-aux/bench.sh`; `--app-only` runs only
this part, `--no-app` skips it), at commit {commit}, in {elapsed:.0f} s, with {argv}.
Everything runs in the headless session of docs/testing.md (`xvfb-run -a`, `dbus-run-session`,
throw-away HOME and XDG directories), `GSK_RENDERER=cairo`, `GDK_DEBUG=gl-disable`,
`GTK_A11Y=none`, for the app and its baselines alike.

- **Cold start**: `mimp-bench-app start` runs the real `MimpApplication` (mimp's code,
  linked from `mimp-app-core`; the app has no benchmark hook) with an existing empty
  history; `mimp-bench-floor` is an `AdwApplicationWindow` with a header bar, same size,
  also registered on the bus. Both print the monotonic time of their window's first
  `GdkFrameClock` "after-paint" and their RSS then; the driver subtracts its own monotonic
  time just before exec. Alternated, one discarded run each, median.
- **Big chat**: a history of 1,000,000 messages in one chat, written with SQL straight into
  the app's migrated schema; open it (`mimp_application_open_chat` -> the first frame whose
  list has rows), then a tick callback moves the `GtkListView`'s vadjustment up one view
  height per frame, letting the window's own paging load older pages, until 10,000 more
  messages are in the model. A frame's time is its frame clock's "update" to "after-paint"
  (the work of the frame, layout and painting included). Baseline: a 10-message chat.
  One view height per frame is 60 views a second, far faster than any hand scrolls; a
  second run scrolls 2,000 messages at a quarter of a view per frame (`--fling-pages`,
  about 15 views a second, a fast touchpad fling), which is closer to what a person sees.
- **Burst**: a real `mimpd` on loopback; 20 senders (`tests/mimp10_client.py`, one thread
  each, another process) send 1,000 messages in total to the app's account, which is online
  with long poll; a `G_PRIORITY_HIGH` 1 ms timeout in the app records the longest gap between
  its runs (baseline: the same over the idle second before); done when the chat list has
  reported every message stored (`message-received`) and the next frame is painted.

{table}
"""


DOC_TEMPLATE = """\
# Benchmarks

Written by `build-aux/bench.sh`. Every figure comes from one run on the machine
below, with its baselines measured in the same run: this machine is shared and noisy, so
compare ratios, and take absolute numbers as context. Run with: {args}, at commit
{commit}, in {elapsed:.0f} s.

## Machine

{machine}

## How to reproduce

    build-aux/install-deps.sh     # once: Debian packages, ngircd included
    build-aux/bench.sh            # builds _build-bench, runs everything, rewrites this file
    build-aux/bench.sh --quick    # short runs, to try the machinery

`mimp-bench --help` shows how to drive one scenario by hand.

## What runs

- **Throughput**: {clients} clients, each sending to random peers one message at a time
  (the next when the previous was acknowledged) and receiving what the others send;
  {warmup} s warm-up, then {duration} s measured. Message text 64 bytes.
  - *mimpd*: each client has two connections, one for SM (with the idempotency `id` the
    app sends) and one receiving with GU long poll (`ack` + `wait`: acknowledged delivery).
    An SM reply means the message is committed to disk (`synchronous=FULL`, the default, and
    `normal` for comparison).
  - *relay*: `mimp-bench --echo-server`, the bench's own epoll relay: same frames and bytes,
    an SM reply of mimpd's size to the sender, the body forwarded to the recipient; no
    cipher, no JSON parser, no storage. The ceiling of this machine for this workload.
  - *ngircd* (Debian's): NICK/USER, then `PRIVMSG` to a random peer and a `PING` whose
    `PONG` acknowledges it; flood protection off (`MaxConnectionsIP = 0`,
    `MaxPenaltyTime = 0`). It stores nothing.
  - Server CPU time per message comes from `/proc/PID/stat` over the measured window.
    System calls per message from `perf stat` (`raw_syscalls:sys_enter`, and `write`,
    `sendto` and `sendmsg` for socket writes) over the window less its first and last
    second: a count, which the machine's load does not move.
- **Delivery latency**: the same, paced to {rate} messages per second in total, long poll
  against plain 1.0 polling (GU every 5 s, MimpClientSession's default interval); and paced
  to {low_rate} (`--low-rate`), below mimpd's saturation, against the relay at that rate.
  Beside it, the floor of any durable reply on this disk: 300 appends of 4 KiB, each
  followed by `fdatasync`, in the bench's temporary directory.
- **Capacity**: {idle} idle connections that logged in (mimpd: each holds a long poll,
  as the app does when idle; ngircd: registered), memory = server RSS growth / N,
  then the throughput run beside them.
- **Codec**: in-process, median of 7 rounds, against `memcpy` of the same buffer.
- **Login**: Argon2id at the real cost, in process and through mimpd.

Users for the load runs are created with `MIMPD_ARGON2_TEST_COST=1` (cheap hashes, so
that creating and logging in 1,100 users takes seconds); the login benchmark uses a user
hashed at the real cost, served by a mimpd started without it.

## Figures

{table}

## App

{app}

## Private chats

{e2e}

{notes}

## Raw figures (JSON)

```json
{raw}
```
"""


def run_app(args):
    """build-aux/bench-app.sh (headless session, its own bounds): its JSON figures."""
    argv = [os.path.join(HERE, "bench-app.sh"), "--build", args.build]
    if args.quick:
        argv.append("--quick")
    log("app benchmarks:", " ".join(argv[1:]))
    p = subprocess.run(argv, stdout=subprocess.PIPE, timeout=330)
    if p.returncode != 0:
        raise RuntimeError("bench-app.sh failed (%d)" % p.returncode)
    A = json.loads(p.stdout)
    A["argv"] = "--quick" if args.quick else ""
    A["commit"] = subprocess.run(["git", "-C", SRC, "rev-parse", "--short", "HEAD"],
                                 stdout=subprocess.PIPE,
                                 stderr=subprocess.DEVNULL).stdout.decode().strip()
    return A


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(SRC, "_build-bench"))
    ap.add_argument("--ngircd", default=shutil.which("ngircd") or "/usr/sbin/ngircd")
    ap.add_argument("--clients", type=int, default=100)
    ap.add_argument("--warmup", type=float, default=2)
    ap.add_argument("--duration", type=float, default=10)
    ap.add_argument("--rate", type=float, default=20000)
    ap.add_argument("--poll-rate", type=float, default=1000)
    ap.add_argument("--low-rate", type=float, default=5000,
                    help="a second, lighter paced run for delivery latency")
    ap.add_argument("--idle", type=int, default=10000)
    ap.add_argument("--idle-users", type=int, default=1000)
    ap.add_argument("--logins", type=int, default=60)
    ap.add_argument("--codec-seconds", type=float, default=1.0)
    ap.add_argument("--quick", action="store_true", help="short runs, fewer connections")
    ap.add_argument("--no-app", action="store_true", help="skip the app benchmarks")
    ap.add_argument("--app-only", action="store_true",
                    help="run only the app benchmarks; keep the server figures of --output")
    ap.add_argument("--e2e-only", action="store_true",
                    help="run only the private-chat benchmarks; keep the other figures of --output")
    ap.add_argument("--output", default=os.path.join(SRC, "docs", "benchmarks.md"))
    ap.add_argument("--notes", default=os.path.join(SRC, "docs", "benchmarks-notes.md"),
                    help="hand-written analysis appended below the table")
    ap.add_argument("--json", help="also write the raw figures here")
    ap.add_argument("--from-json", help="rewrite the document from figures saved with --json")
    args = ap.parse_args()
    if args.quick:
        args.warmup, args.duration, args.idle, args.idle_users = 1, 3, 1000, 100
        args.logins, args.codec_seconds = 12, 0.3

    # 10,000 connections each side: raise the open-file limit for every child.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = max(65536, soft)
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, max(want, hard)))
    except (ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

    if args.from_json:
        with open(args.from_json) as f:
            R = json.load(f)
        m = R.pop("machine")
    elif args.app_only or args.e2e_only:
        with open(args.output) as f:
            R = json.loads(f.read().split("```json\n", 1)[1].split("\n```", 1)[0])
        if args.app_only:
            R["app"] = run_app(args)
        else:
            R["e2e"] = run_e2e(args)
        m = machine()
    else:
        b = Bench(args)
        started = time.monotonic()
        try:
            b.run()
        finally:
            b.cleanup()
        R = b.results
        R["elapsed_s"] = time.monotonic() - started
        R["argv"] = " ".join(a for a in sys.argv[1:] if not a.startswith("--json")
                             and not a.startswith("/tmp"))
        R["commit"] = subprocess.run(["git", "-C", SRC, "rev-parse", "--short", "HEAD"],
                                     stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL).stdout.decode().strip()
        m = machine()
        R["e2e"] = run_e2e(args)
        if not args.no_app:
            R["app"] = run_app(args)
    rows = build_report(R, args, m)
    print(table_text(rows))
    if R.get("app"):
        print(table_text(build_app_report(R["app"])))
    print("\n(%.0f s)" % R["elapsed_s"])
    notes = open(args.notes).read() if os.path.exists(args.notes) else ""
    if args.json:
        with open(args.json, "w") as f:
            json.dump(dict(R, machine=m), f, indent=1, sort_keys=True)
    write_doc(args.output, rows, R, args, m, notes)
    print("wrote", args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
