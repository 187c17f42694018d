"""Private chats through a hostile relay (docs/private-chats.md).

A real mimpd on loopback; between it and every mimp-cli client sits
hostile_relay.HostileRelay, a man in the middle that solves the key puzzle
on both sides and so reads and rewrites every decoded body: it tampers with,
drops, replays, reorders, withholds, splices, re-labels, strips and
reflects messages, and it can answer key-directory fetches with someone
else's keys. Over 4,000 messages cross it in the end-to-end part (a full
run checks that it is more than 2,000).

What each scenario proves (the rows of e2e-options.md 5.3):

- control_plain_mimp_is_defenceless: with plain MIMP (no --e2e) the same
  relay really does change text, hide drops, show replays twice, reorder
  and re-label the sender, and the client cannot tell. So the relay's
  attacks are real, and the end-to-end results below are not vacuous.
- baseline: alice and bob (each with their own --state) exchange messages
  through the relay untouched; every one arrives decrypted, marked e2e, in
  order, and both sides compute the same safety number.
- tamper: bit flips, truncation, base64 garbage, random payloads, a changed
  version, a relabelled kind (P<->M) and a changed prefix on every tenth
  message: none is ever shown as its text; each is marked undecryptable
  (or, for the changed prefix, which is no longer an envelope, shown as not
  e2e); every genuine message around them still decrypts (the session is
  not damaged).
- repair: after three of ten messages were tampered with, the receiver
  asks for a resend and the sender's next listen answers: the three
  arrive, and each of the ten is shown exactly once.
- drop: messages the relay suppresses are reported as `missing` on the next
  message from the same peer (the authenticated inner sequence number),
  exactly as many as were dropped.
- replay: copies with the same server id and seq, the same id and a new
  seq, and a new id and seq, immediately and long after, are shown once.
- reorder: a shuffled chain, and two chains across a ratchet step (bob
  answers in between) delivered newest first, all decrypt, once each.
- withhold: half of a stream held back while the rest is delivered, then
  released: the late ones decrypt, once each, and sessions carry on.
- withhold over 2000: the relay holds back 2,001 messages (more than the
  2,000 keys a receiver skips in one chain) and delivers the next ones:
  those are marked undecryptable, never shown; the held ones, released
  late, all decrypt, and the chat goes on (the failure damaged nothing).
- fragments: of five long messages (several fragments each), the relay
  drops one fragment of one, interleaves the fragments of two others and
  reverses those of the last: the one missing a fragment is never shown
  (not even in part), the others are shown whole, once.
- splice: half of one ciphertext joined to half of another is refused.
- sender relabel: alice's message delivered as from carol is never shown as
  carol's text (carol has no session: undecryptable).
- strip and inject: the relay replaces a ciphertext with plain text: it is
  shown marked not e2e, and bob's next messages are still encrypted (no
  automatic downgrade).
- reflection: alice's own ciphertext handed back to her as from bob is not
  shown as text.
- key swap (man in the middle): the relay answers carol's fetch of dave's
  keys with mallory's bundle and dave's fetch of carol's with mallet's.
  Alone, that breaks the chat (the other side cannot decrypt), the safety
  numbers the two compute differ, and SMP with the same secret on both
  sides fails, where between alice and bob (no swap) it succeeds. Then the
  relay routes carol's messages for dave to mallory and mallory's to carol
  relabelled as dave's: mallory reads carol's chat and carol reads
  mallory's messages as dave's (encrypted, not verified: trust on first use
  cannot tell), and SMP is what catches it: mallory does not know the
  answer and the run fails ("did not match", not a timeout). (SMP messages
  relayed unchanged between two sessions are the library's SMP tests' job:
  a relay cannot re-encrypt them without the library's insides.)
- one-time prekey twice: the relay serves frank's fetched bundle of erin
  again to gina; frank's chat works, gina's messages (built on a used
  one-time prekey) are refused and marked, never shown.
- key change: after alice verified bob (SMP; his messages then show as
  verified), bob reinstalls (new --state, new keys published): his new
  messages show as not verified, the first one marked key_changed;
  alice's sends are refused (exit 6, a key-changed message, nothing
  reaches the relay) until she runs `trust bob`; then the chat works
  again.

The first scenario runs on any build. The others need mimp-cli --e2e;
a build without it exits 77 (skipped) after the plain control, saying so.

Message texts are made-up tags ("s3-0042"), go through standard input
(--stdin-lines), never argv, and are never printed by the test; SMP
secrets are random and go through MIMP_SMP_SECRET.

SPDX-License-Identifier: GPL-3.0-or-later
"""

import json
import os
import random
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
sys.path.insert(0, HERE)

from mimpdtest import MimpdServer, random_password  # noqa: E402
import hostile_relay as hr  # noqa: E402

CLI = os.environ["MIMP_CLI"]
USERS = ("alice", "bob", "carol", "dave", "mallory", "mallet", "erin", "frank", "gina", "heidi",
         "ivan")
PW = {}
srv = None
relay = None
TMP = None
STATE = {}
TOTAL = {"sent": 0}
RNG = random.Random(12)
LISTENERS = []  # every listen started, so that none outlives a failed test


# --- running mimp-cli ------------------------------------------------------------

def env_for(user, smp_secret=None):
    env = dict(os.environ)
    env.pop("MIMP_SMP_SECRET", None)
    env["MIMP_PASSWORD"] = PW[user]
    if smp_secret is not None:
        env["MIMP_SMP_SECRET"] = smp_secret
    return env


def base_argv(user, e2e):
    argv = [CLI, "--server", "127.0.0.1:%d" % relay.port, "--user", user]
    if e2e:
        argv += ["--state", STATE[user]]
    return argv


def cli(user, *args, e2e=True, input_bytes=None, timeout=60, smp_secret=None):
    argv = base_argv(user, e2e) + list(args)
    return subprocess.run(argv, env=env_for(user, smp_secret), capture_output=True,
                          input=input_bytes if input_bytes is not None else b"",
                          timeout=timeout)


def send_lines(user, peer, texts, e2e=True, expect_ok=True):
    """Sends @texts in order and waits until the relay has taken them from mimpd."""
    args = ["send"] + (["--e2e"] if e2e else []) + ["--stdin-lines", peer, "-"]
    kinds = MP if e2e else None
    before = relay.count_seen(peer, kinds=kinds, sender=user)
    r = cli(user, *args, e2e=e2e, input_bytes=("\n".join(texts) + "\n").encode(),
            timeout=120)
    if expect_ok:
        assert r.returncode == 0, "send %s->%s: exit %d: %s" % (
            user, peer, r.returncode, r.stderr.decode()[-400:])
        TOTAL["sent"] += len(texts)
        relay.wait_seen(peer, before + len(texts), kinds=kinds, sender=user)
    return r


class Listener:
    """`mimp-cli listen --json [--e2e]` running until stopped; lines parsed."""

    def __init__(self, user, e2e=True, smp_secret=None):
        self.user = user
        argv = base_argv(user, e2e) + ["listen", "--json"] + (["--e2e"] if e2e else [])
        self.proc = subprocess.Popen(argv, env=env_for(user, smp_secret),
                                     stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE)
        LISTENERS.append(self)
        self.lines = []
        self.bad = []
        self.lock = threading.Lock()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        self.err = b""

    def _read(self):
        for raw in self.proc.stdout:
            try:
                obj = json.loads(raw)
            except ValueError:
                with self.lock:
                    self.bad.append(len(raw))
                continue
            with self.lock:
                self.lines.append(obj)

    def count(self):
        with self.lock:
            return len(self.lines)

    def wait_lines(self, n, timeout=60):
        deadline = time.monotonic() + timeout
        while self.count() < n:
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise TimeoutError("%s printed %d of %d lines" % (self.user, self.count(), n))
            time.sleep(0.02)

    def settle(self, quiet=0.5, timeout=60):
        """Waits until the relay's mailbox is empty and nothing was printed for @quiet s."""
        deadline = time.monotonic() + timeout
        while self.proc.poll() is None:
            try:
                relay.wait_drained(self.user, timeout=1)
                break
            except TimeoutError:
                if time.monotonic() > deadline:
                    raise
        assert self.proc.poll() is None, "%s's listen exited %d" % (
            self.user, self.proc.returncode)
        last, since = self.count(), time.monotonic()
        while time.monotonic() - since < quiet:
            time.sleep(0.05)
            if self.count() != last:
                last, since = self.count(), time.monotonic()

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            _, self.err = self.proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.communicate()
            raise AssertionError("%s's listen did not stop on SIGTERM" % self.user)
        self.reader.join(10)
        assert self.proc.returncode == 0, "%s's listen exited %d: %s" % (
            self.user, self.proc.returncode, self.err.decode()[-400:])
        assert not self.bad, "%s's listen printed lines that are not JSON" % self.user
        return self.lines


def listen_until_drained(user, e2e=True, smp_secret=None, quiet=0.5):
    lst = Listener(user, e2e=e2e, smp_secret=smp_secret)
    try:
        lst.settle(quiet=quiet)
    finally:
        lines = lst.stop()
    return lines


def texts_of(lines, tag=None, e2e_only=True):
    out = []
    for obj in lines:
        if obj.get("status") == "undecryptable":
            continue
        if e2e_only and obj.get("e2e") is not True:
            continue
        text = obj.get("text")
        if isinstance(text, str) and (tag is None or text.startswith(tag)):
            out.append(text)
    return out


def tags(prefix, n, start=0):
    return ["%s-%04d" % (prefix, i) for i in range(start, start + n)]


def first_difference(got, want):
    for i, (a, b) in enumerate(zip(got, want)):
        if a != b:
            return i
    return min(len(got), len(want))


def assert_exactly_once(lines, want, what, tag):
    got = texts_of(lines, tag)
    dup = len(got) - len(set(got))
    missing = sorted(set(want) - set(got))
    extra = sorted(set(got) - set(want))
    assert dup == 0 and not missing and not extra, (
        "%s: %d shown, %d doubled, %d missing (first %s), %d unexpected"
        % (what, len(got), dup, len(missing), missing[:1], len(extra)))


def undecryptable(lines, peer=None):
    return [o for o in lines if o.get("status") == "undecryptable"
            and (peer is None or o.get("from") == peer)]


def assert_never_shown(lines, forbidden, what):
    shown = [o for o in lines if o.get("text") in forbidden]
    assert not shown, "%s: %d tampered message(s) shown as text" % (what, len(shown))


MP = ("M", "P")


def e2e_kinds(msg):
    return hr.envelope_kind(msg.get("ms")) in MP


def mp_seen(user):
    return len(relay.seen(user, kinds=MP))


class Deliver:
    """relay.on_deliver for the messages from @frm to @to that carry M or P
    envelopes: calls fn(index, msg) -> list for each (index counts them)."""

    def __init__(self, frm, to, fn):
        self.frm, self.to, self.fn, self.index = frm, to, fn, 0

    def __call__(self, user, msg):
        if user != self.to or msg.get("uf") != self.frm or not e2e_kinds(msg):
            return [msg]
        i = self.index
        self.index += 1
        return self.fn(i, msg)


def through_relay(fn, texts, frm="alice", to="bob"):
    """@frm sends @texts to @to with Deliver(fn) as the relay's hook; returns
    what @to's listen printed."""
    relay.on_deliver = Deliver(frm, to, fn)
    try:
        send_lines(frm, to, texts)
        return listen_until_drained(to)
    finally:
        relay.on_deliver = None


# --- the control: plain MIMP through the same relay -------------------------------

def test_control_plain_mimp_is_defenceless():
    want = tags("c0", 40)
    changed = {}

    def attack(user, msg):
        if user != "bob" or msg.get("uf") != "alice":
            return [msg]
        i = int(msg["ms"].rsplit("-", 1)[1])
        if i == 5:  # tamper
            changed["tampered"] = msg["ms"] + "!"
            return [dict(msg, ms=msg["ms"] + "!")]
        if i == 6:  # drop
            return []
        if i == 7:  # replay with a new id and seq
            return [msg, dict(msg, id=hr.new_server_id())]
        if i == 8:  # relabel the sender
            return [dict(msg, uf="carol")]
        return [msg]

    relay.on_deliver = attack
    relay.set_hold("bob", lambda m: m.get("ms") in ("c0-0010", "c0-0011"))
    try:
        send_lines("alice", "bob", want, e2e=False)
        relay.wait_seen("bob", len(want))
        bob = Listener("bob", e2e=False)
        bob.settle()
        assert relay.release("bob", order="reverse") == 2
        bob.settle()
        lines = bob.stop()
    finally:
        relay.on_deliver = None
    got = [(o["from"], o["text"]) for o in lines]
    texts = [t for _, t in got]
    # The relay's work shows, and nothing tells bob.
    assert changed["tampered"] in texts, "the tampered text was not shown"
    assert "c0-0006" not in texts, "the dropped message arrived"
    assert texts.count("c0-0007") == 2, "the replay was not shown twice"
    assert ("carol", "c0-0008") in got, "the relabelled sender was not shown"
    assert texts.index("c0-0011") < texts.index("c0-0010"), "withheld ones not reordered"
    assert texts.index("c0-0011") > texts.index("c0-0039"), "withheld ones not late"
    assert len(lines) == 40, len(lines)
    assert all("e2e" not in o or o["e2e"] is False for o in lines)


# --- end-to-end scenarios ----------------------------------------------------------

def test_baseline():
    # Both publish keys first (a listen does), so alice's first message
    # goes through the key directory.
    for user in ("alice", "bob"):
        publish(user)
    want = tags("s0", 150)
    send_lines("alice", "bob", want)
    lines = listen_until_drained("bob")
    got = texts_of(lines, "s0")
    assert got == want, "baseline: %d shown, first difference at %d" % (
        len(got), first_difference(got, want))
    for obj in lines:
        if obj.get("text", "").startswith("s0"):
            assert obj["from"] == "alice" and obj["e2e"] is True and not obj.get("missing")
    # What crossed the relay was ciphertext only.
    for msg in relay.seen("bob"):
        assert not msg["ms"].startswith("s0-"), "plaintext crossed the relay"

    back = tags("s0b", 50)
    send_lines("bob", "alice", back)
    lines = listen_until_drained("alice")
    assert texts_of(lines, "s0b") == back

    a = safety_number("alice", "bob")
    b = safety_number("bob", "alice")
    assert a == b, "safety numbers differ without a man in the middle"


def safety_number(user, peer):
    r = cli(user, "--e2e", "safety-number", peer)
    assert r.returncode == 0, "safety-number: exit %d: %s" % (r.returncode, r.stderr[-300:])
    groups = r.stdout.decode().split()
    assert len(groups) == 12 and all(len(g) == 5 and g.isdigit() for g in groups), \
        "safety number is not 12 groups of 5 digits"
    return groups


TAMPERS = [
    ("bit flip", hr.tamper_bitflip),
    ("bit flip at the start", lambda t: hr.tamper_bitflip(t, bit=9)),
    ("bit flip at the end", lambda t: hr.tamper_bitflip(t, bit=-3)),
    ("truncation", hr.tamper_truncate),
    ("truncated to 5 bytes", lambda t: hr.tamper_truncate(t, keep=5)),
    ("base64 garbage", hr.tamper_garbage),
    ("random payload", hr.tamper_random_payload),
    ("version 2", hr.tamper_version),
    ("version 0", lambda t: hr.tamper_version(t, "0")),
    ("kind relabelled", hr.tamper_kind),
    ("prefix changed", hr.tamper_prefix),
]


def test_tamper():
    n = 500
    want = tags("s1", n)
    tampered = {}

    def fn(i, msg):
        if i % 10 == 3:
            name, f = TAMPERS[(i // 10) % len(TAMPERS)]
            tampered[i] = name
            return [dict(msg, ms=f(msg["ms"]))]
        return [msg]

    lines = through_relay(fn, want)
    bad = {want[i] for i in tampered}
    assert_never_shown(lines, bad, "tamper")
    good = [t for t in want if t not in bad]
    got = texts_of(lines, "s1")
    assert got == good, "tamper: %d of %d genuine shown, first difference at %d" % (
        len(got), len(good), first_difference(got, good))
    # Each tampered message leaves one mark: undecryptable, or (a changed
    # prefix: no longer an envelope) shown as not end-to-end encrypted.
    marks = undecryptable(lines, "alice")
    plain = [o for o in lines if o.get("e2e") is False and o.get("from") == "alice"
             and o.get("status") != "undecryptable"]
    n_prefix = sum(1 for name in tampered.values() if name == "prefix changed")
    assert len(plain) == n_prefix, "tamper: %d shown as plain, want %d" % (len(plain), n_prefix)
    assert len(marks) == len(tampered) - n_prefix, "tamper: %d marked undecryptable, want %d" % (
        len(marks), len(tampered) - n_prefix)
    for o in marks:
        assert not o.get("text"), "an undecryptable mark carries text"


def test_repair():
    # A fresh pair (resend requests are limited to one a minute per peer).
    # Three of ten messages are tampered with: ivan cannot read them and
    # asks heidi to resend; heidi's listen answers; the three arrive.
    publish("ivan")
    want = tags("s12", 10)
    bad = {2, 5, 7}
    lines = through_relay(
        lambda i, m: [dict(m, ms=hr.tamper_bitflip(m["ms"]))] if i in bad else [m],
        want, frm="heidi", to="ivan")
    assert texts_of(lines, "s12") == [t for i, t in enumerate(want) if i not in bad]
    assert len(undecryptable(lines, "heidi")) == len(bad)
    before = relay.count_seen("ivan", kinds=MP, sender="heidi")
    listen_until_drained("heidi")      # reads the resend request, sends again
    relay.wait_seen("ivan", before + len(bad), kinds=MP, sender="heidi")
    lines += listen_until_drained("ivan")
    assert_exactly_once(lines, want, "repair by resend", "s12")


def test_drop():
    n = 200
    want = tags("s2", n)
    dropped = {17, 18, 64, 120, 199 - 3}

    lines = through_relay(lambda i, m: [] if i in dropped else [m], want)
    good = [t for i, t in enumerate(want) if i not in dropped]
    assert texts_of(lines, "s2") == good
    missing = {o["text"]: o.get("missing", 0) for o in lines
               if o.get("text", "").startswith("s2") and o.get("missing")}
    assert sum(missing.values()) == len(dropped), "drop: %d reported missing, %d dropped" % (
        sum(missing.values()), len(dropped))
    # Reported on the message right after each gap.
    assert missing.get(want[19]) == 2 and missing.get(want[65]) == 1, "gaps not where dropped"


def test_replay():
    n = 300
    want = tags("s3", n)
    by_index = {}

    def fn(i, msg):
        by_index[i] = msg
        if i % 12 == 5:  # at once, a new server id and seq
            return [msg, dict(msg, id=hr.new_server_id())]
        if i % 12 == 7:  # at once, the same server id, a new seq
            return [msg, dict(msg)]
        return [msg]

    relay.on_deliver = Deliver("alice", "bob", fn)
    try:
        send_lines("alice", "bob", want)
        bob = Listener("bob")
        bob.settle()
        # Long after: every tenth again, three ways.
        delivered = {}
        for m in relay.delivered("bob"):
            delivered.setdefault(m["id"], m)
        for i in range(0, n, 10):
            old = by_index[i]
            first = delivered[old["id"]]
            relay.inject("bob", dict(first), seq=first["seq"])   # same id and seq
            relay.inject("bob", dict(old))                       # same id, new seq
            relay.inject("bob", dict(old, id=hr.new_server_id()))  # new id and seq
        bob.settle()
        lines = bob.stop()
    finally:
        relay.on_deliver = None
    assert_exactly_once(lines, want, "replay", "s3")
    assert not undecryptable(lines), "replays must be dropped quietly, not marked"


def test_reorder():
    # Within one chain: a shuffled stream.
    n = 300
    want = tags("s4", n)
    base = mp_seen("bob")
    relay.set_hold("bob", lambda m: m.get("uf") == "alice" and e2e_kinds(m))
    send_lines("alice", "bob", want)
    relay.wait_seen("bob", base + n, kinds=MP)

    def shuffled(held):
        RNG.shuffle(held)
        return held

    assert relay.release("bob", order=shuffled) >= n
    lines = listen_until_drained("bob")
    assert_exactly_once(lines, want, "reorder in one chain", "s4")

    # Across ratchet steps: chain A held; bob answers and alice reads it
    # (her next chain starts from a new ratchet key); chain B; then all of
    # it newest first (B before A).
    a, b = tags("s4a", 60), tags("s4b", 60)
    base = mp_seen("bob")
    relay.set_hold("bob", lambda m: m.get("uf") == "alice" and e2e_kinds(m))
    send_lines("alice", "bob", a)
    send_lines("bob", "alice", tags("s4r", 5))
    assert texts_of(listen_until_drained("alice"), "s4r") == tags("s4r", 5)
    send_lines("alice", "bob", b)
    relay.wait_seen("bob", base + len(a) + len(b), kinds=MP)
    assert relay.release("bob", order="reverse") >= len(a) + len(b)
    lines = listen_until_drained("bob")
    assert_exactly_once(lines, a + b, "reorder across a ratchet step", "s4")


def test_withhold():
    n = 300
    want = tags("s5", n)
    count = [0]

    def hold_every_other(m):
        if m.get("uf") != "alice" or not e2e_kinds(m):
            return False
        count[0] += 1
        return count[0] % 2 == 0

    base = mp_seen("bob")
    relay.set_hold("bob", hold_every_other)
    send_lines("alice", "bob", want)
    relay.wait_seen("bob", base + n, kinds=MP)
    lines = listen_until_drained("bob")
    early = len(texts_of(lines, "s5"))
    assert early == n // 2, "withhold: %d delivered before the release, want %d" % (early, n // 2)
    # bob talks meanwhile (one process per --state at a time: not while
    # listening); then the late half arrives.
    send_lines("bob", "alice", tags("s5r", 3))
    assert relay.release("bob") == n // 2
    lines += listen_until_drained("bob")
    assert_exactly_once(lines, want, "withhold", "s5")
    assert texts_of(listen_until_drained("alice"), "s5r") == tags("s5r", 3)
    # And the session goes on.
    after = tags("s5z", 20)
    send_lines("alice", "bob", after)
    assert texts_of(listen_until_drained("bob"), "s5z") == after


def test_withhold_over_2000():
    # More than the 2,000 message keys a receiver skips in one chain: the
    # relay holds back 2,001 messages and delivers the ones after them.
    held, after = tags("s10", 2001), tags("s10x", 4)
    base = mp_seen("bob")
    relay.set_hold("bob", lambda m: m.get("uf") == "alice" and e2e_kinds(m))
    send_lines("alice", "bob", held)
    relay.wait_seen("bob", base + len(held), kinds=MP)
    with relay.cond:
        box = relay.mailbox("bob")
        box.hold = None
    send_lines("alice", "bob", after)
    lines = listen_until_drained("bob")
    assert not texts_of(lines, "s10"), "a message too far ahead was shown"
    assert len(undecryptable(lines, "alice")) == len(after), \
        "too far ahead: %d marked undecryptable, want %d" % (
            len(undecryptable(lines, "alice")), len(after))
    # The session was not damaged: the held ones, released late, decrypt.
    assert relay.release("bob") >= len(held)
    lines = listen_until_drained("bob")
    assert_exactly_once(lines, held, "released after more than 2000", "s10-")
    # And the chat goes on.
    more = tags("s10z", 5)
    send_lines("alice", "bob", more)
    assert texts_of(listen_until_drained("bob"), "s10z") == more


def long_text(tag, n=20000):
    return tag + " " + ("%s " % tag) * (n // (len(tag) + 1))


def test_fragments():
    # Long messages go in fragments, each its own envelope. The relay drops
    # one fragment of one message, and interleaves and reverses the
    # fragments of two others.
    texts = [long_text("s11-%d" % i) for i in range(5)]
    base = mp_seen("bob")
    relay.set_hold("bob", lambda m: m.get("uf") == "alice" and e2e_kinds(m))
    send_lines("alice", "bob", texts)
    relay.wait_seen("bob", base + len(texts), kinds=MP)

    def rearrange(held):
        k = len(held) // len(texts)
        assert k >= 2 and k * len(texts) == len(held), "%d envelopes for %d texts" % (
            len(held), len(texts))
        frags = [held[i * k:(i + 1) * k] for i in range(len(texts))]
        out = frags[0]
        out += frags[1][:1] + frags[1][2:]                 # one fragment dropped
        out += [f for pair in zip(frags[2], frags[3]) for f in pair]  # interleaved
        out += frags[4][::-1]                              # reversed
        return out

    relay.release("bob", order=rearrange)
    lines = listen_until_drained("bob")
    got = [o.get("text", "") for o in lines if o.get("text", "").startswith("s11-")]
    assert not any(t.startswith("s11-1 ") for t in got), "a message missing a fragment was shown"
    want = [texts[0], texts[2], texts[3], texts[4]]
    assert sorted(got) == sorted(want), "fragments: %d whole messages shown, want %d" % (
        len([t for t in got if t in want]), len(want))
    # The chat goes on.
    after = tags("s11z", 3)
    send_lines("alice", "bob", after)
    lines = listen_until_drained("bob")
    assert texts_of(lines, "s11z") == after


def test_splice_relabel_strip_reflect():
    n = 60
    want = tags("s6", n)
    spliced, relabelled, stripped = set(), set(), set()
    prev = {}

    def fn(i, msg):
        if i % 10 == 2 and "m" in prev:
            spliced.add(want[i])
            return [dict(msg, ms=hr.splice(msg["ms"], prev["m"]["ms"]))]
        prev["m"] = msg
        if i % 10 == 5:
            relabelled.add(want[i])
            return [dict(msg, uf="carol")]
        if i % 10 == 8:
            stripped.add(want[i])
            return [dict(msg, ms="plain text from the relay %d" % i)]
        return [msg]

    lines = through_relay(fn, want)
    assert_never_shown(lines, spliced | relabelled | stripped, "splice/relabel/strip")
    good = [t for t in want if t not in spliced | relabelled | stripped]
    assert texts_of(lines, "s6") == good
    # Spliced: undecryptable from alice. Relabelled: nothing as carol's text.
    for o in lines:
        if o.get("from") == "carol":
            assert o.get("status") == "undecryptable" or o.get("e2e") is not True, \
                "a relabelled message was shown as carol's"
    plain = [o for o in lines if o.get("text", "").startswith("plain text from the relay")]
    assert len(plain) == len(stripped) and all(o.get("e2e") is False for o in plain), \
        "injected plain text not marked as not end-to-end encrypted"
    assert len(undecryptable(lines, "alice")) >= len(spliced)

    # No downgrade: bob's next messages to alice are still ciphertext.
    before = len(relay.seen("alice"))
    send_lines("bob", "alice", tags("s6r", 5))
    relay.wait_seen("alice", before + 5)
    for msg in relay.seen("alice")[before:]:
        assert hr.is_envelope(msg["ms"]), "bob sent plain text after receiving plain text"
    lines = listen_until_drained("alice")
    assert texts_of(lines, "s6r") == tags("s6r", 5)

    # Reflection: alice's own ciphertexts (to bob) handed back to her as bob's.
    own = [m for m in relay.seen("bob", kinds=("M", "P")) if m.get("uf") == "alice"][-5:]
    for m in own:
        relay.inject("alice", dict(m, id=hr.new_server_id(), uf="bob", ut="alice"))
    lines = listen_until_drained("alice")
    assert not texts_of(lines, "s6"), "alice was shown her own reflected message"


def smp(asker, answerer, secret, timeout=30):
    """asker runs verify, answerer listens with the same secret; returns verify's exit."""
    lst = Listener(answerer, smp_secret=secret)
    try:
        r = cli(asker, "--e2e", "--timeout", str(timeout), "verify", answerer,
                "--question", "Where did we meet?", smp_secret=secret, timeout=timeout + 30)
    finally:
        lst.stop()
    return r


def test_smp_and_key_swap():
    secret = secrets.token_urlsafe(9)
    # Control: no swap, SMP succeeds.
    r = smp("alice", "bob", secret)
    assert r.returncode == 0, "SMP without a man in the middle failed: %s" % r.stderr[-300:]

    # carol and dave have never talked; mallory and mallet publish keys.
    for user in ("mallory", "mallet"):
        publish(user)
    relay.keys_redirect[("carol", "dave")] = "mallory"
    relay.keys_redirect[("dave", "carol")] = "mallet"
    try:
        send_lines("carol", "dave", tags("s7c", 5))
        send_lines("dave", "carol", tags("s7d", 5))
        assert relay.stats["keys_swapped"] >= 2, "the relay did not swap any bundle"
        assert not texts_of(listen_until_drained("dave"), "s7"), "dave read mallory's chat"
        assert not texts_of(listen_until_drained("carol"), "s7"), "carol read mallet's chat"
        assert safety_number("carol", "dave") != safety_number("dave", "carol"), \
            "safety numbers agree through a man in the middle"
        r = smp("carol", "dave", secret, timeout=10)
        assert r.returncode == 1, "SMP through a man in the middle: exit %d" % r.returncode

        # Now a man in the middle that takes part: the relay hands what
        # carol sends dave to mallory (whose keys carol holds as dave's),
        # and what mallory sends carol to carol as dave's.
        def route(user, msg):
            if user == "dave" and msg.get("uf") == "carol":
                relay.inject("mallory", dict(msg, ut="mallory"))
                return []
            if user == "carol" and msg.get("uf") == "mallory":
                return [dict(msg, uf="dave")]
            return [msg]

        relay.on_deliver = route
        try:
            send_lines("carol", "dave", tags("s7e", 3))
            lines = listen_until_drained("mallory")
            assert texts_of(lines, "s7e") == tags("s7e", 3), "mallory did not read carol's chat"
            send_lines("mallory", "carol", tags("s7m", 3))
            lines = listen_until_drained("carol")
            shown = [o for o in lines if o.get("text", "").startswith("s7m")]
            # The chat works, as dave's, trusted on first use only.
            assert [(o["from"], o["e2e"], o["verified"]) for o in shown] == \
                [("dave", True, False)] * 3, "mallory's messages not shown as dave's"
            # Verification is what catches it: mallory does not
            # know the answer, and the run fails (not a timeout).
            lst = Listener("mallory", smp_secret=secrets.token_urlsafe(9))
            try:
                r = cli("carol", "--e2e", "--timeout", "30", "verify", "dave",
                        "--question", "Where did we meet?", smp_secret=secret, timeout=60)
            finally:
                lst.stop()
            assert r.returncode == 1 and b"did not match" in r.stderr, \
                "SMP with the man in the middle: exit %d" % r.returncode
        finally:
            relay.on_deliver = None
    finally:
        relay.keys_redirect.clear()


def test_one_time_prekey_twice():
    # The relay keeps the first bundle of erin it hands out (frank's) and
    # gives gina the same one again, with the one-time prekey frank used.
    publish("erin")
    relay.keys_reuse.add("erin")
    try:
        send_lines("frank", "erin", tags("s9f", 3))
        send_lines("gina", "erin", tags("s9g", 3))
        assert relay.stats.get("keys_reused", 0) >= 1, "the relay did not reuse a bundle"
    finally:
        relay.keys_reuse.clear()
    lines = listen_until_drained("erin")
    assert texts_of(lines, "s9f") == tags("s9f", 3), "the first session must work"
    assert not texts_of(lines, "s9g"), "a session on a used one-time prekey was accepted"
    assert len(undecryptable(lines, "gina")) >= 1, "gina's messages were not marked"


def publish(user):
    """Runs an e2e listen until the relay saw the user publish a bundle."""
    seen = threading.Event()

    def watch(name, pid, req):
        if name == user and pid == hr.KEYS and req.get("op") == "publish":
            seen.set()
        return req

    relay.on_request = watch
    try:
        lst = Listener(user)
        ok = seen.wait(30)
        lst.stop()
    finally:
        relay.on_request = None
    assert ok, "%s never published a bundle" % user


def test_key_change():
    # alice verified bob in test_smp_and_key_swap: his messages show so.
    send_lines("bob", "alice", tags("s8v", 2))
    lines = listen_until_drained("alice")
    assert [o.get("verified") for o in lines if o.get("text", "").startswith("s8v")] == \
        [True, True], "messages from a verified peer not marked verified"
    # bob reinstalls: a new --state, new keys published.
    STATE["bob"] = os.path.join(TMP, "bob-reinstalled")
    os.makedirs(STATE["bob"], mode=0o700)
    publish("bob")
    send_lines("bob", "alice", tags("s8n", 2))
    lines = listen_until_drained("alice")
    # Shown, but no longer as verified, the first one with the warning.
    shown = [o for o in lines if o.get("text", "").startswith("s8n")]
    assert len(shown) == 2 and not any(o.get("verified") for o in shown), \
        "messages under bob's new key: %d shown, verified %s" % (
            len(shown), [o.get("verified") for o in shown])
    assert shown[0].get("key_changed") is True, "no key-changed mark on alice's side"
    before = relay.count_seen("bob", kinds=MP, sender="alice")
    r = send_lines("alice", "bob", tags("s8x", 1), expect_ok=False)
    assert r.returncode == 6, "alice sent to a verified peer whose key changed: exit %d" % (
        r.returncode)
    assert "changed" in r.stderr.decode(), "no key-changed message"
    time.sleep(0.3)
    assert relay.count_seen("bob", kinds=MP, sender="alice") == before, \
        "something was sent to bob's new key before alice accepted it"
    r = cli("alice", "--e2e", "trust", "bob")
    assert r.returncode == 0, r.stderr[-300:]
    send_lines("alice", "bob", tags("s8y", 3))
    assert texts_of(listen_until_drained("bob"), "s8y") == tags("s8y", 3)


# --- main ------------------------------------------------------------------------

def cli_has_e2e():
    r = subprocess.run([CLI, "--help"], capture_output=True, timeout=30)
    return b"--e2e" in r.stdout


def kill_listeners():
    for lst in LISTENERS:
        if lst.proc.poll() is None:
            lst.proc.kill()
            lst.proc.wait()


def run(tests):
    failed = 0
    only = sys.argv[1:]
    for test in tests:
        if only and test.__name__ not in only:
            continue
        start = time.monotonic()
        try:
            test()
            relay.check()
            print("ok   %-40s %6.2fs  (%d messages sent so far)"
                  % (test.__name__, time.monotonic() - start, TOTAL["sent"]), flush=True)
        except Exception:
            failed += 1
            print("FAIL %s" % test.__name__, flush=True)
            import traceback
            traceback.print_exc()
            kill_listeners()
            return failed  # later scenarios build on earlier ones
    return failed


def main():
    global srv, relay, TMP
    for name in USERS:
        PW[name] = random_password()
    TMP = tempfile.mkdtemp(prefix="mimp-relay-test-")
    for name in USERS:
        STATE[name] = os.path.join(TMP, name)
        os.makedirs(STATE[name], mode=0o700)
    failed = 0
    skipped = False
    try:
        with MimpdServer(users=PW) as server:
            srv = server
            with hr.HostileRelay(server.port) as r:
                relay = r
                for name in USERS:
                    relay.watch(name, PW[name])
                failed = run([test_control_plain_mimp_is_defenceless])
                if not failed and not cli_has_e2e():
                    print("SKIP end-to-end scenarios: this mimp-cli has no --e2e", flush=True)
                    skipped = True
                elif not failed:
                    failed = run([
                        test_baseline,
                        test_tamper,
                        test_repair,
                        test_drop,
                        test_replay,
                        test_reorder,
                        test_withhold,
                        test_withhold_over_2000,
                        test_fragments,
                        test_splice_relabel_strip_reflect,
                        test_smp_and_key_swap,
                        test_one_time_prekey_twice,
                        test_key_change,
                    ])
                    if not failed and not sys.argv[1:]:
                        assert TOTAL["sent"] > 2000, "only %d messages" % TOTAL["sent"]
                    print("%d messages sent through the relay" % TOTAL["sent"], flush=True)
    finally:
        kill_listeners()
        shutil.rmtree(TMP, ignore_errors=True)
    sys.exit(1 if failed else (77 if skipped else 0))


if __name__ == "__main__":
    main()
