#!/usr/bin/python3
"""A MIMP 1.0 server written only from the source text (mimp-1.0-spec.txt).

It is the plainest reading of that text, used to prove our client works
with programs that know nothing of docs/protocols/mimp.md's filled rules and
extensions: an empty SM reply, a bare JSON array from GU with only "uf" and
"ms" in each message, messages dropped as soon as GU returns them, no ack,
no long poll, no ids. An unknown packet id (an extension's) gets Error 501.

Some modes misbehave on purpose so the client's error codes can be tested.

Usage: mimp10_server.py [--mode MODE]; users come from the environment
variable MIMP10_USERS as "name:password,name:password" (never argv).
Prints "listening on 127.0.0.1:PORT" and serves until killed.
"""
import argparse
import json
import os
import random
import socket
import struct
import sys
import threading

MAGIC = 0xB00B
SCH, AH, SM, GU, ERR = 0x0AA0, 0xA00F, 0x00AF, 0x0CCF, 0xBEEF

MODES = ("plain", "ask-first", "bad-puzzle", "short-puzzle", "not-mimp",
         "bad-token", "json-token", "silent", "close-after-puzzle",
         "garbage-gu", "wrong-reply", "lost-ack", "close-on-unknown")

mailboxes = {}
lock = threading.Lock()


def header(pid, length):
    return struct.pack("<HHHI", MAGIC, 1, pid, length)


def xor(body, key):
    return bytes(b ^ key[i % len(key)] for i, b in enumerate(body))


def read_exact(conn, n):
    data = b""
    while len(data) < n:
        chunk = conn.recv(n - len(data))
        if not chunk:
            raise EOFError
        data += chunk
    return data


def read_packet(conn):
    magic, version, pid, length = struct.unpack("<HHHI", read_exact(conn, 10))
    if magic != MAGIC or version != 1 or length > 1 << 20:
        raise EOFError
    return pid, read_exact(conn, length)


def make_puzzle(mode):
    puzzle = bytearray(random.getrandbits(8) for _ in range(256))
    if mode == "bad-puzzle":
        # start + 23*offset = 256: one byte past the end
        puzzle[0], puzzle[255] = 3, 11
    else:
        offset = random.randint(1, 10)
        puzzle[0] = random.randint(1, 254 - 23 * offset)
        puzzle[255] = offset
    return bytes(puzzle)


def key_of(puzzle):
    start, offset = puzzle[0], puzzle[255]
    return bytes(puzzle[start + i * offset] for i in range(24))


def serve(conn, mode, users):
    send = conn.sendall
    if mode == "not-mimp":
        send(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
        return
    if mode == "silent":
        while conn.recv(4096):
            pass
        return
    puzzle = make_puzzle(mode)
    if mode == "short-puzzle":
        puzzle = puzzle[:200]
    valid = len(puzzle) == 256 and puzzle[0] + 23 * puzzle[255] <= 255
    key = key_of(puzzle) if valid else b"\0" * 24
    if mode == "ask-first":
        pid, _ = read_packet(conn)
        if pid != SCH:
            return
    send(header(SCH, len(puzzle)) + puzzle)
    if mode == "close-after-puzzle":
        return
    user = None
    while True:
        pid, body = read_packet(conn)
        if pid == SCH:
            send(header(SCH, len(puzzle)) + puzzle)
            continue
        if pid not in (AH, SM, GU):
            if mode == "close-on-unknown":
                return
            send_error(conn, key, 501)
            continue
        request = json.loads(xor(body, key))
        if pid == AH and mode.startswith("login-error:"):
            send_error(conn, key, int(mode.split(":")[1]))
        elif pid == SM and mode.startswith("sm-error:"):
            send_error(conn, key, int(mode.split(":")[1]))
        elif pid == AH:
            if users.get(request.get("uf")) == request.get("up"):
                user = request["uf"]
                if mode == "bad-token":
                    token = b"\x01\x02short"
                elif mode == "json-token":
                    token = b'{"token": "abcdefghijklmnopqrstuvwx"}'
                else:
                    token = "".join(random.choice("abcdef0123456789") for _ in range(16)).encode()
                send(header(AH, len(token)) + xor(token, key))
            else:
                err = xor(json.dumps({"code": 401, "error": "bad login"}).encode(), key)
                send(header(ERR, len(err)) + err)
        elif pid == SM and user:
            with lock:
                box = mailboxes.setdefault(request["ut"], [])
                message = {"uf": user, "ms": request["ms"]}
                if mode == "lost-ack":
                    # An extended server that never keeps an acknowledgement
                    # (as if it crashed before committing each one).
                    seq = len(box) + 1
                    message.update(id="m%d" % seq, seq=seq)
                box.append(message)
            if mode == "wrong-reply":
                send(header(GU, 0))
            else:
                send(header(SM, 0))
        elif pid == GU and user:
            with lock:
                if mode == "lost-ack":
                    messages = list(mailboxes.get(user, []))
                else:
                    messages = mailboxes.pop(user, [])
            body = b"{not json" if mode == "garbage-gu" else json.dumps(messages).encode()
            body = xor(body, key)
            send(header(GU, len(body)) + body)


def send_error(conn, key, code):
    body = xor(json.dumps({"code": code, "error": "as asked"}).encode(), key)
    conn.sendall(header(ERR, len(body)) + body)


def handle(conn, mode, users):
    try:
        with conn:
            serve(conn, mode, users)
    except (EOFError, OSError, ValueError):
        pass


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--mode", default="plain",
                        help="one of %s, or sm-error:CODE / login-error:CODE to answer every "
                        "SM / AH with an Error packet of that code" % ", ".join(MODES))
    args = parser.parse_args()
    if args.mode not in MODES and not args.mode.startswith(("sm-error:", "login-error:")):
        parser.error("unknown mode " + args.mode)
    users = {}
    for item in filter(None, os.environ.get("MIMP10_USERS", "").split(",")):
        name, _, password = item.partition(":")
        users[name] = password
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    print("listening on 127.0.0.1:%d" % listener.getsockname()[1], flush=True)
    while True:
        conn, _ = listener.accept()
        threading.Thread(target=handle, args=(conn, args.mode, users), daemon=True).start()


if __name__ == "__main__":
    sys.exit(main())
