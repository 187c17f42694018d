#!/usr/bin/python3
"""A Cryptully relay for tests, from the seed text and the research doc:
VERSION "1" then REG (nick rules; success is silent), then REL forwarded to
destNick with sourceNick rewritten to the sender's registered nick, ERR 1 for
an unknown destination, END to leave. ERR 7/12/13/20 as the original.

  cryptully_relay.py [--stall] [--port PORT]

Listens on 127.0.0.1, on PORT or a port chosen by the system, printed as the
first line of standard output (--port lets a test restart "the same" relay). --stall accepts connections and never answers nor reads
(a relay that hangs). Stops on SIGTERM or when standard input closes.
"""
import socket
import sys
import threading

import cryptully_wire as w

lock = threading.Lock()
nicks = {}  # lowercased nick -> Conn


class Conn:
    def __init__(self, sock):
        self.sock = sock
        self.nick = None
        self.send_lock = threading.Lock()

    def send(self, obj):
        with self.send_lock:
            try:
                self.sock.sendall(w.encode_frame(obj))
            except OSError:
                pass

    def error(self, code, dest=None):
        self.send(w.envelope(serverCommand="ERR", destNick=dest, error=code))

    def close(self):
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()


def next_envelope(conn):
    return w.parse_envelope(w.recv_frame(conn.sock))


def serve(conn):
    try:
        try:
            msg = next_envelope(conn)
            if msg["serverCommand"] != "VERSION":
                return conn.error(7)
            if msg["payload"] != "1":
                return conn.error(20)
            msg = next_envelope(conn)
            if msg["serverCommand"] != "REG":
                return conn.error(7)
            nick = msg["sourceNick"]
            if not w.is_valid_nick(nick):
                return conn.error(12)
            with lock:
                if nick.lower() in nicks:
                    return conn.error(13)
                conn.nick = nick.lower()
                nicks[conn.nick] = conn
            while True:
                msg = next_envelope(conn)
                if msg["serverCommand"] == "END":
                    return
                if msg["serverCommand"] != "REL":
                    return conn.error(7)
                dest = msg["destNick"]
                if not w.is_valid_nick(dest):
                    return conn.error(12)
                with lock:
                    peer = nicks.get(dest.lower())
                if peer is None:
                    conn.error(1, dest)
                    continue
                msg["sourceNick"] = conn.nick
                peer.send(w.envelope(**msg))
        except (KeyError, ValueError, UnicodeDecodeError, w.ProtocolError):
            conn.error(7)
    except (EOFError, OSError):
        pass
    finally:
        with lock:
            if conn.nick and nicks.get(conn.nick) is conn:
                del nicks[conn.nick]
        conn.close()


def main():
    stall = "--stall" in sys.argv
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    port = int(sys.argv[sys.argv.index("--port") + 1]) if "--port" in sys.argv else 0
    server.bind(("127.0.0.1", port))
    server.listen(16)
    print(server.getsockname()[1], flush=True)
    held = []

    def accept_loop():
        while True:
            sock, _ = server.accept()
            if stall:
                held.append(sock)
                continue
            threading.Thread(target=serve, args=(Conn(sock),), daemon=True).start()

    threading.Thread(target=accept_loop, daemon=True).start()
    sys.stdin.read()  # until the test closes our standard input


if __name__ == "__main__":
    main()
