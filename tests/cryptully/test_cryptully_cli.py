"""mimp-cli --protocol cryptully against the test relay and scripted peers:
chat both ways, typing, verification (match, mismatch, tampered proof) and
the documented exit statuses.

SPDX-License-Identifier: GPL-3.0-or-later
"""
import json
import os
import socket

from cryptullytest import Listener, Peer, Relay, cli, open_when_registered, run_tests

relay = None


def test_send_to_peer():
    bob = Peer(relay.port, "bob")
    try:
        text = "Hello <b>Bob</b> & \"friends\" \u00fcn\u00ef \u2713"
        r = cli(relay.port, "Alice", "send", "BOB", text)
        assert r.returncode == 0, r.stderr
        assert r.stdout == b"" and r.stderr == b"", r
        bob.wait("request", nick="alice")
        bob.wait("ready", nick="alice")
        assert bob.wait("msg", nick="alice")["text"] == text
        bob.wait("ended", nick="alice", code=0)
        # From standard input, one trailing newline dropped.
        r = cli(relay.port, "alice", "send", "bob", "-", input_bytes=b"line one\nline two\n")
        assert r.returncode == 0, r.stderr
        assert bob.wait("msg", nick="alice")["text"] == "line one\nline two"
    finally:
        bob.stop()


def test_listen_text_and_json():
    carol = Listener(relay.port, "carol", "--count", "2")
    dave = Peer(relay.port, "dave")
    try:
        open_when_registered(dave, "carol")
        dave.do("msg", "carol", "tab\there\nnew <line> & more")
        dave.do("msg", "carol", "second")
        assert carol.line() == "dave\ttab\\there\\nnew <line> & more\n"
        assert carol.line() == "dave\tsecond\n"
        status, err = carol.finish()
        assert status == 0, err
        dave.wait("ended", nick="carol", code=0)
    finally:
        dave.stop()

    carol = Listener(relay.port, "carol", "--json", "--count", "1")
    dave = Peer(relay.port, "dave")
    try:
        open_when_registered(dave, "carol")
        dave.do("typing", "carol", "0")
        typing = json.loads(carol.line())
        assert typing == {"protocol": "cryptully", "event": "typing", "from": "dave", "state": 0}
        dave.do("typing", "carol", "2")
        assert json.loads(carol.line())["state"] == 2
        dave.do("msg", "carol", "json text")
        assert json.loads(carol.line()) == {"protocol": "cryptully", "from": "dave",
                                            "text": "json text"}
        status, err = carol.finish()
        assert status == 0, err
    finally:
        dave.stop()


def smp_run(peer_args, answer, expect_peer, expect_cli):
    env = dict(os.environ, MIMP_CRYPTULLY_SMP_ANSWER="blue")
    erin = Listener(relay.port, "erin", "--json", "--count", "1", env=env)
    frank = Peer(relay.port, "frank", *peer_args)
    try:
        open_when_registered(frank, "erin")
        frank.do("smp", "erin", "Favourite colour?", answer)
        line = json.loads(erin.line(timeout=30))
        assert line == {"protocol": "cryptully", "event": "verification", "from": "frank",
                        "result": expect_cli}, line
        if expect_peer:
            frank.wait("smp", nick="erin", result=expect_peer, timeout=30)
        frank.do("msg", "erin", "bye")
        assert json.loads(erin.line())["text"] == "bye"
        status, err = erin.finish()
        assert status == 0, err
    finally:
        frank.stop()


def test_smp_match():
    smp_run([], "blue", "match", "match")


def test_smp_wrong_answer():
    # Both sides learn it (the original's responder never did).
    smp_run([], "red", "mismatch", "mismatch")


def test_smp_tampered_proof():
    smp_run(["--tamper-proof"], "blue", None, "invalid")


def test_offline_peer():
    r = cli(relay.port, "alice", "send", "nobody", "hello?")
    assert r.returncode == 5, r
    assert r.stderr == b"mimp-cli: message not sent: Nickname not online\n", r.stderr


def test_rejected():
    grumpy = Peer(relay.port, "grumpy", "--reject")
    try:
        r = cli(relay.port, "alice", "send", "grumpy", "hello?")
        assert r.returncode == 5, r
        assert b"rejected" in r.stderr, r.stderr
    finally:
        grumpy.stop()


def test_nick_taken_and_invalid():
    bob = Peer(relay.port, "bob")
    try:
        r = cli(relay.port, "BOB", "send", "alice", "x")
        assert r.returncode == 4, r
        assert b"already in use" in r.stderr, r.stderr
    finally:
        bob.stop()
    r = cli(relay.port, "no-dashes", "send", "alice", "x")
    assert r.returncode == 4 and b"Invalid nickname" in r.stderr, r
    r = cli(relay.port, "x" * 33, "listen")
    assert r.returncode == 4, r


def test_unreachable():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    r = cli(port, "alice", "send", "bob", "x")
    assert r.returncode == 3, r
    assert b"Cannot connect to the relay" in r.stderr, r.stderr


def test_help_lists_cryptully():
    import subprocess
    r = subprocess.run([os.environ["MIMP_CLI"], "--help"], capture_output=True, text=True)
    assert r.returncode == 0
    assert "  cryptully  a Cryptully relay (port 9000)" in r.stdout, r.stdout
    assert "listen accepts every chat" in r.stdout
    r = subprocess.run([os.environ["MIMP_CLI"], "--protocol", "cryptully", "--user", "a", "--tls",
                        "listen"], capture_output=True, text=True)
    assert r.returncode == 2 and "no TLS" in r.stderr, r


def main():
    global relay
    relay = Relay()
    try:
        run_tests([test_send_to_peer, test_listen_text_and_json, test_smp_match,
                   test_smp_wrong_answer, test_smp_tampered_proof, test_offline_peer,
                   test_rejected, test_nick_taken_and_invalid, test_unreachable,
                   test_help_lists_cryptully])
    finally:
        relay.stop()


if __name__ == "__main__":
    main()
