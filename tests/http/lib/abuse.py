#!/usr/bin/python3
"""Attacks for test_serve_abuse.sh, each against a real server on 127.0.0.1.

abuse.py probe PORT STOP OUT     ask /healthz every 50 ms on a new connection until file
                                 STOP exists; write "n fails median_ms max_ms" to OUT
abuse.py slow PORT N SECONDS MODE  N clients sending a byte a second: MODE "head" never
                                 finishes its headers, "body" announces Content-Length: 4096
                                 and trickles it; prints "answered N/N status S max_s T"
                                 (clients that got a status line, the statuses, the latest)
abuse.py idle PORT N SECONDS     N connections that send nothing; prints "opened N dropped D
                                 answered A" (closed by the server, of which with a status)
abuse.py streams PORT N SECONDS  N event streams that never read, then one that does; prints
                                 "refused R reader STATUS data BYTES"
abuse.py send PORT               request bytes on stdin (as is); prints every status line
                                 answered, space separated, or "closed" when there was none;
                                 the body of the last one goes to stderr
"""
import os
import socket
import statistics
import sys
import time

HEALTHZ = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"


def connect(port, timeout=5.0):
    return socket.create_connection(("127.0.0.1", port), timeout=timeout)


def read_until_close(s, limit=5.0, quiet=None):
    """What s receives until it closes, limit seconds pass, or (with quiet) it has sent
    something and then nothing for quiet seconds."""
    out = b""
    end = time.monotonic() + limit
    while time.monotonic() < end:
        wait = end - time.monotonic()
        if quiet and out:
            wait = min(wait, quiet)
        s.settimeout(max(0.01, wait))
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            break
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    return out


def statuses(data):
    """The status codes of every response in data (pipelined responses follow each other)."""
    codes = []
    pos = 0
    while True:
        i = data.find(b"HTTP/1.", pos)
        if i < 0:
            break
        line = data[i:data.find(b"\r\n", i)].split(b" ")
        if len(line) > 1 and line[1].isdigit():
            codes.append(line[1].decode())
        pos = i + 8
    return codes


def probe(port, stop, out):
    times, fails = [], 0
    end = time.monotonic() + 60
    while time.monotonic() < end and not os.path.exists(stop):
        t0 = time.monotonic()
        try:
            s = connect(port, 2.0)
            s.sendall(HEALTHZ)
            data = read_until_close(s, 2.0)
            s.close()
            ok = data.startswith(b"HTTP/1.1 200 ")
        except OSError:
            ok = False
        dt = (time.monotonic() - t0) * 1000
        if ok:
            times.append(dt)
        else:
            fails += 1
            times.append(dt)
        time.sleep(0.05)
    with open(out, "w") as f:
        f.write(f"{len(times)} {fails} {statistics.median(times):.1f} {max(times):.1f}\n")


def slow(port, n, seconds, mode):
    socks = []
    for _ in range(n):
        s = connect(port)
        if mode == "body":
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 4096\r\n\r\n")
        else:
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        s.setblocking(False)
        socks.append([s, time.monotonic(), None, b""])
    end = time.monotonic() + seconds
    while time.monotonic() < end and any(c[2] is None for c in socks):
        for c in socks:
            if c[2] is not None:
                continue
            try:
                data = c[0].recv(4096)
                c[3] += data
                if not data or b"\r\n" in c[3]:
                    c[2] = time.monotonic() - c[1]
                    continue
            except BlockingIOError:
                pass
            except OSError:
                c[2] = time.monotonic() - c[1]
                continue
            try:
                c[0].send(b"a")
            except BlockingIOError:
                pass
            except OSError:
                c[2] = time.monotonic() - c[1]
        time.sleep(1.0)
    answered = [c for c in socks if c[3].startswith(b"HTTP/1.1 ")]
    codes = sorted({statuses(c[3])[0] for c in answered if statuses(c[3])})
    ends = [c[2] for c in socks if c[2] is not None]
    print(f"answered {len(answered)}/{n} status {','.join(codes) or 'none'} "
          f"max_s {max(ends) if len(ends) == n else 'open'}")
    for c in socks:
        c[0].close()


def idle(port, n, seconds):
    socks = []
    for _ in range(n):
        try:
            socks.append(connect(port))
        except OSError:
            break
    time.sleep(seconds)
    dropped, answered = 0, 0
    for s in socks:
        s.setblocking(False)
        try:
            data = s.recv(100)
            dropped += 1
            answered += data.startswith(b"HTTP/1.1 ")
        except BlockingIOError:
            pass
        except OSError:
            dropped += 1
        s.close()
    print(f"opened {len(socks)} dropped {dropped} answered {answered}")


def streams(port, n, seconds):
    socks, refused = [], 0
    for _ in range(n):
        s = connect(port)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.sendall(b"GET /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        socks.append(s)
    time.sleep(seconds)
    # A reader now: it must be given a stream, not a 503.
    s = connect(port)
    s.sendall(b"GET /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    data = read_until_close(s, 1.5)
    s.close()
    code = statuses(data)[0] if statuses(data) else "closed"
    for r in socks:
        r.setblocking(False)
        try:
            if b" 503 " in r.recv(200):
                refused += 1
        except OSError:
            pass
        r.close()
    print(f"refused {refused} reader {code} data {len(data.split(b'retry: ', 1)[-1]) if b'retry: ' in data else 0}")


def send(port):
    req = sys.stdin.buffer.read()
    s = connect(port)
    try:
        s.sendall(req)
    except OSError:
        pass
    data = read_until_close(s, 3.0, 0.5)
    codes = statuses(data)
    print(" ".join(codes) if codes else "closed")
    sys.stderr.buffer.write(data.rsplit(b"\r\n\r\n", 1)[-1] if codes else b"")


def main():
    cmd, port = sys.argv[1], int(sys.argv[2])
    if cmd == "probe":
        probe(port, sys.argv[3], sys.argv[4])
    elif cmd == "slow":
        slow(port, int(sys.argv[3]), float(sys.argv[4]), sys.argv[5])
    elif cmd == "idle":
        idle(port, int(sys.argv[3]), float(sys.argv[4]))
    elif cmd == "streams":
        streams(port, int(sys.argv[3]), float(sys.argv[4]))
    elif cmd == "send":
        send(port)
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
