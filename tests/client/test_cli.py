"""mimp-cli against a real mimpd: the README's two-terminal scenario
(`listen` in one process prints what `send` in another sends), JSON lines,
escaping, acknowledgement across runs, password sources and every
documented exit status.

SPDX-License-Identifier: GPL-3.0-or-later
"""

import json
import os
import socket
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from mimpdtest import MimpdServer, random_password, run_tests  # noqa: E402

CLI = os.environ["MIMP_CLI"]
srv = None
PW = {}


def cli(user, *args, password=None, env_password=True, timeout=30, stdin=subprocess.DEVNULL,
        input_bytes=None):
    env = dict(os.environ)
    env.pop("MIMP_PASSWORD", None)
    if env_password:
        env["MIMP_PASSWORD"] = password if password is not None else PW[user]
    argv = [CLI, "--server", "127.0.0.1:%d" % srv.port, "--user", user] + list(args)
    if input_bytes is not None:
        return subprocess.run(argv, env=env, input=input_bytes, capture_output=True,
                              timeout=timeout)
    return subprocess.run(argv, env=env, stdin=stdin, capture_output=True, timeout=timeout)


def listen(user, *args):
    env = dict(os.environ, MIMP_PASSWORD=PW[user])
    argv = [CLI, "--server", "127.0.0.1:%d" % srv.port, "--user", user, "listen"] + list(args)
    return subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def one_line(stderr):
    lines = stderr.decode().strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("mimp-cli: "), stderr
    return lines[0]


def test_send_then_listen():
    # The README's scenario: bob listens while alice sends.
    bob = listen("bob", "--count", "1")
    try:
        r = cli("alice", "send", "bob", "Hello, Bob!")
        assert r.returncode == 0, r.stderr
        assert r.stdout == b"" and r.stderr == b""
        out, err = bob.communicate(timeout=20)
    finally:
        bob.kill()
    assert bob.returncode == 0, err
    assert out.decode() == "alice\tHello, Bob!\n", out


def test_json_and_escaping():
    text = "tab\there\nnew line \\ \"quoted\" ünï ✓"
    r = cli("alice", "send", "carol", text)
    assert r.returncode == 0, r.stderr
    r = cli("alice", "send", "carol", "second")
    assert r.returncode == 0, r.stderr

    carol = listen("carol", "--json", "--count", "2")
    out, err = carol.communicate(timeout=20)
    assert carol.returncode == 0, err
    lines = out.decode().splitlines()
    assert len(lines) == 2, out
    first = json.loads(lines[0])
    assert first["protocol"] == "mimp"
    assert first["from"] == "alice" and first["to"] == "carol" and first["text"] == text
    assert isinstance(first["id"], str) and first["seq"] > 0 and first["ts"] > 0
    assert json.loads(lines[1])["text"] == "second"

    # Printed lines were acknowledged: a new listener gets nothing again.
    r = cli("alice", "send", "carol", "third")
    assert r.returncode == 0, r.stderr
    carol = listen("carol", "--count", "1")
    out, err = carol.communicate(timeout=20)
    assert out.decode() == "alice\tthird\n", out

    # Plain output escapes what would break the line format.
    r = cli("alice", "send", "carol", text)
    carol = listen("carol", "--count", "1")
    out, _ = carol.communicate(timeout=20)
    assert out.decode() == "alice\ttab\\there\\nnew line \\\\ \"quoted\" ünï ✓\n", out


def test_password_file():
    with tempfile.NamedTemporaryFile("w", delete=False) as f:
        f.write(PW["alice"] + "\n")
    try:
        r = cli("alice", "--password-file", f.name, "send", "bob", "from a file",
                env_password=False)
        assert r.returncode == 0, r.stderr
        r = cli("alice", "--password-file", f.name + ".missing", "send", "bob", "x",
                env_password=False)
        assert r.returncode == 2
        one_line(r.stderr)
    finally:
        os.unlink(f.name)
    # Drain bob.
    bob = listen("bob", "--count", "1")
    out, _ = bob.communicate(timeout=20)
    assert out.decode() == "alice\tfrom a file\n"


def test_text_from_stdin():
    text = "from standard input\nwith two lines ✓"
    r = cli("alice", "send", "bob", "-", stdin=None, input_bytes=(text + "\n").encode())
    assert r.returncode == 0, r.stderr
    r = cli("alice", "send", "bob", "-", stdin=None, input_bytes=b"")
    assert r.returncode == 2 and "non-empty" in one_line(r.stderr)
    r = cli("alice", "send", "bob", "-", stdin=None, input_bytes=b"nul\0byte")
    assert r.returncode == 1 and "NUL" in one_line(r.stderr)
    bob = listen("bob", "--json", "--count", "1")
    out, _ = bob.communicate(timeout=20)
    assert json.loads(out)["text"] == text, out


def test_stdin_lines():
    # --stdin-lines: one message per non-empty line, in order.
    r = cli("alice", "--stdin-lines", "send", "bob", "-", stdin=None,
            input_bytes="one\n\ntwo ✓\r\nthree".encode())
    assert r.returncode == 0, r.stderr
    bob = listen("bob", "--count", "3")
    out, _ = bob.communicate(timeout=20)
    assert out.decode() == "alice\tone\nalice\ttwo ✓\nalice\tthree\n", out
    r = cli("alice", "--stdin-lines", "send", "bob", "-", stdin=None, input_bytes=b"\n\n")
    assert r.returncode == 2, r.stderr
    r = cli("alice", "--stdin-lines", "send", "bob", "text")
    assert r.returncode == 2 and "--stdin-lines" in one_line(r.stderr), r.stderr


def test_debug_output_stays_off_stdout():
    # With -v, debug messages go to stderr; stdout carries only messages.
    r = cli("alice", "send", "carol", "verbose run")
    assert r.returncode == 0, r.stderr
    carol = listen("carol", "-v", "--json", "--count", "1")
    out, err = carol.communicate(timeout=20)
    assert carol.returncode == 0, err
    lines = out.decode().splitlines()
    assert len(lines) == 1 and json.loads(lines[0])["text"] == "verbose run", out
    assert b"DEBUG" in err, err


def test_no_password_without_terminal():
    r = cli("alice", "send", "bob", "x", env_password=False)
    assert r.returncode == 2
    assert "MIMP_PASSWORD" in one_line(r.stderr)


def test_exit_statuses():
    # 4: wrong password (the password never appears in the message).
    wrong = PW["alice"] + "wrong"
    r = cli("alice", "send", "bob", "x", password=wrong)
    assert r.returncode == 4, (r.returncode, r.stderr)
    line = one_line(r.stderr)
    assert wrong not in line and "password" in line.lower()

    # 5: no such user; too long.
    r = cli("alice", "send", "nobody", "x")
    assert r.returncode == 5, r.stderr
    assert "no such user" in one_line(r.stderr).lower()
    r = cli("alice", "send", "bob", "x" * (16 * 1024 + 1))
    assert r.returncode == 5, r.stderr
    one_line(r.stderr)

    # 3: nothing listening there.
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    free_port = s.getsockname()[1]
    s.close()
    env = dict(os.environ, MIMP_PASSWORD=PW["alice"])
    r = subprocess.run([CLI, "--server", "127.0.0.1:%d" % free_port, "--user", "alice",
                        "send", "bob", "x"], env=env, capture_output=True, timeout=30)
    assert r.returncode == 3, r.stderr
    one_line(r.stderr)

    # 2: usage.
    for args in (["send", "bob"], ["frobnicate"], [], ["listen", "extra"]):
        r = cli("alice", *args)
        assert r.returncode == 2, (args, r.stderr)
    r = subprocess.run([CLI, "--server", "127.0.0.1:notaport", "--user", "alice", "listen"],
                       capture_output=True, timeout=30)
    assert r.returncode == 2
    r = subprocess.run([CLI, "--server", "127.0.0.1:%d" % srv.port, "listen"],
                       capture_output=True, timeout=30)
    assert r.returncode == 2 and "--user" in one_line(r.stderr)


def test_listen_stops_on_sigterm():
    bob = listen("bob")
    try:
        r = cli("alice", "send", "bob", "before the end")
        assert r.returncode == 0
        line = bob.stdout.readline()
        assert line == b"alice\tbefore the end\n", line
        bob.terminate()
        bob.wait(timeout=10)
        assert bob.returncode == 0
    finally:
        bob.kill()
    # It was acknowledged before exiting: not delivered again.
    r = cli("alice", "send", "bob", "after")
    bob = listen("bob", "--count", "1")
    out, _ = bob.communicate(timeout=20)
    assert out.decode() == "alice\tafter\n", out


def main():
    global srv
    for name in ("alice", "bob", "carol"):
        PW[name] = random_password()
    with MimpdServer(users=PW) as server:
        srv = server
        run_tests([
            test_send_then_listen,
            test_json_and_escaping,
            test_password_file,
            test_text_from_stdin,
            test_stdin_lines,
            test_debug_output_stays_off_stdout,
            test_no_password_without_terminal,
            test_exit_statuses,
            test_listen_stops_on_sigterm,
        ])


if __name__ == "__main__":
    main()
