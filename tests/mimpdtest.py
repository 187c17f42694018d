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
