#!/usr/bin/env python3
"""Protocol smoke test for any server that speaks SPEC.md (upper transform, max line 65536).

    bench/protocol_smoke.py -- build/release/epoll-baseline --port 0
    bench/protocol_smoke.py -- build/asan/echo-server --mode coro --port 0

Starts the command, reads its `listening on HOST:PORT` line, runs the cases below (pipelining,
split lines, half-close, over-long line, reset mid-line, concurrent clients, a client that never
reads), sends SIGTERM while 6 clients are busy and checks it exits 0 in time. Prints the end of the server's stderr (sanitizer
reports land there; SMOKE_STDERR=FILE saves all of it). Exit status 0 when every case passed.
Bounded: a few seconds, 10-30 s under sanitizers.
"""
import os
import random
import re
import signal
import socket
import subprocess
import sys
import threading
import time

MAX_LINE = 65536
failures = []


def upper(b: bytes) -> bytes:
    return bytes(c - 32 if 97 <= c <= 122 else c for c in b)


def check(name, ok, detail=""):
    print(f"{'ok  ' if ok else 'FAIL'} {name}{(': ' + detail) if detail and not ok else ''}", flush=True)
    if not ok:
        failures.append(name)


def connect(addr):
    s = socket.create_connection(addr, timeout=20)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def read_all(s):
    chunks = []
    while True:
        try:
            b = s.recv(65536)
        except ConnectionResetError:
            chunks.append(b"<RST>")
            break
        if not b:
            break
        chunks.append(b)
    return b"".join(chunks)


def exchange(addr, payload: bytes, chunks=None, delay=0.0, half_close=True):
    """Sends payload (in the given chunk sizes) from a thread, reads everything until EOF."""
    s = connect(addr)

    def send():
        try:
            i = 0
            for n in (chunks or [len(payload)]):
                s.sendall(payload[i:i + n])
                i += n
                if delay:
                    time.sleep(delay)
            if i < len(payload):
                s.sendall(payload[i:])
            if half_close:
                s.shutdown(socket.SHUT_WR)
        except OSError:
            pass  # the server closed first (after an ERR): what it sent is checked by the reader

    t = threading.Thread(target=send)
    t.start()
    got = read_all(s)
    t.join()
    s.close()
    return got


def expected(payload: bytes) -> bytes:
    lines = payload.split(b"\n")
    out = []
    for i, line in enumerate(lines):
        last = i == len(lines) - 1
        if len(line) > MAX_LINE:
            out.append(b"ERR line too long\n")
            break
        if last and not line:
            break
        out.append(upper(line) + b"\n")
    return b"".join(out)


def rss_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return -1


def main():
    argv = sys.argv[1:]
    if argv and argv[0] == "--":
        argv = argv[1:]
    if not argv:
        print(__doc__)
        return 2
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    stderr_chunks = []
    threading.Thread(target=lambda: stderr_chunks.append(proc.stderr.read()), daemon=True).start()
    line = proc.stdout.readline().decode()
    m = re.fullmatch(r"listening on \[?([^\]]+)\]?:(\d+)\n", line)
    if not m:
        print(f"FAIL no ready line, got {line!r}")
        proc.kill()
        return 1
    addr = (m.group(1), int(m.group(2)))
    rnd = random.Random(7)

    lines = b"".join(b"line %d hello world\n" % i for i in range(20000))
    check("pipelining 20000 lines", exchange(addr, lines) == expected(lines))

    mixed = b"hello\r\n\nUTF-8 \xc3\xa9t\xc3\xa9 \x00nul\nabc-xyz{}\n" * 50 + b"tail"
    sizes = [rnd.randint(1, 7) for _ in range(len(mixed))]
    check("lines split over reads (1-7 byte chunks)", exchange(addr, mixed, sizes, 0.0005) == expected(mixed))
    check("byte-at-a-time", exchange(addr, b"ab\ncd", [1] * 5, 0.002) == b"AB\nCD\n")

    check("half-close answers last line", exchange(addr, b"a\nb\nlast") == b"A\nB\nLAST\n")
    check("empty line", exchange(addr, b"\n\n") == b"\n\n")
    exact = b"q" * MAX_LINE + b"\n"
    check("line of exactly max-line", exchange(addr, exact) == upper(exact))
    too_long = b"ok\n" + b"x" * (MAX_LINE + 10) + b"\nnever\n"
    got = exchange(addr, too_long, half_close=False)
    check("too-long line -> ERR then close", got == b"OK\nERR line too long\n", repr(got[:80]))
    got = exchange(addr, b"ok\n" + b"y" * (4 << 20), half_close=False)  # keeps sending after the ERR
    check("too-long line, peer still sending", got == b"OK\nERR line too long\n", repr(got[:80]))

    for _ in range(20):  # reset mid-line: RST with a half line and unanswered replies in flight
        s = connect(addr)
        s.sendall(b"half a line\nand the oth")
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        s.close()
    check("server alive after resets", exchange(addr, b"x\n") == b"X\n")

    results = []

    def client(k):
        r = random.Random(k)
        data = b"".join(b"c%d n%d %s\n" % (k, i, b"z" * r.randint(0, 300)) for i in range(3000))
        sizes = [r.randint(1, 9000) for _ in range(len(data) // 1000)]
        results.append(exchange(addr, data, sizes) == expected(data))

    threads = [threading.Thread(target=client, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    check("8 concurrent pipelining clients", results == [True] * 8, str(results))

    # Backpressure: a client that sends for 2 s and never reads must not grow the server.
    before = rss_kib(proc.pid)
    s = connect(addr)
    s.setblocking(False)
    chunk = b"abcdefghij" * 100 + b"\n"
    sent, t_end = 0, time.time() + 2
    while time.time() < t_end:
        try:
            sent += s.send(chunk)
        except BlockingIOError:
            time.sleep(0.01)
    after = rss_kib(proc.pid)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    s.close()
    check(f"backpressure (sent {sent >> 10} KiB unread; RSS {before} -> {after} KiB)", after - before < 16384)

    check("alive before stop", exchange(addr, b"end\n") == b"END\n")

    # Stop under load: SIGTERM while clients are mid-conversation (where shutdown races hide).
    def busy():
        try:
            s = connect(addr)
            s.settimeout(5)
            while True:
                s.sendall(b"still talking\n" * 500)
                if not s.recv(65536):
                    break
        except OSError:
            pass

    for _ in range(6):
        threading.Thread(target=busy, daemon=True).start()
    time.sleep(0.5)
    proc.send_signal(signal.SIGTERM)
    try:
        rc = proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        rc = "hung"
    check("SIGTERM under load -> exit 0", rc == 0, f"rc={rc}")
    time.sleep(0.2)
    err = b"".join(stderr_chunks).decode(errors="replace")
    if os.environ.get("SMOKE_STDERR"):
        with open(os.environ["SMOKE_STDERR"], "w") as f:
            f.write(err)
    tail = err.strip().splitlines()[-15:]
    print("--- server stderr (last lines) ---\n" + "\n".join(tail))
    if re.search(r"Sanitizer|runtime error|LeakSanitizer", err):
        failures.append("sanitizer report")
        print("--- sanitizer report (first lines; SMOKE_STDERR=FILE keeps it all) ---")
        print("\n".join(err.splitlines()[:40]))
    print(f"{len(failures)} failure(s): {failures}" if failures else "all passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
