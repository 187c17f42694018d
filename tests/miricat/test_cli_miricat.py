"""mimp-cli --protocol miricat against the test server in both dialects:
two users chat in the room, joined/left events in JSON, escaping, text from
standard input, a wrong password (exit 4), an unregistered user (exit 4),
registration over HTTP then login, a server of the other dialect (exit 3).

SPDX-License-Identifier: GPL-3.0-or-later
"""

import json
import os
import subprocess
import sys
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from miricattest import MiricatServer, cli_argv, cli_env, random_password  # noqa: E402
from mimpdtest import run_tests  # noqa: E402

PW = {"alice": random_password(), "bob": random_password()}


def send(server, user, to, text, password=None, input_bytes=None):
    return subprocess.run(cli_argv(server, user, "send", to, text),
                          env=cli_env(PW.get(user) if password is None else password),
                          input=input_bytes, capture_output=True, timeout=30)


def listen(server, user, *args):
    return subprocess.Popen(cli_argv(server, user, "listen") + list(args),
                            env=cli_env(PW[user]), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)


def wait_online(server):
    # The listener is online once the server lists it: give it a moment.
    time.sleep(1.0)


def listen_during(server, user, args, action, settle=1.0):
    """Runs `listen ARGS` as USER, calls action() once it is online, and
    returns what it printed; it must exit 0 (its --count reached)."""
    proc = listen(server, user, *args)
    try:
        time.sleep(settle)
        assert proc.poll() is None, proc.stderr.read()
        action()
        out, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    return out


def sends_ok(server, user, *texts):
    def action():
        for text in texts:
            if isinstance(text, bytes):
                r = send(server, user, "anyone", "-", input_bytes=text)
            else:
                r = send(server, user, "room", text)
            assert r.returncode == 0, r.stderr
            assert r.stdout == b"" and r.stderr == b"", r
    return action


def chat(dialect):
    with MiricatServer(dialect, PW, "--allow-same-ip") as srv:
        text = "tab\there\nnew line \\ \"quoted\" ünï ✓"
        out = listen_during(srv, "alice", ["--json", "--count", "3"],
                            sends_ok(srv, "bob", text, "from stdin ✓\n".encode(), "third"))
        lines = [json.loads(x) for x in out.decode().splitlines()]
        for x in lines:
            assert x["protocol"] == "miricat", x
        messages = [x for x in lines if "text" in x]
        events = [x for x in lines if "event" in x]
        assert [m["text"] for m in messages] == [text, "from stdin ✓", "third"], lines
        assert all(m["from"] == "bob" for m in messages), lines
        if dialect == "javacat":
            assert all(m["ts"] > 1600000000000 for m in messages), lines
        else:
            assert all(m["ts"] == 0 for m in messages), lines
        # bob joined and left around each of his first two messages.
        assert events[:4] == [{"protocol": "miricat", "event": "joined", "user": "bob"},
                              {"protocol": "miricat", "event": "left", "user": "bob"},
                              {"protocol": "miricat", "event": "joined", "user": "bob"},
                              {"protocol": "miricat", "event": "left", "user": "bob"}], lines

        # Plain output: SENDER<TAB>TEXT, escaped; no events.
        out = listen_during(srv, "bob", ["--count", "1"], sends_ok(srv, "alice", text))
        assert out.decode() == "alice\ttab\\there\\nnew line \\\\ \"quoted\" ünï ✓\n", out


def test_chat_yemu():
    chat("yemu")


def test_chat_javacat():
    chat("javacat")


def refusals(dialect):
    with MiricatServer(dialect, PW, "--allow-same-ip") as srv:
        r = send(srv, "alice", "room", "x", password="wrong")
        assert r.returncode == 4, r
        assert r.stderr.decode() == "mimp-cli: The server refused the password\n", r.stderr
        assert b"wrong" not in r.stderr
        r = send(srv, "mallory", "room", "x", password="whatever")
        assert r.returncode == 4, r
        assert b"not registered" in r.stderr, r.stderr

        # Register over HTTP (what the account dialog will do), then log in.
        pw = random_password()
        req = urllib.request.Request(
            "http://127.0.0.1:%d/register" % srv.http_port, method="POST",
            data=json.dumps({"username": "carol", "password": pw}).encode(),
            headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=10) as resp:
            assert resp.status == 200
        r = send(srv, "carol", "room", "hello", password=pw)
        assert r.returncode == 0, r.stderr


def test_refusals_yemu():
    refusals("yemu")


def test_refusals_javacat():
    refusals("javacat")


def test_too_long():
    # Yemu reads a packet per TCP read: we send at most 8 KiB of text there.
    with MiricatServer("yemu", PW, "--allow-same-ip") as srv:
        r = send(srv, "alice", "room", "-", input_bytes=b"x" * 9000)
        assert r.returncode == 5, r
        assert b"over 8192 bytes" in r.stderr, r.stderr


def test_open_yemu_server():
    # Yemu without registration takes any name, with no password at all.
    with MiricatServer("yemu", {}, "--allow-same-ip", "--registration", "open") as srv:
        r = send(srv, "anyone", "room", "hi", password=None)
        assert r.returncode == 0, r.stderr


def test_one_client_per_address():
    # Yemu's rule: a second client from the same address replaces the first.
    with MiricatServer("yemu", PW) as srv:
        alice = listen(srv, "alice")
        try:
            wait_online(srv)
            r = send(srv, "bob", "room", "hi")
            assert r.returncode == 0, r.stderr
            alice.wait(timeout=20)
        finally:
            alice.kill()
        assert alice.returncode == 3, alice.returncode
        assert b"closed the connection" in alice.stderr.read()


def test_javacat_heartbeat():
    # The server drops a client silent for three heartbeat periods: a
    # listener that pings stays, and still gets what is said.
    with MiricatServer("javacat", PW, "--heartbeat-rate", "300") as srv:
        out = listen_during(srv, "alice", ["--count", "1"],
                            sends_ok(srv, "bob", "still there?"), settle=2.5)
        assert out.decode() == "bob\tstill there?\n", out


def test_already_connected():
    # The same name twice: the second login is refused (exit 4).
    with MiricatServer("yemu", PW, "--allow-same-ip") as srv:
        alice = listen(srv, "alice")
        try:
            wait_online(srv)
            r = send(srv, "alice", "room", "me again")
            assert r.returncode == 4, r
            assert b"already connected" in r.stderr, r.stderr
        finally:
            alice.kill()
            alice.wait()


def test_wrong_dialect():
    for dialect, other in (("yemu", "javacat"), ("javacat", "yemu")):
        with MiricatServer(dialect, PW, "--allow-same-ip") as srv:
            start = time.monotonic()
            r = subprocess.run(cli_argv(srv, "alice", "--timeout", "5", "send", "room", "x",
                                        dialect=other),
                               env=cli_env(PW["alice"]), capture_output=True, timeout=30)
            assert r.returncode == 3, r
            assert time.monotonic() - start < 10
            assert len(r.stderr.decode().strip().splitlines()) == 1, r.stderr


def test_usage():
    with MiricatServer("yemu", PW, "--allow-same-ip") as srv:
        r = subprocess.run(cli_argv(srv, "alice", "--dialect", "nope", "listen"),
                           env=cli_env(PW["alice"]), capture_output=True, timeout=30)
        assert r.returncode == 2 and b"unknown dialect" in r.stderr, r
        # javacat needs a password; there is none and no terminal.
        r = subprocess.run(cli_argv(srv, "alice", "send", "room", "x", dialect="javacat"),
                           env=cli_env(None), stdin=subprocess.DEVNULL, capture_output=True,
                           timeout=30)
        assert r.returncode == 2, r
    # Nobody listening: exit 3.
    r = subprocess.run([os.environ["MIMP_CLI"], "--protocol", "miricat", "--server",
                        "127.0.0.1:1", "--user", "a", "send", "room", "x"],
                       env=cli_env("x"), capture_output=True, timeout=30)
    assert r.returncode == 3, r


run_tests([test_chat_yemu, test_chat_javacat, test_refusals_yemu, test_refusals_javacat,
           test_too_long, test_open_yemu_server, test_one_client_per_address,
           test_javacat_heartbeat, test_already_connected, test_wrong_dialect, test_usage])
