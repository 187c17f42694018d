#!/usr/bin/python3
"""A Miricat test server in both dialects, with its HTTP side.

Written from the seed text (the Miricat Chat Protocol 1.0 description) and
the wire facts of docs/research/seed-protocols.md (sections 1 and 6), not
from the original servers' code:

- yemu: Miricat 1.0 as the Yemu server speaks it: numeric types in Yemu's
  numbering, no framing (each packet one write; we split what arrives by
  brace matching and base64 decoding), plaintext handshake, Accepted and
  errors, encrypted events; Accepted and the first UserAdd go out in one
  write on purpose; one client per IP address unless --allow-same-ip.
- javacat: Miricat 2.0.0 as javacat speaks it: one packet per line, string
  types, plaintext packets followed by an empty line, errors with
  "data": null, no "room" field in server packets, AccessDenied before
  joining a room anyway, heartbeats, plaintext accepted at any time.

Both: DH on RFC 3526 group 5 with g = 2, the dialect's key derivation,
AES-256-CTR with a zero IV restarted for every packet, base64 framing.
HTTP: POST /register, POST /images, GET /images/NAME,
GET|POST /user/NAME/avatar with the bare "Authorization: TOKEN" header.

Usage: miricat_server.py --dialect yemu|javacat [--users FILE] ...
Prints "PORTS TCP HTTP" on standard output once listening. Users come from
a JSON file {"name": "password"} so that no password is on a command line.

--hostile MODE makes it a broken server for the hostile tests.

SPDX-License-Identifier: GPL-3.0-or-later
"""

import argparse
import asyncio
import base64
import email.parser
import email.policy
import hashlib
import http.server
import json
import os
import random
import secrets
import socket
import sys
import threading
import time

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

P = int(
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD1"
    "29024E088A67CC74020BBEA63B139B22514A08798E3404DD"
    "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245"
    "E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3D"
    "C2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F"
    "83655D23DCA3AD961C62F356208552BB9ED529077096966D"
    "670C354E4ABC9804F1746C08CA237327FFFFFFFFFFFFFFFF", 16)
G = 2
MAX_PACKET = 1 << 20

# Yemu's numbering, server to client.
Y_HANDSHAKE, Y_ACCEPTED = 0, 1
Y_PASSWORD_REQUIRED, Y_INVALID_PASSWORD, Y_ALREADY_CONNECTED = 3, 4, 5
Y_USER_MESSAGE, Y_USER_ADD, Y_USER_REMOVE = 7, 8, 9
Y_AUTH_DATA_INVALID, Y_MESSAGE_DATA_INVALID, Y_UPDATE_TOKEN = 10, 11, 12
Y_NOT_REGISTERED, Y_HANDSHAKE_REQUIRED, Y_HANDSHAKE_DATA_INVALID = 13, 14, 15
Y_TEXT = {
    3: "User password required", 4: "User password incorrect",
    5: "User with this nickname or ip address already connected",
    10: "Exception: AUTH: No username", 11: "Exception: USER_MESSAGE: No message",
    13: "User not registered", 14: "Handshake required", 15: "Handshake data invalid",
}


def ctr(key, data):
    c = Cipher(algorithms.AES(key), modes.CTR(b"\0" * 16)).encryptor()
    return c.update(data) + c.finalize()


def derive_key(dialect, secret):
    if dialect == "yemu":
        return format(secret, "x")[:32].encode("ascii")
    return secret.to_bytes(192, "big")[:32]


def public_hex(dialect, value):
    if dialect == "yemu":
        return format(value, "x")
    # Java's BigInteger.toByteArray(): big-endian two's complement.
    return value.to_bytes(value.bit_length() // 8 + 1, "big").hex().upper()


def json_end(data):
    """Index after the first JSON object in data (bytes), or None if incomplete.
    Raises ValueError when data does not start with an object."""
    depth, in_str, esc = 0, False, False
    if not data.startswith(b"{"):
        raise ValueError("not an object")
    for i, c in enumerate(data):
        ch = chr(c)
        if in_str:
            if esc:
                esc = False
            elif ch == "\\":
                esc = True
            elif ch == '"':
                in_str = False
        elif ch == '"':
            in_str = True
        elif ch in "{[":
            depth += 1
        elif ch in "}]":
            depth -= 1
            if depth == 0:
                return i + 1
    return None


B64 = set(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")


class State:
    def __init__(self, args, users):
        self.args = args
        self.users = users  # name -> password
        self.avatars = {}  # name -> (type, bytes)
        self.images = {}  # name -> (type, bytes)
        self.tokens = {}  # token -> name
        self.clients = []
        self.lock = threading.Lock()
        self.exponent = random.SystemRandom().getrandbits(320) | 2
        self.public = pow(G, self.exponent, P)
        self.rooms = {i + 1: {"name": n, "members": []}
                      for i, n in enumerate(args.rooms.split(",")) if n}

    def new_token(self, name):
        token = base64.b64encode(secrets.token_bytes(8)).decode() + \
            base64.b64encode(hashlib.sha1(name.encode()).digest()).decode()
        with self.lock:
            self.tokens[token] = name
        return token


class Client:
    def __init__(self, state, reader, writer):
        self.state = state
        self.reader = reader
        self.writer = writer
        self.dialect = state.args.dialect
        self.key = None
        self.name = ""
        self.online = False
        self.buf = b""
        self.last_ping = time.monotonic()
        self.tasks = []
        self.closed = False
        peer = writer.get_extra_info("peername")
        self.ip = peer[0] if peer else "?"

    # Output
    def raw(self, data):
        if not self.closed:
            self.writer.write(data)

    def frame(self, obj, encrypt):
        text = json.dumps(obj, separators=(",", ":"))
        if self.dialect == "yemu":
            data = text.encode()
            return base64.b64encode(ctr(self.key, data)) if encrypt else data
        data = (text + "\n").encode()  # the "\n" of toJson(), then println
        if encrypt:
            return base64.b64encode(ctr(self.key, data)) + b"\n"
        return data + b"\n"

    def send(self, obj, encrypt):
        self.raw(self.frame(obj, encrypt))

    def yemu(self, typ, data, encrypt):
        self.send({"type": typ, "data": data}, encrypt)

    def yemu_error(self, typ):
        self.yemu(typ, Y_TEXT[typ], False)

    def jc(self, typ, data, encrypt=True, **extra):
        obj = {"type": typ, "data": data}
        self.send(obj, encrypt)

    def jc_error(self, name, encrypt=True):
        self.jc("Error." + name, None, encrypt)

    def close(self):
        if not self.closed:
            self.closed = True
            self.writer.close()

    # Input
    def next_yemu(self):
        self.buf = self.buf.lstrip()
        if not self.buf:
            return None
        if self.buf.startswith(b"{"):
            end = json_end(self.buf)
            if end is None:
                if len(self.buf) > MAX_PACKET:
                    raise ValueError("too large")
                return None
            text, self.buf = self.buf[:end], self.buf[end:]
            return text
        if self.key is None:
            raise ValueError("encrypted before handshake")
        run = 0
        while run < len(self.buf) and self.buf[run] in B64:
            run += 1
        pad = 0
        while pad < 2 and run + pad < len(self.buf) and self.buf[run + pad] == ord("="):
            pad += 1
        if pad and (run + pad) % 4:
            if run + pad == len(self.buf):
                return None  # the rest of the padding is still to come
            raise ValueError("broken base64")
        usable = (run + pad) // 4 * 4
        if usable == 0:
            if run == len(self.buf):
                return None
            raise ValueError("garbage")
        plain = ctr(self.key, base64.b64decode(self.buf[:usable]))
        end = json_end(plain)
        if end is None:
            if pad or run + pad < len(self.buf):
                raise ValueError("truncated")
            return None
        if pad and not plain[end:].strip():
            used = usable
        elif end % 3 == 0:
            used = end // 3 * 4
        else:
            return None
        self.buf = self.buf[used:]
        return plain[:end]

    def next_javacat(self):
        while True:
            nl = self.buf.find(b"\n")
            if nl < 0:
                if len(self.buf) > MAX_PACKET:
                    raise ValueError("too large")
                return None
            line, self.buf = self.buf[:nl].strip(), self.buf[nl + 1:]
            if not line:
                # javacat answers an empty line with an error
                self.jc_error("PacketDataIncorrect", False)
                continue
            if self.key is not None:
                try:
                    return ctr(self.key, base64.b64decode(line, validate=True)).strip()
                except Exception:
                    pass  # javacat falls back to plaintext
            return line

    async def run(self):
        mode = self.state.args.hostile
        try:
            if mode:
                await self.hostile(mode)
                return
            while True:
                data = await self.reader.read(65536)
                if not data:
                    break
                self.buf += data
                while True:
                    try:
                        packet = (self.next_yemu() if self.dialect == "yemu"
                                  else self.next_javacat())
                    except ValueError:
                        if self.dialect == "yemu":
                            self.yemu_error(Y_HANDSHAKE_DATA_INVALID)
                        self.close()
                        return
                    if packet is None:
                        break
                    try:
                        obj = json.loads(packet)
                        assert isinstance(obj, dict)
                    except Exception:
                        if self.dialect == "javacat":
                            self.jc_error("PacketDataIncorrect", False)
                            continue
                        self.close()
                        return
                    if self.dialect == "yemu":
                        self.handle_yemu(obj)
                    else:
                        self.handle_javacat(obj)
                    if self.closed:
                        return
                await self.writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            self.gone()

    def gone(self):
        for t in self.tasks:
            t.cancel()
        st = self.state
        if self in st.clients:
            st.clients.remove(self)
        with st.lock:
            for t in [t for t, n in st.tokens.items() if n == self.name and self.online]:
                del st.tokens[t]
        if self.dialect == "yemu" and self.online:
            for c in st.clients:
                if c.key is not None:
                    c.yemu(Y_USER_REMOVE, {"username": self.name}, True)
        for room in st.rooms.values():  # javacat: silently
            if self in room["members"]:
                room["members"].remove(self)
        self.close()

    # Yemu
    def handle_yemu(self, obj):
        st, typ, data = self.state, obj.get("type"), obj.get("data")
        if self.key is None:
            if typ != 0:
                self.yemu_error(Y_HANDSHAKE_REQUIRED)
                return
            try:
                peer = int(data["publicKey"], 16)
            except Exception:
                self.yemu_error(Y_HANDSHAKE_DATA_INVALID)
                return
            if not st.args.allow_same_ip:
                for c in list(st.clients):  # identity by address: the new one replaces
                    if c is not self and c.ip == self.ip:
                        c.close()
            self.key = derive_key("yemu", pow(peer, st.exponent, P))
            self.yemu(Y_HANDSHAKE, {"publicKey": public_hex("yemu", st.public)}, False)
            return
        if typ == 1:
            name = data.get("username") if isinstance(data, dict) else None
            if not name:
                self.yemu_error(Y_AUTH_DATA_INVALID)
                return
            if any(c.online and c.name == name for c in st.clients):
                self.yemu_error(Y_ALREADY_CONNECTED)
                self.close()
                return
            if st.args.registration == "required":
                if name not in st.users:
                    self.yemu_error(Y_NOT_REGISTERED)
                    self.close()
                    return
                if data.get("password") is None:
                    self.yemu_error(Y_PASSWORD_REQUIRED)
                    return
                if data["password"] != st.users[name]:
                    self.yemu_error(Y_INVALID_PASSWORD)
                    return
            self.name, self.online = name, True
            token = st.new_token(name)
            http = "%s:%d" % (st.args.http_address, st.http_port)
            accepted = self.frame({"type": Y_ACCEPTED,
                                   "data": {"http": http, "accessToken": token}}, False)
            everyone = [c.name for c in st.clients]
            add = {"type": Y_USER_ADD, "data": {"username": name, "allUsers": everyone}}
            # Two replies close together arrive in one read: on purpose.
            self.raw(accepted + self.frame(add, True))
            for c in st.clients:
                if c is not self and c.key is not None:
                    c.send(add, True)
            self.tasks.append(asyncio.ensure_future(self.token_timer()))
        elif typ == 2:
            msg = data.get("message") if isinstance(data, dict) else None
            if not msg:
                self.yemu_error(Y_MESSAGE_DATA_INVALID)
                return
            for c in st.clients:
                if c.key is not None:
                    c.yemu(Y_USER_MESSAGE, {"username": self.name, "message": msg}, True)

    async def token_timer(self):
        while True:
            await asyncio.sleep(self.state.args.token_interval)
            token = self.state.new_token(self.name)
            if self.dialect == "yemu":
                self.yemu(Y_UPDATE_TOKEN, {"accessToken": token}, True)
            else:
                self.jc("Authentication.UpdateAccessToken", {"accessToken": token})

    # javacat
    def handle_javacat(self, obj):
        st = self.state
        typ, data = obj.get("type"), obj.get("data") or {}
        if not isinstance(typ, str) or not isinstance(data, dict):
            self.jc_error("PacketDataIncorrect", False)
            return
        if typ == "Handshake.Handshake":
            if self.key is not None:
                return
            if data.get("version") is None or data.get("publicKey") is None:
                self.jc_error("PacketDataIncorrect", False)
                return
            if data["version"] != "2.0.0":
                self.jc_error("UnsupportedVersion", False)
                return
            try:
                peer = int.from_bytes(bytes.fromhex(data["publicKey"]), "big")  # byte pairs
            except ValueError:
                self.jc_error("PacketDataIncorrect", False)
                return
            self.key = derive_key("javacat", pow(peer, st.exponent, P))
            self.jc("Handshake.Handshake",
                    {"version": "2.0.0", "publicKey": public_hex("javacat", st.public)}, False)
        elif typ == "Authentication.Login" and self.key is not None and not self.online:
            name, password = data.get("username"), data.get("password")
            if name not in st.users:
                self.jc_error("UserNotFound")
            elif not password:
                self.jc_error("UserPasswordRequired")
            elif password != st.users[name]:
                self.jc_error("UserPasswordInvalid")
            else:
                self.name, self.online = name, True
                rooms = [{"id": i, "name": r["name"],
                          "allUsers": [c.name for c in r["members"]]}
                         for i, r in st.rooms.items()]
                self.jc("Authentication.Accepted",
                        {"http": "http://%s:%d" % (st.args.http_address, st.http_port),
                         "rooms": rooms, "heartbeatRate": st.args.heartbeat_rate})
                self.jc("Authentication.UpdateAccessToken", {"accessToken": st.new_token(name)})
                self.last_ping = time.monotonic()
                self.tasks.append(asyncio.ensure_future(self.token_timer()))
                self.tasks.append(asyncio.ensure_future(self.heartbeat_check()))
        elif typ == "Heartbeat.Ping":
            self.last_ping = time.monotonic()
        elif not self.online:
            return
        elif typ in ("Room.Join", "Room.Leave"):
            self.jc_error("AccessDenied")  # and then do it anyway, as javacat does
            room = st.rooms.get(data.get("room"))
            if room is None:
                self.jc_error("RoomNotFound")
            elif typ == "Room.Join":
                if self not in room["members"]:
                    room["members"].append(self)
                joined = {"room": data["room"], "user": self.name,
                          "allUsers": [c.name for c in room["members"]]}
                for c in room["members"]:
                    c.jc("Room.Joined", joined)
            else:
                left = {"room": data["room"], "user": self.name}
                self.jc("Room.Left", left)
                if self in room["members"]:
                    room["members"].remove(self)
                for c in room["members"]:
                    c.jc("Room.Left", left)
        elif typ in ("Message.CreateTextMessage", "Message.CreateImageMessage"):
            field = "text" if typ.endswith("TextMessage") else "image"
            room = st.rooms.get(obj.get("room"))
            if not data.get(field):
                self.jc_error("PacketDataIncorrect")
            elif room is None:
                self.jc_error("RoomNotFound")
            else:
                out = {field: data[field], "user": self.name, "time": int(time.time() * 1000)}
                kind = "Message.TextMessage" if field == "text" else "Message.ImageMessage"
                for c in room["members"]:  # the "room" field is dropped
                    c.jc(kind, out)

    async def heartbeat_check(self):
        rate = self.state.args.heartbeat_rate / 1000
        while True:
            await asyncio.sleep(rate)
            if time.monotonic() - self.last_ping > 3 * rate:
                self.jc_error("HeartbeatTimeout", False)
                self.close()
                return

    # Broken servers
    async def hostile(self, mode):
        st = self.state
        await self.reader.read(65536)
        if mode == "stall":
            await self.reader.read()
            return
        nl = b"\n" if self.dialect == "javacat" else b""
        if mode == "garbage":
            self.raw(b"\x00\xff\xfe garbage \x01\x02" + nl)
        elif mode == "huge":
            chunk = (b"A" * 65536) if self.dialect == "javacat" else b'{"a":"' + b"x" * 65530
            for _ in range(48):  # 3 MiB, more than any limit of ours
                self.raw(chunk)
                await self.writer.drain()
        elif mode == "invalid-json":
            self.raw(b'{"type":0,"data":{"publicKey":]}' + nl)
        elif mode == "deep":
            self.raw(b"[" * 0 + b"{" + b'"a":[' * 5000 + nl)
        elif mode == "truncated":
            text = self.frame({"type": 0 if self.dialect == "yemu" else "Handshake.Handshake",
                               "data": {"version": "2.0.0", "publicKey": public_hex(
                                   self.dialect, st.public)}}, False)
            self.raw(text[:len(text) // 2])
            await self.writer.drain()
            self.close()
            return
        elif mode.startswith("dh-"):
            value = {"dh-zero": "0", "dh-one": "1", "dh-pminus1": format(P - 1, "x"),
                     "dh-p": format(P, "x"), "dh-badhex": "xyz"}[mode]
            typ = 0 if self.dialect == "yemu" else "Handshake.Handshake"
            self.send({"type": typ, "data": {"version": "2.0.0", "publicKey": value}}, False)
        elif mode == "wrong-type":
            # Answers the other dialect's handshake.
            if self.dialect == "yemu":
                self.raw(b'{"type":"Handshake.Handshake","data":{"publicKey":"02"}}')
            else:
                self.raw(b'{"type":0,"data":{"publicKey":"02"}}\n')
        await self.writer.drain()
        await self.reader.read()  # keep it open until the client goes


def make_http_handler(state, loop):
    args = state.args

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):  # never log requests (tokens, names)
            pass

        def reply(self, code, body, ctype="text/plain"):
            if isinstance(body, str):
                body = body.encode()
            self.send_response(code)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def body(self):
            n = int(self.headers.get("Content-Length") or 0)
            if n > 20 * 1024 * 1024:
                raise ValueError("too large")
            return self.rfile.read(n)

        def user(self):
            token = self.headers.get("Authorization")
            if token is None:
                return None
            with state.lock:
                return state.tokens.get(token)

        def form(self, raw):
            msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
                b"Content-Type: " + self.headers.get("Content-Type", "").encode() +
                b"\r\n\r\n" + raw)
            fields = {}
            if msg.is_multipart():
                for part in msg.iter_parts():
                    name = part.get_param("name", header="content-disposition")
                    fields[name] = (part.get_content_type(), part.get_payload(decode=True),
                                    part.get_filename())
            return fields

        def token_bug(self):
            if args.yemu_token_bug and "Authorization" in self.headers:
                self.reply(500, "Internal Server Error")
                return True
            return False

        def do_POST(self):
            try:
                raw = self.body()
            except ValueError:
                self.reply(413, "Too large")
                return
            if self.path == "/register":
                if args.no_http_registration:
                    self.reply(404, "Not found")
                    return
                try:
                    data = json.loads(raw)
                    name, password = data["username"], data["password"]
                    assert isinstance(name, str) and isinstance(password, str)
                except Exception:
                    self.reply(400, "Bad request")
                    return
                with state.lock:
                    if name in state.users:
                        self.reply(400, "User already exists")
                        return
                    state.users[name] = password
                self.reply(200, "User created")
                return
            if self.token_bug():
                return
            user = self.user()
            if self.path == "/images":
                if user is None:
                    self.reply(401, "Unauthorized")
                    return
                fields = self.form(raw)
                if "image" not in fields or "username" not in fields:
                    self.reply(400, "Bad request")
                    return
                ctype, data, filename = fields["image"]
                ext = (filename or "x.bin").rsplit(".", 1)[-1]
                name = hashlib.md5((user + ";" + str(len(state.images))).encode()).hexdigest()
                name = name[:30] + "." + ext
                with state.lock:
                    state.images[name] = (ctype, data)
                if args.dialect == "yemu":
                    self.reply(200, "{file: %s}" % name)  # Dart's map-to-string
                else:
                    self.reply(200, json.dumps({"file": name}), "application/json")
                return
            parts = self.path.split("/")
            if len(parts) == 4 and parts[1] == "user" and parts[3] == "avatar":
                if user is None:
                    self.reply(401, "Unauthorized")
                    return
                if user != parts[2]:
                    self.reply(403, "Forbidden")
                    return
                fields = self.form(raw)
                if "avatar" not in fields:
                    self.reply(400, "Invalid file")
                    return
                ctype, data, _ = fields["avatar"]
                if not ctype.startswith("image/"):
                    self.reply(415, "Invalid file type")
                    return
                with state.lock:
                    state.avatars[user] = (ctype, data)
                self.reply(200, "Avatar uploaded")
                return
            self.reply(404, "Not found")

        def do_GET(self):
            if self.token_bug():
                return
            if self.user() is None:
                self.reply(401, "Unauthorized")
                return
            parts = self.path.split("/")
            with state.lock:
                if len(parts) == 3 and parts[1] == "images":
                    image = state.images.get(parts[2])
                    if image is None:
                        self.reply(404, "Image not found")
                    else:
                        self.reply(200, image[1], image[0])
                    return
                if len(parts) == 4 and parts[1] == "user" and parts[3] == "avatar":
                    if parts[2] not in state.users and parts[2] not in state.avatars:
                        self.reply(404, "User not found")
                    elif parts[2] not in state.avatars:
                        self.reply(404, "User not have avatar")
                    else:
                        self.reply(200, state.avatars[parts[2]][1], state.avatars[parts[2]][0])
                    return
            self.reply(404, "Not found")

    return Handler


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dialect", choices=["yemu", "javacat"], required=True)
    ap.add_argument("--users", help="JSON file {name: password}")
    ap.add_argument("--registration", choices=["required", "open"], default="required")
    ap.add_argument("--allow-same-ip", action="store_true",
                    help="turn off Yemu's one-client-per-address rule (loopback tests)")
    ap.add_argument("--token-interval", type=float, default=600)
    ap.add_argument("--heartbeat-rate", type=int, default=10000)
    ap.add_argument("--rooms", default="general")
    ap.add_argument("--http-address", default=None)
    ap.add_argument("--no-http-registration", action="store_true")
    ap.add_argument("--yemu-token-bug", action="store_true")
    ap.add_argument("--hostile", default=None)
    ap.add_argument("--port", type=int, default=0,
                    help="listen on this TCP port and on the next one for HTTP")
    ap.add_argument("--adjacent-ports", action="store_true",
                    help="choose free ports with HTTP on the TCP port plus one")
    args = ap.parse_args()
    if args.http_address is None:
        args.http_address = "null" if args.dialect == "yemu" else "localhost"
    users = {}
    if args.users:
        with open(args.users) as f:
            users = json.load(f)
    state = State(args, users)
    loop = asyncio.get_running_loop()

    # The app looks for HTTP on the TCP port plus one (3072 and 3073 by
    # default): --port and --adjacent-ports keep to that.
    tcp_port = args.port
    for _ in range(50):
        try:
            httpd = http.server.ThreadingHTTPServer(
                ("127.0.0.1", tcp_port + 1 if tcp_port else 0), make_http_handler(state, loop))
        except OSError:
            if args.port:
                raise
            continue
        if tcp_port == 0 and args.adjacent_ports:
            tcp_port = httpd.server_address[1] - 1
            try:
                probe = socket.socket()
                probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                probe.bind(("127.0.0.1", tcp_port))
                probe.close()
            except OSError:
                probe.close()
                httpd.server_close()
                tcp_port = 0
                continue
        break
    httpd.daemon_threads = True
    state.http_port = httpd.server_address[1]
    threading.Thread(target=httpd.serve_forever, daemon=True).start()

    async def accept(reader, writer):
        client = Client(state, reader, writer)
        state.clients.append(client)
        await client.run()

    async def orphan_watch(parent):
        # A test that dies leaves no server behind.
        while os.getppid() == parent:
            await asyncio.sleep(0.5)
        os._exit(0)

    asyncio.ensure_future(orphan_watch(os.getppid()))
    server = await asyncio.start_server(accept, "127.0.0.1", tcp_port)
    port = server.sockets[0].getsockname()[1]
    print("PORTS %d %d" % (port, state.http_port), flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
