"""Secrets (docs/hardening.md): an end-to-end run with all debug logging on, whose
captured logs, standard output and error, databases and files are searched
for the run's passwords, token and message texts; and TLS: the minimum
version on both sides, and the client's certificate checks.

Where a secret may appear (everything else is a failure):
  - passwords: nowhere (the database holds Argon2id hashes; mimp-cli reads
    the password from MIMP_PASSWORD or a file, never from argv);
  - the session token: nowhere (it lives in memory only);
  - message text: in the recipient's output (mimp-cli listen prints it), in
    the sender's argv (mimp-cli send TEXT, by design), and in mimpd's
    database while the message waits. Once acknowledged it is overwritten
    (secure_delete); page images in the write-ahead log keep it until the
    WAL is checkpointed and reused (at the latest when mimpd stops).

SPDX-License-Identifier: GPL-3.0-or-later
"""

import json
import os
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from mimpdtest import (AH, ERROR, SCH, MimpdServer, RawClient, frame,  # noqa: E402
                       random_password, run_tests)


def cli_binary():
    return os.environ["MIMP_CLI"]


def make_cert(d):
    key, cert, tmpl = (os.path.join(d, n) for n in ("key.pem", "cert.pem", "cert.cfg"))
    with open(tmpl, "w") as f:
        f.write("cn = localhost\nexpiration_days = 2\ntls_www_server\nsigning_key\n"
                "encryption_key\ndns_name = localhost\nip_address = 127.0.0.1\n")
    subprocess.run(["certtool", "--generate-privkey", "--key-type=ecdsa", "--outfile", key],
                   check=True, capture_output=True)
    subprocess.run(["certtool", "--generate-self-signed", "--load-privkey", key,
                    "--template", tmpl, "--outfile", cert], check=True, capture_output=True)
    return cert, key


def fingerprint(cert_file):
    der = ssl.PEM_cert_to_DER_cert(open(cert_file).read())
    import hashlib
    h = hashlib.sha256(der).hexdigest().upper()
    return ":".join(h[i:i + 2] for i in range(0, len(h), 2))


def files_under(*roots):
    for root in roots:
        for dirpath, _, names in os.walk(root):
            for n in names:
                yield os.path.join(dirpath, n)


def find(needle, haystacks):
    """Names of the haystacks (name -> bytes) that contain needle."""
    b = needle.encode()
    return [name for name, data in haystacks.items() if b in data]


def test_no_secrets_anywhere():
    tmp = tempfile.mkdtemp(prefix="mimp-secrets-")
    home = os.path.join(tmp, "home")
    for d in ("home", "data", "config", "cache", "runtime"):
        os.makedirs(os.path.join(tmp, d), mode=0o700)
    env = dict(os.environ, HOME=home, XDG_DATA_HOME=os.path.join(tmp, "data"),
               XDG_CONFIG_HOME=os.path.join(tmp, "config"),
               XDG_CACHE_HOME=os.path.join(tmp, "cache"),
               XDG_RUNTIME_DIR=os.path.join(tmp, "runtime"), G_MESSAGES_DEBUG="all")
    pw = {"alice": random_password(), "bob": random_password()}
    texts = ["secret text %s" % random_password() for _ in range(3)]
    cert, key = make_cert(tmp)
    outputs = {}  # name -> bytes
    server = MimpdServer(users=pw, args=["-v"], tmpdir=os.path.join(tmp, "server"),
                         tls=(cert, key))
    os.makedirs(server.tmpdir)
    server.env.update(G_MESSAGES_DEBUG="all")
    token = None
    try:
        server.start()

        def cli(name, user, *args, tls=False):
            e = dict(env, MIMP_PASSWORD=pw[user])
            port = server.tls_port if tls else server.port
            argv = [cli_binary(), "--server", "127.0.0.1:%d" % port, "--user", user]
            if tls:
                argv += ["--tls", "--accept-certificate", fingerprint(cert)]
            p = subprocess.run(argv + list(args), env=e, capture_output=True, timeout=60)
            outputs[name + ".stdout"] = p.stdout
            outputs[name + ".stderr"] = p.stderr
            assert p.returncode == 0, (name, p.returncode, p.stderr.decode())
            return p

        # A listener running while we look at its command line.
        e = dict(env, MIMP_PASSWORD=pw["bob"])
        listen = subprocess.Popen([cli_binary(), "--server", "127.0.0.1:%d" % server.port,
                                   "--user", "bob", "listen", "--json", "--count", "3"],
                                  env=e, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        time.sleep(0.5)
        with open("/proc/%d/cmdline" % listen.pid, "rb") as f:
            outputs["listen.cmdline"] = f.read()
        with open("/proc/%d/cmdline" % server.pid, "rb") as f:
            outputs["mimpd.cmdline"] = f.read()

        cli("send-plain", "alice", "send", "bob", texts[0])
        cli("send-tls", "alice", "send", "bob", texts[1], tls=True)
        # A raw client: the token it gets must not appear anywhere either.
        c = RawClient(server.port)
        token = c.login("alice", pw["alice"])
        assert c.sm("bob", texts[2])["id"]
        c.gu()
        c.close()
        out, err = listen.communicate(timeout=60)
        outputs["listen.stdout"], outputs["listen.stderr"] = out, err
        assert listen.returncode == 0, err.decode()
        # GLib writes debug messages to standard output, among the JSON.
        got = [json.loads(line)["text"] for line in out.decode().splitlines()
               if line.startswith("{")]
        assert sorted(got) == sorted(texts), got
        status = server.stop()
        assert status == 0, server.read_stderr()
    finally:
        server.kill()

    with open(server.stderr_path, "rb") as f:
        outputs["mimpd.stderr"] = f.read()
    for path in files_under(tmp):
        with open(path, "rb") as f:
            outputs[os.path.relpath(path, tmp)] = f.read()

    # The debug logs were really on: the run logged something.
    assert b"DEBUG" in outputs["mimpd.stderr"], "mimpd -v logged no debug message"
    assert b"DEBUG" in outputs["send-tls.stdout"] + outputs["send-tls.stderr"], \
        "G_MESSAGES_DEBUG=all logged nothing"

    problems = []
    for user, p in pw.items():
        for where in find(p, outputs):
            problems.append("%s's password in %s" % (user, where))
    for where in find(token, outputs):
        problems.append("the token in %s" % where)
    allowed = {"listen.stdout"}
    for t in texts:
        for where in find(t, outputs):
            if where not in allowed:
                problems.append("message text in %s" % where)
    print("searched %d captures (%d bytes) for 2 passwords, 1 token, %d texts"
          % (len(outputs), sum(len(v) for v in outputs.values()), len(texts)))
    shutil.rmtree(tmp, ignore_errors=True)
    assert not problems, problems


def test_text_in_database_only_while_waiting():
    pw = {"alice": random_password(), "bob": random_password()}
    texts = ["waiting text %02d %s" % (i, random_password()) for i in range(20)]
    with MimpdServer(users=pw) as server:
        a = RawClient(server.port)
        a.login("alice", pw["alice"])
        for i, text in enumerate(texts):
            a.sm("bob", text, client_id="c%d" % i)

        def db_bytes():
            data = b""
            for suffix in ("", "-wal", "-shm"):
                try:
                    with open(server.database + suffix, "rb") as f:
                        data += f.read()
                except OSError:
                    pass
            return data

        assert all(t.encode() in db_bytes() for t in texts), "a waiting message is not stored"
        b = RawClient(server.port)
        b.login("bob", pw["bob"])
        msgs = b.gu(ack=0)["messages"]
        assert [m["ms"] for m in msgs] == texts
        # Acknowledge the first half: those are dropped, the rest wait.
        b.gu(ack=msgs[9]["seq"])
        a.close()
        b.close()
        # The WAL keeps the page images written while the messages waited
        # until it is checkpointed and reused; stopping checkpoints it.
        assert server.stop() == 0
        data = db_bytes()
        kept = [t for t in texts[:10] if t.encode() in data]
        assert not kept, "%d acknowledged texts still in the database files" % len(kept)
        assert all(t.encode() in data for t in texts[10:]), "a waiting message was lost"


def tls_hello(port, max_version):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
    ctx.minimum_version = ssl.TLSVersion.TLSv1
    ctx.maximum_version = max_version
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        with ctx.wrap_socket(s) as t:
            return t.version()


def test_server_tls_minimum_version():
    tmp = tempfile.mkdtemp(prefix="mimp-tls-")
    try:
        cert, key = make_cert(tmp)
        with MimpdServer(users={"alice": random_password()}, tls=(cert, key)) as server:
            # Control: this Python can speak TLS 1.2 to it ...
            assert tls_hello(server.tls_port, ssl.TLSVersion.TLSv1_2) == "TLSv1.2"
            # ... and mimpd refuses 1.1 and 1.0.
            for old in (ssl.TLSVersion.TLSv1_1, ssl.TLSVersion.TLSv1):
                try:
                    v = tls_hello(server.tls_port, old)
                except (ssl.SSLError, ConnectionError, OSError):
                    continue
                raise AssertionError("mimpd accepted %s" % v)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


class OldTlsPeer:
    """A TLS server limited to max_version that speaks just enough MIMP: the
    puzzle, then 401 to the login."""

    def __init__(self, cert, key, max_version):
        self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.ctx.load_cert_chain(cert, key)
        self.ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
        self.ctx.minimum_version = ssl.TLSVersion.TLSv1
        self.ctx.maximum_version = max_version
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(4)
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while True:
            try:
                raw, _ = self.sock.accept()
            except OSError:
                return
            try:
                t = self.ctx.wrap_socket(raw, server_side=True)
                puzzle = bytearray(os.urandom(256))
                puzzle[0], puzzle[255] = 1, 1
                t.sendall(frame(SCH, bytes(puzzle)))
                t.settimeout(5)
                t.recv(65536)
                key = bytes(puzzle[1 + i] for i in range(24))
                body = json.dumps({"code": 401, "error": "no"}).encode()
                t.sendall(frame(ERROR, bytes(b ^ key[i % 24] for i, b in enumerate(body))))
                t.close()
            except (ssl.SSLError, OSError):
                raw.close()

    def close(self):
        self.sock.close()


def test_client_tls_checks():
    tmp = tempfile.mkdtemp(prefix="mimp-tls-")
    try:
        cert, key = make_cert(tmp)
        fp = fingerprint(cert)
        env = dict(os.environ, MIMP_PASSWORD="x")

        def cli(port, *extra):
            return subprocess.run([cli_binary(), "--server", "127.0.0.1:%d" % port, "--user",
                                   "alice", "--tls", *extra, "send", "bob", "hi"],
                                  env=env, capture_output=True, timeout=60)

        good = OldTlsPeer(cert, key, ssl.TLSVersion.TLSv1_2)
        old = OldTlsPeer(cert, key, ssl.TLSVersion.TLSv1_1)
        try:
            # Untrusted certificate: refused, fingerprint shown.
            r = cli(good.port)
            assert r.returncode == 3 and fp in r.stderr.decode(), r.stderr
            # Another fingerprint accepted: still refused.
            r = cli(good.port, "--accept-certificate", "00:" * 31 + "00")
            assert r.returncode == 3, r.stderr
            # The right one: the TLS part succeeds, the peer refuses the login.
            r = cli(good.port, "--accept-certificate", fp)
            assert r.returncode == 4, (r.returncode, r.stderr)
            # TLS 1.1 only: refused although the certificate is accepted.
            r = cli(old.port, "--accept-certificate", fp)
            assert r.returncode == 3, (r.returncode, r.stderr)
        finally:
            good.close()
            old.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    run_tests([
        test_no_secrets_anywhere,
        test_text_in_database_only_while_waiting,
        test_server_tls_minimum_version,
        test_client_tls_checks,
    ])
