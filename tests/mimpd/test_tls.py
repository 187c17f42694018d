"""mimps: the same protocol inside TLS, with a self-signed certificate
generated here (certtool, gnutls-bin).

SPDX-License-Identifier: GPL-3.0-or-later
"""

import os
import socket
import ssl
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from mimpdtest import MimpdServer, RawClient, random_password, run_tests  # noqa: E402

PW = {"alice": random_password(), "bob": random_password()}
state = {}


def make_cert(d):
    key, cert, tmpl = (os.path.join(d, n) for n in ("key.pem", "cert.pem", "cert.cfg"))
    with open(tmpl, "w") as f:
        f.write("cn = localhost\ndns_name = localhost\nip_address = 127.0.0.1\n"
                "expiration_days = 2\ntls_www_server\nsigning_key\nencryption_key\n")
    subprocess.run(["certtool", "--generate-privkey", "--key-type=ecdsa", "--outfile", key],
                   check=True, capture_output=True, timeout=60)
    subprocess.run(["certtool", "--generate-self-signed", "--load-privkey", key,
                    "--template", tmpl, "--outfile", cert],
                   check=True, capture_output=True, timeout=60)
    return cert, key


def tls_client(port, cafile, user):
    ctx = ssl.create_default_context(cafile=cafile)
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    tls = ctx.wrap_socket(sock, server_hostname="localhost")
    c = RawClient(port, sock=tls)
    c.login(user, PW[user])
    return c


def test_tls_login_send_receive():
    s = state["server"]
    assert s.tls_port and s.tls_port != s.port
    a = tls_client(s.tls_port, state["cert"], "alice")
    assert a.sock.version() in ("TLSv1.2", "TLSv1.3")
    a.sm("bob", "over tls")
    # Plain and TLS clients share one server.
    b = RawClient(s.port)
    b.login("bob", PW["bob"])
    assert [m["ms"] for m in b.gu()["messages"]] == ["over tls"]
    b.close()
    # A long poll over TLS is woken by a plain sender.
    bt = tls_client(s.tls_port, state["cert"], "bob")
    bt.get_request(wait=20)
    p = RawClient(s.port)
    p.login("alice", PW["alice"])
    p.sm("bob", "wake")
    pid, body = bt.recv_json()
    assert [m["ms"] for m in body["messages"]] == ["wake"]
    for c in (a, bt, p):
        c.close()


def test_untrusted_and_garbage():
    s = state["server"]
    ctx = ssl.create_default_context()  # system trust only: must fail
    sock = socket.create_connection(("127.0.0.1", s.tls_port), timeout=10)
    try:
        ctx.wrap_socket(sock, server_hostname="localhost")
        raise AssertionError("self-signed certificate accepted")
    except ssl.SSLCertVerificationError:
        pass
    finally:
        sock.close()
    # Plain MIMP on the TLS port: the handshake fails, the server stays up.
    sock = socket.create_connection(("127.0.0.1", s.tls_port), timeout=10)
    sock.sendall(b"\x0b\xb0\x01\x00\x0f\xa0\x02\x00\x00\x00{}")
    sock.settimeout(10)
    try:
        while sock.recv(4096):
            pass
    except (ConnectionResetError, socket.timeout):
        pass
    sock.close()
    a = tls_client(s.tls_port, state["cert"], "alice")
    a.close()


def main():
    d = tempfile.mkdtemp(prefix="mimpd-tls-")
    cert, key = make_cert(d)
    state["cert"] = cert
    with MimpdServer(users=PW, tls=(cert, key)) as s:
        state["server"] = s
        run_tests([test_tls_login_send_receive, test_untrusted_and_garbage])
    import shutil
    shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    main()
