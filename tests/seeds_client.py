#!/usr/bin/env python3
"""A client written the way the Python tutorials behind this project write theirs.

    seeds_client.py PORT MESSAGE...

For each message: send it as input() would give it (no newline), then recv(1024) until as many
bytes came back, and print what came back. Exits 1 if the server closes before answering.
"""
import socket
import sys

port = int(sys.argv[1])
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.settimeout(10)
s.connect(("127.0.0.1", port))
for message in sys.argv[2:]:
    msg = message.encode()
    s.send(msg)
    reply = b""
    while len(reply) < len(msg):
        data = s.recv(1024)
        if not data:
            print("server closed the connection", file=sys.stderr)
            sys.exit(1)
        reply += data
    print(reply.decode())
s.close()
