"""Hostile peers and relays against mimp-cli --protocol cryptully: bad
HMAC, replayed and skipped counters, DH values 0/1/p-1, oversized length
prefixes, truncated frames, invalid JSON, a relay that stalls. Each is
reported clearly; nothing crashes, hangs or grows without bound.

SPDX-License-Identifier: GPL-3.0-or-later
"""
import json
import os
import socket
import struct
import subprocess
import threading
import time

import cryptully_wire as w
from cryptullytest import Listener, Peer, Relay, cli, cli_argv, open_when_registered, run_tests

relay = None
RSS_LIMIT_KB = 64 * 1024


def listen_through(evil_args, script, code_text, count=1):
    """A listener gets a chat from an evil peer running @script, then a
    message from a good one: the evil chat ends with @code_text on standard
    error and listening goes on."""
    lara = Listener(relay.port, "lara", "--count", str(count))
    eve = Peer(relay.port, "eve", *evil_args)
    gus = Peer(relay.port, "gus")
    try:
        script(eve)
        open_when_registered(gus, "lara")
        gus.do("msg", "lara", "still here")
        lines = [lara.line() for _ in range(count)]
        assert lines[-1] == "gus\tstill here\n", lines
        status, err = lara.finish()
        assert status == 0, err
        assert code_text in err, err
        return lines
    finally:
        eve.stop()
        gus.stop()


def test_bad_hmac():
    def script(eve):
        open_when_registered(eve, "lara")
        eve.do("badhmac", "lara", "forged")
        eve.wait("ended", nick="lara", code=0)  # we say END
    listen_through([], script, "integrity check (bad HMAC)")


def test_replayed_counter():
    def script(eve):
        open_when_registered(eve, "lara")
        eve.do("msg", "lara", "once")
        eve.do("replay", "lara")
        eve.wait("ended", nick="lara")
    lines = listen_through([], script, "replayed", count=2)
    assert lines[0] == "eve\tonce\n", lines


def test_skipped_counter():
    def script(eve):
        open_when_registered(eve, "lara")
        eve.do("skip", "lara", "after a gap")
        eve.wait("ended", nick="lara")
    listen_through([], script, "deleted in transit")


def bad_pubkey(value):
    def script(eve):
        # Until lara is registered, the relay answers HELO with ERR 1.
        for _ in range(50):
            eve.do("open", "lara")
            try:
                ev = eve.wait("ended", nick="lara", timeout=2)
                break
            except AssertionError:
                continue
        assert ev["code"] == 104, ev  # our ERR: an unacceptable key
    listen_through(["--bad-pubkey", value], script, "unacceptable key")


def test_dh_zero():
    bad_pubkey("0")


def test_dh_one():
    bad_pubkey("1")


def test_dh_p_minus_1():
    bad_pubkey("p-1")


def test_dh_bad_value_as_initiator():
    zed = Peer(relay.port, "zed", "--bad-pubkey", "p-1")
    try:
        r = cli(relay.port, "alice", "send", "zed", "secret text")
        assert r.returncode == 1, r
        assert b"unacceptable key" in r.stderr and b"secret text" not in r.stderr, r.stderr
    finally:
        zed.stop()


class FakeRelay:
    """Accepts one connection, reads the VERSION and REG frames, then sends
    @payload (bytes, or a callable given the socket)."""

    def __init__(self, payload):
        self.server = socket.socket()
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(1)
        self.port = self.server.getsockname()[1]
        self.payload = payload
        threading.Thread(target=self.run, daemon=True).start()

    def run(self):
        conn, _ = self.server.accept()
        try:
            for _ in range(2):
                w.recv_frame(conn)
            if callable(self.payload):
                self.payload(conn)
            else:
                conn.sendall(self.payload)
            conn.shutdown(socket.SHUT_WR)
            time.sleep(1)
        except OSError:
            pass
        finally:
            conn.close()
            self.server.close()


def run_measured(argv, timeout=30):
    """Runs mimp-cli; returns (status, stderr, max RSS in KB)."""
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    err = []
    t = threading.Thread(target=lambda: err.append(proc.stderr.read()), daemon=True)
    t.start()
    deadline = time.monotonic() + timeout
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() > deadline:
            proc.kill()
            raise AssertionError("mimp-cli hung")
        time.sleep(0.05)
    proc.returncode = os.waitstatus_to_exitcode(status)
    t.join(5)
    return proc.returncode, err[0].decode() if err else "", usage.ru_maxrss


def against(payload, *args):
    fake = FakeRelay(payload)
    return run_measured(cli_argv(fake.port, "lara", *(args or ("listen",))))


def frame(obj):
    return w.encode_frame(obj)


def stream_after(header, total):
    def send(conn):
        conn.sendall(header)
        chunk = b"A" * 65536
        sent = 0
        while sent < total:
            conn.sendall(chunk)
            sent += len(chunk)
    return send


def test_oversized_length():
    status, err, rss = against(stream_after(b"\xff\xff\xff\xff", 16 << 20))
    assert status == 3 and "over the limit" in err, (status, err)
    assert rss < RSS_LIMIT_KB, rss
    status, err, rss = against(stream_after(struct.pack("!I", (1 << 20) + 1), 4 << 20))
    assert status == 3 and "over the limit" in err, (status, err)
    assert rss < RSS_LIMIT_KB, rss


def test_big_frames_stay_bounded():
    # Frames at the limit, one after another, each a relayed command from a
    # stranger (answered with ERR 7): memory stays that of one frame.
    big = w.envelope(serverCommand="REL", clientCommand="MSG", sourceNick="x",
                     destNick="lara", payload="A" * ((1 << 20) - 200))
    data = frame(big)
    assert len(data) <= (1 << 20) + 4

    def send(conn):
        for _ in range(24):
            conn.sendall(data)
    status, err, rss = against(send)
    assert status == 3 and "closed" in err, (status, err)
    assert rss < RSS_LIMIT_KB, rss


def test_truncated_frame():
    status, err, _ = against(struct.pack("!I", 100) + b'{"serverCommand": ')
    assert status == 3 and "inside a frame" in err, (status, err)
    status, err, _ = against(b"\x00\x00")
    assert status == 3 and "inside a frame" in err, (status, err)


def test_invalid_json():
    for body in (b"{not json", b"[1, 2]", b'{"serverCommand": "REL"}',
                 json.dumps(dict(w.envelope(serverCommand="REL"), payload=5)).encode(),
                 json.dumps(dict(w.envelope(serverCommand="REL"), hmac=["x"])).encode(),
                 b"\xff\xfe", b"[" * 100000):
        status, err, _ = against(struct.pack("!I", len(body)) + body)
        assert status == 3 and "Invalid envelope" in err, (body[:40], status, err)


def test_relay_errors():
    status, err, _ = against(frame(w.envelope(serverCommand="ERR", error="20")))
    assert status == 3 and "another protocol version" in err, (status, err)
    status, err, _ = against(frame(w.envelope(serverCommand="ERR", error="15")))
    assert status == 3 and "operator" in err, (status, err)
    status, err, _ = against(frame(w.envelope(serverCommand="END", error="6")))
    assert status == 3 and "shutting down" in err, (status, err)


def test_request_flood():
    # Hundreds of HELOs from as many nicknames: only a bounded number get
    # an answer (and a key) at a time.
    answers = []

    def send(conn):
        for i in range(300):
            conn.sendall(frame(w.envelope(serverCommand="REL", clientCommand="HELO",
                                          sourceNick="n%d" % i, destNick="lara")))
        conn.settimeout(2)
        try:
            while True:
                msg = w.parse_envelope(w.recv_frame(conn))
                answers.append(msg["clientCommand"])
        except (OSError, EOFError):
            pass
    status, err, rss = against(send)
    assert status == 3, (status, err)
    assert answers.count("REDY") == 32, answers
    assert rss < RSS_LIMIT_KB, rss


def test_stalling_relay():
    stall = Relay("--stall")
    try:
        start = time.monotonic()
        r = cli(stall.port, "alice", "--timeout", "3", "send", "bob", "hello", timeout=30)
        took = time.monotonic() - start
        assert r.returncode == 3, r
        assert took < 10, took
        assert b"No answer in time" in r.stderr or b"gave up" in r.stderr, r.stderr
    finally:
        stall.stop()


def main():
    global relay
    relay = Relay()
    try:
        run_tests([test_bad_hmac, test_replayed_counter, test_skipped_counter, test_dh_zero,
                   test_dh_one, test_dh_p_minus_1, test_dh_bad_value_as_initiator,
                   test_oversized_length, test_big_frames_stay_bounded, test_truncated_frame,
                   test_invalid_json, test_relay_errors, test_request_flood, test_stalling_relay])
    finally:
        relay.stop()


if __name__ == "__main__":
    main()
