"""docs/protocols/mimp.md section 2: what mimpd must survive. After each case the server
is up, its memory bounded (VmRSS), and a well-behaved client on another
connection still works.

SPDX-License-Identifier: GPL-3.0-or-later
"""

import json
import os
import resource
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from mimpdtest import (AH, ERROR, GU, SCH, SM, MimpdServer, RawClient, frame,  # noqa: E402
                       random_password, rss_ok, run_tests, wait_until)

PW = {"alice": random_password(), "bob": random_password()}
server = None
good = None
baseline = 0
RSS_MARGIN_KIB = 96 * 1024


def check_healthy():
    assert server.alive(), server.read_stderr()
    global good
    r = good.sm("bob", "still fine")
    assert r["id"]
    b = RawClient(server.port)
    b.login("bob", PW["bob"])
    msgs = b.gu()["messages"]
    assert msgs and msgs[-1]["ms"] == "still fine"
    b.close()
    rss_ok(server, baseline + RSS_MARGIN_KIB)


def raw(sock_timeout=5.0):
    return socket.create_connection(("127.0.0.1", server.port), timeout=sock_timeout)


def login_bytes(c):
    return frame(AH, c.xor(json.dumps({"uf": "alice", "up": PW["alice"]}).encode()))


def test_truncated_and_closed_at_every_byte():
    c = RawClient(server.port)
    data = login_bytes(c) + frame(SM, c.xor(b'{"uf":"alice","ut":"bob","ms":"x","token":"x"}'))
    c.close()
    for i in range(len(data)):
        s = raw()
        s.recv(266)
        s.sendall(data[:i])
        s.close()
    # Truncated header and body, then silence: still answered, still open.
    c = RawClient(server.port)
    c.send_raw(frame(GU, b"")[:5])
    c.sock.settimeout(0.5)
    try:
        c.sock.recv(1)
        raise AssertionError("answer to half a header")
    except socket.timeout:
        pass
    c.close()
    c = RawClient(server.port)
    c.send_raw(struct.pack("<HHHI", 0xB00B, 1, AH, 100) + b"x" * 50)
    c.close()
    check_healthy()


def test_lengths_zero_and_max():
    c = RawClient(server.port)
    for pid, code in [(AH, 400), (SM, 401), (GU, 401), (0x7777, 501)]:
        c.send_raw(frame(pid, b""))
        c.expect_error(code)
    c.send_raw(frame(SCH, b""))
    assert c.recv() == (SCH, c.puzzle)
    c.login("alice", PW["alice"])
    for pid in (SM, GU):
        c.send_raw(frame(pid, b""))
        c.expect_error(400)
    c.send_raw(struct.pack("<HHHI", 0xB00B, 1, SM, 0xFFFFFFFF))
    c.expect_error(413)
    c.expect_closed()
    c = RawClient(server.port)
    c.send_raw(struct.pack("<HHHI", 0xB00B, 1, SM, 1024 * 1024 + 1))
    c.expect_error(413)
    c.expect_closed()
    check_healthy()


def test_bad_magic_and_version():
    for hdr in [struct.pack("<HHHI", 0xDEAD, 1, AH, 2), struct.pack("<HHHI", 0xB00B, 2, AH, 2),
                b"GET / HTTP/1.1\r\n\r\n"]:
        c = RawClient(server.port)
        c.send_raw(hdr + b"{}")
        c.expect_error(400)
        c.expect_closed()
    check_healthy()


def test_bad_bodies():
    c = RawClient(server.port)
    bodies = [b"not json", b"[1,2,3]", b'"string"', b"42", b"null", b"{", b"{}",
              b'{"uf": 1, "up": 2}', b'{"uf": ["a"], "up": {"b": 1}}',
              b'{"uf": "alice", "up": null}', b"\xff\xfe{\"uf\":\"alice\"}",
              b'{"uf": "\xc3\x28", "up": "x"}', b'{"uf":"alice","up":"x\\u0000y"}',
              b"[" * 100000, b"{\"a\":" * 50000, b"\x00" * 1000]
    for body in bodies:
        c.send(AH, body)
        c.expect_error(400)
    c.login("alice", PW["alice"])
    for body in bodies:
        for pid in (SM, GU):
            c.send(pid, body)
            c.expect_error(400)
    # Wrong types inside otherwise good requests.
    for req in [{"uf": "alice", "token": c.token, "ack": "x"},
                {"uf": "alice", "token": c.token, "wait": [1]},
                {"uf": "alice", "token": 5},
                {"uf": "alice", "token": c.token, "ack": 1.5}]:
        c.send(GU, req)
        c.expect_error(400)
    c.send(SM, {"uf": "alice", "ut": "bob", "ms": "x", "token": c.token, "id": 7})
    c.expect_error(400)
    # 1 MiB of '[' (the largest body there is).
    c.send(SM, b"[" * (1024 * 1024))
    c.expect_error(400)
    c.sm("bob", "after the flood")
    c.close()
    check_healthy()


def test_unknown_ids_and_client_errors():
    c = RawClient(server.port)
    for pid in (0x0000, 0xFFFF, 0x1234, 0xA00E):
        c.send(pid, b"whatever")
        c.expect_error(501)
    c.login("alice", PW["alice"])
    c.send(0x0001, b"")
    c.expect_error(501)
    c.sm("bob", "x")
    c.send(ERROR, b"")
    c.expect_error(400)
    c.expect_closed()
    check_healthy()


def test_requests_before_handshake():
    # A client that does not wait for the puzzle sends unciphered JSON.
    s = raw()
    s.sendall(frame(AH, json.dumps({"uf": "alice", "up": PW["alice"]}).encode()))
    s.sendall(frame(SM, b'{"uf":"alice","ut":"bob","ms":"x","token":"x"}'))
    c = RawClient(server.port, sock=s)
    pid, body = c.recv_json()
    assert pid == ERROR and body["code"] in (400, 401), body
    c.expect_error(401)
    c.close()
    check_healthy()


def test_reader_that_never_reads():
    # Pipelines SCH requests (10 bytes, each answered with 266) and never
    # reads a reply: the server must stop reading this client once its
    # output backs up, rather than buffer without bound. Sending then stalls.
    c = RawClient(server.port)
    c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    c.sock.setblocking(False)
    sch = frame(SCH, b"") * 1000
    sent = 0
    last_progress = time.monotonic()
    deadline = time.monotonic() + 20
    while time.monotonic() - last_progress < 1.0 and time.monotonic() < deadline:
        try:
            sent += c.sock.send(sch)
            last_progress = time.monotonic()
        except BlockingIOError:
            time.sleep(0.01)
    assert time.monotonic() < deadline, "the server kept reading (%d bytes)" % sent
    # Kernel buffers hold a few MB; unbounded reading would be far more.
    assert sent < 32 * 1024 * 1024, sent
    rss_ok(server, baseline + RSS_MARGIN_KIB)
    check_healthy()
    c.close()
    check_healthy()


def test_many_silent_connections():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = 2200
    if soft < want + 100:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 4096), hard))
    n = min(2000, resource.getrlimit(resource.RLIMIT_NOFILE)[0] - 100)
    socks = []
    for _ in range(n):
        socks.append(raw())
    check_healthy()
    # The server keeps at most 256 unauthenticated connections per address:
    # the oldest were closed.
    closed = 0
    for s in socks[:100]:
        s.settimeout(2)
        try:
            while True:
                data = s.recv(4096)
                if not data:
                    closed += 1
                    break
        except (socket.timeout, ConnectionResetError):
            pass
    assert closed >= 90, closed
    rss_ok(server, baseline + RSS_MARGIN_KIB)
    for s in socks:
        s.close()
    check_healthy()


def test_timeouts():
    # A short-timeout server of its own.
    with MimpdServer(users=PW, args=["--login-timeout", "2", "--idle-timeout", "3"]) as s:
        t = time.monotonic()
        lazy = RawClient(s.port)
        lazy.expect_closed(timeout=10)
        assert 1.5 < time.monotonic() - t < 6
        t = time.monotonic()
        idle = RawClient(s.port)
        idle.login("alice", PW["alice"])
        idle.expect_closed(timeout=10)
        assert 2.5 < time.monotonic() - t < 7
        # Talking keeps a connection open.
        busy = RawClient(s.port)
        busy.login("alice", PW["alice"])
        for _ in range(5):
            time.sleep(1)
            busy.gu()
        busy.close()


def test_max_connections():
    with MimpdServer(users=PW, args=["--max-connections", "5"]) as s:
        held = [RawClient(s.port) for _ in range(5)]
        extra = socket.create_connection(("127.0.0.1", s.port), timeout=5)
        assert extra.recv(10) == b""
        extra.close()
        held[0].close()
        assert wait_until(lambda: _connects(s.port), 5)
        for c in held[1:]:
            c.close()


def _connects(port):
    try:
        c = RawClient(port, timeout=2)
        c.close()
        return True
    except (AssertionError, ConnectionError, OSError):
        return False


def test_accept_rate():
    """A flood of connections from one address is accepted and closed at
    once past its burst, while another address connects and logs in; the
    flooder gets in again as its rate allows."""
    rate, burst, n = 5, 20, 100
    with MimpdServer(users=PW, args=["--accept-rate", str(rate),
                                     "--accept-burst", str(burst)]) as s:
        def attempt(address):
            sock = socket.socket()
            sock.bind((address, 0))
            sock.settimeout(5)  # a refused one is reset at once, an accepted one greeted
            try:
                # The reset may come before connect() has returned.
                sock.connect(("127.0.0.1", s.port))
                data = sock.recv(266)
            except ConnectionResetError:
                data = b""
            sock.close()
            return bool(data)

        t = time.monotonic()
        results = [attempt("127.0.0.2") for _ in range(n)]
        elapsed = time.monotonic() - t
        accepted = sum(results)
        assert all(results[:burst]), results
        assert burst <= accepted <= burst + rate * elapsed + 1, (accepted, elapsed)
        assert accepted < n, (accepted, elapsed)
        # Another address is not affected, nor the server's own 127.0.0.1.
        for address in ("127.0.0.3", "127.0.0.1"):
            sock = socket.socket()
            sock.bind((address, 0))
            sock.settimeout(10)
            sock.connect(("127.0.0.1", s.port))
            c = RawClient(s.port, sock=sock)
            c.login("alice", PW["alice"])
            assert c.sm("bob", "through the flood")["id"]
            c.close()
        # Two tokens' time later the flooder connects again, once or twice.
        time.sleep(2.0 / rate)
        assert attempt("127.0.0.2")
        assert s.alive()
        assert "through the flood" not in s.read_stderr()


def main():
    global server, good, baseline
    # The attacks below test other defences and connect hundreds of times
    # from 127.0.0.1: no accept rate here (test_accept_rate has its own).
    with MimpdServer(users=PW, args=["--accept-rate", "0"]) as s:
        server = s
        good = RawClient(s.port)
        good.login("alice", PW["alice"])
        baseline = s.rss_kib()
        run_tests([
            test_truncated_and_closed_at_every_byte,
            test_lengths_zero_and_max,
            test_bad_magic_and_version,
            test_bad_bodies,
            test_unknown_ids_and_client_errors,
            test_requests_before_handshake,
            test_reader_that_never_reads,
            test_many_silent_connections,
            test_timeouts,
            test_max_connections,
            test_accept_rate,
        ])
        print("RSS: %d KiB at start, %d KiB at the end" % (baseline, s.rss_kib()))
        good.close()


if __name__ == "__main__":
    main()
