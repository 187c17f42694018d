"""The PUSH extension (docs/protocols/mimp.md, section 14) over raw sockets:
detection, pushed messages interleaved with replies that keep their order,
acknowledgement without a reply, re-push after a reconnect, backpressure on a
client that stops reading, ephemeral messages, bad ACKs, and plain 1.0
connections that see nothing of it.

SPDX-License-Identifier: GPL-3.0-or-later
"""

import os
import socket
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from mimpdtest import (ACK, DELIVER, FEATURES, GU, PUSH, SM, MimpdServer,  # noqa: E402
                       RawClient, random_password, run_tests)

PW = {name: random_password() for name in ("alice", "bob", "carol", "dave", "erin")}
server = None


def login(user):
    c = RawClient(server.port)
    c.login(user, PW[user])
    return c


def drain_acked(user):
    """Acknowledges everything waiting for a user (GU with ack)."""
    c = login(user)
    last = 0
    while True:
        body = c.gu(ack=last)
        if not body["messages"]:
            break
        last = body["messages"][-1]["seq"]
    c.gu(ack=last)
    c.close()


def collect(c, delivered, count, timeout=10.0):
    """Reads DELIVER packets until count messages arrived in all."""
    c.sock.settimeout(timeout)
    while len(delivered) < count:
        pid, body = c.recv_json()
        assert pid == DELIVER, (hex(pid), body)
        assert isinstance(body["messages"], list) and body["messages"], body
        delivered.extend(body["messages"])
    return delivered


def test_features_lists_push():
    c = login("alice")
    assert "push" in c.features()
    c.close()


def test_pushed_after_commit_with_seq_and_id():
    drain_acked("bob")
    bob = login("bob")
    bob.push()
    alice = login("alice")
    sent = [alice.sm("bob", "hello %d" % i) for i in range(3)]
    got = collect(bob, [], 3)
    assert [m["ms"] for m in got] == ["hello 0", "hello 1", "hello 2"]
    assert [m["id"] for m in got] == [s["id"] for s in sent]
    assert all(m["uf"] == "alice" and m["ut"] == "bob" for m in got)
    seqs = [m["seq"] for m in got]
    assert seqs == sorted(seqs) and len(set(seqs)) == 3
    bob.ack(seqs[-1])
    bob.close()
    alice.close()


def test_replies_keep_order_between_pushes():
    """Requests pipelined on a push connection while messages are pushed to
    it: every reply comes, in request order; the DELIVERs fall between."""
    drain_acked("bob")
    bob = login("bob")
    bob.push()
    alice = login("alice")
    for i in range(50):
        alice.send_message("bob", "m%d" % i)
    delivered = []
    # 30 requests of four kinds, sent at once while the messages arrive.
    kinds = []
    for i in range(30):
        kind = (FEATURES, SM, GU, 0x7777)[i % 4]
        kinds.append(kind)
        if kind == FEATURES:
            bob.send(FEATURES, {"uf": "bob", "token": bob.token})
        elif kind == SM:
            bob.send_message("carol", "r%d" % i)
        elif kind == GU:
            bob.send(GU, {"uf": "bob", "token": bob.token, "ack": 0})
        else:
            bob.send(0x7777, b"")
    for kind in kinds:
        pid, body = bob.recv_reply(delivered)
        expected = 0xBEEF if kind == 0x7777 else kind
        assert pid == expected, (hex(pid), hex(kind), body)
        if kind == 0x7777:
            assert body["code"] == 501
    for _ in range(50):
        pid, body = alice.recv_json()
        assert pid == SM, (hex(pid), body)
    collect(bob, delivered, 50)
    assert [m["ms"] for m in delivered] == ["m%d" % i for i in range(50)]
    bob.ack(delivered[-1]["seq"])
    bob.close()
    alice.close()
    drain_acked("carol")


def test_ack_has_no_reply_and_unacked_come_again():
    drain_acked("bob")
    alice = login("alice")
    for i in range(10):
        alice.sm("bob", "a%d" % i)
    bob = login("bob")
    bob.push()
    got = collect(bob, [], 10)
    assert [m["ms"] for m in got] == ["a%d" % i for i in range(10)]
    # Acknowledge the first four: no reply; the next reply is FEATURES'.
    bob.ack(got[3]["seq"])
    bob.send(FEATURES, {"uf": "bob", "token": bob.token})
    pid, body = bob.recv_json()
    assert pid == FEATURES, (hex(pid), body)
    bob.close()
    # A new connection gets the six unacknowledged ones again, same ids.
    bob = login("bob")
    bob.push()
    again = collect(bob, [], 6)
    assert [m["id"] for m in again] == [m["id"] for m in got[4:]]
    # The ack carried on PUSH itself drops them before pushing.
    bob.close()
    bob = login("bob")
    bob.push(ack=got[7]["seq"])
    last = collect(bob, [], 2)
    assert [m["id"] for m in last] == [m["id"] for m in got[8:]]
    bob.ack(got[9]["seq"])
    # Acknowledged means gone: a GU sees nothing.
    assert bob.gu(ack=0)["messages"] == []
    bob.close()
    alice.close()


def test_second_push_is_a_keepalive():
    """PUSH again on a push connection (MimpClientSession's keepalive):
    answered, acknowledges, and pushes nothing a second time."""
    drain_acked("bob")
    bob = login("bob")
    bob.push()
    alice = login("alice")
    alice.sm("bob", "k1")
    alice.sm("bob", "k2")
    got = collect(bob, [], 2)
    bob.send(PUSH, {"uf": "bob", "token": bob.token, "ack": got[0]["seq"]})
    delivered = []
    pid, body = bob.recv_reply(delivered)
    assert (pid, body, delivered) == (PUSH, {"push": True}, []), (hex(pid), body, delivered)
    alice.sm("bob", "k3")
    assert [m["ms"] for m in collect(bob, [], 1)] == ["k3"]
    bob.close()
    # The second PUSH acknowledged k1 only.
    bob = login("bob")
    bob.push()
    assert [m["ms"] for m in collect(bob, [], 2)] == ["k2", "k3"]
    bob.close()
    alice.close()
    drain_acked("bob")


def test_bad_ack_closes_with_error():
    bob = login("bob")
    bob.ack(1)  # before PUSH
    bob.expect_error(400)
    bob.expect_closed()
    bob = login("bob")
    bob.push()
    bob.send(ACK, {"uf": "bob", "token": "A" * 16, "ack": 1})
    bob.expect_error(401)
    bob.expect_closed()
    bob = login("bob")
    bob.push()
    bob.send(ACK, {"uf": "alice", "token": bob.token, "ack": 1})
    bob.expect_error(403)
    bob.expect_closed()
    bob = login("bob")
    bob.push()
    bob.send(ACK, b"{not json")
    bob.expect_error(400)
    bob.expect_closed()
    bob = login("bob")
    bob.push()
    bob.send(ACK, {"uf": "bob", "token": bob.token})
    bob.expect_error(400)
    bob.expect_closed()


def test_push_errors_and_before_login():
    c = RawClient(server.port)
    c.send(PUSH, {"uf": "bob", "token": "x"})
    c.expect_error(401)
    c.login("bob", PW["bob"])
    c.send(PUSH, {"uf": "alice", "token": c.token})
    c.expect_error(403)
    c.send(PUSH, b"[1,2]")
    c.expect_error(400)
    c.push()  # still usable
    c.close()


def test_two_push_connections_both_get_it():
    drain_acked("bob")
    b1, b2 = login("bob"), login("bob")
    b1.push()
    b2.push()
    alice = login("alice")
    sent = alice.sm("bob", "to both")
    for b in (b1, b2):
        got = collect(b, [], 1)
        assert got[0]["id"] == sent["id"]
    b1.ack(got[0]["seq"])
    b1.close()
    b2.close()
    alice.close()


def test_ephemeral_pushed():
    bob = login("bob")
    bob.push()
    alice = login("alice")
    alice.features()
    alice.send(SM, {"uf": "alice", "ut": "bob", "ms": "?MIMPTYPING:1:active",
                    "token": alice.token, "ephemeral": True})
    pid, body = alice.recv_json()
    assert pid == SM and body["delivered"] is True, body
    got = collect(bob, [], 1)
    assert got[0]["ephemeral"] is True and "seq" not in got[0] and "id" not in got[0]
    assert got[0]["ms"] == "?MIMPTYPING:1:active"
    bob.close()
    alice.close()


def test_backpressure_reader_that_stops():
    """dave turns push on and stops reading while 3,000 messages of 8 KiB
    (24 MiB) arrive: mimpd's memory stays bounded, then dave reads them all,
    in order, each once."""
    drain_acked("dave")
    dave = login("dave")
    dave.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)
    dave.push()
    rss_before = server.rss_kib()
    alice = login("alice")
    n, text = 3000, "x" * 8192
    window = 100
    for i in range(n):
        alice.send_message("dave", "%05d" % i + text)
        if i >= window:
            pid, body = alice.recv_json()
            assert pid == SM, (hex(pid), body)
    for _ in range(window):
        pid, body = alice.recv_json()
        assert pid == SM, (hex(pid), body)
    grown = server.rss_kib() - rss_before
    # Unbounded buffering would be about 24 MiB; the threshold is 64 KiB.
    # Under AddressSanitizer (tests/sanitize) its quarantine of freed memory
    # alone grows RSS by hundreds of MiB: only the delivery is checked there.
    if "ASAN_OPTIONS" not in os.environ:
        assert grown < 12 * 1024, "mimpd grew by %d KiB for a reader that stopped" % grown
    got = collect(dave, [], n, timeout=30)
    assert [m["ms"][:5] for m in got] == ["%05d" % i for i in range(n)]
    dave.ack(got[-1]["seq"])
    assert dave.gu(ack=0)["messages"] == []
    dave.close()
    alice.close()


def test_plain_connection_sees_nothing_of_push():
    """A 1.0 connection of a user who also has a push connection: only
    replies to its own requests, exactly as 1.0, and GU still finds the
    messages (they stay until acknowledged)."""
    drain_acked("erin")
    pushed = login("erin")
    pushed.push()
    plain = login("erin")
    alice = login("alice")
    alice.sm("erin", "one")
    collect(pushed, [], 1)
    # Pipelined plain requests: exactly their replies, byte for byte.
    plain.send(GU, {"uf": "erin", "token": plain.token, "ack": 0})
    plain.send(0x7777, b"")
    plain.send(SM, {"uf": "erin", "ut": "nobody", "ms": "x", "token": plain.token})
    pid, body = plain.recv()
    assert pid == GU, hex(pid)
    assert body.startswith(b'{"messages":[{"id":"') and body.endswith(b'}],"more":false}'), body
    pid, body = plain.recv()
    assert (pid, body) == (0xBEEF, b'{"code":501,"error":"Unknown packet id"}'), (pid, body)
    pid, body = plain.recv()
    assert (pid, body) == (0xBEEF, b'{"code":404,"error":"No such user"}'), (pid, body)
    plain.sock.settimeout(0.5)
    try:
        extra = plain.sock.recv(1)
    except socket.timeout:
        extra = None
    assert extra is None, "a plain connection got an unasked packet"
    pushed.close()
    plain.close()
    alice.close()
    drain_acked("erin")


def test_no_extensions_answers_501():
    with MimpdServer(users={"bob": PW["bob"]}, args=["--no-extensions"]) as plain:
        c = RawClient(plain.port)
        c.login("bob", PW["bob"])
        c.send(PUSH, {"uf": "bob", "token": c.token})
        c.expect_error(501)
        c.send(ACK, {"uf": "bob", "token": c.token, "ack": 1})
        c.expect_error(501)
        assert c.gu()["messages"] == []
        c.close()


def main():
    global server
    with MimpdServer(users=PW) as s:
        server = s
        run_tests([
            test_features_lists_push,
            test_pushed_after_commit_with_seq_and_id,
            test_replies_keep_order_between_pushes,
            test_ack_has_no_reply_and_unacked_come_again,
            test_second_push_is_a_keepalive,
            test_bad_ack_closes_with_error,
            test_push_errors_and_before_login,
            test_two_push_connections_both_get_it,
            test_ephemeral_pushed,
            test_backpressure_reader_that_stops,
            test_plain_connection_sees_nothing_of_push,
            test_no_extensions_answers_501,
        ])


if __name__ == "__main__":
    main()
