#!/usr/bin/python3
"""Writes the seed corpus of fuzz-miricat-packet into corpus/miricat-packet/.

The first byte chooses the dialect (bit 0: javacat) and the packet limit
(the rest); the key is the fuzz target's fixed key. Run it again after
changing it; the files are small and committed.
    /usr/bin/python3 tests/fuzz/make-corpus-miricat.py
"""
import base64
import hashlib
import json
import os
import shutil

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

HERE = os.path.dirname(os.path.abspath(__file__))
KEY = b"0123456789abcdef0123456789abcdef"
YEMU, JAVACAT = 0, 1


def enc(data):
    c = Cipher(algorithms.AES(KEY), modes.CTR(b"\0" * 16)).encryptor()
    return base64.b64encode(c.update(data) + c.finalize())


def js(obj):
    return json.dumps(obj, separators=(",", ":")).encode()


yemu_stream = (js({"type": 0, "data": {"publicKey": "8"}}) +
               js({"type": 1, "data": {"http": "null:3073", "accessToken": "t"}}) +
               enc(js({"type": 8,
                       "data": {"username": "bob", "allUsers": ["", "alice", "bob"]}})) +
               enc(js({"type": 7, "data": {"username": "bob", "message": "hi {}"}})) +
               enc(js({"type": 7, "data": {"username": "b", "message": "miricat-image:a.png"}})) +
               enc(js({"type": 9, "data": {"username": "bob"}})) +
               enc(js({"type": 12, "data": {"accessToken": "u"}})) +
               js({"type": 4, "data": "User password incorrect"}))


def line(obj, encrypt):
    text = js(obj) + b"\n"
    return (enc(text) + b"\n") if encrypt else (text + b"\n")


javacat_stream = (
    line({"type": "Handshake.Handshake", "data": {"version": "2.0.0", "publicKey": "08"}}, False) +
    line({"type": "Authentication.Accepted",
          "data": {"http": "http://localhost:3073", "heartbeatRate": 10000,
                   "rooms": [{"id": 1, "name": "general", "allUsers": ["bob"]}]}}, True) +
    line({"type": "Authentication.UpdateAccessToken", "data": {"accessToken": "t"}}, True) +
    line({"type": "Error.AccessDenied", "data": None}, True) +
    line({"type": "Room.Joined", "data": {"room": 1, "user": "alice",
                                          "allUsers": ["bob", "alice"]}}, True) +
    line({"type": "Message.TextMessage", "data": {"text": "hi", "user": "bob", "time": 1}}, True) +
    line({"type": "Message.ImageMessage", "data": {"image": "a.png", "user": "bob",
                                                   "time": 2}}, True) +
    line({"type": "Room.Left", "data": {"room": 1, "user": "bob"}}, True) +
    line({"type": "Error.HeartbeatTimeout", "data": None}, False))

items = [
    bytes([YEMU]) + yemu_stream,
    bytes([YEMU | (4 << 1)]) + yemu_stream,
    bytes([YEMU]) + yemu_stream[:-7],
    bytes([YEMU]) + b'{"a":[{"b":"}"}]}  \x00garbage',
    bytes([YEMU]) + enc(b'{"type":2}  ') + b"==",
    bytes([JAVACAT]) + javacat_stream,
    bytes([JAVACAT | (3 << 1)]) + javacat_stream,
    bytes([JAVACAT]) + b"\n\r\n" + b"A" * 200 + b"\n",
    bytes([JAVACAT]) + b'{"type":"Nope.Nope"}\n{"type":7}\n',
]

d = os.path.join(HERE, "corpus", "miricat-packet")
shutil.rmtree(d, ignore_errors=True)
os.makedirs(d)
for data in items:
    with open(os.path.join(d, hashlib.sha256(data).hexdigest()[:16]), "wb") as f:
        f.write(data)
