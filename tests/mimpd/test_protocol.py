"""mimpd over raw sockets: handshake, login, every error code, ordering,
long polls, acknowledged and idempotent delivery, paging; and a plain MIMP 1.0
client written only from the source text.

SPDX-License-Identifier: GPL-3.0-or-later
"""

import os
import socket
import sys
import threading
import time
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from mimpdtest import (AH, ERROR, GU, SCH, SM, MimpdServer, RawClient,  # noqa: E402
                       frame, random_password, run_tests)
from mimp10_client import Mimp10Client, Mimp10Error  # noqa: E402

PW = {"alice": random_password(), "bob": random_password(), "carol": random_password()}
server = None


def login(user):
    c = RawClient(server.port)
    c.login(user, PW[user])
    return c


def drain(user):
    """Empties a user's waiting messages (plain GU drops what it returns)."""
    c = login(user)
    while c.gu()["more"]:
        pass
    c.close()


def test_server_speaks_first():
    c = RawClient(server.port, wait_puzzle=False)
    c.sock.settimeout(2.0)
    pid, body = c.recv()
    assert pid == SCH and len(body) == 256
    c.close()


def test_client_asks_first_gets_same_puzzle():
    c = RawClient(server.port)
    first = c.puzzle
    c.send(SCH, b"")
    pid, body = c.recv()
    assert pid == SCH and body == first
    c.send(SCH, b"")
    assert c.recv() == (SCH, first)
    # After login the key cannot change: 400, connection stays usable.
    c.login("alice", PW["alice"])
    c.send(SCH, b"")
    c.expect_error(400)
    c.gu()
    c.close()


def test_puzzles_valid_and_fresh():
    seen = set()
    # From four addresses: 300 connections at once from one would be over
    # the default --accept-burst (200).
    for i in range(300):
        c = from_address("127.0.4.%d" % (1 + i % 4))
        start, offset = c.puzzle[0], c.puzzle[255]
        assert 1 <= start and 1 <= offset and start + 23 * offset <= 254, (start, offset)
        seen.add(c.puzzle)
        c.close()
    assert len(seen) == 300


def test_login_success_and_failure():
    c = RawClient(server.port)
    c.send(AH, {"uf": "alice", "up": "wrong" + PW["alice"]})
    c.expect_error(401)
    c.send(AH, {"uf": "nobody", "up": "x"})
    c.expect_error(401)
    c.send(AH, {"uf": "bad name!", "up": "x"})
    c.expect_error(401)
    token = c.login("ALICE", PW["alice"])  # names are lowercased
    assert len(token) == 16
    c.send(AH, {"uf": "alice", "up": PW["alice"]})
    c.expect_error(400)
    c.close()


def test_401_before_login():
    c = RawClient(server.port)
    c.send(SM, {"uf": "alice", "ut": "bob", "ms": "x", "token": "A" * 16})
    c.expect_error(401)
    c.send(GU, {"uf": "alice", "token": "A" * 16})
    c.expect_error(401)
    c.send(SM, b"not json")
    c.expect_error(401)
    c.login("alice", PW["alice"])
    c.gu()
    c.close()


def test_error_codes():
    drain("bob")
    c = login("alice")
    c.send(SM, b"not json")
    c.expect_error(400)
    c.send(SM, {"uf": "alice", "ut": "bob", "token": c.token})
    c.expect_error(400)
    c.send_message("bob", "")
    c.expect_error(400)
    c.send(SM, {"uf": "alice", "ut": "bob", "ms": 5, "token": c.token})
    c.expect_error(400)
    c.send_message("bob", "x", token="B" * 16)
    c.expect_error(401)
    c.send_message("bob", "x", token=c.token[:15])
    c.expect_error(401)
    c.send_message("bob", "x", uf="carol")
    c.expect_error(403)
    c.send_message("nobody", "x")
    c.expect_error(404)
    c.send_message("bad name!", "x")
    c.expect_error(404)
    c.send_message("bob", "x" * (16 * 1024 + 1))
    c.expect_error(413)
    c.send_message("bob", "é" * (8 * 1024))  # exactly 16 KiB of UTF-8
    assert c.recv_json()[0] == SM
    c.send(0x1234, b"")
    c.expect_error(501)
    c.send(GU, {"uf": "bob", "token": c.token})
    c.expect_error(403)
    # The connection survived every 4xx.
    assert c.sm("bob", "still here")["id"]
    c.send(ERROR, {"code": 1, "error": "x"})
    c.expect_error(400)
    c.expect_closed()
    # Another user's token is no good here, and a token is per connection.
    b = login("bob")
    c2 = login("alice")
    c2.send_message("bob", "x", token=b.token)
    c2.expect_error(401)
    b.close()
    c2.close()
    drain("bob")


def test_429_after_repeated_failures():
    # Ten failures for carol at once (on separate connections, so their
    # growing delays overlap), then the next attempt is refused outright,
    # even with the right password.
    conns = [RawClient(server.port) for _ in range(10)]
    for c in conns:
        c.send(AH, {"uf": "carol", "up": "wrong"})
    for c in conns:
        c.sock.settimeout(30)
        c.expect_error(401)
        c.close()
    c = RawClient(server.port)
    c.send(AH, {"uf": "carol", "up": PW["carol"]})
    c.expect_error(429)
    c.close()
    # Twenty failures from one address (for names that do not exist), and
    # that address is refused for everyone.
    conns = [from_address("127.0.0.3") for _ in range(20)]
    for i, c in enumerate(conns):
        c.send(AH, {"uf": "ghost%d" % i, "up": "wrong"})
    for c in conns:
        c.sock.settimeout(30)
        c.expect_error(401)
        c.close()
    c = from_address("127.0.0.3")
    c.send(AH, {"uf": "alice", "up": PW["alice"]})
    c.expect_error(429)
    c.close()
    # From another address, another user is not affected; carol still is.
    other = from_address("127.0.0.2")
    other.send(AH, {"uf": "carol", "up": PW["carol"]})
    other.expect_error(429)
    other.login("alice", PW["alice"])
    other.close()


def from_address(address):
    sock = socket.socket()
    sock.bind((address, 0))
    sock.settimeout(10)
    sock.connect(("127.0.0.1", server.port))
    return RawClient(server.port, sock=sock)


def test_pipelined_in_order():
    drain("bob")
    c = RawClient(server.port)
    b = login("bob")
    # Everything in one write: login, sends, errors and gets, before reading.
    data = b""
    c.send(AH, {"uf": "alice", "up": PW["alice"]})
    pid, body = c.recv()
    assert pid == AH
    c.token, c.user = body.decode(), "alice"
    reqs = []
    for i in range(50):
        reqs.append((SM, {"uf": "alice", "ut": "bob", "ms": "m%d" % i, "token": c.token}))
        if i % 10 == 3:
            reqs.append((SM, {"uf": "alice", "ut": "nobody", "ms": "x", "token": c.token}))
        if i % 10 == 7:
            reqs.append((0x4242, {}))
    reqs.append((GU, {"uf": "alice", "token": c.token}))
    for pid, obj in reqs:
        import json
        data += frame(pid, c.xor(json.dumps(obj).encode()))
    c.send_raw(data)
    for pid, obj in reqs:
        rpid, body = c.recv_json()
        if pid == SM and obj["ut"] == "bob":
            assert rpid == SM and body["id"], (rpid, body)
        elif pid == SM:
            assert rpid == ERROR and body["code"] == 404
        elif pid == 0x4242:
            assert rpid == ERROR and body["code"] == 501
        else:
            assert rpid == GU
    got = b.gu()
    assert [m["ms"] for m in got["messages"]] == ["m%d" % i for i in range(50)]
    seqs = [m["seq"] for m in got["messages"]]
    assert seqs == sorted(seqs) and len(set(seqs)) == 50
    c.close()
    b.close()


def test_long_poll_woken_by_send():
    drain("bob")
    b = login("bob")
    a = login("alice")
    start = time.monotonic()
    b.get_request(wait=20)
    b.sock.settimeout(0.3)
    try:
        b.recv()
        raise AssertionError("GU with wait answered at once with nothing waiting")
    except socket.timeout:
        pass
    b.sock.settimeout(10)
    a.sm("bob", "wake up")
    pid, body = b.recv_json()
    assert pid == GU and [m["ms"] for m in body["messages"]] == ["wake up"]
    assert time.monotonic() - start < 10
    # A long poll with something waiting answers at once.
    a.sm("bob", "waiting")
    assert [m["ms"] for m in b.gu(wait=20)["messages"]] == ["waiting"]
    # And it ends after its time, empty.
    t = time.monotonic()
    assert b.gu(wait=1)["messages"] == []
    assert 0.8 < time.monotonic() - t < 5
    a.close()
    b.close()


def test_held_get_ended_by_next_request():
    drain("bob")
    b = login("bob")
    t = time.monotonic()
    b.get_request(wait=30)
    b.send(SCH, b"")  # any request: here one that gets an error after login
    pid, body = b.recv_json()
    assert pid == GU and body == {"messages": [], "more": False}, body
    b.expect_error(400)
    assert time.monotonic() - t < 5
    b.close()


def test_ack_and_redelivery():
    drain("bob")
    a = login("alice")
    for i in range(5):
        a.sm("bob", "ack%d" % i)
    b = login("bob")
    got = b.gu(ack=0)["messages"]
    assert [m["ms"] for m in got] == ["ack%d" % i for i in range(5)]
    # Not dropped without an ack: the connection drops, they come again.
    b.close()
    b = login("bob")
    again = b.gu(ack=0)["messages"]
    assert [m["id"] for m in again] == [m["id"] for m in got]
    # ack drops seq <= N, returns the rest without dropping.
    rest = b.gu(ack=got[2]["seq"])["messages"]
    assert [m["ms"] for m in rest] == ["ack3", "ack4"]
    assert [m["ms"] for m in b.gu(ack=got[2]["seq"])["messages"]] == ["ack3", "ack4"]
    assert b.gu(ack=got[4]["seq"])["messages"] == []
    b.close()
    a.close()


def test_idempotent_send():
    drain("bob")
    a = login("alice")
    cid = str(uuid.uuid4())
    first = a.sm("bob", "once", client_id=cid)
    # A retry on another connection (after a lost reply) gets the same reply.
    a.close()
    a = login("alice")
    second = a.sm("bob", "once", client_id=cid)
    assert first == second, (first, second)
    # Two copies in one pipelined write (same commit group): still one.
    cid2 = str(uuid.uuid4())
    a.send_message("bob", "twice", client_id=cid2)
    a.send_message("bob", "twice", client_id=cid2)
    r1, r2 = a.recv_json(), a.recv_json()
    assert r1 == r2 and r1[0] == SM
    # Another sender may use the same client id.
    b = login("bob")
    other = b.sm("alice", "reply", client_id=cid)
    assert other["id"] != first["id"]
    got = b.gu()["messages"]
    assert [m["ms"] for m in got] == ["once", "twice"], got
    assert got[0]["id"] == first["id"] and got[0]["ts"] == first["ts"]
    a.close()
    b.close()
    drain("alice")


def test_paging():
    drain("bob")
    a = login("alice")
    import json
    data = b"".join(frame(SM, a.xor(json.dumps(
        {"uf": "alice", "ut": "bob", "ms": "p%d" % i, "token": a.token}).encode()))
        for i in range(620))
    a.send_raw(data)
    for _ in range(620):
        assert a.recv()[0] == SM
    b = login("bob")
    page = b.gu(ack=0)
    assert len(page["messages"]) == 500 and page["more"] is True
    last = page["messages"][-1]["seq"]
    page2 = b.gu(ack=last)
    assert len(page2["messages"]) == 120 and page2["more"] is False
    assert page2["messages"][0]["ms"] == "p500"
    b.gu(ack=page2["messages"][-1]["seq"])
    # Big messages: the reply stays within the body limit.
    big = "b" * 16000
    for _ in range(80):
        a.send_message("bob", big)
    for _ in range(80):
        assert a.recv()[0] == SM
    b.send(GU, {"uf": "bob", "token": b.token})
    import struct
    hdr = b.recv_exact(10)
    length = struct.unpack("<I", hdr[6:])[0]
    assert length <= 1024 * 1024
    body = json.loads(b.xor(b.recv_exact(length)))
    assert body["more"] is True and 0 < len(body["messages"]) < 80
    n = len(body["messages"])
    rest = b.gu()
    assert len(rest["messages"]) == 80 - n and rest["more"] is False
    a.close()
    b.close()


def test_plain_10_client():
    drain("bob")
    a = Mimp10Client("127.0.0.1", server.port)
    a.handshake()
    a.login("alice", PW["alice"])
    a.send("bob", "from 1.0")
    a.send("bob", "second")
    b = Mimp10Client("127.0.0.1", server.port)
    b.handshake()
    b.login("bob", PW["bob"])
    msgs = b.get_unread()
    assert [(m["uf"], m["ms"]) for m in msgs] == [("alice", "from 1.0"), ("alice", "second")]
    assert b.get_unread() == []  # plain GU dropped them
    try:
        b.send("nobody", "x")
        raise AssertionError("no error for an unknown recipient")
    except Mimp10Error as e:
        assert e.body["code"] == 404
    bad = Mimp10Client("127.0.0.1", server.port)
    bad.handshake()
    try:
        bad.login("alice", "wrong")
        raise AssertionError("wrong password accepted")
    except Mimp10Error as e:
        assert e.body["code"] == 401
    for c in (a, b, bad):
        c.close()


def test_concurrent_senders():
    drain("bob")
    errors = []

    def worker(n):
        try:
            c = login("alice")
            for i in range(40):
                c.send_message("bob", "w%d-%d" % (n, i))
            for i in range(40):
                assert c.recv()[0] == SM
            c.close()
        except Exception as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    b = login("bob")
    seen = []
    while True:
        page = b.gu()
        seen += [m["ms"] for m in page["messages"]]
        if not page["more"]:
            break
    assert sorted(seen) == sorted("w%d-%d" % (n, i) for n in range(10) for i in range(40))
    for n in range(10):
        mine = [s for s in seen if s.startswith("w%d-" % n)]
        assert mine == ["w%d-%d" % (n, i) for i in range(40)]
    b.close()


def main():
    global server
    with MimpdServer(users=PW) as s:
        server = s
        run_tests([
            test_server_speaks_first,
            test_client_asks_first_gets_same_puzzle,
            test_puzzles_valid_and_fresh,
            test_login_success_and_failure,
            test_401_before_login,
            test_error_codes,
            test_pipelined_in_order,
            test_long_poll_woken_by_send,
            test_held_get_ended_by_next_request,
            test_ack_and_redelivery,
            test_idempotent_send,
            test_paging,
            test_plain_10_client,
            test_concurrent_senders,
            test_429_after_repeated_failures,
        ])


if __name__ == "__main__":
    main()
