"""A hostile MIMP relay for tests: a man in the middle on loopback between
clients and a real mimpd.

It terminates the MIMP handshake on both sides: to a client it is a server
(its own key puzzle, so it reads every body), to mimpd it is that client.
It sees and rewrites decoded JSON bodies, which is everything a server
operator, or anyone on the path of a connection without TLS, can do.

    relay = HostileRelay(mimpd_port).start()
    ... point mimp-cli at 127.0.0.1:relay.port ...
    relay.stop()

How delivery works. A client's Get Unread (GU) never reaches mimpd: the relay
answers it from its own mailbox for that user, with its own `seq` numbers
(translating the client's `ack`), and holds long polls like mimpd does. The
first time a user logs in through the relay, the relay opens a second
connection to mimpd as that user (it saw the password: a hostile relay
does) and takes that user's messages from mimpd as they arrive, acknowledging
them upstream. Every message then passes `relay.on_deliver`, which may
change, drop, duplicate or hold it, before it enters the mailbox. The test
can also inject messages and release held ones at any time. Everything
else (login, Send Message, FEATURES, KEYS, ...) is forwarded on the client's
own upstream connection, in order, through `relay.on_request` and
`relay.on_reply`.

Nothing here logs message text, keys or passwords.

SPDX-License-Identifier: GPL-3.0-or-later
"""

import base64
import json
import os
import socket
import struct
import threading
import time

SCH, AH, SM, GU, ERROR = 0x0AA0, 0xA00F, 0x00AF, 0x0CCF, 0xBEEF
FEATURES, KEYS = 0x0FEA, 0x0E2E
PUSH = 0x0F05  # docs/protocols/mimp.md, section 14
MAGIC = 0xB00B

PREFIX = "?MIMPE2E:"


# --- wire --------------------------------------------------------------------

def make_puzzle():
    puzzle = bytearray(os.urandom(256))
    offset = 1 + puzzle[255] % 10
    puzzle[255] = offset
    puzzle[0] = 1 + puzzle[0] % (254 - 23 * offset)
    return bytes(puzzle)


def key_of(puzzle):
    start, offset = puzzle[0], puzzle[255]
    return bytes(puzzle[start + i * offset] for i in range(24))


def xor(body, key):
    if not key:
        return body
    k = (key * (len(body) // len(key) + 1))[:len(body)]
    return (int.from_bytes(body, "little") ^ int.from_bytes(k, "little")).to_bytes(
        len(body), "little") if body else b""


class Peer:
    """One side of a MIMP connection with its XOR key."""

    def __init__(self, sock):
        self.sock = sock
        self.key = None
        self.wlock = threading.Lock()

    def read_exact(self, n):
        data = bytearray()
        while len(data) < n:
            chunk = self.sock.recv(min(n - len(data), 1 << 20))
            if not chunk:
                raise EOFError
            data += chunk
        return bytes(data)

    def recv(self):
        magic, version, pid, length = struct.unpack("<HHHI", self.read_exact(10))
        if magic != MAGIC or version != 1 or length > 1 << 20:
            raise EOFError
        body = self.read_exact(length)
        if pid != SCH and self.key is not None:
            body = xor(body, self.key)
        return pid, body

    def send(self, pid, body):
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
        if pid != SCH and self.key is not None:
            body = xor(body, self.key)
        with self.wlock:
            self.sock.sendall(struct.pack("<HHHI", MAGIC, 1, pid, len(body)) + body)

    def close(self):
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()


def connect_upstream(port, timeout=60.0):
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    peer = Peer(sock)
    pid, body = peer.recv()
    if pid != SCH:
        raise ConnectionError("mimpd did not start with a puzzle")
    peer.key = key_of(body)
    return peer


# --- envelope helpers (what a relay can do without keys) ----------------------

def is_envelope(text):
    return isinstance(text, str) and text.startswith(PREFIX)


def envelope_kind(text):
    """'R', 'K', 'P', 'M' (or another letter) for an envelope, None otherwise."""
    if not is_envelope(text):
        return None
    parts = text[len(PREFIX):].split(":")
    return parts[1] if len(parts) >= 3 else None


def _split(text):
    """(head up to and including the last ':', payload bytes) of an envelope."""
    head, _, payload = text.rpartition(":")
    pad = "=" * (-len(payload) % 4)
    return head + ":", bytearray(base64.urlsafe_b64decode(payload + pad)), payload.endswith("=")


def _join(head, raw, padded):
    enc = base64.urlsafe_b64encode(bytes(raw)).decode()
    return head + (enc if padded else enc.rstrip("="))


def tamper_bitflip(text, bit=None):
    """Flips one bit of the decoded payload (by default one in the middle)."""
    head, raw, padded = _split(text)
    if bit is None:
        bit = len(raw) * 4 + 3
    raw[(bit // 8) % len(raw)] ^= 1 << (bit % 8)
    return _join(head, raw, padded)


def tamper_truncate(text, keep=None):
    """Drops the end of the decoded payload (by default its last third)."""
    head, raw, padded = _split(text)
    keep = len(raw) * 2 // 3 if keep is None else keep
    return _join(head, raw[:keep], padded)


def tamper_garbage(text):
    """Replaces the payload with characters that are not base64url."""
    head, _, _ = text.rpartition(":")
    return head + ":" + "!!not*base64~~" * 4


def tamper_random_payload(text):
    """Replaces the payload with random bytes of the same length (valid base64url)."""
    head, raw, padded = _split(text)
    return _join(head, os.urandom(len(raw)), padded)


def tamper_version(text, version="2"):
    """Changes the envelope's version field."""
    rest = text[len(PREFIX):].split(":", 1)
    return PREFIX + version + ":" + rest[1]


def tamper_prefix(text):
    """Changes the prefix's case, so it is no longer an exact envelope prefix."""
    return "?mimpe2e:" + text[len(PREFIX):]


def tamper_kind(text, kind=None):
    """Relabels a P as M and anything else as P."""
    parts = text[len(PREFIX):].split(":")
    parts[1] = kind or ("M" if parts[1] == "P" else "P")
    return PREFIX + ":".join(parts)


def splice(text_a, text_b):
    """The first half of one payload with the second half of another."""
    head, a, padded = _split(text_a)
    _, b, _ = _split(text_b)
    cut = min(len(a), len(b)) // 2
    return _join(head, a[:cut] + b[cut:], padded)


# --- the relay -----------------------------------------------------------------

class Mailbox:
    """What the relay hands one user: its own queue, seq space and long polls."""

    def __init__(self, relay, user):
        self.relay = relay
        self.user = user
        self.queue = []          # [pseq, msg, sent]
        self.next_seq = 1
        self.held = []           # messages withheld, in arrival order
        self.hold = None         # predicate(msg) -> hold it, or None
        self.seen = []           # every message taken from mimpd (as it came, a copy)
        self.delivered = []      # every message put in the queue (after on_deliver)
        self.poller = None
        self.upstream = None
        self.stopping = False

    # called with relay.cond held
    def enqueue(self, msg, seq=None):
        msg = dict(msg)
        if msg.get("ephemeral"):
            # No id, no seq, never acknowledged: gone once handed over.
            self.queue.append([None, msg, False])
            self.relay.cond.notify_all()
            return msg
        if seq is None:
            seq = self.next_seq
            self.next_seq += 1
        msg["seq"] = seq
        self.queue.append([seq, msg, False])
        self.delivered.append(msg)
        self.relay.cond.notify_all()
        return msg


class HostileRelay:
    def __init__(self, upstream_port, poll_wait=5):
        self.upstream_port = upstream_port
        self.poll_wait = poll_wait
        self.cond = threading.Condition()
        self.mailboxes = {}
        self.passwords = {}
        self.listener = None
        self.port = None
        self.threads = []
        self.conns = []
        self.stopping = False
        self.errors = []
        # Hooks, all called with self.cond held (keep them short).
        # on_deliver(user, msg) -> list of messages to put in user's mailbox.
        self.on_deliver = None
        # on_request(user, pid, body_dict) -> body_dict (forwarded requests).
        self.on_request = None
        # on_reply(user, pid, request_dict, reply_dict) -> reply_dict.
        self.on_reply = None
        # KEYS fetch redirection: (requester, target) -> user whose bundle to serve.
        self.keys_redirect = {}
        # Users whose first fetched bundle the relay keeps and serves again to
        # every later requester (the same one-time prekey twice).
        self.keys_reuse = set()
        self.keys_cache = {}
        self.stats = {"sm": 0, "gu_replies": 0, "keys_fetch": 0, "keys_swapped": 0}

    # --- lifecycle ---
    def start(self):
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.port = self.listener.getsockname()[1]
        self._spawn(self._accept_loop)
        return self

    def stop(self):
        with self.cond:
            self.stopping = True
            self.cond.notify_all()
            boxes = list(self.mailboxes.values())
            conns = list(self.conns)
        try:
            self.listener.close()
        except OSError:
            pass
        for box in boxes:
            box.stopping = True
            if box.upstream:
                box.upstream.close()
        for c in conns:
            c.close()
        for t in self.threads:
            t.join(10)
        self.passwords.clear()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False

    def _spawn(self, fn, *args):
        t = threading.Thread(target=self._guard, args=(fn,) + args, daemon=True)
        self.threads.append(t)
        t.start()
        return t

    def _guard(self, fn, *args):
        try:
            fn(*args)
        except (EOFError, OSError, ConnectionError):
            pass
        except Exception as e:  # a bug in the relay or a hook: the test should see it
            if not self.stopping:
                self.errors.append("%s: %r" % (fn.__name__, e))

    def check(self):
        assert not self.errors, "relay errors: %s" % self.errors

    # --- test controls ---
    def mailbox(self, user):
        with self.cond:
            box = self.mailboxes.get(user)
            if box is None:
                box = self.mailboxes[user] = Mailbox(self, user)
            return box

    def watch(self, user, password):
        """Starts taking @user's messages from mimpd now, as if @user had
        already logged in through the relay once (a relay keeps what it saw)."""
        self._start_poller(user, password)

    def set_hold(self, user, predicate):
        """From now on, messages for @user that match @predicate are withheld."""
        with self.cond:
            self.mailbox(user).hold = predicate

    def release(self, user, order=None):
        """Delivers the withheld messages (in arrival order, or reversed with
        order='reverse', or as the function order(list) -> list returns) and
        stops holding. Returns how many."""
        with self.cond:
            box = self.mailbox(user)
            held, box.held, box.hold = box.held, [], None
            if order == "reverse":
                held = held[::-1]
            elif callable(order):
                held = order(held)
            for msg in held:
                box.enqueue(msg)
            return len(held)

    def inject(self, user, msg, seq=None):
        """Puts @msg (a dict with id, uf, ut, ms, ts) in @user's mailbox, with a
        fresh relay seq or the given one."""
        with self.cond:
            return self.mailbox(user).enqueue(msg, seq)

    def seen(self, user, kinds=None):
        """Copies of the messages for @user taken from mimpd so far."""
        with self.cond:
            out = list(self.mailbox(user).seen)
        if kinds is not None:
            out = [m for m in out if envelope_kind(m.get("ms")) in kinds]
        return out

    def delivered(self, user):
        with self.cond:
            return list(self.mailbox(user).delivered)

    def held_count(self, user):
        with self.cond:
            return len(self.mailbox(user).held)

    def count_seen(self, user, kinds=None, sender=None):
        with self.cond:
            return len([m for m in self.mailbox(user).seen
                        if (kinds is None or envelope_kind(m.get("ms")) in kinds)
                        and (sender is None or m.get("uf") == sender)])

    def wait_seen(self, user, n, kinds=None, sender=None, timeout=60.0):
        """Waits until mimpd has handed the relay @n messages for @user
        (counting only envelopes of @kinds, and from @sender, when given)."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                got = self.count_seen(user, kinds, sender)
                if got >= n:
                    return got
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError("relay saw %d of %d messages for %s" % (got, n, user))
                self.cond.wait(min(left, 1.0))

    def wait_drained(self, user, timeout=60.0):
        """Waits until @user's client took and acknowledged everything queued."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                box = self.mailbox(user)
                if not box.queue:
                    return
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError("%s's client left %d messages unacknowledged"
                                       % (user, len(box.queue)))
                self.cond.wait(min(left, 1.0))

    # --- client connections ---
    def _accept_loop(self):
        while not self.stopping:
            sock, _ = self.listener.accept()
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._spawn(self._serve_client, sock)

    def _serve_client(self, sock):
        client = Peer(sock)
        upstream = None
        with self.cond:
            self.conns.append(client)
        try:
            puzzle = make_puzzle()
            client.send(SCH, puzzle)
            client.key = key_of(puzzle)
            upstream = connect_upstream(self.upstream_port)
            with self.cond:
                self.conns.append(upstream)
            incoming = []
            user = [None]
            self._spawn(self._read_client, client, incoming)
            while True:
                with self.cond:
                    while not incoming and not self.stopping:
                        self.cond.wait()
                    if self.stopping:
                        return
                    pid, body = incoming.pop(0)
                if pid is None:
                    return
                self._handle(client, upstream, user, pid, body, incoming, puzzle)
        finally:
            client.close()
            if upstream:
                upstream.close()

    def _read_client(self, client, incoming):
        try:
            while True:
                pid, body = client.recv()
                with self.cond:
                    incoming.append((pid, body))
                    self.cond.notify_all()
        except (EOFError, OSError):
            with self.cond:
                incoming.append((None, None))
                self.cond.notify_all()

    def _handle(self, client, upstream, user, pid, body, incoming, puzzle):
        if pid == SCH:
            client.send(SCH, puzzle)
            return
        if pid == GU and user[0] is not None:
            self._answer_get(client, user[0], body, incoming)
            return
        if pid == PUSH:
            # Delivery goes through the relay's own mailbox, which answers
            # GU only: refuse push as a server without it does, so the
            # client falls back to long polls (and mimpd never pushes on the
            # upstream connection, whose replies the relay reads in order).
            client.send(ERROR, {"code": 501, "error": "Unknown packet id"})
            return
        try:
            req = json.loads(body) if body else None
        except ValueError:
            req = None
        if pid == AH and isinstance(req, dict):
            name = str(req.get("uf", "")).lower()
        else:
            name = user[0]
        if req is not None and pid != AH:
            with self.cond:
                if pid == SM:
                    self.stats["sm"] += 1
                if self.on_request:
                    req = self.on_request(name, pid, req)
                cached = None
                if pid == KEYS and req.get("op") == "fetch":
                    self.stats["keys_fetch"] += 1
                    target = req.get("user")
                    if target in self.keys_reuse and target in self.keys_cache:
                        cached = self.keys_cache[target]
                        self.stats["keys_reused"] = self.stats.get("keys_reused", 0) + 1
                    swap = self.keys_redirect.get((name, target))
                    if swap:
                        req = dict(req, user=swap)
            if cached is not None:
                client.send(KEYS, cached)
                return
            upstream.send(pid, req)
        else:
            upstream.send(pid, body)
        rpid, rbody = upstream.recv()
        if pid == AH and rpid == AH and isinstance(req, dict):
            user[0] = name
            self._start_poller(name, req.get("up", ""))
            client.send(rpid, rbody)
            return
        try:
            reply = json.loads(rbody) if rbody else None
        except ValueError:
            reply = None
        if isinstance(reply, dict) and isinstance(req, dict):
            with self.cond:
                if pid == KEYS and req.get("op") == "fetch":
                    # Put back the name that was asked for, so the swap is silent.
                    for (who, target), swap in self.keys_redirect.items():
                        if who == name and reply.get("user") == swap:
                            reply = dict(reply, user=target)
                            self.stats["keys_swapped"] += 1
                if (pid == KEYS and rpid == KEYS and req.get("op") == "fetch"
                        and reply.get("user") in self.keys_reuse):
                    self.keys_cache.setdefault(reply["user"], reply)
                if self.on_reply:
                    reply = self.on_reply(name, pid, req, reply)
            client.send(rpid, reply)
        else:
            client.send(rpid, rbody)

    # --- GU from the relay's mailbox ---
    def _answer_get(self, client, user, body, incoming):
        try:
            req = json.loads(body)
        except ValueError:
            client.send(ERROR, {"code": 400, "error": "Bad request"})
            return
        ack = req.get("ack")
        wait = req.get("wait") or 0
        deadline = time.monotonic() + min(float(wait), 60.0)
        with self.cond:
            box = self.mailbox(user)
            if isinstance(ack, int) and ack > 0:
                box.queue = [q for q in box.queue
                             if not (q[2] and q[0] is not None and q[0] <= ack)]
                self.cond.notify_all()
            while not box.queue and not incoming and not self.stopping:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self.cond.wait(left)
            out, size = [], 0
            for q in box.queue:
                if len(out) >= 200 or size > 256 * 1024:
                    break
                out.append(q[1])
                size += len(q[1].get("ms", "")) + 200
                q[2] = True
            if ack is None:
                # Plain 1.0 GU: what is returned is gone.
                box.queue = box.queue[len(out):]
            else:
                box.queue = [q for q in box.queue if not (q[2] and q[0] is None)]
            more = bool(box.queue) if ack is None else any(not q[2] for q in box.queue)
            self.stats["gu_replies"] += 1
        client.send(GU, {"messages": out, "more": more})

    # --- taking messages from mimpd ---
    def _start_poller(self, user, password):
        with self.cond:
            box = self.mailbox(user)
            if box.poller is not None:
                return
            self.passwords[user] = password
            box.poller = self._spawn(self._poll, box)

    def _poll(self, box):
        up = connect_upstream(self.upstream_port, timeout=self.poll_wait + 30)
        box.upstream = up
        up.send(AH, {"uf": box.user, "up": self.passwords[box.user]})
        pid, token = up.recv()
        if pid != AH:
            raise ConnectionError("relay could not log in as %s" % box.user)
        token = token.decode()
        acked = 0
        while not box.stopping and not self.stopping:
            up.send(GU, {"uf": box.user, "token": token, "ack": acked, "wait": self.poll_wait})
            pid, body = up.recv()
            if pid != GU:
                raise ConnectionError("GU failed: %r" % body[:80])
            reply = json.loads(body)
            with self.cond:
                for msg in reply.get("messages", []):
                    acked = max(acked, msg.get("seq") or 0)
                    box.seen.append(dict(msg))
                    if box.hold is not None and box.hold(msg):
                        box.held.append(dict(msg))
                        continue
                    results = [msg]
                    if self.on_deliver is not None:
                        results = self.on_deliver(box.user, dict(msg))
                        if results is None:
                            results = []
                    for m in results:
                        box.enqueue(m)
                self.cond.notify_all()


def new_server_id():
    """A server-looking message id the relay makes up (22 base62 characters, as mimpd)."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    return "".join(alphabet[b % 62] for b in os.urandom(22))
