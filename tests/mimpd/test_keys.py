"""mimpd's extensions for private chats over raw sockets: FEATURES, the key
directory (KEYS publish, fetch, count: limits, validation, rate limit, a
one-time prekey never handed out twice), and ephemeral messages (only to a
waiting long poll, never stored); a server with --no-extensions answers 501
like a plain one; a plain MIMP 1.0 client is unaffected.

SPDX-License-Identifier: GPL-3.0-or-later
"""

import base64
import json
import os
import socket
import sqlite3
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from mimpdtest import (ERROR, FEATURES, GU, KEYS, SM, MimpdServer, RawClient,  # noqa: E402
                       frame, random_password, run_tests)
from mimp10_client import Mimp10Client  # noqa: E402

USERS = ["alice", "bob", "carol", "dave", "erin", "frank"]
PW = {u: random_password() for u in USERS}
server = None


def login(user, srv=None):
    c = RawClient((srv or server).port)
    c.login(user, PW[user])
    return c


def b64(data):
    return base64.b64encode(data).decode()


def fake_key(tag, n=33):
    """Public test bytes (no secret: the server never checks keys)."""
    return bytes((tag * 7 + i) % 256 for i in range(n))


def bundle(device, ik_tag=1, pks=(), spk_id=1):
    return {
        "device": device,
        "ik": b64(fake_key(ik_tag)),
        "reg": 1000 + device,
        "spk": {"id": spk_id, "key": b64(fake_key(50 + spk_id)), "sig": b64(fake_key(90, 64))},
        "pk": [{"id": i, "key": b64(fake_key(100 + i % 150))} for i in pks],
    }


def expect_usable(c):
    """After an error the connection still answers."""
    body = c.keys("count", device=1)
    assert "left" in body, body


# --- FEATURES -------------------------------------------------------------------

def test_features_lists_extensions():
    c = login("alice")
    feats = c.features()
    assert isinstance(feats, list)
    assert "keys" in feats and "ephemeral" in feats, feats
    c.close()


def test_features_needs_login_and_token():
    c = RawClient(server.port)
    c.send(FEATURES, {"uf": "alice", "token": "x" * 16})
    c.expect_error(401)
    c.login("alice", PW["alice"])
    c.send(FEATURES, {"uf": "alice", "token": "A" * 16})
    c.expect_error(401)
    c.send(FEATURES, {"uf": "bob", "token": c.token})
    c.expect_error(403)
    c.send(FEATURES, b"not json")
    c.expect_error(400)
    assert "keys" in c.features()
    c.close()


# --- KEYS: publish, fetch, count -----------------------------------------------------

def test_publish_fetch_count():
    bob = login("bob")
    r = bob.keys("publish", bundle=bundle(7, pks=range(1, 6)))
    assert r == {"op": "publish", "left": 5}, r
    assert bob.keys("count", device=7) == {"op": "count", "device": 7, "left": 5}
    assert bob.keys("count", device=8)["left"] == 0

    alice = login("alice")
    got = alice.keys("fetch", user="bob")
    assert got["user"] == "bob"
    assert len(got["devices"]) == 1, got
    d = got["devices"][0]
    sent = bundle(7, pks=range(1, 6))
    assert d["device"] == 7 and d["reg"] == 1007
    assert d["ik"] == sent["ik"]
    assert d["spk"] == sent["spk"]
    assert d["pk"] == sent["pk"][0], d["pk"]
    assert bob.keys("count", device=7)["left"] == 4

    # Upper-case names are the same user; ids come lowest first.
    got = alice.keys("fetch", user="BOB")
    assert got["devices"][0]["pk"]["id"] == 2
    alice.close()
    bob.close()


def test_fetch_without_keys_and_unknown_user():
    c = login("carol")
    assert c.keys("fetch", user="dave") == {"op": "fetch", "user": "dave", "devices": []}
    c.keys_request("fetch", user="nobody")
    c.expect_error(404)
    c.keys_request("fetch", user="Not A Name!")
    c.expect_error(404)
    expect_usable(c)
    c.close()


def test_prekeys_run_out_then_null():
    erin = login("erin")
    erin.keys("publish", bundle=bundle(1, ik_tag=3, pks=[10, 11]))
    frank = login("frank")
    ids = [frank.keys("fetch", user="erin")["devices"][0]["pk"] for _ in range(3)]
    assert [p["id"] if p else None for p in ids] == [10, 11, None], ids
    assert erin.keys("count", device=1)["left"] == 0
    frank.close()
    erin.close()


def test_publish_replaces_and_adds():
    c = login("dave")
    assert c.keys("publish", bundle=bundle(1, ik_tag=5, pks=[1, 2, 3]))["left"] == 3
    # Same ik: ids 3 and 4 added (3 replaced), signed prekey replaced.
    b = bundle(1, ik_tag=5, pks=[3, 4], spk_id=2)
    assert c.keys("publish", bundle=b)["left"] == 4
    # A second device.
    assert c.keys("publish", bundle=bundle(2, ik_tag=6, pks=[1]))["left"] == 1
    other = login("carol")
    got = other.keys("fetch", user="dave")["devices"]
    # The device that published last comes first (after a reinstall, the new
    # one before the one left behind).
    assert [d["device"] for d in got] == [2, 1]
    assert got[1]["spk"]["id"] == 2
    # A changed identity key drops the device's old one-time prekeys; the
    # device that published again comes first again.
    assert c.keys("publish", bundle=bundle(1, ik_tag=9, pks=[50]))["left"] == 1
    got = other.keys("fetch", user="dave")["devices"]
    assert [d["device"] for d in got] == [1, 2]
    assert got[0]["pk"]["id"] == 50 and got[0]["ik"] == b64(fake_key(9))
    # Without "pk" only the device keys change.
    b = bundle(1, ik_tag=9)
    del b["pk"]
    assert c.keys("publish", bundle=b)["left"] == 0
    other.close()
    c.close()


def test_limits_413():
    c = login("carol")
    c.keys_request("publish", bundle=bundle(3, pks=range(101)))
    c.expect_error(413)
    for start in (0, 100):
        assert c.keys("publish", bundle=bundle(3, pks=range(start, start + 100)))["left"] == start + 100
    c.keys_request("publish", bundle=bundle(3, pks=[500]))
    c.expect_error(413)
    assert c.keys("count", device=3)["left"] == 200  # all or nothing
    for device in range(4, 11):
        c.keys("publish", bundle=bundle(device))
    # carol has 8 devices now (3..10); an existing one may still change.
    c.keys("publish", bundle=bundle(3, pks=[]))
    c.keys_request("publish", bundle=bundle(11))
    c.expect_error(413)
    expect_usable(c)
    c.close()


def test_malformed_requests():
    c = login("alice")
    good = bundle(1)
    cases = [
        ({"op": "publish"}, 400),
        ({"op": "publish", "bundle": "x"}, 400),
        ({"op": "publish", "bundle": dict(good, device=0)}, 400),
        ({"op": "publish", "bundle": dict(good, device=2 ** 31)}, 400),
        ({"op": "publish", "bundle": dict(good, device="1")}, 400),
        ({"op": "publish", "bundle": dict(good, device=1.5)}, 400),
        ({"op": "publish", "bundle": dict(good, reg=-1)}, 400),
        ({"op": "publish", "bundle": dict(good, reg=2 ** 32)}, 400),
        ({"op": "publish", "bundle": dict(good, ik="not base64!")}, 400),
        ({"op": "publish", "bundle": dict(good, ik="QUJD" + "\n")}, 400),
        ({"op": "publish", "bundle": dict(good, ik="QUJ")}, 400),
        ({"op": "publish", "bundle": dict(good, ik="")}, 400),
        ({"op": "publish", "bundle": dict(good, ik=5)}, 400),
        ({"op": "publish", "bundle": dict(good, ik=b64(bytes(65)))}, 413),
        ({"op": "publish", "bundle": dict(good, ik="A" * 100000)}, 413),
        ({"op": "publish", "bundle": dict(good, spk=None)}, 400),
        ({"op": "publish", "bundle": dict(good, spk=dict(good["spk"], sig=b64(bytes(129))))}, 413),
        ({"op": "publish", "bundle": dict(good, spk=dict(good["spk"], id=-3))}, 400),
        ({"op": "publish", "bundle": dict(good, pk={"id": 1})}, 400),
        ({"op": "publish", "bundle": dict(good, pk=[1, 2])}, 400),
        ({"op": "publish", "bundle": dict(good, pk=[{"id": 1}])}, 400),
        ({"op": "publish", "bundle": dict(good, pk=[{"id": 1, "key": "%%%%"}])}, 400),
        ({"op": "fetch"}, 400),
        ({"op": "fetch", "user": 5}, 400),
        ({"op": "count"}, 400),
        ({"op": "count", "device": -1}, 400),
        ({"op": "count", "device": True}, 400),
        ({"op": "delete"}, 400),
        ({"op": 1}, 400),
        ({}, 400),
    ]
    for fields, code in cases:
        req = {"uf": "alice", "token": c.token}
        req.update(fields)
        c.send(KEYS, req)
        body = c.expect_error(code)
        assert "alice" not in body["error"] and c.token not in body["error"], body
    # Over 64 KiB: refused before parsing (a real publish is under 12 KiB).
    c.send(KEYS, {"uf": "alice", "token": c.token, "op": "count", "device": 1,
                  "pad": "x" * (64 * 1024)})
    c.expect_error(413)
    big = bundle(1, pks=range(100))
    for pk in big["pk"]:
        pk["key"] = b64(bytes(64))
    assert len(json.dumps({"uf": "alice", "token": c.token, "op": "publish",
                           "bundle": big})) < 16 * 1024
    for raw in (b"", b"[]", b"null", b"{", b"\xff\xfe", b'{"uf": "alice\\u0000"}',
                b"[" * 5000 + b"]" * 5000,
                b'{"uf":"alice","token":"%s","op":"publish","bundle":' % c.token.encode() +
                b'{"a":' * 40 + b"1" + b"}" * 40 + b"}"):
        c.send(KEYS, raw)
        c.expect_error(400)
    # Wrong token, wrong user.
    c.send(KEYS, {"uf": "alice", "token": "B" * 16, "op": "count", "device": 1})
    c.expect_error(401)
    c.send(KEYS, {"uf": "bob", "token": c.token, "op": "count", "device": 1})
    c.expect_error(403)
    expect_usable(c)
    # Nothing was stored by any of these.
    assert c.keys("count", device=1)["left"] == 0
    c.close()


def test_keys_before_login_401():
    c = RawClient(server.port)
    c.send(KEYS, {"uf": "alice", "token": "x" * 16, "op": "count", "device": 1})
    c.expect_error(401)
    c.login("alice", PW["alice"])
    expect_usable(c)
    c.close()


# --- a one-time prekey is never handed out twice --------------------------------------

def test_prekey_never_twice_concurrently():
    """Two fetchers on two connections, many rounds: every prekey id once."""
    with MimpdServer(users=PW, args=["--key-fetch-rate", "100000"]) as srv:
        owner = login("bob", srv)
        rounds, per_round = 50, 100
        seen = []
        lock = threading.Lock()
        for r in range(rounds):
            base = r * per_round
            owner.keys("publish", bundle=bundle(1, ik_tag=4, pks=range(base, base + per_round)))
            barrier = threading.Barrier(2)
            errors = []

            def fetcher(user):
                try:
                    c = login(user, srv)
                    barrier.wait()
                    got = []
                    # Pipelined: many requests before reading the replies.
                    for _ in range(60):
                        c.keys_request("fetch", user="bob")
                    for _ in range(60):
                        pid, body = c.recv_json()
                        assert pid == KEYS, body
                        pk = body["devices"][0]["pk"]
                        if pk is not None:
                            got.append(pk["id"])
                    c.close()
                    with lock:
                        seen.extend(got)
                except Exception as e:  # noqa: BLE001
                    errors.append(e)

            threads = [threading.Thread(target=fetcher, args=(u,)) for u in ("alice", "carol")]
            for t in threads:
                t.start()
            for t in threads:
                t.join(60)
            assert not errors, errors
            assert owner.keys("count", device=1)["left"] == 0
        assert len(seen) == rounds * per_round, len(seen)
        assert len(set(seen)) == len(seen), "a one-time prekey was handed out twice"
        owner.close()


def test_fetch_rate_limited():
    with MimpdServer(users=PW, args=["--key-fetch-rate", "5"]) as srv:
        c = login("alice", srv)
        for _ in range(5):
            c.keys("fetch", user="bob")
        c.keys_request("fetch", user="bob")
        c.expect_error(429)
        # Unknown users count too (no free probing), and the limit is per requester.
        c.keys_request("fetch", user="nobody")
        c.expect_error(429)
        other = login("carol", srv)
        other.keys("fetch", user="bob")
        # Other requests still work.
        expect_usable(c)
        other.close()
        c.close()


def test_fetch_rate_default_30_per_minute():
    c = login("erin")  # has fetched nothing before
    codes = []
    for _ in range(31):
        c.keys_request("fetch", user="alice")
    for _ in range(31):
        pid, body = c.recv_json()
        codes.append(200 if pid == KEYS else body["code"])
    assert codes == [200] * 30 + [429], codes
    c.close()


# --- extensions off: 501 like a plain server ----------------------------------------------

def test_no_extensions_501():
    with MimpdServer(users=PW, args=["--no-extensions"]) as srv:
        c = login("alice", srv)
        c.send(FEATURES, {"uf": "alice", "token": c.token})
        c.expect_error(501)
        c.keys_request("count", device=1)
        c.expect_error(501)
        c.send(KEYS, b"\x00garbage")
        c.expect_error(501)
        assert c.gu()["messages"] == []
        c.close()


# --- ephemeral messages ---------------------------------------------------------------------

EPH_TEXT = "?MIMPTYPING:1:active eph-marker-7f3a"


def send_ephemeral(c, to, text):
    c.send(SM, {"uf": c.user, "ut": to, "ms": text, "token": c.token, "ephemeral": True})
    pid, body = c.recv_json()
    assert pid == SM, (hex(pid), body)
    return body


def test_ephemeral_to_waiting_long_poll():
    bob = login("bob")
    bob.features()  # a client that knows the extension
    bob.get_request(ack=0, wait=20)
    time.sleep(0.3)
    alice = login("alice")
    r = send_ephemeral(alice, "bob", EPH_TEXT)
    assert r["delivered"] is True and isinstance(r["ts"], int), r
    pid, body = bob.recv_json()
    assert pid == GU, body
    assert body["more"] is False
    [m] = body["messages"]
    assert m == {"uf": "alice", "ut": "bob", "ms": EPH_TEXT, "ts": r["ts"], "ephemeral": True}, m
    # Not stored: nothing waits for bob afterwards.
    assert bob.gu(ack=0)["messages"] == []
    alice.close()
    bob.close()


def test_ephemeral_dropped_when_nobody_waits():
    alice = login("alice")
    bob = login("bob")
    bob.features()
    assert send_ephemeral(alice, "bob", EPH_TEXT)["delivered"] is False
    assert bob.gu(ack=0)["messages"] == []
    # A long poll started afterwards does not get it either.
    bob.get_request(ack=0, wait=1)
    pid, body = bob.recv_json()
    assert pid == GU and body["messages"] == [], body
    alice.close()
    bob.close()


def test_ephemeral_only_to_clients_that_know_it():
    """A long poll of a connection that never asked FEATURES is not given one."""
    bob = login("bob")
    bob.get_request(ack=0, wait=2)
    time.sleep(0.3)
    alice = login("alice")
    assert send_ephemeral(alice, "bob", EPH_TEXT)["delivered"] is False
    pid, body = bob.recv_json()
    assert pid == GU and body["messages"] == [], body
    alice.close()
    bob.close()


def test_ephemeral_to_every_waiting_device():
    bobs = [login("bob") for _ in range(2)]
    for b in bobs:
        b.features()
        b.get_request(ack=0, wait=20)
    time.sleep(0.3)
    alice = login("alice")
    assert send_ephemeral(alice, "bob", EPH_TEXT)["delivered"] is True
    for b in bobs:
        pid, body = b.recv_json()
        assert pid == GU and body["messages"][0]["ephemeral"] is True, body
        b.close()
    alice.close()


def test_ephemeral_then_stored_message_still_delivered():
    """A stored message after an ephemeral one arrives normally."""
    bob = login("bob")
    bob.features()
    bob.get_request(ack=0, wait=20)
    time.sleep(0.3)
    alice = login("alice")
    send_ephemeral(alice, "bob", EPH_TEXT)
    bob.recv_json()
    alice.sm("bob", "stored hello")
    got = bob.gu(ack=0)
    assert [m["ms"] for m in got["messages"]] == ["stored hello"], got
    assert "ephemeral" not in got["messages"][0]
    bob.gu(ack=got["messages"][-1]["seq"])
    alice.close()
    bob.close()


def test_ephemeral_errors():
    alice = login("alice")
    alice.send(SM, {"uf": "alice", "ut": "nobody", "ms": "x", "token": alice.token,
                    "ephemeral": True})
    alice.expect_error(404)
    alice.send(SM, {"uf": "alice", "ut": "bob", "ms": "x" * (16 * 1024 + 1),
                    "token": alice.token, "ephemeral": True})
    alice.expect_error(413)
    alice.send(SM, {"uf": "alice", "ut": "bob", "ms": "", "token": alice.token,
                    "ephemeral": True})
    alice.expect_error(400)
    alice.send(SM, {"uf": "alice", "ut": "bob", "ms": "x", "token": alice.token,
                    "ephemeral": "yes"})
    alice.expect_error(400)
    alice.send(SM, {"uf": "alice", "ut": "bob", "ms": "x", "token": "C" * 16,
                    "ephemeral": True})
    alice.expect_error(401)
    # "ephemeral": false is an ordinary message.
    r = alice.sm("bob", "ordinary")
    assert "id" in r
    bob = login("bob")
    got = bob.gu(ack=0)["messages"]
    assert [m["ms"] for m in got] == ["ordinary"]
    bob.gu(ack=got[-1]["seq"])
    bob.close()
    alice.close()


def test_ephemeral_rate_limited():
    alice = login("carol")
    codes = []
    for _ in range(25):
        alice.send(SM, {"uf": "carol", "ut": "bob", "ms": "t", "token": alice.token,
                        "ephemeral": True})
    for _ in range(25):
        pid, body = alice.recv_json()
        codes.append(200 if pid == SM else body["code"])
    assert codes.count(200) == 20 and codes[20:] == [429] * 5, codes
    time.sleep(1.1)
    assert "delivered" in send_ephemeral(alice, "bob", "t")
    alice.close()


def test_ephemeral_never_in_database():
    """Nor in the log, even with -v."""
    with MimpdServer(users=PW, args=["-v"]) as srv:
        marker = "ephemeral-secret-6b1d0c"
        bob = login("bob", srv)
        bob.features()
        bob.get_request(ack=0, wait=20)
        time.sleep(0.3)
        alice = login("alice", srv)
        assert send_ephemeral(alice, "bob", marker + "-a")["delivered"] is True
        bob.recv_json()
        assert send_ephemeral(alice, "bob", marker + "-b")["delivered"] is False
        alice.sm("bob", "control-text-5e2f")  # a stored one, to show the check can fail
        alice.close()
        bob.close()
        srv.stop()
        data = b""
        for suffix in ("", "-wal", "-shm"):
            path = srv.database + suffix
            if os.path.exists(path):
                with open(path, "rb") as f:
                    data += f.read()
        assert b"control-text-5e2f" in data
        assert marker.encode() not in data
        log = srv.read_stderr()
        assert "alice" in log  # the log is there, and verbose
        assert marker not in log and "control-text-5e2f" not in log
        db = sqlite3.connect(srv.database)
        rows = db.execute("SELECT count(*) FROM messages WHERE text LIKE ?",
                          ("%" + marker + "%",)).fetchone()
        db.close()
        assert rows == (0,)


def test_ephemeral_ignored_without_extensions():
    """--no-extensions: like a plain server, the field is ignored (stored)."""
    with MimpdServer(users=PW, args=["--no-extensions"]) as srv:
        alice = login("alice", srv)
        r = alice.sm("bob", "plain")
        assert "id" in r
        alice.send(SM, {"uf": "alice", "ut": "bob", "ms": "typed", "token": alice.token,
                        "ephemeral": True})
        pid, body = alice.recv_json()
        assert pid == SM and "id" in body, body
        bob = login("bob", srv)
        assert [m["ms"] for m in bob.gu()["messages"]] == ["plain", "typed"]
        alice.close()
        bob.close()


# --- a plain MIMP 1.0 client is unaffected --------------------------------------------------

def test_plain_client_unaffected():
    owner = login("dave")
    owner.keys("publish", bundle=bundle(1, ik_tag=11, pks=[1]))
    plain = Mimp10Client("127.0.0.1", server.port)
    plain.handshake()
    plain.login("erin", PW["erin"])
    plain.send("dave", "hello from 1.0")
    got = owner.gu(ack=0)["messages"]
    assert got[-1]["ms"] == "hello from 1.0"
    owner.gu(ack=got[-1]["seq"])
    owner.sm("erin", "hello back")
    assert [m["ms"] for m in plain.get_unread()] == ["hello back"]
    plain.close()
    owner.close()


def test_connection_survives_garbage_extension_frames():
    c = login("alice")
    c.send_raw(frame(KEYS, c.xor(b'{"op":' * 3)))
    c.expect_error(400)
    c.send_raw(frame(FEATURES, b""))
    c.expect_error(400)
    assert "keys" in c.features()
    c.close()


def main():
    global server
    with MimpdServer(users=PW) as s:
        server = s
        run_tests([
            test_features_lists_extensions,
            test_features_needs_login_and_token,
            test_publish_fetch_count,
            test_fetch_without_keys_and_unknown_user,
            test_prekeys_run_out_then_null,
            test_publish_replaces_and_adds,
            test_limits_413,
            test_malformed_requests,
            test_keys_before_login_401,
            test_prekey_never_twice_concurrently,
            test_fetch_rate_limited,
            test_no_extensions_501,
            test_ephemeral_to_waiting_long_poll,
            test_ephemeral_dropped_when_nobody_waits,
            test_ephemeral_only_to_clients_that_know_it,
            test_ephemeral_to_every_waiting_device,
            test_ephemeral_then_stored_message_still_delivered,
            test_ephemeral_errors,
            test_ephemeral_rate_limited,
            test_ephemeral_never_in_database,
            test_ephemeral_ignored_without_extensions,
            test_plain_client_unaffected,
            test_connection_survives_garbage_extension_frames,
            test_fetch_rate_default_30_per_minute,
        ])


if __name__ == "__main__":
    main()
