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
import struct
import subprocess
import threading
import uuid
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
        # Every bench client connects from 127.0.0.1, thousands at once: the
        # per-address accept rate stays on (its cost is measured) but does
        # not bind.
        proc = subprocess.Popen([self.mimpd, "--database", self.db, "--listen", "127.0.0.1",
                                 "--port", "0", "--accept-rate", "1000000",
                                 "--accept-burst", "1000000", *extra], stdout=subprocess.PIPE,
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
        if a.growth:
            self.add_growth_users()
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
        # mimpd's clients receive by push (docs/protocols/mimp.md, section 14) on
        # their one connection, as IRC clients do; the long-poll rows (a second
        # connection per client) are kept for comparison.
        s = self.start_mimpd()
        R["mimpd"] = self.load(s, "mimp", "--receive", "push", count_syscalls=True)
        R["mimpd_longpoll"] = self.load(s, "mimp", "--receive", "longpoll", count_syscalls=True)
        R["mimpd_20k"] = self.load(s, "mimp", "--receive", "push", "--rate", str(a.rate))
        R["mimpd_longpoll_20k"] = self.load(s, "mimp", "--receive", "longpoll",
                                            "--rate", str(a.rate))
        R["mimpd_low"] = self.load(s, "mimp", "--receive", "push", "--rate", str(a.low_rate))
        R["mimpd_poll"] = self.load(s, "mimp", "--rate", str(a.poll_rate), "--receive", "poll",
                                    "--poll-interval", "5")
        self.stop(s)
        s = self.start_mimpd("--sync", "normal")
        R["mimpd_normal"] = self.load(s, "mimp", "--receive", "push")
        self.stop(s)

        # Capacity: idle authenticated connections, then the throughput run beside them.
        s = self.start_ngircd()
        # ngircd listens with a backlog of 10: connect a few at a time.
        R["ngircd_idle"] = self.load(s, "irc", "--idle", str(a.idle), "--max-inflight", "8")
        self.stop(s)
        s = self.start_mimpd()
        R["mimpd_idle"] = self.load(s, "mimp", "--receive", "push", "--idle", str(a.idle),
                                    "--idle-users", str(a.idle_users))
        self.stop(s)

        # Growth: 1,000 clients, a big backlog drained.
        if a.growth:
            R["growth"] = self.run_growth()

        # Login at the real Argon2id cost.
        s = self.start_mimpd(test_cost=False)
        R["login"] = self.tool_json(["--port", str(s.port), "--server-pid", str(s.pid),
                                     "--password-file", self.pwfile, "--user-prefix", "login",
                                     "--clients", "1", "--login", str(a.logins),
                                     "--login-concurrency", "4"])
        self.stop(s)


    # --- growth ------------------------------------------------------------

    def status_kib(self, server, field="VmRSS"):
        """A field of /proc/PID/status in KiB; VmHWM is the peak RSS over its life."""
        with open("/proc/%d/status" % server.pid) as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
        return -1

    def peak_kib(self, server):
        return self.status_kib(server, "VmHWM")

    def backlog(self, n, page_rate):
        """A fresh mimpd; fill0 sends @n messages (with ids, as the app does)
        to drain0, who is offline; then, while the bench's 100 clients send
        at @page_rate msg/s in total, drain0 logs in and drains them with
        acknowledged GUs (pages of up to 500). Beside it, the same paced load
        without the drain, on the same server, as the baseline."""
        a = self.args
        s = self.start_mimpd()
        R = {"waiting": n}
        fill = FastClient(s.port)
        fill.login("fill0", self.password)
        t = time.monotonic()
        window = 500
        for first in range(0, n, window):
            count = min(window, n - first)
            fill.send_many(SM_ID, [fill.sm_body("drain0", "backlog %d %s" % (i, "x" * 40),
                                                str(uuid.uuid4()))
                                   for i in range(first, first + count)])
            for _ in range(count):
                pid, body = fill.recv()
                if pid != SM_ID:
                    raise RuntimeError("fill: %x %r" % (pid, body[:200]))
        R["fill_s"] = time.monotonic() - t
        fill.close()
        R["rss_filled_kib"] = self.status_kib(s)
        duration = a.backlog_duration
        argv = ["--proto", "mimp", "--port", str(s.port), "--server-pid", str(s.pid),
                "--clients", "100", "--warmup", "1", "--duration", str(duration),
                "--rate", str(page_rate), "--password-file", self.pwfile]
        R["baseline"] = self.tool_json(argv)
        # The drain starts half a second into the measured window.
        result = {}
        load = threading.Thread(target=lambda: result.update(self.tool_json(argv)))
        load.start()
        time.sleep(1.5)
        drain = FastClient(s.port)
        t = time.monotonic()
        drain.login("drain0", self.password)
        ack, got, pages, slowest = 0, 0, 0, 0.0
        while True:
            t_page = time.monotonic()
            drain.send_many(GU_ID, [json.dumps({"uf": "drain0", "token": drain.token,
                                                "ack": ack}).encode()])
            pid, body = drain.recv()
            slowest = max(slowest, time.monotonic() - t_page)
            if pid != GU_ID:
                raise RuntimeError("drain: %x %r" % (pid, body[:200]))
            reply = json.loads(body)
            pages += 1
            got += len(reply["messages"])
            if reply["messages"]:
                ack = reply["messages"][-1]["seq"]
            elif not reply["more"]:
                break
        R["drain_s"] = time.monotonic() - t
        drain.close()
        load.join()
        R["during"] = result
        R["drained"] = got
        R["pages"] = pages
        R["slowest_page_ms"] = slowest * 1000
        R["drain_in_window"] = R["drain_s"] < duration - 0.5
        R["rss_peak_kib"] = self.peak_kib(s)
        R["rss_end_kib"] = self.status_kib(s)
        if got != n:
            raise RuntimeError("drained %d of %d waiting messages" % (got, n))
        self.stop(s)
        return R

    def add_growth_users(self):
        a = self.args
        self.add_users(["bench%d" % i for i in range(a.clients, a.growth_clients)])
        self.add_users(["fill0", "drain0"])

    def run_growth(self):
        """Throughput with 1,000 clients beside the 100-client run, and a
        user with a big backlog draining it, at two sizes."""
        a = self.args
        G = {}
        s = self.start_mimpd()
        G["clients_%d" % a.clients] = self.load(s, "mimp")
        G["clients_%d" % a.clients]["server_rss_peak_kib"] = self.peak_kib(s)
        self.stop(s)
        s = self.start_mimpd()
        G["clients_%d" % a.growth_clients] = self.load(s, "mimp", clients=a.growth_clients)
        G["clients_%d" % a.growth_clients]["server_rss_peak_kib"] = self.peak_kib(s)
        self.stop(s)
        for n in (a.backlog // 10, a.backlog):
            G["backlog_%d" % n] = self.backlog(n, a.backlog_rate)
        return G


# A MIMP client for the backlog run: fast enough in Python to send and read
# hundreds of thousands of messages (the cipher on whole bodies at once).
SCH_ID, AH_ID, SM_ID, GU_ID = 0x0AA0, 0xA00F, 0x00AF, 0x0CCF


class FastClient:
    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=120)
        self.buf = bytearray()
        pid, puzzle = self.recv(cipher=False)
        assert pid == SCH_ID and len(puzzle) == 256
        start, offset = puzzle[0], puzzle[255]
        self.key = bytes(puzzle[start + i * offset] for i in range(24))
        self.stream = b""

    def xor(self, body):
        if len(self.stream) < len(body):
            self.stream = self.key * (len(body) // 24 + 1)
        n = len(body)
        return (int.from_bytes(body, "little") ^
                int.from_bytes(self.stream[:n], "little")).to_bytes(n, "little")

    def send_many(self, pid, bodies):
        self.sock.sendall(b"".join(struct.pack("<HHHI", 0xB00B, 1, pid, len(b)) + self.xor(b)
                                   for b in bodies))

    def recv(self, cipher=True):
        while True:
            if len(self.buf) >= 10:
                magic, version, pid, length = struct.unpack_from("<HHHI", self.buf)
                if magic != 0xB00B:
                    raise RuntimeError("bad frame")
                if len(self.buf) >= 10 + length:
                    body = bytes(self.buf[10:10 + length])
                    del self.buf[:10 + length]
                    return pid, (self.xor(body) if cipher else body)
            chunk = self.sock.recv(1 << 20)
            if not chunk:
                raise ConnectionError("closed")
            self.buf += chunk

    def login(self, user, password):
        self.send_many(AH_ID, [json.dumps({"uf": user, "up": password}).encode()])
        pid, body = self.recv()
        if pid != AH_ID:
            raise RuntimeError("login of %s refused (%x)" % (user, pid))
        self.user, self.token = user, body.decode()

    def sm_body(self, to, text, client_id):
        return json.dumps({"uf": self.user, "ut": to, "ms": text, "token": self.token,
                           "id": client_id}).encode()

    def close(self):
        self.sock.close()


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
    row("mimpd (sync=full, push), msg/s", fmt(mi["delivered_per_s"]),
        "%.3f of ngircd, %.3f of relay" % (r_ng, ratio(mi["delivered_per_s"],
                                                        ec["delivered_per_s"])),
        ">= 0.6 of ngircd", r_ng >= 0.6)
    ml_ = R.get("mimpd_longpoll")
    if ml_:
        row("mimpd (sync=full, long poll), msg/s", fmt(ml_["delivered_per_s"]),
            "%.3f of ngircd, %.2f of push" % (ratio(ml_["delivered_per_s"], ng["delivered_per_s"]),
                                              ratio(ml_["delivered_per_s"], mi["delivered_per_s"])))
    mn = R["mimpd_normal"]
    row("mimpd (sync=normal, push), msg/s", fmt(mn["delivered_per_s"]),
        "%.3f of ngircd" % ratio(mn["delivered_per_s"], ng["delivered_per_s"]))
    r_cpu = ratio(mi["server_cpu_us_per_msg"], ng["server_cpu_us_per_msg"])
    row("server CPU per message, µs: relay / ngircd / mimpd push%s" % (" / long poll" if ml_ else ""),
        " / ".join("%.1f" % x["server_cpu_us_per_msg"] for x in (ec, ng, mi, ml_) if x),
        "mimpd %.2fx ngircd" % r_cpu, "<= 1.2x ngircd", r_cpu <= 1.2)
    if all("syscalls_per_msg" in x for x in (ec, ng, mi)):
        r_sys = ratio(mi["syscalls_per_msg"], ng["syscalls_per_msg"])
        counted = [x for x in (ec, ng, mi, ml_) if x and "syscalls_per_msg" in x]
        row("system calls per message (perf stat): relay / ngircd / mimpd push%s"
            % (" / long poll" if len(counted) == 4 else ""),
            " / ".join("%.2f" % x["syscalls_per_msg"] for x in counted),
            "mimpd %.2fx ngircd; of them socket writes: %s" % (
                r_sys, " / ".join("%.2f" % x["sends_per_msg"] for x in counted)),
            "<= 1.2x ngircd", r_sys <= 1.2)
    else:
        row("system calls per message (perf stat)", "n/a", "not counted in this run (no perf)")
    row("SM reply latency p50/p99/max, µs (mimpd push, full load)",
        "%s / %s / %s" % (fmt(mi["sm_p50_us"]), fmt(mi["sm_p99_us"]), fmt(mi["sm_max_us"])),
        "ngircd PONG: %s / %s / %s" % (fmt(ng["sm_p50_us"]), fmt(ng["sm_p99_us"]),
                                       fmt(ng["sm_max_us"])))
    row("delivery latency p50/p99/max, µs (mimpd push, full load)",
        "%s / %s / %s" % (fmt(mi["e2e_p50_us"]), fmt(mi["e2e_p99_us"]), fmt(mi["e2e_max_us"])),
        "ngircd: %s / %s / %s" % (fmt(ng["e2e_p50_us"]), fmt(ng["e2e_p99_us"]),
                                  fmt(ng["e2e_max_us"])))
    m20, e20, n20 = R["mimpd_20k"], R["echo_20k"], R["ngircd_20k"]
    row("at %s msg/s offered: mimpd push delivered msg/s" % fmt(args.rate),
        fmt(m20["delivered_per_s"]), "relay %s, ngircd %s" % (fmt(e20["delivered_per_s"]),
                                                              fmt(n20["delivered_per_s"])))
    ok = m20["e2e_p99_us"] <= 2000 and m20["delivered_per_s"] >= 0.95 * args.rate
    row("at %s msg/s: push delivery p50/p99/max, µs" % fmt(args.rate),
        "%s / %s / %s" % (fmt(m20["e2e_p50_us"]), fmt(m20["e2e_p99_us"]),
                          fmt(m20["e2e_max_us"])),
        "relay %s / %s, ngircd %s / %s (p50 / p99)" % (
            fmt(e20["e2e_p50_us"]), fmt(e20["e2e_p99_us"]), fmt(n20["e2e_p50_us"]),
            fmt(n20["e2e_p99_us"])),
        "p99 <= 2,000 µs (aim < 1,000)", ok)
    if "mimpd_longpoll_20k" in R:
        l20 = R["mimpd_longpoll_20k"]
        row("at %s msg/s: long-poll delivery p50/p99/max, µs" % fmt(args.rate),
            "%s / %s / %s" % (fmt(l20["e2e_p50_us"]), fmt(l20["e2e_p99_us"]),
                              fmt(l20["e2e_max_us"])),
            "delivered %s msg/s" % fmt(l20["delivered_per_s"]))
    if "mimpd_low" in R:
        ml, el = R["mimpd_low"], R["echo_low"]
        row("at %s msg/s: push delivery p50/p99/max, µs" % fmt(args.low_rate),
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
        "push p99 is %.0fx lower" % ratio(mp["e2e_p99_us"], m20["e2e_p99_us"]))
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
    if "server_rss_peak_kib" in mi:
        peak_m, peak_n = mi["server_rss_peak_kib"] / 1024, ng["server_rss_peak_kib"] / 1024
        row("peak RSS (VmHWM) in the %d-client throughput run, MiB" % mi["clients"],
            "mimpd %.1f, ngircd %.1f" % (peak_m, peak_n), "%.1fx ngircd" % ratio(peak_m, peak_n),
            "mimpd <= 48 MiB", peak_m <= 48)
    if "growth" in R:
        growth_rows(R["growth"], args, row)
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
    if "server_rss_end_kib" in lg:
        row("mimpd RSS before / after those logins (peak), MiB",
            "%.1f / %.1f (%.1f)" % (lg["server_rss_start_kib"] / 1024,
                                    lg["server_rss_end_kib"] / 1024,
                                    lg["server_rss_peak_kib"] / 1024),
            "each verification takes 19 MiB while it runs, %d at most at once" % max(
                2, min(8, m["nproc"] or 2)))
    return rows


def growth_rows(G, args, row):
    """How the costs grow: clients x10, waiting messages x10."""
    keys = sorted((k for k in G if k.startswith("clients_")), key=lambda k: int(k[8:]))
    if len(keys) == 2:
        small, big = G[keys[0]], G[keys[1]]
        row("%s -> %s clients: msg/s" % (fmt(small["clients"]), fmt(big["clients"])),
            "%s -> %s" % (fmt(small["delivered_per_s"]), fmt(big["delivered_per_s"])),
            "%.2fx" % ratio(big["delivered_per_s"], small["delivered_per_s"]))
        row("%s -> %s clients: server CPU per message, µs" % (fmt(small["clients"]),
                                                              fmt(big["clients"])),
            "%.1f -> %.1f" % (small["server_cpu_us_per_msg"], big["server_cpu_us_per_msg"]),
            "%.2fx" % ratio(big["server_cpu_us_per_msg"], small["server_cpu_us_per_msg"]),
            "linear or better: <= 1.5x", ratio(big["server_cpu_us_per_msg"],
                                                small["server_cpu_us_per_msg"]) <= 1.5)
        row("%s -> %s clients: delivery latency p50 / p99, µs" % (fmt(small["clients"]),
                                                                  fmt(big["clients"])),
            "%s / %s -> %s / %s" % (fmt(small["e2e_p50_us"]), fmt(small["e2e_p99_us"]),
                                    fmt(big["e2e_p50_us"]), fmt(big["e2e_p99_us"])),
            "each client waits for its previous reply: p50 grows with the clients")
        row("%s -> %s clients: mimpd peak RSS, MiB" % (fmt(small["clients"]), fmt(big["clients"])),
            "%.1f -> %.1f" % (small["server_rss_peak_kib"] / 1024,
                              big["server_rss_peak_kib"] / 1024),
            "%.2fx for %.0fx the clients" % (
                ratio(big["server_rss_peak_kib"], small["server_rss_peak_kib"]),
                ratio(big["clients"], small["clients"])))
    keys = sorted((k for k in G if k.startswith("backlog_")), key=lambda k: int(k[8:]))
    for k in keys:
        b = G[k]
        base, dur = b["baseline"], b["during"]
        row("drain %s waiting messages: s (µs per message), pages; slowest page ms" %
            fmt(b["waiting"]),
            "%.2f (%.1f), %d; %.0f" % (b["drain_s"], b["drain_s"] * 1e6 / b["waiting"],
                                        b["pages"], b["slowest_page_ms"]),
            "filled in %.1f s" % b["fill_s"])
        row("  mimpd RSS: filled / peak over fill and drain, MiB",
            "%.1f / %.1f" % (b["rss_filled_kib"] / 1024, b["rss_peak_kib"] / 1024))
        row("  other users at %s msg/s meanwhile: delivery p50 / p99 / max, µs" %
            fmt(args.backlog_rate),
            "%s / %s / %s" % (fmt(dur["e2e_p50_us"]), fmt(dur["e2e_p99_us"]),
                              fmt(dur["e2e_max_us"])),
            "without the drain %s / %s / %s%s" % (
                fmt(base["e2e_p50_us"]), fmt(base["e2e_p99_us"]), fmt(base["e2e_max_us"]),
                "" if b["drain_in_window"] else "; the drain outlasted the window"))
    if len(keys) == 2:
        small, big = G[keys[0]], G[keys[1]]
        per_s = small["drain_s"] / small["waiting"]
        per_b = big["drain_s"] / big["waiting"]
        row("%s -> %s waiting: drain time per message" % (fmt(small["waiting"]),
                                                          fmt(big["waiting"])),
            "%.2fx" % ratio(per_b, per_s), "10x the messages",
            "linear or better: <= 1.5x", ratio(per_b, per_s) <= 1.5)


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
    if "cpu_p99_ms" in ch:
        row("the same, main-thread CPU per frame p50 / p99 / most, ms",
            "%s / %s / %s" % (fmt(ch["cpu_p50_ms"], 1), fmt(ch["cpu_p99_ms"], 1),
                              fmt(ch["cpu_max_ms"], 1)),
            "frames after a page of older messages (%d): p50 %s; the others: p99 %s" % (
                ch["page_frames"], fmt(ch["page_cpu_p50_ms"], 1),
                fmt(ch["other_cpu_p99_ms"], 1)),
            "p99 < 16.7 ms", ch["cpu_p99_ms"] < 16.7)
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
    se = A.get("search")
    if se:
        row("search %s messages (7 queries x 7 runs, 200 results): median / p90 / longest, ms" %
            fmt(se["stored"]),
            "%s / %s / %s" % (fmt(se["search_median_ms"], 1), fmt(se["search_p90_ms"], 1),
                              fmt(se["search_max_ms"], 1)),
            "chat's newest page %s ms; LIKE scan median %s, longest %s ms" % (
                fmt(se["page_median_ms"], 2), fmt(se["like_median_ms"], 1),
                fmt(se["like_max_ms"], 1)),
            "< 100 ms", se["search_p90_ms"] < 100)
        row("search index built in the background for %s messages, s" % fmt(se["stored"]),
            fmt(se["index_build_s"], 1),
            "longest main-loop stall meanwhile %s ms" % fmt(se["index_stall_max_ms"], 1))
    bq = A.get("burst_quiet")
    if bq:
        row("the same burst, notifications off: longest stall, ms", fmt(bq["stall_max_ms"], 1),
            "all stored / shown %.2f / %.2f s" % (bq["stored_s"], bq["shown_s"]))
    so = A.get("soak")
    if so:
        what = "soak, %s messages over %d s to %d accounts in %d chats, a chat switch every 2 s" % (
            fmt(so["received"]), so["seconds"], so["accounts"], so["chats"])
        row(what + ": RSS growth, MiB", fmt(so["rss_growth_kib"] / 1024, 1),
            "RSS when ready %s MiB, highest %s; growth after the first tenth %s" % (
                fmt(so["rss_ready_kib"] / 1024, 1), fmt(so["rss_max_kib"] / 1024, 1),
                fmt(so["rss_growth_warm_kib"] / 1024, 1)),
            "< 20 MiB", so["rss_growth_kib"] < 20 * 1024)
        row("soak: longest main-loop stall, ms (10 ms probe)", fmt(so["stall_max_ms"], 1),
            "%d stalls over 50 ms; most main-thread CPU in one %s ms (%d over 50 ms); "
            "longest chat switch %s ms; idle main loop %s ms" % (
                so["stalls_over_50ms"], fmt(so.get("stall_cpu_max_ms", 0), 1),
                so.get("cpu_stalls_over_50ms", 0), fmt(so.get("switch_max_ms", 0), 1),
                fmt(so["idle_stall_max_ms"], 1)),
            "<= 50 ms", so["stall_max_ms"] <= 50)
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
  On a shared machine the wall time mostly measures the load, so each frame's main-thread
  CPU time (`CLOCK_THREAD_CPUTIME_ID`, same span) is given too, split into the frames after
  a page of older messages (where GTK 4.8 makes rows) and the others.
- **Burst**: a real `mimpd` on loopback; 20 senders (`tests/mimp10_client.py`, one thread
  each, another process) send 1,000 messages in total to the app's account, which is online
  with long poll; a `G_PRIORITY_HIGH` 1 ms timeout in the app records the longest gap between
  its runs (baseline: the same over the idle second before); done when the chat list has
  reported every message stored (`message-received`) and the next frame is painted.
- **Soak** (hours of use): a real `mimpd` on loopback, three accounts in the app, twenty
  senders (`mimp-cli send --stdin-lines`, one run a second, in turn) sending messages at an
  even rate while the window opens the next chat every 2 s; RSS every second, and a
  `G_PRIORITY_HIGH` probe every 10 ms for the main loop's stalls (with the main thread's
  CPU time in each). 60 s by default; `--soak-seconds 1800 --soak-messages 100000` is the
  full run of issue 13. The keyring is unlocked, as in a desktop session.

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
  - *mimpd, push* (the main rows): each client has one connection, as an IRC client: SM
    (with the idempotency `id` the app sends), and messages pushed to it (PUSH, then DELIVER
    packets) that it acknowledges with one ACK per read, written with its next SM
    (docs/protocols/mimp.md, section 14). An SM reply means the message is committed to
    disk (`synchronous=FULL`, the default, and `normal` for comparison).
  - *mimpd, long poll* (for comparison): two connections per client, one for SM and one
    receiving with GU long poll (`ack` + `wait`: acknowledged delivery), as before push.
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
- **Delivery latency**: the same, paced to {rate} messages per second in total, push and
  long poll against plain 1.0 polling (GU every 5 s, MimpClientSession's default interval); and paced
  to {low_rate} (`--low-rate`), below mimpd's saturation, against the relay at that rate.
  Beside it, the floor of any durable reply on this disk: 300 appends of 4 KiB, each
  followed by `fdatasync`, in the bench's temporary directory.
- **Capacity**: {idle} idle connections that logged in (mimpd: each holds a long poll;
  ngircd: registered), memory = server RSS growth / N,
  then the throughput run beside them.
- **Peak memory**: VmHWM of mimpd and of ngircd at the end of the {clients}-client
  throughput run, each a server started for that run.
- **Growth** (not with `--quick`; `--growth-only` runs it alone): the throughput run with
  `--growth-clients` clients beside the {clients}-client one, each on a fresh mimpd; and
  a user with `--backlog` / 10 and `--backlog` waiting messages (sent to them through
  mimpd with client ids) who logs in and drains them with acknowledged GUs, while the
  other users send `--backlog-rate` msg/s in total, against the same load without the
  drain. mimpd runs with `--accept-rate` and `--accept-burst` at 1,000,000, since every
  bench client connects from 127.0.0.1.
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
    ap.add_argument("--growth-clients", type=int, default=1000,
                    help="the second throughput run, to see how costs grow with clients")
    ap.add_argument("--backlog", type=int, default=200000,
                    help="messages waiting for one user who then drains them (and a tenth "
                    "of it, to see how the costs grow)")
    ap.add_argument("--backlog-rate", type=float, default=1000,
                    help="msg/s the other users send while the backlog drains")
    ap.add_argument("--backlog-duration", type=float, default=10,
                    help="seconds of the other users' load measured beside the drain")
    ap.add_argument("--no-growth", dest="growth", action="store_false",
                    help="skip the growth runs (--quick skips them too)")
    ap.add_argument("--growth-only", action="store_true",
                    help="run only the growth runs; keep the other figures of --output")
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
        args.growth = args.growth and args.growth_only
        args.growth_clients, args.backlog, args.backlog_duration = 300, 20000, 5

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
    elif args.app_only or args.e2e_only or args.growth_only:
        with open(args.output) as f:
            R = json.loads(f.read().split("```json\n", 1)[1].split("\n```", 1)[0])
        if args.app_only:
            R["app"] = run_app(args)
        elif args.e2e_only:
            R["e2e"] = run_e2e(args)
        else:
            b = Bench(args)
            try:
                b.add_users(["bench%d" % i for i in range(args.clients)])
                b.add_growth_users()
                R["growth"] = b.run_growth()
            finally:
                b.cleanup()
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
