"""Nothing acknowledged is lost: messages whose SM reply was received
survive `kill -9` of mimpd; SIGTERM answers what is owed, exits 0, loses
nothing.

SPDX-License-Identifier: GPL-3.0-or-later
"""

import json
import os
import socket
import sys
import threading

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from mimpdtest import (SM, MimpdServer, RawClient, frame, random_password,  # noqa: E402
                       run_tests)

PW = {"alice": random_password(), "bob": random_password()}


def fetch_all(port):
    b = RawClient(port)
    b.login("bob", PW["bob"])
    out = []
    while True:
        page = b.gu()
        out += page["messages"]
        if not page["more"]:
            break
    b.close()
    return out


def send_until_killed(server, n_threads=4):
    """Senders pipeline messages and record every acknowledged one, while
    the server is killed under them."""
    acked = []
    lock = threading.Lock()
    started = threading.Barrier(n_threads + 1)

    def worker(k):
        c = RawClient(server.port)
        c.login("alice", PW["alice"])
        started.wait()
        i = 0
        try:
            while True:
                batch = []
                for _ in range(20):
                    text = "t%d-%d" % (k, i)
                    i += 1
                    batch.append(text)
                c.send_raw(b"".join(frame(SM, c.xor(json.dumps(
                    {"uf": "alice", "ut": "bob", "ms": t, "token": c.token}).encode()))
                    for t in batch))
                for t in batch:
                    pid, body = c.recv_json()
                    assert pid == SM
                    with lock:
                        acked.append((t, body["id"]))
        except (ConnectionError, OSError, AssertionError, ValueError):
            pass

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(n_threads)]
    for t in threads:
        t.start()
    started.wait()
    return threads, acked, lock


def test_kill9_keeps_acknowledged():
    s = MimpdServer(users=PW)
    s.start()
    try:
        threads, acked, lock = send_until_killed(s)
        import time
        deadline = time.monotonic() + 10
        while len(acked) < 300 and time.monotonic() < deadline:
            time.sleep(0.01)
        s.kill()  # SIGKILL, mid-stream
        for t in threads:
            t.join(10)
        with lock:
            sent = list(acked)
        assert len(sent) >= 300, len(sent)
        s.start()
        got = fetch_all(s.port)
        ids = {m["id"] for m in got}
        missing = [t for t, i in sent if i not in ids]
        assert not missing, "%d acknowledged messages lost, e.g. %s" % (len(missing), missing[:5])
        assert len(ids) == len(got)  # no duplicates
        assert s.stop() == 0
    finally:
        s.kill()
        import shutil
        shutil.rmtree(s.tmpdir, ignore_errors=True)


def test_sigterm_clean_and_complete():
    s = MimpdServer(users=PW)
    s.start()
    try:
        threads, acked, lock = send_until_killed(s)
        # A long poll is open too: SIGTERM must answer it, not hang on it.
        b = RawClient(s.port)
        b.login("bob", PW["bob"])
        import time
        deadline = time.monotonic() + 10
        while len(acked) < 300 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert s.stop() == 0, s.read_stderr()
        for t in threads:
            t.join(10)
        b.close()
        with lock:
            sent = list(acked)
        s.start()
        got = fetch_all(s.port)
        ids = {m["id"] for m in got}
        assert all(i in ids for _, i in sent)
        assert s.stop() == 0
    finally:
        s.kill()
        import shutil
        shutil.rmtree(s.tmpdir, ignore_errors=True)


def test_sigterm_answers_held_poll():
    with MimpdServer(users=PW) as s:
        b = RawClient(s.port)
        b.login("bob", PW["bob"])
        b.get_request(wait=60)
        import time
        time.sleep(0.2)
        t = time.monotonic()
        s.proc.send_signal(15)
        pid, body = b.recv_json()
        assert body == {"messages": [], "more": False}, body
        b.expect_closed()
        assert s.proc.wait(10) == 0
        assert time.monotonic() - t < 5
        s.proc = s.proc  # __exit__ stops it (already exited)


def test_idempotent_across_restart():
    with MimpdServer(users=PW) as s:
        a = RawClient(s.port)
        a.login("alice", PW["alice"])
        first = a.sm("bob", "restart-once", client_id="c7e1c1a2-0000-4000-8000-000000000001")
        a.close()
        s.kill()
        s.start()
        a = RawClient(s.port)
        a.login("alice", PW["alice"])
        again = a.sm("bob", "restart-once", client_id="c7e1c1a2-0000-4000-8000-000000000001")
        assert first == again
        a.close()
        got = [m for m in fetch_all(s.port) if m["ms"] == "restart-once"]
        assert len(got) == 1


def main():
    run_tests([test_kill9_keeps_acknowledged, test_sigterm_clean_and_complete,
               test_sigterm_answers_held_poll, test_idempotent_across_restart])


if __name__ == "__main__":
    main()
