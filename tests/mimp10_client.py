"""A plain MIMP 1.0 client written only from the source text
(seeds/mimp-1.0-spec.txt): no extension, no knowledge of our server.

It waits for the server's key puzzle, solves it, XORs every body but the
handshake's, authenticates, sends messages and gets unread ones. Replies are
read leniently: whatever JSON the server sends back is returned as is.

SPDX-License-Identifier: GPL-3.0-or-later
"""

import json
import socket
import struct

MAGIC = 0xB00B
VERSION = 0x0001
SCH = 0x0AA0
AH = 0xA00F
SM = 0x00AF
GU = 0x0CCF
ERROR = 0xBEEF


class Mimp10Error(Exception):
    def __init__(self, body):
        super().__init__(repr(body))
        self.body = body


class Mimp10Client:
    def __init__(self, host, port, timeout=10.0):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.key = None
        self.token = None

    def close(self):
        self.sock.close()

    def _recv_exact(self, n):
        data = b""
        while len(data) < n:
            chunk = self.sock.recv(n - len(data))
            if not chunk:
                raise ConnectionError("connection closed")
            data += chunk
        return data

    def _xor(self, body):
        key = self.key
        return bytes(b ^ key[i % len(key)] for i, b in enumerate(body))

    def send_packet(self, packet_id, body):
        if packet_id != SCH:
            body = self._xor(body)
        self.sock.sendall(struct.pack("<HHHI", MAGIC, VERSION, packet_id, len(body)) + body)

    def recv_packet(self):
        magic, version, packet_id, length = struct.unpack("<HHHI", self._recv_exact(10))
        if magic != MAGIC or version != VERSION:
            raise ConnectionError("not a MIMP packet")
        body = self._recv_exact(length)
        if packet_id != SCH and self.key is not None:
            body = self._xor(body)
        return packet_id, body

    def handshake(self):
        # The client must receive and solve a 256-byte key puzzle.
        packet_id, puzzle = self.recv_packet()
        if packet_id != SCH or len(puzzle) != 256:
            raise ConnectionError("no key puzzle")
        start = puzzle[0]
        offset = puzzle[255]
        self.key = bytes(puzzle[start + i * offset] for i in range(24))

    def _request(self, packet_id, obj):
        self.send_packet(packet_id, json.dumps(obj).encode("utf-8"))
        reply_id, body = self.recv_packet()
        if reply_id == ERROR:
            try:
                raise Mimp10Error(json.loads(body))
            except ValueError:
                raise Mimp10Error(body)
        return reply_id, body

    def login(self, user, password):
        self.user = user
        _, body = self._request(AH, {"uf": user, "up": password})
        self.token = body.decode("ascii")
        return self.token

    def send(self, to, text):
        _, body = self._request(SM, {"uf": self.user, "ut": to, "ms": text, "token": self.token})
        return json.loads(body) if body else None

    def get_unread(self):
        _, body = self._request(GU, {"uf": self.user, "token": self.token})
        if not body:
            return []
        data = json.loads(body)
        # Lenient: a bare list of messages, or an object holding one.
        if isinstance(data, dict):
            for value in data.values():
                if isinstance(value, list):
                    return value
            return []
        return data
