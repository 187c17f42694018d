"""Private chats end to end: two `mimp-cli --e2e` users through a real mimpd
(the key directory) and through a plain MIMP 1.0 server (the in-band key
exchange), with checks that no message text reaches the server's database
or the wire, that kill -9 at the worst moments loses and doubles nothing,
and a long conversation.

Crash points: mimp-cli kills itself with SIGKILL when the environment
variable MIMP_CLI_TEST_CRASH is POINT[:N], the Nth time (default the first)
it reaches POINT:
- after-decrypt: a received message's ratchet step is committed, nothing
  printed yet;
- before-ack: the message is printed and marked delivered, not yet
  acknowledged to the server;
- after-encrypt: `send` encrypted the message (a ratchet step), nothing sent.
It is a test hook, not a user feature (not in the man page).

Each phrase sent is unique and random, so that finding one anywhere on the
server side is a failure, never a coincidence.

SPDX-License-Identifier: GPL-3.0-or-later
"""

import json
import os
import secrets
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from mimpdtest import SM, MimpdServer, RawClient, random_password, run_tests  # noqa: E402

CLI = os.environ["MIMP_CLI"]
MIMP10 = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "mimp10_server.py")
PREFIX = b"?MIMPE2E:"

TMP = tempfile.mkdtemp(prefix="mimp-e2e-cli-")
PW = {name: random_password() for name in ("alice", "bob", "carol", "dave", "erin", "frank")}
PHRASES = []  # every text sent with --e2e through mimpd
srv = None
proxy = None
plain10 = None


def phrase(label):
    return "%s %s" % (label, secrets.token_hex(8))


class Server:
    """Where a party connects: mimpd (through the recording proxy) or the 1.0 server."""

    def __init__(self, port, name):
        self.port = port
        self.name = name


def state_dir(user, server):
    path = os.path.join(TMP, "%s-%s" % (server.name, user))
    os.makedirs(path, mode=0o700, exist_ok=True)
    return path


def argv(user, server, *args):
    return [CLI, "--server", "127.0.0.1:%d" % server.port, "--user", user, "--e2e",
            "--state", state_dir(user, server)] + list(args)


def env_for(user, crash=None, secret=None):
    env = dict(os.environ, MIMP_PASSWORD=PW[user])
    env.pop("MIMP_CLI_TEST_CRASH", None)
    env.pop("MIMP_SMP_SECRET", None)
    if crash:
        env["MIMP_CLI_TEST_CRASH"] = crash
    if secret:
        env["MIMP_SMP_SECRET"] = secret
    return env


def run(user, server, *args, crash=None, secret=None, timeout=60, input_bytes=None):
    return subprocess.run(argv(user, server, *args), env=env_for(user, crash, secret),
                          input=input_bytes,
                          stdin=None if input_bytes is not None else subprocess.DEVNULL,
                          capture_output=True, timeout=timeout)


def start(user, server, *args, crash=None, secret=None, stderr_pipe=False, input_bytes=None):
    """A background mimp-cli; its standard error goes to a file unless the
    caller reads it (a pipe nobody reads could fill up and stop it)."""
    if stderr_pipe:
        proc = subprocess.Popen(argv(user, server, *args), env=env_for(user, crash, secret),
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
        proc.stdin.write(input_bytes or b"")
        proc.stdin.close()
        proc.stdin = None  # communicate () must not flush it again
        return proc
    with open(os.path.join(TMP, "%s-%d.stderr" % (user, time.monotonic_ns())), "wb") as err:
        return subprocess.Popen(argv(user, server, *args), env=env_for(user, crash, secret),
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=err)


def send(user, server, to, text, *args, **kw):
    if server is srv:
        PHRASES.append(text)
    r = run(user, server, *args, "send", to, "-", input_bytes=text.encode(), **kw)
    assert r.returncode == 0, (r.returncode, r.stderr)
    assert r.stdout == b"", r.stdout
    return r


def listen(user, server, count, *args, crash=None, secret=None, timeout=60):
    """listen --json --count COUNT; returns (returncode, [objects], stderr)."""
    r = run(user, server, "--json", *args, "listen", "--count", str(count), crash=crash,
            secret=secret, timeout=timeout)
    lines = [json.loads(line) for line in r.stdout.decode().splitlines()]
    return r.returncode, lines, r.stderr


def texts(lines):
    return [line["text"] for line in lines if "event" not in line]


def send_lines(user, server, to, lines):
    """One send --stdin-lines: a message per line, the texts never in argv."""
    if server is srv:
        PHRASES.extend(lines)
    r = run(user, server, "--stdin-lines", "send", to, "-",
            input_bytes=("\n".join(lines) + "\n").encode())
    assert r.returncode == 0, (r.returncode, r.stderr)
    assert r.stdout == b"", r.stdout


def exchange(sender, receiver, server, label, n, one_by_one=False):
    """sender sends n phrases; receiver's listen prints them, encrypted, in order."""
    sent = [phrase("%s %d" % (label, i)) for i in range(n)]
    if one_by_one:
        for text in sent:
            send(sender, server, receiver, text)
    else:
        send_lines(sender, server, receiver, sent)
    rc, lines, err = listen(receiver, server, n)
    assert rc == 0, err
    assert texts(lines) == sent, (label, lines)
    assert all(m["e2e"] and m["from"] == sender for m in lines), (label, lines)


def publish_once(user, server):
    """Runs listen until its bundle is in the key directory, then stops it:
    the user has published once and is offline."""
    proc = subprocess.Popen(argv(user, server, "-v", "listen"), env=env_for(user),
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 20
        seen = b""
        while time.monotonic() < deadline:
            line = proc.stderr.readline()
            if not line:
                break
            seen += line
            if b"Published the key bundle" in line:
                break
        assert b"Published the key bundle" in seen, seen[-2000:]
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=20)
        assert proc.returncode == 0 and out == b"", (proc.returncode, out)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


# --- a recording proxy: every byte between the clients and mimpd -----------

class RecordingProxy:
    def __init__(self, target_port):
        self.target_port = target_port
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.port = self.listener.getsockname()[1]
        self.connections = []  # [client-to-server bytes, server-to-client bytes]
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            record = [bytearray(), bytearray()]
            with self.lock:
                self.connections.append(record)
            threading.Thread(target=self._pump, args=(conn, upstream, record[0]),
                             daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, conn, record[1]),
                             daemon=True).start()

    def _pump(self, src, dst, record):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                with self.lock:
                    record += data
                dst.sendall(data)
        except OSError:
            pass
        for s in (dst, src):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def decoded(self):
        """(raw bytes, deciphered bodies) of every connection so far."""
        with self.lock:
            records = [(bytes(a), bytes(b)) for a, b in self.connections]
        raw = b""
        bodies = []
        for to_server, to_client in records:
            raw += to_server + to_client
            frames_back = list(frames(to_client))
            if not frames_back or frames_back[0][0] != 0x0AA0:
                continue
            puzzle = frames_back[0][1]
            start, offset = puzzle[0], puzzle[255]
            key = bytes(puzzle[start + i * offset] for i in range(24))
            for stream in (frames(to_server), frames_back[1:]):
                for pid, body in stream:
                    if pid != 0x0AA0:
                        body = bytes(b ^ key[i % 24] for i, b in enumerate(body))
                    bodies.append((pid, body))
        return raw, bodies


def frames(data):
    pos = 0
    while pos + 10 <= len(data):
        magic, version, pid, length = struct.unpack("<HHHI", data[pos:pos + 10])
        if magic != 0xB00B or pos + 10 + length > len(data):
            return
        yield pid, data[pos + 10:pos + 10 + length]
        pos += 10 + length


# --- (a) the key directory: first message to someone offline ----------------

def test_key_directory_offline_peer():
    publish_once("bob", srv)
    first = phrase("first to offline bob")
    r = send("alice", srv, "bob", first)
    assert b"Waiting" not in r.stderr, r.stderr  # no in-band wait: the directory had keys

    rc, lines, err = listen("bob", srv, 1)
    assert rc == 0, err
    assert len(lines) == 1, lines
    m = lines[0]
    assert m["from"] == "alice" and m["text"] == first, m
    assert m["e2e"] is True and m["verified"] is False, m

    # Several messages both ways.
    exchange("alice", "bob", srv, "to bob", 3, one_by_one=True)
    exchange("bob", "alice", srv, "to alice", 3, one_by_one=True)
    exchange("alice", "bob", srv, "lines to bob", 5)

    # The plain output: sender, tab, text; nothing marked.
    text = phrase("plain output")
    send("alice", srv, "bob", text)
    r = run("bob", srv, "listen", "--count", "1")
    assert r.returncode == 0, r.stderr
    assert r.stdout.decode() == "alice\t%s\n" % text, r.stdout


def test_unencrypted_is_marked():
    # dave sends without --e2e: bob's listen says so.
    env = dict(os.environ, MIMP_PASSWORD=PW["dave"])
    r = subprocess.run([CLI, "--server", "127.0.0.1:%d" % srv.port, "--user", "dave", "send",
                        "bob", "not secret at all"], env=env, capture_output=True, timeout=30)
    assert r.returncode == 0, r.stderr
    rc, lines, err = listen("bob", srv, 1)
    assert rc == 0, err
    assert lines[0]["text"] == "not secret at all", lines
    assert lines[0]["e2e"] is False and lines[0]["verified"] is False, lines
    r = subprocess.run([CLI, "--server", "127.0.0.1:%d" % srv.port, "--user", "dave", "send",
                        "bob", "again plain"], env=env, capture_output=True, timeout=30)
    r = run("bob", srv, "listen", "--count", "1")
    assert r.stdout.decode() == "dave [not encrypted]\tagain plain\n", r.stdout

    # Something that looks like an envelope but is not one: marked, never shown.
    client = RawClient(srv.port)
    client.login("dave", PW["dave"])
    for _ in range(2):
        client.sm("bob", "?MIMPE2E:1:M:" + "A" * 80)
    client.close()
    r = run("bob", srv, "listen", "--count", "1")
    line = r.stdout.decode()
    assert r.returncode == 0 and line.startswith("dave [undecryptable]\t"), r.stdout
    assert "AAAA" not in line, line
    rc, lines, err = listen("bob", srv, 1)
    assert rc == 0 and lines[0]["status"] == "undecryptable", lines
    assert lines[0]["text"] == "" and lines[0]["e2e"] is False, lines


def test_echo_bot():
    """listen --echo (the demo's bot): a private message comes back private, a
    plain one plain."""
    bot = start("frank", srv, "--json", "listen", "--echo", "--count", "2")
    try:
        secret_text = phrase("echo me privately")
        send("carol", srv, "frank", secret_text)
        rc, lines, err = listen("carol", srv, 1)
        assert rc == 0, err
        assert lines[0]["from"] == "frank" and lines[0]["text"] == secret_text, lines
        assert lines[0]["e2e"] is True, lines

        env = dict(os.environ, MIMP_PASSWORD=PW["dave"])
        r = subprocess.run([CLI, "--server", "127.0.0.1:%d" % srv.port, "--user", "dave",
                            "send", "frank", "echo me plainly"], env=env, capture_output=True,
                           timeout=30)
        assert r.returncode == 0, r.stderr
        r = subprocess.run([CLI, "--server", "127.0.0.1:%d" % srv.port, "--user", "dave",
                            "--json", "listen", "--count", "1"], env=env, capture_output=True,
                           timeout=30)
        got = json.loads(r.stdout.decode().splitlines()[0])
        assert got["from"] == "frank" and got["text"] == "echo me plainly", got
        assert bot.wait(timeout=30) == 0
    finally:
        if bot.poll() is None:
            bot.kill()
            bot.wait()
    r = run("frank", srv, "send", "carol", "-", "--echo", input_bytes=b"x")
    assert r.returncode != 0 and b"--echo is for listen --e2e only" in r.stderr, r.stderr


def test_typing_events():
    # A plain typing notice, ephemeral, while bob's listen waits: a JSON event.
    bob = start("bob", srv, "--json", "listen")
    try:
        client = RawClient(srv.port)
        client.login("dave", PW["dave"])
        delivered = False
        deadline = time.monotonic() + 15
        while not delivered and time.monotonic() < deadline:
            time.sleep(0.2)
            client.send(SM, {"uf": "dave", "ut": "bob", "ms": "?MIMPTYPING:1:active",
                             "token": client.token, "ephemeral": True})
            pid, reply = client.recv_json()
            assert pid == SM, (hex(pid), reply)
            delivered = reply.get("delivered") is True
        client.close()
        assert delivered, "bob's long poll never took the typing notice"
        line = bob.stdout.readline()
        event = json.loads(line)
        assert event == {"protocol": "mimp", "event": "typing", "from": "dave",
                         "state": "active", "e2e": False}, event
    finally:
        bob.send_signal(signal.SIGTERM)
        bob.communicate(timeout=20)


def test_safety_numbers_and_verification():
    a = run("alice", srv, "safety-number", "bob")
    b = run("bob", srv, "safety-number", "alice")
    assert a.returncode == 0 and b.returncode == 0, (a.stderr, b.stderr)
    number = a.stdout.decode().strip()
    assert number == b.stdout.decode().strip(), (a.stdout, b.stdout)
    groups = number.split(" ")
    assert len(groups) == 12 and all(len(g) == 5 and g.isdigit() for g in groups), number
    r = run("alice", srv, "safety-number", "erin")
    assert r.returncode == 1 and b"not known" in r.stderr, r.stderr

    # A wrong answer: not verified.
    bob = start("bob", srv, "--json", "listen", secret="blue whale")
    try:
        r = run("alice", srv, "--question", "Our favourite animal?", "--timeout", "30",
                "verify", "bob", secret="red fox")
        assert r.returncode == 1, (r.returncode, r.stderr)
        assert r.stdout == b"not verified\n", r.stdout
        assert b"red fox" not in r.stderr and b"blue whale" not in r.stderr
        # The right one (answers are not case-sensitive).
        r = run("alice", srv, "--question", "Our favourite animal?", "--timeout", "30",
                "verify", "bob", input_bytes=b"Blue  Whale\n")
        assert r.returncode == 0, (r.returncode, r.stderr)
        assert r.stdout == b"verified\n", r.stdout
    finally:
        bob.send_signal(signal.SIGTERM)
        out, err = bob.communicate(timeout=20)
    assert bob.returncode == 0, err
    events = [json.loads(line) for line in out.decode().splitlines()]
    asked = [e for e in events if e.get("event") == "verification" and e["result"] == "asked"]
    assert len(asked) == 2 and asked[0]["question"] == "Our favourite animal?", events
    assert b"whale" not in out.lower() and b"fox" not in out.lower()

    # Verified: bob's messages to alice say so.
    text = phrase("from verified bob")
    send("bob", srv, "alice", text)
    rc, lines, err = listen("alice", srv, 1)
    assert rc == 0 and lines[0]["text"] == text, (lines, err)
    assert lines[0]["e2e"] is True and lines[0]["verified"] is True, lines

    # The secret never on the command line: verify without one is refused.
    r = run("alice", srv, "verify", "bob", input_bytes=b"")
    assert r.returncode == 2, r.stderr


def test_key_change_pauses_sending():
    # alice verified bob (above). bob reinstalls: a new state, new keys.
    before = run("alice", srv, "safety-number", "bob").stdout
    shutil.rmtree(state_dir("bob", srv))
    publish_once("bob", srv)
    news = phrase("from the new bob")
    send("bob", srv, "alice", news)
    rc, lines, err = listen("alice", srv, 1)
    assert rc == 0, err
    assert texts(lines) == [news] and lines[0]["e2e"] is True, lines
    assert lines[0]["verified"] is False and lines[0].get("key_changed") is True, lines
    assert run("alice", srv, "safety-number", "bob").stdout != before

    # Sending pauses: nothing goes out until alice accepts the new key.
    paused = phrase("paused")
    PHRASES.append(paused)
    r = run("alice", srv, "send", "bob", "-", input_bytes=paused.encode())
    assert r.returncode == 6, (r.returncode, r.stderr)
    assert b"key changed" in r.stderr and b"trust bob" in r.stderr, r.stderr
    assert paused.encode() not in r.stderr
    r = run("alice", srv, "trust", "bob")
    assert r.returncode == 0, r.stderr
    exchange("alice", "bob", srv, "after trust", 2)
    exchange("bob", "alice", srv, "after trust back", 2)


# --- (d) kill -9 at the worst moments ------------------------------------------

def test_crash_between_storing_and_acknowledging():
    sent = [phrase("crash %d" % i) for i in range(4)]
    for text in sent:
        send("alice", srv, "bob", text)
    printed = []

    # Killed after the first ratchet step, before printing it.
    rc, lines, err = listen("bob", srv, 4, crash="after-decrypt")
    assert rc == -signal.SIGKILL, (rc, err)
    printed += texts(lines)
    assert printed == [], printed
    # Killed after printing (and marking) the second, before acknowledging.
    rc, lines, err = listen("bob", srv, 4, crash="before-ack:2")
    assert rc == -signal.SIGKILL, (rc, err)
    printed += texts(lines)
    assert len(printed) == 2, printed
    # Killed after the first ratchet step again.
    rc, lines, err = listen("bob", srv, 2, crash="after-decrypt")
    assert rc == -signal.SIGKILL, (rc, err)
    printed += texts(lines)
    rc, lines, err = listen("bob", srv, 2)
    assert rc == 0, err
    printed += texts(lines)
    # Every message exactly once, in order.
    assert printed == sent, printed

    # The sender killed between encrypting and sending: nothing went out;
    # the next message goes through and the session goes on.
    lost = phrase("never sent")
    r = run("alice", srv, "send", "bob", "-", input_bytes=lost.encode(), crash="after-encrypt")
    assert r.returncode == -signal.SIGKILL, r
    exchange("alice", "bob", srv, "after the crash", 2)
    exchange("bob", "alice", srv, "back to alice", 1)


def test_one_process_per_state():
    bob = start("bob", srv, "listen")
    try:
        time.sleep(0.5)
        r = run("bob", srv, "send", "alice", "two at once")
        assert r.returncode == 1 and b"another mimp-cli" in r.stderr, r.stderr
    finally:
        bob.send_signal(signal.SIGTERM)
        bob.communicate(timeout=20)


def test_refusals():
    # No such user: refused by the key directory, nothing sent.
    r = run("alice", srv, "send", "nobody", "hello")
    assert r.returncode == 5 and b"no such user" in r.stderr.lower(), r.stderr
    # Yourself; another protocol; a secret on the command line is no option.
    r = run("alice", srv, "send", "alice", "hello")
    assert r.returncode == 2, r.stderr
    r = run("alice", srv, "--protocol", "cryptully", "send", "bob", "hello")
    assert r.returncode == 2 and b"MIMP" in r.stderr, r.stderr
    r = run("alice", srv, "--secret", "x", "verify", "bob")
    assert r.returncode == 2, r.stderr
    # trust with no key change: nothing to do.
    r = run("alice", srv, "trust", "bob")
    assert r.returncode == 0 and b"did not change" in r.stderr, r.stderr
    # A state directory others can open, a storage key that is not one.
    loose = os.path.join(TMP, "loose")
    os.makedirs(loose, mode=0o755)
    os.chmod(loose, 0o755)
    r = subprocess.run([CLI, "--server", "127.0.0.1:%d" % srv.port, "--user", "alice", "--e2e",
                        "--state", loose, "safety-number", "bob"], env=env_for("alice"),
                       capture_output=True, timeout=30)
    assert r.returncode == 1 and b"chmod 700" in r.stderr, r.stderr
    os.chmod(loose, 0o700)
    with open(os.path.join(loose, "storage-key"), "wb") as f:
        f.write(b"short")
    os.chmod(os.path.join(loose, "storage-key"), 0o600)
    r = subprocess.run([CLI, "--server", "127.0.0.1:%d" % srv.port, "--user", "alice", "--e2e",
                        "--state", loose, "safety-number", "bob"], env=env_for("alice"),
                       capture_output=True, timeout=30)
    assert r.returncode == 1 and b"not a storage key" in r.stderr, r.stderr
    # The right length, the wrong key for alice's database.
    other = os.path.join(TMP, "other")
    shutil.copytree(state_dir("alice", srv), other)
    with open(os.path.join(other, "storage-key"), "wb") as f:
        f.write(secrets.token_bytes(32))
    r = subprocess.run([CLI, "--server", "127.0.0.1:%d" % srv.port, "--user", "alice", "--e2e",
                        "--state", other, "safety-number", "bob"], env=env_for("alice"),
                       capture_output=True, timeout=30)
    assert r.returncode == 1 and b"does not open" in r.stderr, r.stderr


# --- (e) a long conversation -------------------------------------------------

def test_long_conversation():
    # 200 each way, in rounds: every round turns the ratchet.
    for r in range(10):
        exchange("alice", "bob", srv, "a%d" % r, 20)
        exchange("bob", "alice", srv, "b%d" % r, 20)


# --- (c) nothing readable on the server or the wire ----------------------------

def test_no_plaintext_on_server_or_wire():
    assert len(PHRASES) > 400, len(PHRASES)
    # A control: a plain message is readable on the wire and in the database,
    # so the checks below could fail.
    control = phrase("plain control")
    env = dict(os.environ, MIMP_PASSWORD=PW["dave"])
    r = subprocess.run([CLI, "--server", "127.0.0.1:%d" % proxy.port, "--user", "dave", "send",
                        "carol", control], env=env, capture_output=True, timeout=30)
    assert r.returncode == 0, r.stderr

    raw, bodies = proxy.decoded()
    wire = b"\n".join(body for _, body in bodies)
    assert control.encode() in wire
    stored = b""
    for suffix in ("", "-wal"):
        path = srv.database + suffix
        if os.path.exists(path):
            with open(path, "rb") as f:
                stored += f.read()
    assert control.encode() in stored

    for text in PHRASES:
        word = text.encode()
        assert word not in raw, text
        assert word not in wire, text
        assert word not in stored, text
    # Every message text that went to the server is an envelope.
    sms = [json.loads(body) for pid, body in bodies if pid == 0x00AF and body.startswith(b"{")]
    # dave writes without --e2e, and the echo bot answers him as he wrote.
    sms = [m for m in sms if "ms" in m and "dave" not in (m.get("uf"), m.get("ut"))]
    assert len(sms) >= len(PHRASES), (len(sms), len(PHRASES))
    assert all(m["ms"].encode().startswith(PREFIX) for m in sms), [
        m["ms"][:20] for m in sms if not m["ms"].startswith("?MIMPE2E:")]


# --- (b) a plain MIMP 1.0 server: the in-band key exchange ----------------------

def test_plain_server_in_band():
    first = phrase("in band")
    alice = start("alice", plain10, "--timeout", "60", "send", "bob", "-", stderr_pipe=True,
                  input_bytes=first.encode())
    try:
        # alice waits: bob has never been online.
        line = alice.stderr.readline()
        assert b"Waiting for bob to come online once to exchange keys" in line, line
        assert alice.poll() is None
        rc, lines, err = listen("bob", plain10, 1)
        assert rc == 0, err
        assert texts(lines) == [first] and lines[0]["e2e"] is True, lines
        out, err = alice.communicate(timeout=30)
        assert alice.returncode == 0, err
    finally:
        if alice.poll() is None:
            alice.kill()
            alice.wait()

    exchange("bob", "alice", plain10, "1.0 to alice", 3, one_by_one=True)
    exchange("alice", "bob", plain10, "1.0 to bob", 3)


def test_plain_server_timeout_sends_nothing():
    secret_text = phrase("must not leak")
    r = run("alice", plain10, "--timeout", "3", "send", "carol", "-",
            input_bytes=secret_text.encode())
    assert r.returncode == 6, (r.returncode, r.stderr)
    assert b"nothing was sent" in r.stderr, r.stderr
    assert secret_text.encode() not in r.stderr
    # carol's mailbox holds the key request only: no text.
    env = dict(os.environ, MIMP_PASSWORD=PW["carol"])
    r = subprocess.run([CLI, "--server", "127.0.0.1:%d" % plain10.port, "--user", "carol",
                        "--json", "listen", "--count", "1"], env=env, capture_output=True,
                       timeout=30)
    assert r.returncode == 0, r.stderr
    m = json.loads(r.stdout)
    assert m["from"] == "alice" and m["text"].startswith("?MIMPE2E:1:R:"), m
    assert secret_text not in m["text"]


def main():
    global srv, proxy, plain10
    failed = False
    try:
        with MimpdServer(users=PW) as server:
            proxy = RecordingProxy(server.port)
            srv = Server(proxy.port, "mimpd")
            srv.database = server.database
            plain = subprocess.Popen(
                ["/usr/bin/python3", MIMP10],
                env=dict(os.environ, MIMP10_USERS=",".join("%s:%s" % kv for kv in PW.items())),
                stdout=subprocess.PIPE)
            try:
                line = plain.stdout.readline().decode()
                assert line.startswith("listening on 127.0.0.1:"), line
                plain10 = Server(int(line.rsplit(":", 1)[1]), "plain10")
                try:
                    run_tests([
                        test_key_directory_offline_peer,
                        test_unencrypted_is_marked,
                        test_echo_bot,
                        test_typing_events,
                        test_safety_numbers_and_verification,
                        test_key_change_pauses_sending,
                        test_crash_between_storing_and_acknowledging,
                        test_one_process_per_state,
                        test_refusals,
                        test_long_conversation,
                        test_no_plaintext_on_server_or_wire,
                        test_plain_server_in_band,
                        test_plain_server_timeout_sends_nothing,
                    ])
                except SystemExit as e:
                    failed = bool(e.code)
            finally:
                plain.kill()
                plain.wait()
    finally:
        shutil.rmtree(TMP, ignore_errors=True)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
