"""A loopback port that refuses connections, for "the server is gone" tests.

A port a stopped server used to listen on is free for anyone: while the suite
runs with ``-n 2`` another worker's fake can bind it a moment later, and the
client under test then talks to the wrong server (or waits on one that never
answers). A socket that is bound but never listens holds the port instead:
connecting to it is refused at once, and nobody else can listen there until
the block ends.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def refused_port() -> Iterator[int]:
    """A 127.0.0.1 port where connections are refused for as long as the block runs."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        yield int(sock.getsockname()[1])
