#!/usr/bin/python3
"""A scripted Cryptully peer for tests (from the seed text and the research
doc's wire facts; see cryptully_wire.py).

  cryptully_peer.py --port PORT --nick NICK [--accept | --reject]
      [--dh-exponent HEX] [--seed SEED] [--smp-answer ANSWER] [--tamper-proof]
      [--bad-pubkey 0|1|p-1] [--ignore-helo]

Commands on standard input, one JSON array per line:
  ["open", NICK]                 HELO and the initiator's handshake
  ["msg", NICK, TEXT]            ["typing", NICK, "0"|"1"|"2"]
  ["smp", NICK, QUESTION, ANSWER]  verification as initiator
  ["end", NICK]                  ["quit"]
  hostile: ["badhmac", NICK, TEXT]  ["replay", NICK]  ["skip", NICK, TEXT]
           ["helo-again", NICK]  (a second HELO inside a chat: invalid)
Events on standard output, one JSON object per line ("event" names it):
  registered, relay-error, request, ready, msg, typing, smp-question, smp,
  ended, rejected.
"""
import argparse
import html
import json
import os
import select
import socket
import struct
import sys
import time

import cryptully_wire as w


def emit(event, **fields):
    fields["event"] = event
    sys.stdout.write(json.dumps(fields) + "\n")
    sys.stdout.flush()


class Chat:
    def __init__(self, nick, x):
        self.nick = nick
        self.x = x
        self.state = "new"
        self.session = None
        self.smp = None
        self.smp_initiator = False
        self.smp1 = None
        self.last_frame = None


class Peer:
    def __init__(self, args):
        self.args = args
        self.nick = args.nick.lower()
        self.rand = w.Rand(args.seed)
        self.sock = socket.create_connection(("127.0.0.1", args.port))
        self.buf = b""
        self.chats = {}

    def send(self, **fields):
        fields.setdefault("serverCommand", "REL")
        fields.setdefault("sourceNick", self.nick)
        data = w.encode_frame(w.envelope(**fields))
        self.sock.sendall(data)
        return data

    def exponent(self):
        if self.args.dh_exponent:
            return int(self.args.dh_exponent, 16)
        return self.rand.int(64)

    def public_payload(self, chat):
        bad = self.args.bad_pubkey
        if bad is not None:
            value = w.DH_P - 1 if bad == "p-1" else int(bad)
        else:
            value = w.dh_public(chat.x)
        return w.pubkey_payload(value)

    def seal(self, chat, command, data, num=None):
        payload, mac, enc_num = chat.session.seal(data, num)
        chat.last_frame = self.send(clientCommand=command, destNick=chat.nick, payload=payload,
                                    hmac=mac, num=enc_num)

    def end(self, chat, code, tell=True):
        if tell:
            self.send(clientCommand="END", destNick=chat.nick)
        self.chats.pop(chat.nick, None)
        emit("ended", nick=chat.nick, code=code)

    # commands from the test

    def command(self, cmd):
        op, nick = cmd[0], (cmd[1].lower() if len(cmd) > 1 else None)
        chat = self.chats.get(nick)
        if op == "quit":
            self.send(serverCommand="END")
            sys.exit(0)
        if op == "open":
            chat = self.chats[nick] = Chat(nick, self.exponent())
            chat.state = "wait-redy"
            self.send(clientCommand="HELO", destNick=nick)
        elif op == "msg":
            self.seal(chat, "MSG", html.escape(cmd[2], quote=False).encode("utf-8"))
        elif op == "typing":
            self.seal(chat, "TYPING", cmd[2].encode())
        elif op == "smp":
            chat.smp = w.Smp(cmd[3], self.rand, self.args.tamper_proof)
            chat.smp_initiator = True
            self.seal(chat, "SMP0", cmd[2].encode("utf-8"))
            self.seal(chat, "SMP1", chat.smp.step1())
        elif op == "end":
            self.end(chat, 0)
        elif op == "badhmac":
            payload, _, enc_num = chat.session.seal(cmd[2].encode("utf-8"))
            bad = w.base64.b64encode(b"\0" * 32).decode()
            self.send(clientCommand="MSG", destNick=nick, payload=payload, hmac=bad, num=enc_num)
        elif op == "replay":
            self.sock.sendall(chat.last_frame)
        elif op == "skip":
            chat.session.out_num += 1
            self.seal(chat, "MSG", cmd[2].encode("utf-8"))
        elif op == "helo-again":
            self.send(clientCommand="HELO", destNick=nick)

    # messages from the relay

    def handle(self, msg):
        if msg["serverCommand"] == "ERR":
            emit("relay-error", code=int(msg["error"]), nick=msg["destNick"])
            if msg["destNick"]:
                self.chats.pop(msg["destNick"].lower(), None)
            return
        if msg["serverCommand"] == "END":
            emit("relay-end")
            sys.exit(0)
        cmd, nick = msg["clientCommand"], msg["sourceNick"]
        chat = self.chats.get(nick)
        if chat is None:
            if cmd == "HELO":
                emit("request", nick=nick)
                if self.args.ignore_helo:
                    return
                if self.args.reject:
                    self.send(clientCommand="REJ", destNick=nick)
                    return
                chat = self.chats[nick] = Chat(nick, self.exponent())
                chat.state = "responding"
                self.send(clientCommand="REDY", destNick=nick)
            return
        try:
            self.handle_chat(chat, cmd, msg)
        except w.ProtocolError as e:
            if e.code == 16:
                chat.smp = None
                emit("smp", nick=nick, result="invalid")
            else:
                self.end(chat, e.code)

    def handle_chat(self, chat, cmd, msg):
        nick = chat.nick
        if cmd == "END":
            return self.end(chat, 0, tell=False)
        if cmd == "ERR":
            return self.end(chat, int(msg["error"] or 7), tell=False)
        if chat.state == "wait-redy":
            if cmd == "REJ":
                self.chats.pop(nick)
                return emit("rejected", nick=nick)
            if cmd != "REDY":
                raise w.ProtocolError(3)
            chat.state = "wait-key"
            self.send(clientCommand="PUB_KEY", destNick=nick, payload=self.public_payload(chat))
            return
        if chat.state in ("wait-key", "responding"):
            if cmd != "PUB_KEY":
                raise w.ProtocolError(3)
            chat.session = w.Session(w.dh_secret(chat.x, msg["payload"]))
            if chat.state == "responding":
                self.send(clientCommand="PUB_KEY", destNick=nick, payload=self.public_payload(chat))
            chat.state = "ready"
            return emit("ready", nick=nick)
        if cmd not in ("MSG", "TYPING", "SMP0", "SMP1", "SMP2", "SMP3", "SMP4"):
            raise w.ProtocolError(7)
        data = chat.session.open(msg["payload"], msg["hmac"], msg["num"])
        if cmd == "MSG":
            emit("msg", nick=nick, text=html.unescape(data.decode("utf-8", "replace")))
        elif cmd == "TYPING":
            emit("typing", nick=nick, state=data.decode())
        elif cmd == "SMP0":
            emit("smp-question", nick=nick, question=data.decode("utf-8", "replace"))
            if self.args.smp_answer is not None:
                chat.smp = w.Smp(self.args.smp_answer, self.rand, self.args.tamper_proof)
                chat.smp_initiator = False
        elif cmd == "SMP1":
            if chat.smp is None:
                raise w.ProtocolError(16)
            self.seal(chat, "SMP2", chat.smp.step2(data))
        elif cmd == "SMP2":
            self.seal(chat, "SMP3", chat.smp.step3(data))
        elif cmd == "SMP3":
            self.seal(chat, "SMP4", chat.smp.step4(data))
            emit("smp", nick=nick, result="match" if chat.smp.match else "mismatch")
            chat.smp = None
        elif cmd == "SMP4":
            chat.smp.step5(data)
            emit("smp", nick=nick, result="match" if chat.smp.match else "mismatch")
            chat.smp = None

    def run(self):
        self.sock.sendall(w.encode_frame(w.envelope(serverCommand="VERSION", sourceNick=self.nick,
                                                    payload="1")))
        self.sock.sendall(w.encode_frame(w.envelope(serverCommand="REG", sourceNick=self.nick)))
        registered_at = time.monotonic() + 0.3
        registered = False
        lines = b""
        while True:
            timeout = None if registered else max(0, registered_at - time.monotonic())
            ready, _, _ = select.select([self.sock, 0], [], [], timeout)
            if not registered and time.monotonic() >= registered_at:
                registered = True
                emit("registered")
            if 0 in ready:
                chunk = os.read(0, 65536)
                if not chunk:
                    return
                lines += chunk
                while b"\n" in lines:
                    line, lines = lines.split(b"\n", 1)
                    if line.strip():
                        self.command(json.loads(line))
            if self.sock in ready:
                chunk = self.sock.recv(65536)
                if not chunk:
                    emit("closed")
                    return
                self.buf += chunk
                while len(self.buf) >= 4:
                    (n,) = struct.unpack("!I", self.buf[:4])
                    if len(self.buf) < 4 + n:
                        break
                    data, self.buf = self.buf[4:4 + n], self.buf[4 + n:]
                    self.handle(w.parse_envelope(data))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--nick", required=True)
    p.add_argument("--reject", action="store_true")
    p.add_argument("--dh-exponent")
    p.add_argument("--seed", default="peer")
    p.add_argument("--smp-answer")
    p.add_argument("--tamper-proof", action="store_true")
    p.add_argument("--bad-pubkey")
    p.add_argument("--ignore-helo", action="store_true")
    Peer(p.parse_args()).run()


if __name__ == "__main__":
    main()
