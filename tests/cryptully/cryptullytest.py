"""What the Cryptully tests share: the test relay, scripted peers and
mimp-cli runs, all on loopback.

SPDX-License-Identifier: GPL-3.0-or-later
"""
import json
import os
import queue
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
sys.path.insert(0, HERE)

from mimpdtest import run_tests  # noqa: E402,F401

PYTHON = os.environ.get("PYTHON", "/usr/bin/python3")
CLI = os.environ.get("MIMP_CLI")


class Relay:
    def __init__(self, *args):
        self.proc = subprocess.Popen([PYTHON, os.path.join(HERE, "cryptully_relay.py")] + list(args),
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.port = int(self.proc.stdout.readline())

    def stop(self):
        self.proc.stdin.close()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


class Peer:
    """A cryptully_peer.py process: commands in, events out."""

    def __init__(self, port, nick, *args):
        self.nick = nick
        self.proc = subprocess.Popen(
            [PYTHON, os.path.join(HERE, "cryptully_peer.py"), "--port", str(port), "--nick", nick]
            + list(args), stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.events = queue.Queue()
        self.seen = []
        threading.Thread(target=self._read, daemon=True).start()
        self.wait("registered")

    def _read(self):
        for line in self.proc.stdout:
            self.events.put(json.loads(line))
        self.events.put({"event": "exit"})

    def do(self, *cmd):
        self.proc.stdin.write((json.dumps(list(cmd)) + "\n").encode())
        self.proc.stdin.flush()

    def wait(self, event, timeout=20, **fields):
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("peer %s: no %s %r; saw %r" % (self.nick, event, fields,
                                                                   self.seen))
            try:
                ev = self.events.get(timeout=left)
            except queue.Empty:
                continue
            self.seen.append(ev)
            if ev["event"] == event and all(ev.get(k) == v for k, v in fields.items()):
                return ev

    def stop(self):
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def cli_argv(port, user, *args):
    return [CLI, "--protocol", "cryptully", "--server", "127.0.0.1:%d" % port, "--user", user] + \
        list(args)


def cli(port, user, *args, timeout=30, input_bytes=None, env=None):
    return subprocess.run(cli_argv(port, user, *args), input=input_bytes,
                          stdin=None if input_bytes is not None else subprocess.DEVNULL,
                          capture_output=True, timeout=timeout, env=env)


class Listener:
    """mimp-cli listen, with its lines read as they come."""

    def __init__(self, port, user, *args, env=None):
        self.proc = subprocess.Popen(cli_argv(port, user, "listen", *args), stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, env=env)
        self.lines = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.put(line.decode())

    def line(self, timeout=20):
        return self.lines.get(timeout=timeout)

    def finish(self, timeout=20):
        try:
            self.proc.wait(timeout=timeout)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode, self.proc.stderr.read().decode()


def open_when_registered(peer, nick, timeout=20):
    """A listener registers a moment after it starts: HELO until it is there."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        peer.do("open", nick)
        while True:
            try:
                ev = peer.events.get(timeout=5)
            except queue.Empty:
                raise AssertionError("no answer to HELO")
            peer.seen.append(ev)
            if ev["event"] == "ready" and ev["nick"] == nick:
                return
            if ev["event"] == "relay-error" and ev.get("code") == 1:
                break
        time.sleep(0.2)
    raise AssertionError("%s never registered" % nick)
