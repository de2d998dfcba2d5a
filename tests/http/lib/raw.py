#!/usr/bin/python3
"""Raw HTTP for the hostile-request tests, where curl would fix up what we send.

raw.py send PORT           request bytes on stdin (sent as is); prints the status code,
                           or "closed" when the server closed without answering
raw.py slow PORT SECONDS   send half a request line and headers, one byte a second never
                           finishing; prints the seconds until the server closed, or "open"
raw.py flood PORT N HOLD   open N idle connections, hold them HOLD seconds while asking
                           /healthz on a new one each second; prints "ok" when every
                           /healthz was answered
"""
import socket
import sys
import time


def status_of(data):
    if not data:
        return "closed"
    line = data.split(b"\r\n", 1)[0].decode("latin-1")
    parts = line.split(" ")
    return parts[1] if len(parts) > 1 and parts[0].startswith("HTTP/") else "garbage:" + line[:40]


def recv_all(s, timeout=5.0):
    s.settimeout(timeout)
    out = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            out += chunk
            if b"\r\n\r\n" in out and b"Content-Length: " in out:
                head, body = out.split(b"\r\n\r\n", 1)
                n = int(head.split(b"Content-Length: ")[1].split(b"\r\n")[0])
                if len(body) >= n:
                    break
    except (socket.timeout, ConnectionResetError):
        pass
    return out


def send(port):
    req = sys.stdin.buffer.read()
    s = socket.create_connection(("127.0.0.1", port))
    try:
        s.sendall(req)
    except (BrokenPipeError, ConnectionResetError):
        pass
    print(status_of(recv_all(s)))


def slow(port, seconds):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
    t0 = time.monotonic()
    s.settimeout(1.0)
    while time.monotonic() - t0 < seconds:
        try:
            s.sendall(b"a")
        except (BrokenPipeError, ConnectionResetError):
            print(f"{time.monotonic() - t0:.1f}")
            return
        try:
            data = s.recv(4096)
            if not data or data.startswith(b"HTTP/"):
                print(f"{time.monotonic() - t0:.1f}")
                return
        except socket.timeout:
            pass
    print("open")


def healthz(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
    return status_of(recv_all(s))


def flood(port, n, hold):
    socks = []
    for _ in range(n):
        try:
            socks.append(socket.create_connection(("127.0.0.1", port), timeout=5))
        except OSError:
            break
    ok = True
    t0 = time.monotonic()
    while time.monotonic() - t0 < hold:
        st = healthz(port)
        if st != "200":
            # Past the connection limit a new client may be turned away; the server must
            # still be alive and answer once the flood is over.
            ok = ok and st == "closed"
        time.sleep(1)
    for s in socks:
        s.close()
    time.sleep(0.5)
    print("ok" if ok and healthz(port) == "200" else "failed")


def main():
    cmd, port = sys.argv[1], int(sys.argv[2])
    if cmd == "send":
        send(port)
    elif cmd == "slow":
        slow(port, float(sys.argv[3]))
    elif cmd == "flood":
        flood(port, int(sys.argv[3]), float(sys.argv[4]))
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
