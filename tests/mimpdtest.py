"""Start a real mimpd for a test: loopback, a free port, a database in a
temporary directory, users added through `mimpd user add` with the password
on standard input. Stop it by PID and check its exit status.

    with MimpdServer(users={"alice": "secret"}) as server:
        s = socket.create_connection(("127.0.0.1", server.port))

$MIMPD names the binary (set by tests/meson.build). Argon2id runs at a test
cost (MIMPD_ARGON2_TEST_COST=1) unless real_cost=True.

SPDX-License-Identifier: GPL-3.0-or-later
"""

import os
import secrets
import select
import shutil
import signal
import subprocess
import tempfile
import time


def mimpd_binary():
    return os.environ["MIMPD"]


def random_password():
    return secrets.token_urlsafe(12)


class MimpdServer:
    def __init__(self, users=None, args=(), real_cost=False, tmpdir=None, tls=None):
        self.users = dict(users or {})
        self.extra_args = list(args)
        self.own_tmpdir = tmpdir is None
        self.tmpdir = tmpdir or tempfile.mkdtemp(prefix="mimpd-test-")
        self.database = os.path.join(self.tmpdir, "mimpd.db")
        self.env = dict(os.environ)
        if not real_cost:
            self.env["MIMPD_ARGON2_TEST_COST"] = "1"
        self.tls = tls  # (cert_file, key_file) or None
        self.proc = None
        self.port = None
        self.tls_port = None
        self.stderr_path = os.path.join(self.tmpdir, "mimpd.stderr")

    def admin(self, *args, password=None, check=True):
        """Runs `mimpd --database DB ARGS...`, the password on standard input."""
        proc = subprocess.run(
            [mimpd_binary(), "--database", self.database, *args],
            input=(password + "\n").encode() if password is not None else b"",
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=self.env, timeout=60)
        if check and proc.returncode != 0:
            raise RuntimeError("mimpd %s failed: %s" % (args, proc.stderr.decode()))
        return proc

    def add_user(self, name, password):
        self.admin("user", "add", name, password=password)
        self.users[name] = password

    def start(self, timeout=20):
        for name, password in self.users.items():
            if not os.path.exists(self.database) or name not in self.list_users():
                self.admin("user", "add", name, password=password)
        args = [mimpd_binary(), "--database", self.database, "--listen", "127.0.0.1",
                "--port", "0", *self.extra_args]
        if self.tls:
            args += ["--tls-cert", self.tls[0], "--tls-key", self.tls[1], "--tls-port", "0"]
        self.stderr_file = open(self.stderr_path, "ab")
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=self.stderr_file,
                                     env=self.env)
        want = 2 if self.tls else 1
        deadline = time.monotonic() + timeout
        buf = b""
        lines = []
        while len(lines) < want:
            left = deadline - time.monotonic()
            if left <= 0:
                self.kill()
                raise RuntimeError("mimpd did not start listening")
            ready, _, _ = select.select([self.proc.stdout], [], [], left)
            if not ready:
                continue
            chunk = os.read(self.proc.stdout.fileno(), 4096)
            if not chunk:
                raise RuntimeError("mimpd exited: %s" % self.read_stderr())
            buf += chunk
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                lines.append(line.decode())
        for line in lines:
            assert line.startswith("mimpd: listening on "), line
            port = int(line.split()[3].rsplit(":", 1)[1])
            if line.endswith("(TLS)"):
                self.tls_port = port
            else:
                self.port = port
        return self

    def list_users(self):
        return self.admin("user", "list").stdout.decode().split()

    def read_stderr(self):
        try:
            with open(self.stderr_path, "rb") as f:
                return f.read().decode(errors="replace")
        except OSError:
            return ""

    @property
    def pid(self):
        return self.proc.pid

    def rss_kib(self):
        with open("/proc/%d/status" % self.proc.pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return 0

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout=15):
        """SIGTERM; returns the exit status (and asserts nothing)."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            status = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise RuntimeError("mimpd did not stop on SIGTERM")
        self._cleanup_proc()
        return status

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self._cleanup_proc()

    def _cleanup_proc(self):
        if self.proc is not None:
            self.proc.stdout.close()
            self.stderr_file.close()
        self.proc = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        try:
            if self.proc is not None:
                status = self.stop()
                if exc[0] is None:
                    assert status == 0, "mimpd exited with %s: %s" % (status, self.read_stderr())
        finally:
            if self.own_tmpdir:
                shutil.rmtree(self.tmpdir, ignore_errors=True)
        return False


# --- a raw MIMP client for tests: exact bytes, no tolerance --------------------

import json as _json
import socket as _socket
import struct as _struct

SCH, AH, SM, GU, ERROR = 0x0AA0, 0xA00F, 0x00AF, 0x0CCF, 0xBEEF
FEATURES, KEYS = 0x0FEA, 0x0E2E  # extensions (docs/protocols/mimp.md)
PUSH, DELIVER, ACK = 0x0F05, 0x0DE1, 0x0ACC  # push (docs/protocols/mimp.md, 14)


def frame(packet_id, body, magic=0xB00B, version=1, length=None):
    if length is None:
        length = len(body)
    return _struct.pack("<HHHI", magic, version, packet_id, length) + body


class RawClient:
    """One connection; recv() returns (packet_id, plain body bytes)."""

    def __init__(self, port, host="127.0.0.1", timeout=10.0, wait_puzzle=True, sock=None):
        self.sock = sock or _socket.create_connection((host, port), timeout=timeout)
        self.sock.settimeout(timeout)
        self.key = None
        self.puzzle = None
        self.user = None
        self.token = None
        if wait_puzzle:
            pid, body = self.recv()
            assert pid == SCH, hex(pid)
            self.set_puzzle(body)

    def set_puzzle(self, puzzle):
        assert len(puzzle) == 256
        start, offset = puzzle[0], puzzle[255]
        assert start + 23 * offset <= 255
        self.puzzle = puzzle
        self.key = bytes(puzzle[start + i * offset] for i in range(24))

    def xor(self, body):
        n = len(body)
        if n == 0:
            return b""
        key = (self.key * (n // 24 + 1))[:n]
        return (int.from_bytes(body, "little") ^ int.from_bytes(key, "little")).to_bytes(n, "little")

    def close(self):
        self.sock.close()

    def send_raw(self, data):
        self.sock.sendall(data)

    def send(self, packet_id, body, cipher=True):
        if isinstance(body, (dict, list)):
            body = _json.dumps(body).encode()
        elif isinstance(body, str):
            body = body.encode()
        if cipher and packet_id != SCH and self.key is not None:
            body = self.xor(body)
        self.sock.sendall(frame(packet_id, body))

    def recv_exact(self, n):
        data = bytearray()
        while len(data) < n:
            chunk = self.sock.recv(min(n - len(data), 1 << 20))
            if not chunk:
                raise ConnectionError("closed after %d of %d bytes" % (len(data), n))
            data += chunk
        return bytes(data)

    def recv(self):
        magic, version, pid, length = _struct.unpack("<HHHI", self.recv_exact(10))
        assert magic == 0xB00B and version == 1, (magic, version)
        body = self.recv_exact(length)
        if pid != SCH and self.key is not None:
            body = self.xor(body)
        return pid, body

    def recv_json(self):
        pid, body = self.recv()
        return pid, (_json.loads(body) if body else None)

    def expect_error(self, code):
        pid, body = self.recv_json()
        assert pid == ERROR, (hex(pid), body)
        assert body["code"] == code, body
        assert isinstance(body["error"], str) and body["error"]
        return body

    def expect_closed(self, timeout=5.0):
        self.sock.settimeout(timeout)
        try:
            data = self.sock.recv(1)
        except ConnectionResetError:
            return
        assert data == b"", "expected the server to close, got %r" % data

    def login(self, user, password):
        self.send(AH, {"uf": user, "up": password})
        pid, body = self.recv()
        assert pid == AH, (hex(pid), body)
        assert len(body) == 16 and body.isalnum(), body
        self.user = user.lower()
        self.token = body.decode()
        return self.token

    def send_message(self, to, text, client_id=None, uf=None, token=None):
        req = {"uf": uf or self.user, "ut": to, "ms": text, "token": token or self.token}
        if client_id is not None:
            req["id"] = client_id
        self.send(SM, req)

    def get_request(self, ack=None, wait=None):
        req = {"uf": self.user, "token": self.token}
        if ack is not None:
            req["ack"] = ack
        if wait is not None:
            req["wait"] = wait
        self.send(GU, req)

    def sm(self, to, text, client_id=None):
        self.send_message(to, text, client_id)
        pid, body = self.recv_json()
        assert pid == SM, (hex(pid), body)
        return body

    def gu(self, ack=None, wait=None):
        self.get_request(ack, wait)
        pid, body = self.recv_json()
        assert pid == GU, (hex(pid), body)
        return body

    def features(self):
        self.send(FEATURES, {"uf": self.user, "token": self.token})
        pid, body = self.recv_json()
        assert pid == FEATURES, (hex(pid), body)
        return body["features"]

    def push(self, ack=None):
        """Turns push on; returns once its reply came (DELIVERs only follow it)."""
        req = {"uf": self.user, "token": self.token}
        if ack is not None:
            req["ack"] = ack
        self.send(PUSH, req)
        pid, body = self.recv_json()
        assert pid == PUSH and body == {"push": True}, (hex(pid), body)

    def ack(self, seq):
        """Acknowledges up to seq on a push connection: no reply comes."""
        self.send(ACK, {"uf": self.user, "token": self.token, "ack": seq})

    def recv_reply(self, delivered):
        """The next packet that is not a DELIVER; DELIVERed messages on the
        way are appended to delivered."""
        while True:
            pid, body = self.recv_json()
            if pid != DELIVER:
                return pid, body
            delivered.extend(body["messages"])

    def keys_request(self, op, **fields):
        req = {"uf": self.user, "token": self.token, "op": op}
        req.update(fields)
        self.send(KEYS, req)

    def keys(self, op, **fields):
        """A KEYS request that must succeed; returns the reply object."""
        self.keys_request(op, **fields)
        pid, body = self.recv_json()
        assert pid == KEYS, (hex(pid), body)
        assert body["op"] == op, body
        return body


def rss_ok(server, limit_kib):
    rss = server.rss_kib()
    assert rss < limit_kib, "mimpd RSS %d KiB over %d KiB" % (rss, limit_kib)
    return rss


def wait_until(predicate, timeout=10.0, interval=0.02):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


def run_tests(tests):
    """Runs test functions in order, TAP-free: prints and exits non-zero on failure."""
    import sys
    import traceback
    failed = 0
    only = sys.argv[1:]
    for test in tests:
        if only and test.__name__ not in only:
            continue
        start = time.monotonic()
        try:
            test()
            print("ok   %-40s %.2fs" % (test.__name__, time.monotonic() - start), flush=True)
        except Exception:
            failed += 1
            print("FAIL %s" % test.__name__, flush=True)
            traceback.print_exc()
    sys.exit(1 if failed else 0)
