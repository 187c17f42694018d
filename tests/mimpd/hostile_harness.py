#!/usr/bin/python3
"""Hostile clients against a real mimpd, all at once, while a well-behaved
client keeps sending and receiving and measures its latency (docs/hardening.md).

    hostile_harness.py [--duration S] [--silent N] [--rss-bound-mib M] [--json FILE]

Everything goes to loopback only, every loop is bounded in count and time, and
the run stops by itself. Attackers connect from 127.0.0.2 and up (Linux
routes all of 127.0.0.0/8 locally) so that the per-address defences they
trigger (throttling, the unauthenticated-connection cap) are measured
without locking out the good client, which uses 127.0.0.1.

What runs, concurrently, for the whole duration:
  silent    N connections that never send a byte (held open)
  drip      connections sending a login one byte at a time, slowly
  huge      headers announcing a 4 GiB body
  garbage   random bytes
  badjson   valid frames with broken JSON, wrong types, invalid UTF-8,
            deep nesting, NUL escapes (before and after login)
  early     SM and GU before any login
  reuse     a token used on another connection
  guess     login guessing against one user (from several addresses) and
            against many users from one address
  flood     connections opened and closed as fast as possible
  keys      the key directory (KEYS, FEATURES) before login, broken bodies
            and bundles, oversize keys and lists, publishing past the
            limits, draining bob's one-time prekeys (rate limit)
  ephemeral a flood of ephemeral messages to bob (rate limit); bob's good
            long poll never asked FEATURES, so none reaches it
  push      PUSH before login and with broken bodies, DELIVER sent by a
            client, ACK before PUSH and broken ACKs (an Error, then the
            connection closes)
  stalled   a push connection that never reads while 8 KiB messages are
            sent to it: the server stops pushing at its threshold (RSS)

It checks: mimpd stays up and stops cleanly on SIGTERM; its RSS stays under
the bound; every operation of the good client succeeds; throttling engages
(429 answers to the guessers, the prekey drainer and the ephemeral
flood); every attacker got the answer docs/protocols/mimp.md
prescribes. It prints figures; with --json it also writes them.

The meson test (suite 'mimpd') runs a short variant; the soak variant is
    MIMPD=_build/src/mimpd/mimpd tests/mimpd/hostile_harness.py --duration 600 --silent 8000

SPDX-License-Identifier: GPL-3.0-or-later
"""

import argparse
import json
import os
import random
import resource
import socket
import struct
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from mimpdtest import (ACK, AH, DELIVER, ERROR, FEATURES, GU, KEYS, PUSH,  # noqa: E402
                       SM, MimpdServer, RawClient, frame, random_password)

HOST = "127.0.0.1"


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.counts = {}
        self.problems = []

    def add(self, key, n=1):
        with self.lock:
            self.counts[key] = self.counts.get(key, 0) + n

    def problem(self, text):
        with self.lock:
            if len(self.problems) < 50:
                self.problems.append(text)


stats = Stats()
stop = threading.Event()


def connect_from(addr, port, timeout=10.0):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.bind((addr, 0))
    s.connect((HOST, port))
    return s


def client_from(addr, port, timeout=10.0):
    return RawClient(port, sock=connect_from(addr, port, timeout), timeout=timeout)


def expect_error(c, codes, key):
    """Reads one reply; counts it under key/<code>; flags anything unexpected."""
    try:
        pid, body = c.recv_json()
    except (ConnectionError, OSError, ValueError) as e:
        stats.add(key + "/closed")
        if "closed" not in codes:
            stats.problem("%s: connection ended instead of %s: %s" % (key, codes, e))
        return None
    code = body.get("code") if pid == ERROR and isinstance(body, dict) else None
    stats.add("%s/%s" % (key, code if code is not None else hex(pid)))
    if code not in codes:
        stats.problem("%s: got %s %r, wanted %s" % (key, hex(pid), body, codes))
    return code


def expect_closed(sock, key, timeout=5.0):
    sock.settimeout(timeout)
    try:
        while True:
            data = sock.recv(65536)
            if not data:
                stats.add(key + "/closed")
                return True
    except ConnectionResetError:
        stats.add(key + "/closed")
        return True
    except socket.timeout:
        stats.add(key + "/still-open")
        stats.problem("%s: the server did not close the connection" % key)
        return False


def loop(name, body, pause=0.0):
    """Runs body() until stop, counting rounds and exceptions (bounded)."""
    def run():
        rounds = 0
        while not stop.is_set() and rounds < 1_000_000:
            rounds += 1
            try:
                body()
            except (OSError, ConnectionError, AssertionError, ValueError) as e:
                stats.add(name + "/exception")
                stats.problem("%s: %s: %s" % (name, type(e).__name__, e))
                time.sleep(0.05)
            if pause:
                stop.wait(pause)
        stats.add(name + "/rounds", rounds)
    return threading.Thread(target=run, name=name, daemon=True)


# --- the attackers ---------------------------------------------------------------


def attack_silent(port, n, held):
    # Spread over addresses so that the per-address cap on unauthenticated
    # connections (256 by default) does not close them: the server must hold
    # them all cheaply. Each address also gets a few more than the cap, to
    # see the cap work.
    per_addr = 200
    addr_index = 10
    opened = 0
    while opened < n and not stop.is_set():
        addr = "127.0.1.%d" % addr_index
        for _ in range(min(per_addr, n - opened)):
            try:
                held.append(connect_from(addr, port, timeout=5))
                opened += 1
            except OSError as e:
                stats.problem("silent: connect failed after %d: %s" % (opened, e))
                stats.add("silent/connect-failed")
                return
        addr_index += 1
    stats.add("silent/opened", opened)


def attack_drip(port):
    c = client_from("127.0.0.2", port)
    body = c.xor(json.dumps({"uf": "alice", "up": "not-the-password"}).encode())
    data = frame(AH, body)
    # One byte every 200 ms: a 45-byte login takes 9 s.
    for i in range(len(data)):
        if stop.is_set():
            break
        c.sock.sendall(data[i:i + 1])
        stop.wait(0.2)
    else:
        expect_error(c, (401, 429), "drip")
    c.close()


def attack_huge(port):
    c = client_from("127.0.0.3", port)
    c.send_raw(frame(random.choice((AH, SM, GU)), b"", length=0xFFFFFFFF) + b"x" * 1000)
    expect_error(c, (413,), "huge")
    expect_closed(c.sock, "huge")
    c.close()


def attack_garbage(port):
    s = connect_from("127.0.0.4", port)
    s.recv(266)
    s.sendall(os.urandom(random.randint(10, 4096)))
    expect_closed(s, "garbage")
    s.close()


BAD_BODIES = [
    b'{"uf":"alice","up":',                      # broken JSON
    b'{"uf":1,"up":["x"]}',                      # wrong types
    b'{"uf":"al\xffice","up":"x"}',              # invalid UTF-8
    b'[' * 5000 + b']' * 5000,                   # deep nesting
    b'{"a":' * 3000 + b'1' + b'}' * 3000,
    b'{"uf":"alice","up":"pw\\u0000x"}',         # NUL escape
    b'"just a string"', b'null', b'12', b'',
]


def attack_badjson(port):
    c = client_from("127.0.0.5", port)
    for body in BAD_BODIES:
        c.send(AH, body)
        expect_error(c, (400,), "badjson-ah")
    # The same after a login (bodies of SM and GU).
    c.login("mallory", mallory_password)
    for body in BAD_BODIES:
        c.send(random.choice((SM, GU)), body)
        expect_error(c, (400,), "badjson-after-login")
    c.send(SM, {"uf": "mallory", "ut": "bob", "ms": 5, "token": c.token})
    expect_error(c, (400,), "badjson-after-login")
    c.send(GU, {"uf": "mallory", "token": c.token, "ack": "x"})
    expect_error(c, (400,), "badjson-after-login")
    c.close()


def attack_early(port):
    c = client_from("127.0.0.6", port)
    c.send(SM, {"uf": "alice", "ut": "bob", "ms": "x", "token": "A" * 16})
    expect_error(c, (401,), "early")
    c.send(GU, {"uf": "alice", "token": "A" * 16})
    expect_error(c, (401,), "early")
    c.send(KEYS, {"uf": "alice", "token": "A" * 16, "op": "count", "device": 1})
    expect_error(c, (401,), "early")
    c.close()


def attack_reuse(port):
    # mallory logs in on one connection and uses the token on others: one
    # not logged in, one logged in again as mallory (a new token).
    a = client_from("127.0.0.7", port)
    token = a.login("mallory", mallory_password)
    b = client_from("127.0.0.7", port)
    b.send(GU, {"uf": "mallory", "token": token})
    expect_error(b, (401,), "reuse-unauthenticated")
    b.login("mallory", mallory_password)
    b.send(SM, {"uf": "mallory", "ut": "bob", "ms": "x", "token": token})
    expect_error(b, (401,), "reuse-other-connection")
    b.send(GU, {"uf": "alice", "token": b.token})
    expect_error(b, (403,), "reuse-other-user")
    a.close()
    b.close()


def attack_guess_user(port, addr_counter):
    # Many addresses, one user: the per-user limit must engage.
    addr_counter[0] += 1
    c = client_from("127.0.2.%d" % (1 + addr_counter[0] % 250), port)
    c.send(AH, {"uf": "victim", "up": "guess-%d" % random.randint(0, 1 << 30)})
    expect_error(c, (401, 429), "guess-user")
    c.close()


def attack_guess_addr(port):
    # One address, many users (most of them do not exist). Eight threads
    # reconnecting from one address also run into the per-address accept
    # rate: a connection reset at once is that limit's answer.
    try:
        c = client_from("127.0.0.8", port)
        c.send(AH, {"uf": "user%d" % random.randint(0, 1000), "up": "guess"})
        pid, body = c.recv_json()
    except ConnectionResetError:
        stats.add("guess-addr/accept-limited")
        return
    code = body.get("code") if pid == ERROR and isinstance(body, dict) else None
    stats.add("guess-addr/%s" % (code if code is not None else hex(pid)))
    if code not in (401, 429):
        stats.problem("guess-addr: got %s %r, wanted (401, 429)" % (hex(pid), body))
    c.close()


def expect_reply(c, packet_id, codes, key):
    """Reads one reply: packet_id (counted as ok) or an Error with one of codes."""
    try:
        pid, body = c.recv_json()
    except (ConnectionError, OSError, ValueError) as e:
        stats.add(key + "/closed")
        stats.problem("%s: connection ended: %s" % (key, e))
        return None
    if pid == packet_id:
        stats.add(key + "/ok")
        return body
    code = body.get("code") if pid == ERROR and isinstance(body, dict) else None
    stats.add("%s/%s" % (key, code if code is not None else hex(pid)))
    if code not in codes:
        stats.problem("%s: got %s %r, wanted %s or %s" % (key, hex(pid), body, hex(packet_id),
                                                          codes))
    return None


def b64(n, fill=0x41):
    import base64
    return base64.b64encode(bytes([fill]) * n).decode()


def key_bundle(device, pks):
    return {"device": device, "ik": b64(32, device % 256), "reg": 1,
            "spk": {"id": 1, "key": b64(32), "sig": b64(64)},
            "pk": [{"id": i, "key": b64(32, i % 256)} for i in pks]}


BAD_BUNDLES = [
    ({"device": "1"}, 400),
    (dict(key_bundle(1, []), ik="%%%%"), 400),
    (dict(key_bundle(1, []), ik=b64(65)), 413),
    (dict(key_bundle(1, []), ik="A" * 200000), 413),
    (dict(key_bundle(1, []), spk={"id": 1, "key": b64(32), "sig": b64(129)}), 413),
    (dict(key_bundle(1, []), pk=[{"id": "x", "key": b64(32)}]), 400),
    (dict(key_bundle(1, []), pk=[{"id": 1}] * 5000), 413),
    (dict(key_bundle(1, []), pk=[[[[1]]]]), 400),
    (key_bundle(1, range(101)), 413),
    (key_bundle(2 ** 31, []), 400),
]


def attack_keys(port):
    c = client_from("127.0.0.9", port)
    c.send(KEYS, {"uf": "mallory", "token": "A" * 16, "op": "fetch", "user": "bob"})
    expect_error(c, (401,), "keys-early")
    c.send(FEATURES, {"uf": "mallory", "token": "A" * 16})
    expect_error(c, (401,), "keys-early")
    c.login("mallory", mallory_password)
    for body in BAD_BODIES:
        c.send(random.choice((KEYS, FEATURES)), body)
        expect_error(c, (400,), "keys-badjson")
    for bundle, code in BAD_BUNDLES:
        c.send(KEYS, {"uf": "mallory", "token": c.token, "op": "publish", "bundle": bundle})
        expect_error(c, (code,), "keys-badbundle")
    c.send(KEYS, {"uf": "mallory", "token": c.token, "op": "steal"})
    expect_error(c, (400,), "keys-badbundle")
    c.send(KEYS, {"uf": "bob", "token": c.token, "op": "count", "device": 1})
    expect_error(c, (403,), "keys-other-user")
    # Publishing past the limits: bounded (8 devices, 200 one-time prekeys each).
    device = random.randint(1, 12)
    start = random.randint(0, 1000) * 100
    c.send(KEYS, {"uf": "mallory", "token": c.token, "op": "publish",
                  "bundle": key_bundle(device, range(start, start + 100))})
    expect_reply(c, KEYS, (413,), "keys-publish")
    # Draining bob's prekeys: rate-limited per requester.
    for _ in range(10):
        c.send(KEYS, {"uf": "mallory", "token": c.token, "op": "fetch", "user": "bob"})
    for _ in range(10):
        expect_reply(c, KEYS, (429,), "keys-fetch")
    c.close()


def attack_ephemeral(port):
    c = client_from("127.0.0.10", port)
    c.login("mallory", mallory_password)
    for i in range(30):
        c.send(SM, {"uf": "mallory", "ut": "bob", "ms": "typing %d" % i, "token": c.token,
                    "ephemeral": True})
    for _ in range(30):
        body = expect_reply(c, SM, (429,), "ephemeral")
        if body is not None and body.get("delivered") is not False:
            stats.problem("ephemeral: reached a client that never asked for it: %r" % body)
    c.close()


def expect_push_error(c, codes, key):
    """The next reply on a push connection, DELIVERs skipped, is an Error in
    codes; then the server closes (a bad ACK has no place in the order)."""
    try:
        pid, body = c.recv_reply([])
    except (ConnectionError, OSError, ValueError) as e:
        stats.add(key + "/closed-without-error")
        stats.problem("%s: connection ended before the Error: %s" % (key, e))
        return
    code = body.get("code") if pid == ERROR and isinstance(body, dict) else None
    stats.add("%s/%s" % (key, code if code is not None else hex(pid)))
    if code not in codes:
        stats.problem("%s: got %s %r, wanted %s" % (key, hex(pid), body, codes))
    expect_closed(c.sock, key)


def attack_push(port):
    c = client_from("127.0.0.11", port)
    c.send(PUSH, {"uf": "mallory", "token": "A" * 16})
    expect_error(c, (401,), "push-early")
    c.send(ACK, {"uf": "mallory", "token": "A" * 16, "ack": 1})
    expect_error(c, (401,), "push-early")
    c.login("mallory", mallory_password)
    for body in BAD_BODIES:
        c.send(PUSH, body)
        expect_error(c, (400,), "push-badjson")
    c.send(DELIVER, b'{"messages":[],"more":false}')
    expect_error(c, (501,), "push-deliver-from-client")
    c.send(ACK, {"uf": "mallory", "token": c.token, "ack": 1})
    expect_push_error(c, (400,), "push-ack-before-push")
    c.close()
    c = client_from("127.0.0.11", port)
    c.login("mallory", mallory_password)
    c.push()
    bad = random.choice(BAD_BODIES + [{"uf": "mallory", "token": "B" * 16, "ack": 1},
                                      {"uf": "mallory", "token": c.token, "ack": "x"}])
    c.send(ACK, bad)
    expect_push_error(c, (400, 401), "push-bad-ack")
    c.close()


def attack_stalled(port):
    """A push reader that stops reading while 100 messages of 8 KiB arrive
    for it; then it goes without acknowledging (they stay stored)."""
    r = client_from("127.0.0.12", port)
    r.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    r.login("mallory", mallory_password)
    r.push()
    s = client_from("127.0.0.12", port)
    s.login("mallory", mallory_password)
    text = "s" * 8192
    for i in range(100):
        s.send_message("mallory", text)
    for _ in range(100):
        pid, body = s.recv_json()
        if pid != SM:
            stats.problem("stalled: the sender got %s %r" % (hex(pid), body))
            break
    stats.add("stalled/sent", 100)
    s.close()
    r.close()


def attack_flood(port, addr_counter):
    addr_counter[0] += 1
    s = connect_from("127.0.3.%d" % (1 + addr_counter[0] % 250), port, timeout=5)
    s.close()
    stats.add("flood/connections")


# --- the good client -------------------------------------------------------------


def percentile(values, p):
    if not values:
        return 0.0
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p / 100))]


class GoodClient:
    """alice sends to bob every 50 ms on one connection; bob long-polls with
    ack on another and checks every message arrives, in order, once. Every
    2 s both also log in afresh on a new connection (logins must succeed)."""

    def __init__(self, port):
        self.port = port
        self.rtt = []
        self.delivery = []
        self.sent = {}
        self.received = set()
        self.failures = 0
        self.logins = 0
        self.lock = threading.Lock()

    def fail(self, text):
        with self.lock:
            self.failures += 1
        stats.problem("GOOD CLIENT: " + text)

    def sender(self):
        try:
            a = client_from(HOST, self.port, timeout=15)
            a.login("alice", passwords["alice"])
        except Exception as e:  # noqa: BLE001 - any failure of the good client counts
            self.fail("alice login: %r" % e)
            return
        n = 0
        while not stop.is_set() and n < 100_000:
            n += 1
            text = "good %d %s" % (n, os.urandom(4).hex())
            t = time.monotonic()
            try:
                r = a.sm("bob", text, client_id="good-%d" % n)
                assert r.get("id"), r
            except Exception as e:  # noqa: BLE001
                self.fail("send %d: %r" % (n, e))
                return
            with self.lock:
                self.rtt.append(time.monotonic() - t)
                self.sent[text] = t
            stop.wait(0.05)
        a.close()

    def receiver(self):
        try:
            b = client_from(HOST, self.port, timeout=40)
            b.login("bob", passwords["bob"])
        except Exception as e:  # noqa: BLE001
            self.fail("bob login: %r" % e)
            return
        ack = 0
        drain_until = None
        while True:
            if stop.is_set():
                drain_until = drain_until or time.monotonic() + 5
                with self.lock:
                    done = len(self.received) >= len(self.sent)
                if done or time.monotonic() > drain_until:
                    break
            try:
                r = b.gu(ack=ack, wait=1)
            except Exception as e:  # noqa: BLE001
                self.fail("get: %r" % e)
                return
            now = time.monotonic()
            for m in r["messages"]:
                ack = max(ack, m["seq"])
                text = m["ms"]
                if m["uf"] != "alice":
                    continue
                with self.lock:
                    if text in self.received:
                        self.fail("duplicate delivery: %s" % text)
                    self.received.add(text)
                    if text in self.sent:
                        self.delivery.append(now - self.sent[text])
        b.gu(ack=ack)
        b.close()

    def relogin(self):
        while not stop.is_set():
            for user in ("alice", "bob"):
                try:
                    c = client_from(HOST, self.port, timeout=15)
                    c.login(user, passwords[user])
                    c.close()
                    with self.lock:
                        self.logins += 1
                except Exception as e:  # noqa: BLE001
                    self.fail("fresh login of %s: %r" % (user, e))
            stop.wait(2.0)


passwords = {}
mallory_password = None


def main():
    global mallory_password
    ap = argparse.ArgumentParser()
    ap.add_argument("--duration", type=float, default=20.0)
    ap.add_argument("--silent", type=int, default=2000)
    ap.add_argument("--rss-bound-mib", type=int, default=256)
    ap.add_argument("--json")
    ap.add_argument("--only", help="comma-separated attacker names (default: all)")
    opts = ap.parse_args()

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    silent = max(0, min(opts.silent, hard - 1000))

    for user in ("alice", "bob", "victim", "mallory"):
        passwords[user] = random_password()
    mallory_password = passwords["mallory"]

    # Real Argon2id cost: guessing must cost the server what it costs in
    # production, and still not slow the good client down much.
    with MimpdServer(users=passwords, real_cost=True) as server:
        port = server.port
        baseline = server.rss_kib()
        good = GoodClient(port)
        threads = [threading.Thread(target=good.sender, daemon=True),
                   threading.Thread(target=good.receiver, daemon=True),
                   threading.Thread(target=good.relogin, daemon=True)]
        for t in threads:
            t.start()
        time.sleep(1.0)

        held = []
        guess_counter = [0]
        flood_counter = [0]
        attackers = [
            threading.Thread(target=attack_silent, args=(port, silent, held), daemon=True),
            loop("drip", lambda: attack_drip(port)),
            loop("drip", lambda: attack_drip(port)),
            loop("drip", lambda: attack_drip(port)),
            loop("huge", lambda: attack_huge(port), 0.01),
            loop("garbage", lambda: attack_garbage(port), 0.01),
            loop("badjson", lambda: attack_badjson(port), 0.05),
            loop("early", lambda: attack_early(port), 0.01),
            loop("reuse", lambda: attack_reuse(port), 0.1),
            loop("guess-user", lambda: attack_guess_user(port, guess_counter)),
            loop("guess-user", lambda: attack_guess_user(port, guess_counter)),
            loop("guess-user", lambda: attack_guess_user(port, guess_counter)),
            loop("guess-user", lambda: attack_guess_user(port, guess_counter)),
            loop("guess-addr", lambda: attack_guess_addr(port)),
            loop("guess-addr", lambda: attack_guess_addr(port)),
            loop("guess-addr", lambda: attack_guess_addr(port)),
            loop("guess-addr", lambda: attack_guess_addr(port)),
            loop("guess-addr", lambda: attack_guess_addr(port)),
            loop("guess-addr", lambda: attack_guess_addr(port)),
            loop("guess-addr", lambda: attack_guess_addr(port)),
            loop("guess-addr", lambda: attack_guess_addr(port)),
            loop("flood", lambda: attack_flood(port, flood_counter)),
            loop("flood", lambda: attack_flood(port, flood_counter)),
            loop("keys", lambda: attack_keys(port), 0.05),
            loop("ephemeral", lambda: attack_ephemeral(port), 0.2),
            loop("push", lambda: attack_push(port), 0.1),
            loop("stalled", lambda: attack_stalled(port), 1.0),
        ]
        attackers[0].name = "silent"
        if opts.only:
            attackers = [t for t in attackers if t.name in opts.only.split(",")]
        for t in attackers:
            t.start()

        start = time.monotonic()
        rss_max = baseline
        samples = 0
        while time.monotonic() - start < opts.duration:
            if not server.alive():
                stats.problem("mimpd died: %s" % server.read_stderr()[-2000:])
                break
            rss_max = max(rss_max, server.rss_kib())
            samples += 1
            time.sleep(0.25)
        rss_with_all = server.rss_kib() if server.alive() else 0
        stop.set()
        for t in attackers + threads:
            t.join(timeout=30)
        alive = server.alive()
        # Still open: the puzzle (unread) and then nothing, no end of stream.
        # The server closes them after its login timeout (30 s by default).
        held_open = 0
        for s in held:
            s.setblocking(False)
            try:
                while s.recv(65536):
                    pass
            except BlockingIOError:
                held_open += 1
            except OSError:
                pass
            s.close()
        rss_end = server.rss_kib() if alive else 0
        status = server.stop() if alive else None

    elapsed = time.monotonic() - start
    c = stats.counts
    figures = {
        "duration_s": round(elapsed, 1),
        "mimpd_alive": alive,
        "mimpd_exit_status": status,
        "rss_kib": {"start": baseline, "max": rss_max, "with_all_attackers": rss_with_all,
                    "end": rss_end, "bound": opts.rss_bound_mib * 1024},
        "good_client": {
            "messages_sent": len(good.sent), "messages_received": len(good.received),
            "fresh_logins": good.logins, "failures": good.failures,
            "send_rtt_ms": {"p50": round(percentile(good.rtt, 50) * 1000, 1),
                            "p95": round(percentile(good.rtt, 95) * 1000, 1),
                            "p99": round(percentile(good.rtt, 99) * 1000, 1),
                            "max": round(max(good.rtt, default=0) * 1000, 1)},
            "delivery_ms": {"p50": round(percentile(good.delivery, 50) * 1000, 1),
                            "p95": round(percentile(good.delivery, 95) * 1000, 1),
                            "max": round(max(good.delivery, default=0) * 1000, 1)},
        },
        "silent_connections": {"opened": c.get("silent/opened", 0), "still_open_at_end": held_open},
        "attackers": {k: v for k, v in sorted(c.items()) if not k.startswith("silent/")},
        "problems": stats.problems,
    }
    print(json.dumps(figures, indent=2))
    if opts.json:
        with open(opts.json, "w") as f:
            json.dump(figures, f, indent=2)

    verdict = []
    if not alive or status != 0:
        verdict.append("mimpd did not survive (alive %s, exit %s)" % (alive, status))
    if rss_max > opts.rss_bound_mib * 1024:
        verdict.append("RSS %d KiB over the bound of %d MiB" % (rss_max, opts.rss_bound_mib))
    if good.failures or len(good.sent) < 10 or len(good.received) != len(good.sent):
        verdict.append("the good client saw failures: %d, sent %d, received %d"
                       % (good.failures, len(good.sent), len(good.received)))
    if not opts.only and not (c.get("guess-user/429", 0) and c.get("guess-addr/429", 0)):
        verdict.append("throttling did not engage (no 429 to the guessers)")
    if not opts.only and not (c.get("keys-fetch/429", 0) and c.get("ephemeral/429", 0)):
        verdict.append("rate limits did not engage (no 429 to the prekey drainer or the "
                       "ephemeral flood)")
    if not (opts.only and "silent" not in opts.only) and c.get("silent/opened", 0) < silent:
        verdict.append("only %d of %d silent connections opened" % (c.get("silent/opened", 0), silent))
    # Held cheaply while young; closed by the login timeout (30 s) when old.
    if opts.duration < 25 and held_open != c.get("silent/opened", 0):
        verdict.append("only %d silent connections still open" % held_open)
    if opts.duration > 45 and held_open:
        verdict.append("%d silent connections outlived the login timeout" % held_open)
    if stats.problems:
        verdict.append("%d unexpected answers (see problems)" % len(stats.problems))
    for line in verdict:
        print("FAIL:", line)
    print("hostile harness: %s" % ("FAILED" if verdict else "held"))
    sys.exit(1 if verdict else 0)


if __name__ == "__main__":
    main()
