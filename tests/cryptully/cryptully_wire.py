"""Cryptully wire format for the test peers, written from the seed text
(docs/protocol.rst of the original) and the research doc's wire facts:

- frames: 4-byte big-endian length + JSON; the envelope has eight string
  keys, absent values are the string "None" (a sender may write payload null);
- DH over the original's 4096-bit group, g = 2; PUB_KEY payload = base64 of
  the ASCII decimal of g^x mod p;
- K = SHA-512(ASCII decimal of the shared secret); AES key K[0:32],
  IV K[32:48]; AES-256-CBC with PKCS#7, restarted from the IV per message;
  hmac = base64(HMAC-SHA256(key=AES key, ciphertext)); num = base64(AES(decimal
  counter)); counters per direction from 0;
- SMP: RFC 3526 group 14, g = 2, q = (p-1)/2; secret = answer bytes as a
  big-endian integer; c = int(SHA-256("<version digit><dec(a)>[<dec(b)>]"));
  lists packed as (4-byte big-endian length, big-endian magnitude)*.
Python ints for the arithmetic, python3-cryptography for AES.
"""
import base64
import hashlib
import hmac as hmac_mod
import json
import struct

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

DH_P = int(
    "a53d56c30fe79d43e3c9a0b678e87c0fcd2e78b15c676838d2a2bd6c299b1e7f"
    "db286d991f62e8f366b0067ae71d3d91dac4738fd744ee180b16c97a54215236"
    "d4d393a4c85d8b390783566c1b0d55421a89fca20b85e0faecded7983d038821"
    "778b6504105f455d8655953d0b62841e9cc1248fa21834bc9f3e3cc1c080cfcb"
    "0b230fd9a2059f5f637395dfa701981fad0dbeb545e2e29cd20f7b6baee93140"
    "39e16ef19f604746fe596d50bb3967da51b948184d8d4511f2c0b8e4b4e3abc4"
    "4144ce1f5968aadd053600a40430ba97ad9e0ad26fe4c444be3f48434a68aa13"
    "2b1677d8442454fe4c6ae9d3b7164e6603f1c8a8f5b5235ba0b9f5b5f86278e4"
    "f69eb4d5388838ef15678535589516a1d85d127da8f46f150613c8a49258be2e"
    "d53c3e161d0049cabb40d15f9042a00c494746753b9794a9f66a93b67498c7c5"
    "9b8253a910457c10353fa8e2edcafdf6c9354a3dc58b5a825c353302d686596c"
    "11e4855e86f3c6810f9a4abf917f69a6083330492aedb5621ebc3fd59778a40e"
    "0a7fa8450c8b2c6fe3923775419b2ea35cd19abe62c50020df991d9fc772d16d"
    "d5208468dc7a9b51c6723495fe0e72e818ee2b2a8581fab2caf6bd914e487657"
    "3b023862286ec88a698be2dd34c03925ab5ca0f50f0b2a246ab852e3779f0cf9"
    "d3e36f9ab9a50602d5e9216c3a29994e81e151accd88ea346d1be6588068e873", 16)
DH_G = 2

SMP_P = int(
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74"
    "020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F1437"
    "4FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF05"
    "98DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB"
    "9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B"
    "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF695581718"
    "3995497CEA956AE515D2261898FA051015728E5A8AACAA68FFFFFFFFFFFFFFFF", 16)
SMP_Q = (SMP_P - 1) // 2
SMP_G = 2

FIELDS = ["serverCommand", "clientCommand", "sourceNick", "destNick",
          "payload", "hmac", "error", "num"]
FRAME_MAX = 1024 * 1024


class ProtocolError(Exception):
    def __init__(self, code, what=""):
        super().__init__("error %d %s" % (code, what))
        self.code = code


def envelope(**values):
    """Every key present; absent ones are "None" as the original writes."""
    return {k: ("None" if values.get(k) is None else str(values[k])) for k in FIELDS}


def encode_frame(obj):
    data = obj if isinstance(obj, bytes) else json.dumps(obj).encode("ascii")
    return struct.pack("!I", len(data)) + data


def recv_exact(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise EOFError()
        buf += chunk
    return buf


def recv_frame(sock, limit=FRAME_MAX):
    (n,) = struct.unpack("!I", recv_exact(sock, 4))
    if n > limit:
        raise ProtocolError(7, "frame too large")
    return recv_exact(sock, n)


def parse_envelope(data):
    obj = json.loads(data.decode("utf-8"))
    if not isinstance(obj, dict):
        raise KeyError("not an object")
    out = {}
    for k in FIELDS:
        v = obj[k]  # KeyError when missing, as the original relay
        out[k] = None if v is None or v == "None" else str(v)
    return out


def is_valid_nick(nick):
    return (nick is not None and 0 < len(nick) <= 32
            and all(c.isascii() and c.isalnum() for c in nick))


# Deterministic randomness for fixed exponents (tests only).
class Rand:
    def __init__(self, seed):
        self.seed = seed.encode()
        self.counter = 0

    def bytes(self, n):
        out = b""
        while len(out) < n:
            out += hashlib.sha512(self.seed + b"/" + str(self.counter).encode()).digest()
            self.counter += 1
        return out[:n]

    def int(self, n):
        return int.from_bytes(self.bytes(n), "big")


def derive_keys(secret):
    k = hashlib.sha512(str(secret).encode("ascii")).digest()
    return k[0:32], k[32:48]


def aes_encrypt(key, iv, data):
    padder = padding.PKCS7(128).padder()
    padded = padder.update(data) + padder.finalize()
    enc = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    return enc.update(padded) + enc.finalize()


def aes_decrypt(key, iv, data):
    dec = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
    padded = dec.update(data) + dec.finalize()
    unpadder = padding.PKCS7(128).unpadder()
    return unpadder.update(padded) + unpadder.finalize()


class Session:
    """The encrypted part of one chat: counters per direction."""

    def __init__(self, secret):
        self.key, self.iv = derive_keys(secret)
        self.out_num = 0
        self.in_num = 0

    def seal(self, data, num=None):
        if num is None:
            num = self.out_num
            self.out_num += 1
        ct = aes_encrypt(self.key, self.iv, data)
        mac = hmac_mod.new(self.key, ct, hashlib.sha256).digest()
        enc_num = aes_encrypt(self.key, self.iv, str(num).encode("ascii"))
        return (base64.b64encode(ct).decode(), base64.b64encode(mac).decode(),
                base64.b64encode(enc_num).decode())

    def open(self, payload, mac, num):
        try:
            ct = base64.b64decode(payload or "", validate=True)
            given = base64.b64decode(mac or "", validate=True)
        except ValueError:
            raise ProtocolError(10)
        want = hmac_mod.new(self.key, ct, hashlib.sha256).digest()
        if not hmac_mod.compare_digest(want, given):
            raise ProtocolError(10)
        try:
            n = int(aes_decrypt(self.key, self.iv, base64.b64decode(num or "")).decode("ascii"))
        except (ValueError, UnicodeDecodeError):
            raise ProtocolError(11)
        if n < self.in_num:
            raise ProtocolError(18)
        if n > self.in_num:
            raise ProtocolError(19)
        self.in_num += 1
        try:
            return aes_decrypt(self.key, self.iv, ct)
        except ValueError:
            raise ProtocolError(11)


def dh_public(x):
    return pow(DH_G, x, DH_P)


def pubkey_payload(value):
    return base64.b64encode(str(value).encode("ascii")).decode()


def dh_secret(x, payload):
    peer = int(base64.b64decode(payload).decode("ascii"))
    if peer <= 1 or peer >= DH_P - 1:
        raise ProtocolError(3, "bad public value")
    return pow(peer, x, DH_P)


# SMP (written from the research doc's description of the original).

def pack(values):
    out = b""
    for v in values:
        b = v.to_bytes((v.bit_length() + 7) // 8, "big") if v else b""
        out += struct.pack("!I", len(b)) + b
    return out


def unpack(data, n):
    values, i = [], 0
    while i < len(data):
        if i + 4 > len(data):
            raise ProtocolError(16)
        (length,) = struct.unpack("!I", data[i:i + 4])
        i += 4
        if i + length > len(data):
            raise ProtocolError(16)
        values.append(int.from_bytes(data[i:i + length], "big"))
        i += length
    if len(values) != n:
        raise ProtocolError(16)
    return values


def smp_hash(version, a, b=None):
    text = version + str(a) + ("" if b is None else str(b))
    return int.from_bytes(hashlib.sha256(text.encode("ascii")).digest(), "big")


def valid(v):
    return 2 <= v <= SMP_P - 2


class Smp:
    """One run. Initiator: step1, step3, step5; responder: step2, step4."""

    def __init__(self, answer, rand, tamper=False):
        self.secret = int.from_bytes(answer.encode("utf-8"), "big")
        self.rand = rand
        self.tamper = tamper
        self.match = False

    def exp(self):
        return self.rand.int(192)

    def _spoil(self, c):
        # A tampered proof: a challenge that cannot check.
        return c ^ 1 if self.tamper else c

    def prove_log(self, version, x):
        r = self.exp()
        c = smp_hash(version, pow(SMP_G, r, SMP_P))
        return self._spoil(c), (r - x * c) % SMP_Q

    @staticmethod
    def check_log(version, value, c, d):
        t = pow(SMP_G, d, SMP_P) * pow(value, c, SMP_P) % SMP_P
        return smp_hash(version, t) == c

    def prove_coords(self, version, g2, g3, r):
        r1, r2 = self.exp(), self.exp()
        t1 = pow(g3, r1, SMP_P)
        t2 = pow(SMP_G, r1, SMP_P) * pow(g2, r2, SMP_P) % SMP_P
        c = smp_hash(version, t1, t2)
        return self._spoil(c), (r1 - r * c) % SMP_Q, (r2 - self.secret * c) % SMP_Q

    @staticmethod
    def check_coords(version, c, d1, d2, g2, g3, p, q):
        t1 = pow(g3, d1, SMP_P) * pow(p, c, SMP_P) % SMP_P
        t2 = pow(SMP_G, d1, SMP_P) * pow(g2, d2, SMP_P) * pow(q, c, SMP_P) % SMP_P
        return smp_hash(version, t1, t2) == c

    def prove_equal_logs(self, version, qab, x):
        r = self.exp()
        c = smp_hash(version, pow(SMP_G, r, SMP_P), pow(qab, r, SMP_P))
        return self._spoil(c), (r - x * c) % SMP_Q

    @staticmethod
    def check_equal_logs(version, c, d, g3, qab, r):
        t1 = pow(SMP_G, d, SMP_P) * pow(g3, c, SMP_P) % SMP_P
        t2 = pow(qab, d, SMP_P) * pow(r, c, SMP_P) % SMP_P
        return smp_hash(version, t1, t2) == c

    def step1(self):
        self.x2, self.x3 = self.exp(), self.exp()
        c1, d1 = self.prove_log("1", self.x2)
        c2, d2 = self.prove_log("2", self.x3)
        return pack([pow(SMP_G, self.x2, SMP_P), pow(SMP_G, self.x3, SMP_P), c1, d1, c2, d2])

    def step2(self, data):
        g2a, g3a, c1, d1, c2, d2 = unpack(data, 6)
        if not (valid(g2a) and valid(g3a) and self.check_log("1", g2a, c1, d1)
                and self.check_log("2", g3a, c2, d2)):
            raise ProtocolError(16)
        self.peer_g3 = g3a
        self.x2, self.x3, r = self.exp(), self.exp(), self.exp()
        c3, d3 = self.prove_log("3", self.x2)
        c4, d4 = self.prove_log("4", self.x3)
        self.g2 = pow(g2a, self.x2, SMP_P)
        self.g3 = pow(g3a, self.x3, SMP_P)
        self.pb = pow(self.g3, r, SMP_P)
        self.qb = pow(SMP_G, r, SMP_P) * pow(self.g2, self.secret, SMP_P) % SMP_P
        c5, d5, d6 = self.prove_coords("5", self.g2, self.g3, r)
        return pack([pow(SMP_G, self.x2, SMP_P), pow(SMP_G, self.x3, SMP_P), self.pb, self.qb,
                     c3, d3, c4, d4, c5, d5, d6])

    def step3(self, data):
        g2b, g3b, pb, qb, c3, d3, c4, d4, c5, d5, d6 = unpack(data, 11)
        if not (all(valid(v) for v in (g2b, g3b, pb, qb)) and self.check_log("3", g2b, c3, d3)
                and self.check_log("4", g3b, c4, d4)):
            raise ProtocolError(16)
        self.g2 = pow(g2b, self.x2, SMP_P)
        self.g3 = pow(g3b, self.x3, SMP_P)
        if not self.check_coords("5", c5, d5, d6, self.g2, self.g3, pb, qb):
            raise ProtocolError(16)
        self.peer_g3, self.pb, self.qb = g3b, pb, qb
        s = self.exp()
        self.pa = pow(self.g3, s, SMP_P)
        self.qa = pow(SMP_G, s, SMP_P) * pow(self.g2, self.secret, SMP_P) % SMP_P
        c6, d7, d8 = self.prove_coords("6", self.g2, self.g3, s)
        qab = self.qa * pow(qb, SMP_P - 2, SMP_P) % SMP_P
        ra = pow(qab, self.x3, SMP_P)
        c7, d9 = self.prove_equal_logs("7", qab, self.x3)
        return pack([self.pa, self.qa, ra, c6, d7, d8, c7, d9])

    def step4(self, data):
        pa, qa, ra, c6, d7, d8, c7, d9 = unpack(data, 8)
        if not all(valid(v) for v in (pa, qa, ra)):
            raise ProtocolError(16)
        qab = qa * pow(self.qb, SMP_P - 2, SMP_P) % SMP_P
        if not (self.check_coords("6", c6, d7, d8, self.g2, self.g3, pa, qa)
                and self.check_equal_logs("7", c7, d9, self.peer_g3, qab, ra)):
            raise ProtocolError(16)
        rb = pow(qab, self.x3, SMP_P)
        c8, d10 = self.prove_equal_logs("8", qab, self.x3)
        self.match = pow(ra, self.x3, SMP_P) == pa * pow(self.pb, SMP_P - 2, SMP_P) % SMP_P
        return pack([rb, c8, d10])

    def step5(self, data):
        rb, c8, d10 = unpack(data, 3)
        qab = self.qa * pow(self.qb, SMP_P - 2, SMP_P) % SMP_P
        if not (valid(rb) and self.check_equal_logs("8", c8, d10, self.peer_g3, qab, rb)):
            raise ProtocolError(16)
        self.match = pow(rb, self.x3, SMP_P) == self.pa * pow(self.pb, SMP_P - 2, SMP_P) % SMP_P
