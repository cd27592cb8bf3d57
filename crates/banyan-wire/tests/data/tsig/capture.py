#!/usr/bin/env python3
"""Records one DNS exchange between a real client and a real server for the TSIG fixtures.

Usage: capture.py udp|tcp LISTEN_PORT UPSTREAM_PORT OUT_FILE [COMMENT...]
       capture.py send REQUEST_HEX UPSTREAM_PORT OUT_FILE [COMMENT...]

Listens on 127.0.0.1:LISTEN_PORT for one UDP datagram (udp) or one TCP connection (tcp),
forwards what the client sends to 127.0.0.1:UPSTREAM_PORT (UPSTREAM_PORT 0: no server, the
request is only recorded), relays the answers back, and writes every DNS message to OUT_FILE:
`> HEX` for client to server, `< HEX` for server to client, after `# COMMENT` lines.
With `send`, this script is the client: it sends REQUEST_HEX over UDP and records the answer.
"""

import socket
import sys
import threading


def read_exact(sock, n):
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def read_tcp_message(sock):
    prefix = read_exact(sock, 2)
    if prefix is None:
        return None
    return read_exact(sock, int.from_bytes(prefix, "big"))


def udp(listen, upstream, log):
    srv = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    srv.bind(("127.0.0.1", listen))
    request, client = srv.recvfrom(65535)
    log.append((">", request))
    if upstream:
        up = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        up.settimeout(5)
        up.sendto(request, ("127.0.0.1", upstream))
        response, _ = up.recvfrom(65535)
        log.append(("<", response))
        srv.sendto(response, client)


def tcp(listen, upstream, log):
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", listen))
    srv.listen(1)
    conn, _ = srv.accept()
    up = socket.create_connection(("127.0.0.1", upstream), timeout=10)
    lock = threading.Lock()

    def pump(src, dst, direction):
        while True:
            msg = read_tcp_message(src)
            if msg is None:
                try:
                    dst.shutdown(socket.SHUT_WR)
                except OSError:
                    pass
                return
            with lock:
                log.append((direction, msg))
            dst.sendall(len(msg).to_bytes(2, "big") + msg)

    t = threading.Thread(target=pump, args=(conn, up, ">"))
    t.start()
    pump(up, conn, "<")
    conn.close()
    t.join(timeout=5)


def send(request, upstream, log):
    up = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    up.settimeout(5)
    up.sendto(request, ("127.0.0.1", upstream))
    log.append((">", request))
    response, _ = up.recvfrom(65535)
    log.append(("<", response))


def main():
    mode, upstream, out = sys.argv[1], int(sys.argv[3]), sys.argv[4]
    comments = sys.argv[5:]
    log = []
    if mode == "send":
        send(bytes.fromhex(sys.argv[2]), upstream, log)
    else:
        (udp if mode == "udp" else tcp)(int(sys.argv[2]), upstream, log)
    with open(out, "w") as f:
        for c in comments:
            f.write(f"# {c}\n")
        for direction, msg in log:
            f.write(f"{direction} {msg.hex()}\n")


if __name__ == "__main__":
    main()
