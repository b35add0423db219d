#!/usr/bin/env python3
"""Sends ambiguous or malformed HTTP requests through Ferry, nginx and HAProxy, all in front of
one recording backend on loopback, and prints what each proxy answered and what the backend
received. Usage: probe.py FERRY_PORT NGINX_PORT HAPROXY_PORT BACKEND_PORT"""
import re
import socket
import sys
import threading
import time

FERRY, NGINX, HAPROXY, BACKEND = (int(p) for p in sys.argv[1:5])
HOST = "probe.ferry.local"

PROBES = [
    ("CL and TE chunked",
     "POST /p HTTP/1.1\r\nHost: {h}\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n"
     "Connection: close\r\n\r\n5\r\nhello\r\n0\r\n\r\n"),
    ("CL and TE, smuggled request after the chunks",
     "POST /p HTTP/1.1\r\nHost: {h}\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n"
     "0\r\n\r\nGET /hidden HTTP/1.1\r\nHost: {h}\r\nConnection: close\r\n\r\n"),
    ("two different Content-Length",
     "POST /p HTTP/1.1\r\nHost: {h}\r\nContent-Length: 5\r\nContent-Length: 6\r\n"
     "Connection: close\r\n\r\nhello!"),
    ("space before header colon",
     "POST /p HTTP/1.1\r\nHost: {h}\r\nContent-Length : 5\r\nConnection: close\r\n\r\nhello"),
    ("unknown transfer coding (gzip)",
     "POST /p HTTP/1.1\r\nHost: {h}\r\nTransfer-Encoding: gzip\r\nConnection: close\r\n\r\n"
     "5\r\nhello\r\n0\r\n\r\n"),
    ("transfer coding 'chunked, gzip'",
     "POST /p HTTP/1.1\r\nHost: {h}\r\nTransfer-Encoding: chunked, gzip\r\n"
     "Connection: close\r\n\r\n5\r\nhello\r\n0\r\n\r\n"),
    ("bad chunk size",
     "POST /p HTTP/1.1\r\nHost: {h}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
     "zz\r\nhello\r\n0\r\n\r\n"),
    ("header block of 20 KB",
     "GET /p HTTP/1.1\r\nHost: {h}\r\nX-Big: " + "a" * 20000 + "\r\nConnection: close\r\n\r\n"),
    ("URI of 20 KB",
     "GET /" + "u" * 20000 + " HTTP/1.1\r\nHost: {h}\r\nConnection: close\r\n\r\n"),
    ("obsolete line folding",
     "GET /p HTTP/1.1\r\nHost: {h}\r\nX-Folded: a\r\n b\r\nConnection: close\r\n\r\n"),
    ("bare LF line endings",
     "GET /p HTTP/1.1\nHost: {h}\nConnection: close\n\n"),
]

received = []
lock = threading.Lock()


def complete(data):
    head, sep, body = data.partition(b"\r\n\r\n")
    if not sep:
        return False
    lower = head.lower()
    if b"transfer-encoding: chunked" in lower:
        return b"0\r\n\r\n" in body
    for line in lower.split(b"\r\n"):
        if line.startswith(b"content-length:"):
            return len(body) >= int(line.split(b":")[1])
    return True


def serve(conn):
    data = b""
    conn.settimeout(5)
    try:
        while True:
            chunk = conn.recv(65536)
            if not chunk:
                break
            data += chunk
            if complete(data):
                conn.sendall(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok")
                break
    except OSError:
        pass
    finally:
        with lock:
            received.append(data)
        conn.close()


def backend():
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", BACKEND))
    server.listen(64)
    while True:
        conn, _ = server.accept()
        threading.Thread(target=serve, args=(conn,), daemon=True).start()


def send(port, raw):
    sock = socket.create_connection(("127.0.0.1", port), timeout=3)
    try:
        sock.sendall(raw.format(h=HOST).encode("latin-1"))
        answer = b""
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            answer += chunk
    except OSError:
        pass
    finally:
        sock.close()
    statuses = re.findall(rb"HTTP/1\.[01] (\d{3})", answer)
    return "+".join(s.decode() for s in statuses) or "closed"


def describe(messages):
    if not messages:
        return "nothing"
    lines = 0
    for m in messages:
        lines += sum(1 for l in m.split(b"\r\n") if l[:1].isupper() and b" HTTP/1." in l)
    return "%d conn, %d request(s)" % (len(messages), lines)


threading.Thread(target=backend, daemon=True).start()
time.sleep(0.3)
print("%-46s | %-28s | %-28s | %-28s" % ("probe", "Ferry", "nginx", "HAProxy"))
print("-" * 140)
for name, raw in PROBES:
    cells = []
    for port in (FERRY, NGINX, HAPROXY):
        with lock:
            received.clear()
        status = send(port, raw)
        time.sleep(0.3)
        with lock:
            seen = list(received)
        cells.append("%s; backend: %s" % (status, describe(seen)))
    print("%-46s | %-28s | %-28s | %-28s" % (name, *cells))
