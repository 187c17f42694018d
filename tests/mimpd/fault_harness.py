#!/usr/bin/python3
"""Faults: nothing acknowledged is lost, nothing is delivered twice (docs/hardening.md).

    fault_harness.py [--messages N] [--senders N] [--receivers N] [--duration S]

Senders (threads) send N messages in all, each with a client id (the
idempotent-send extension) that they keep across retries: after any
failure they reconnect, log in and send the same message again until the
server acknowledges it. Receivers are separate processes: each stores every
message durably (a line appended and fsynced to its file) and only then
acknowledges it, dropping messages whose id it already stored: half of
them long-poll (GU "ack"), half receive by push (PUSH, DELIVER packets,
ACK without a reply; docs/protocols/mimp.md, section 14).
All traffic goes through a proxy in this harness. While they run:

  - mimpd is killed with SIGKILL at random moments and restarted on the
    same port and database;
  - receiver processes are killed with SIGKILL at random moments and
    restarted;
  - the proxy cuts connections at random points, mid-packet included.

Meanwhile the key directory (KEYS) is used through the same proxy: an owner
publishes one-time prekeys (fresh ids on every attempt, so a retry never
puts back one already handed out) and two fetchers fetch them.

Then the faults stop, everything drains, and the harness checks that every
acknowledged message is in its recipient's file exactly once (by the
server's message id and by the harness's unique text), and that no
one-time prekey was handed out twice, SIGKILLs and cut replies included.
It prints the counts.

The meson test (suite 'mimpd') runs a short variant; a longer one is
    MIMPD=_build/src/mimpd/mimpd tests/mimpd/fault_harness.py --messages 5000 --duration 300

SPDX-License-Identifier: GPL-3.0-or-later
"""

import argparse
import json
import os
import random
import select
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from mimpdtest import (DELIVER, GU, KEYS, RawClient, mimpd_binary,  # noqa: E402
                       random_password)

HOST = "127.0.0.1"


# --- a receiver process ----------------------------------------------------------


def receiver_main(user, password, path, port, stop_path, push):
    """Stores each message (fsync) before acknowledging it; never twice.
    With push, receives DELIVER packets and acknowledges with ACK (no reply);
    otherwise long-polls with GU "ack"."""
    seen = set()
    ack = 0
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                try:
                    m = json.loads(line)
                except ValueError:
                    continue  # a line cut by SIGKILL: never acknowledged
                seen.add(m["id"])
                ack = max(ack, m["seq"])
    out = open(path, "a")
    if out.tell() > 0:
        with open(path, "rb") as f:
            f.seek(-1, os.SEEK_END)
            if f.read(1) != b"\n":
                out.write("\n")  # end a line that SIGKILL cut short

    def store(messages):
        """Appends the new ones durably; returns how many were new."""
        nonlocal ack
        fresh = 0
        for m in messages:
            if m["id"] in seen:
                with open(path + ".dups", "a") as d:
                    d.write(m["id"] + "\n")
                continue
            out.write(json.dumps({"id": m["id"], "seq": m["seq"], "ms": m["ms"]}) + "\n")
            fresh += 1
            seen.add(m["id"])
        out.flush()
        os.fsync(out.fileno())
        for m in messages:
            ack = max(ack, m["seq"])
        return fresh

    idle_since = time.monotonic()
    while True:
        if os.path.exists(stop_path) and time.monotonic() - idle_since > 3:
            return
        try:
            c = RawClient(port, timeout=5)
            c.login(user, password)
            if push:
                c.push(ack=ack)
            while True:
                if push:
                    fresh = 0
                    if select.select([c.sock], [], [], 1.0)[0]:
                        pid, body = c.recv_json()
                        assert pid == DELIVER, (hex(pid), body)
                        fresh = store(body["messages"])
                        c.ack(ack)  # only once stored
                else:
                    fresh = store(c.gu(ack=ack, wait=1)["messages"])
                if fresh:
                    idle_since = time.monotonic()
                elif os.path.exists(stop_path) and time.monotonic() - idle_since > 3:
                    # The last acknowledgement, with a reply to know it arrived.
                    c.get_request(ack=ack)
                    late = []
                    pid, body = c.recv_reply(late)
                    assert pid == GU, (hex(pid), body)
                    if late or body["messages"]:
                        store(late + body["messages"])
                        continue
                    return
        except (OSError, ConnectionError, AssertionError, ValueError, KeyError):
            time.sleep(0.1)


# --- the proxy -------------------------------------------------------------------


class Proxy:
    """Forwards 127.0.0.1:port -> mimpd; cuts connections at random points."""

    def __init__(self, cut_probability):
        self.target = None
        self.cut_probability = cut_probability
        self.cuts = 0
        self.connections = 0
        self.lock = threading.Lock()
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind((HOST, 0))
        self.listener.listen(256)
        self.port = self.listener.getsockname()[1]
        self.stopped = False
        threading.Thread(target=self.accept_loop, daemon=True).start()

    def accept_loop(self):
        while not self.stopped:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self.serve, args=(client,), daemon=True).start()

    def serve(self, client):
        try:
            server = socket.create_connection((HOST, self.target), timeout=5)
        except OSError:
            client.close()
            return
        with self.lock:
            self.connections += 1
        socks = [client, server]
        try:
            while True:
                ready, _, _ = select.select(socks, [], [], 30)
                if not ready:
                    break
                for s in ready:
                    data = s.recv(65536)
                    if not data:
                        return
                    other = server if s is client else client
                    if random.random() < self.cut_probability:
                        # Cut: forward part of what came (mid-packet), then drop both.
                        other.sendall(data[:random.randint(0, len(data))])
                        with self.lock:
                            self.cuts += 1
                        return
                    other.sendall(data)
        except OSError:
            pass
        finally:
            client.close()
            server.close()

    def close(self):
        self.stopped = True
        self.listener.close()


# --- mimpd, killed and restarted -------------------------------------------------


class Server:
    def __init__(self, tmpdir, users):
        self.database = os.path.join(tmpdir, "mimpd.db")
        self.stderr = open(os.path.join(tmpdir, "mimpd.stderr"), "ab")
        self.env = dict(os.environ, MIMPD_ARGON2_TEST_COST="1")
        for name, password in users.items():
            subprocess.run([mimpd_binary(), "--database", self.database, "user", "add", name],
                           input=(password + "\n").encode(), env=self.env, check=True,
                           stdout=subprocess.DEVNULL, timeout=60)
        self.port = 0
        self.proc = None
        self.kills = 0

    def start(self):
        for _ in range(50):
            self.proc = subprocess.Popen(
                [mimpd_binary(), "--database", self.database, "--listen", HOST,
                 "--port", str(self.port), "--key-fetch-rate", "1000000"],
                stdout=subprocess.PIPE, stderr=self.stderr, env=self.env)
            line = self.proc.stdout.readline().decode()
            if line.startswith("mimpd: listening on "):
                self.port = int(line.split()[3].rsplit(":", 1)[1])
                return
            self.proc.wait()
            time.sleep(0.1)  # the port is not free yet
        raise RuntimeError("mimpd did not restart")

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        self.proc.stdout.close()
        self.kills += 1

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        status = self.proc.wait(30)
        self.proc.stdout.close()
        return status


# --- the key directory under faults ------------------------------------------------


class KeyTraffic:
    """An owner keeps one-time prekeys published; fetchers take them."""

    def __init__(self, port_of, owner, owner_password, fetchers):
        self.port_of = port_of  # () -> the proxy's port
        self.owner = (owner, owner_password)
        self.fetchers = fetchers  # name -> password
        self.handed = []  # prekey ids received by fetchers
        self.published = 0
        self.next_id = 1
        self.fetches = 0
        self.lock = threading.Lock()
        self.stop = threading.Event()

    @staticmethod
    def b64(tag):
        import base64
        return base64.b64encode(bytes([tag % 256]) * 32).decode()

    def connect(self, name, password):
        c = RawClient(self.port_of(), timeout=5)
        c.login(name, password)
        return c

    def owner_loop(self):
        c = None
        while not self.stop.is_set():
            try:
                if c is None:
                    c = self.connect(*self.owner)
                if c.keys("count", device=1)["left"] < 100:
                    with self.lock:
                        first = self.next_id
                        self.next_id += 50  # fresh ids on every attempt
                    bundle = {"device": 1, "ik": self.b64(1), "reg": 7,
                              "spk": {"id": 1, "key": self.b64(2), "sig": self.b64(3)},
                              "pk": [{"id": i, "key": self.b64(i)}
                                     for i in range(first, first + 50)]}
                    c.keys("publish", bundle=bundle)
                    with self.lock:
                        self.published += 50
                self.stop.wait(0.1)
            except (OSError, ConnectionError, AssertionError, ValueError, KeyError):
                if c is not None:
                    c.close()
                c = None
                time.sleep(0.05)

    def fetcher_loop(self, name):
        c = None
        while not self.stop.is_set():
            try:
                if c is None:
                    c = self.connect(name, self.fetchers[name])
                body = c.keys("fetch", user=self.owner[0])
                with self.lock:
                    self.fetches += 1
                    for d in body["devices"]:
                        if d["pk"] is not None:
                            self.handed.append(d["pk"]["id"])
                self.stop.wait(0.02)
            except (OSError, ConnectionError, AssertionError, ValueError, KeyError):
                if c is not None:
                    c.close()
                c = None
                time.sleep(0.05)

    def start(self):
        threads = [threading.Thread(target=self.owner_loop, daemon=True)]
        threads += [threading.Thread(target=self.fetcher_loop, args=(n,), daemon=True)
                    for n in self.fetchers]
        for t in threads:
            t.start()
        return threads


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--messages", type=int, default=1000)
    ap.add_argument("--senders", type=int, default=4)
    ap.add_argument("--receivers", type=int, default=4)
    ap.add_argument("--duration", type=float, default=25.0,
                    help="how long faults are injected (at most)")
    ap.add_argument("--cut-probability", type=float, default=0.02)
    # A receiver process: its password comes on standard input, never in argv.
    ap.add_argument("--receiver", nargs=5, help=argparse.SUPPRESS)
    opts = ap.parse_args()
    if opts.receiver:
        user, path, port, stop_path, how = opts.receiver
        password = sys.stdin.readline().rstrip("\n")
        receiver_main(user, password, path, int(port), stop_path, how == "push")
        return

    tmpdir = tempfile.mkdtemp(prefix="mimp-faults-")
    senders = {"s%d" % i: random_password() for i in range(opts.senders)}
    receivers = {"r%d" % i: random_password() for i in range(opts.receivers)}
    key_users = {"keyowner": random_password(), "kf0": random_password(),
                 "kf1": random_password()}
    server = Server(tmpdir, {**senders, **receivers, **key_users})
    server.start()
    proxy = Proxy(opts.cut_probability)
    proxy.target = server.port
    stop_path = os.path.join(tmpdir, "stop")

    rprocs = {}
    receiver_kills = 0

    def start_receiver(name):
        with open(os.path.join(tmpdir, name + ".stderr"), "ab") as err:
            rprocs[name] = subprocess.Popen(
                [sys.executable, os.path.abspath(__file__), "--receiver", name,
                 os.path.join(tmpdir, name + ".jsonl"), str(proxy.port), stop_path,
                 # Half the receivers by push (PUSH, DELIVER, ACK), half by long poll.
                 "push" if int(name[1:]) % 2 else "longpoll"],
                env=dict(os.environ), stdin=subprocess.PIPE, stderr=err)
            rprocs[name].stdin.write((receivers[name] + "\n").encode())
            rprocs[name].stdin.close()

    def read_delivered():
        """text -> [receiver, ...] from the receivers' files (cut lines skipped)."""
        delivered, by_id = {}, {}
        for name in receivers:
            path = os.path.join(tmpdir, name + ".jsonl")
            if not os.path.exists(path):
                continue
            with open(path) as f:
                for line in f:
                    try:
                        m = json.loads(line)
                    except ValueError:
                        continue
                    delivered.setdefault(m["ms"], []).append(name)
                    by_id[m["id"]] = by_id.get(m["id"], 0) + 1
        return delivered, by_id

    for name in receivers:
        start_receiver(name)

    # What each sender sends: unique texts, to random receivers.
    plan = {s: [] for s in senders}
    for i in range(opts.messages):
        s = "s%d" % (i % opts.senders)
        plan[s].append(("r%d" % random.randrange(opts.receivers),
                        "msg %05d from %s %s" % (i, s, uuid.uuid4().hex[:8])))
    acked = {}  # text -> (recipient, server id)
    attempts = [0]
    give_ups = []
    lock = threading.Lock()

    # Spread the sends over the fault period.
    pause = opts.duration / max(1, len(plan["s0"]))

    def sender(name):
        c = None
        for to, text in plan[name]:
            time.sleep(random.uniform(0, 2 * pause))
            client_id = str(uuid.uuid4())
            deadline = time.monotonic() + 120
            while True:
                if time.monotonic() > deadline:
                    with lock:
                        give_ups.append(text)
                    break
                try:
                    if c is None:
                        c = RawClient(proxy.port, timeout=5)
                        c.login(name, senders[name])
                    with lock:
                        attempts[0] += 1
                    r = c.sm(to, text, client_id=client_id)
                    with lock:
                        if text in acked and acked[text][1] != r["id"]:
                            give_ups.append("retry got another id: " + text)
                        acked[text] = (to, r["id"])
                    break
                except (OSError, ConnectionError, AssertionError, ValueError, KeyError):
                    if c is not None:
                        c.close()
                    c = None
                    time.sleep(0.05)
        if c is not None:
            c.close()

    threads = [threading.Thread(target=sender, args=(s,), daemon=True) for s in senders]
    start = time.monotonic()
    for t in threads:
        t.start()
    key_traffic = KeyTraffic(lambda: proxy.port, "keyowner", key_users["keyowner"],
                             {"kf0": key_users["kf0"], "kf1": key_users["kf1"]})
    key_threads = key_traffic.start()

    # Faults until the senders are done or the time is up.
    while any(t.is_alive() for t in threads) and time.monotonic() - start < opts.duration:
        time.sleep(random.uniform(0.2, 1.2))
        if random.random() < 0.6:
            server.kill()
            server.start()
            proxy.target = server.port
        else:
            name = random.choice(list(receivers))
            rprocs[name].send_signal(signal.SIGKILL)
            rprocs[name].wait()
            receiver_kills += 1
            start_receiver(name)
    fault_time = time.monotonic() - start
    key_traffic.stop.set()
    for t in key_threads:
        t.join(timeout=30)
    proxy.cut_probability = 0.0
    for t in threads:
        t.join(timeout=180)
    # Let the receivers drain (restarting any that died: a real client comes
    # back), until every acknowledged message is delivered or 120 s passed;
    # then stop them. Waiting for the messages rather than for a quiet spell
    # keeps a loaded machine from ending the run early.
    drain_deadline = time.monotonic() + 120
    receiver_restarts = 0
    while time.monotonic() < drain_deadline:
        delivered, _ = read_delivered()
        with lock:
            missing = [t for t, (to, _) in acked.items() if to not in delivered.get(t, [])]
        if not missing:
            break
        for name, proc in rprocs.items():
            if proc.poll() is not None:
                receiver_restarts += 1
                start_receiver(name)
        time.sleep(0.5)
    with open(stop_path, "w"):
        pass
    for p in rprocs.values():
        try:
            p.wait(timeout=120)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
    status = server.stop()
    proxy.close()

    delivered, by_id = read_delivered()
    redelivered = 0
    for name in receivers:
        try:
            with open(os.path.join(tmpdir, name + ".jsonl.dups")) as f:
                redelivered += sum(1 for _ in f)
        except OSError:
            pass
    undelivered = [t for t, (to, _) in acked.items() if delivered.get(t, []).count(to) == 0]
    # Not delivered yet but still waiting on the server is not lost; say which.
    db = sqlite3.connect(server.database)
    try:
        waiting = {row[0] for row in db.execute("SELECT text FROM messages")}
    finally:
        db.close()
    lost = [t for t in undelivered if t not in waiting]
    stuck = [t for t in undelivered if t in waiting]
    doubled = [t for t, where in delivered.items() if len(where) > 1]
    doubled_ids = [i for i, n in by_id.items() if n > 1]
    misrouted = [t for t, (to, _) in acked.items() if any(w != to for w in delivered.get(t, []))]
    unasked = [t for t in delivered if t not in acked]

    figures = {
        "messages_planned": opts.messages,
        "send_attempts": attempts[0],
        "acknowledged": len(acked),
        "delivered": sum(len(v) for v in delivered.values()),
        "lost": len(lost),
        "undelivered_but_waiting": len(stuck),
        "receiver_restarts_in_drain": receiver_restarts,
        "delivered_twice": len(doubled) + len(doubled_ids),
        "redeliveries_dropped_by_id": redelivered,
        "misrouted": len(misrouted),
        "delivered_without_ack": len(unasked),
        "gave_up": len(give_ups),
        "mimpd_sigkills": server.kills,
        "receiver_sigkills": receiver_kills,
        "proxy_connections": proxy.connections,
        "proxy_cuts": proxy.cuts,
        "prekeys_published": key_traffic.published,
        "key_fetches": key_traffic.fetches,
        "prekeys_handed_out": len(key_traffic.handed),
        "prekeys_handed_out_twice": len(key_traffic.handed) - len(set(key_traffic.handed)),
        "fault_seconds": round(fault_time, 1),
        "total_seconds": round(time.monotonic() - start, 1),
        "mimpd_exit_status": status,
    }
    print(json.dumps(figures, indent=2))
    problems = []
    if len(acked) != opts.messages:
        problems.append("only %d of %d messages acknowledged" % (len(acked), opts.messages))
    if lost:
        problems.append("lost: %s" % lost[:5])
    if stuck:
        problems.append("not delivered in 120 s (still waiting on the server): %s" % stuck[:5])
    if doubled or doubled_ids:
        problems.append("delivered twice: %s" % (doubled[:5] or doubled_ids[:5]))
    if misrouted or give_ups:
        problems.append("misrouted %s, gave up %s" % (misrouted[:3], give_ups[:3]))
    if status != 0:
        problems.append("mimpd exited with %s" % status)
    if len(set(key_traffic.handed)) != len(key_traffic.handed):
        problems.append("a one-time prekey was handed out twice")
    if not key_traffic.handed:
        problems.append("no one-time prekey was fetched")
    if server.kills == 0 or proxy.cuts == 0:
        problems.append("the faults did not happen (kills %d, cuts %d)"
                        % (server.kills, proxy.cuts))
    for p in problems:
        print("FAIL:", p)
    print("fault harness: %s" % ("FAILED" if problems else "held"))
    if not problems:
        shutil.rmtree(tmpdir, ignore_errors=True)
    else:
        print("kept", tmpdir)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
