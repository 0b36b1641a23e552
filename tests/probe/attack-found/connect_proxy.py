#!/usr/bin/env python3
"""A CONNECT proxy on 127.0.0.1 that records every byte the client sends through it.
usage: connect_proxy.py LOGFILE -> prints 'listening PORT'."""
import sys, socket, threading
LOG = sys.argv[1]
def pipe(a, b, log):
    try:
        while True:
            d = a.recv(65536)
            if not d: break
            if log:
                with open(LOG, "ab") as f: f.write(d)
            b.sendall(d)
    except OSError: pass
    finally:
        for s in (a, b):
            try: s.shutdown(socket.SHUT_RDWR)
            except OSError: pass
def handle(c):
    head = b""
    while b"\r\n\r\n" not in head:
        d = c.recv(4096)
        if not d: return
        head += d
    with open(LOG, "ab") as f: f.write(b"PROXY-HEAD " + head)
    line = head.split(b"\r\n")[0].split()
    host, port = line[1].rsplit(b":", 1)
    u = socket.create_connection((host.decode().strip("[]"), int(port)))
    c.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
    threading.Thread(target=pipe, args=(u, c, False), daemon=True).start()
    pipe(c, u, True)
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 0)); s.listen(16)
print("listening", s.getsockname()[1], flush=True)
while True:
    c, _ = s.accept()
    threading.Thread(target=handle, args=(c,), daemon=True).start()
