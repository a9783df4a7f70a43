"""Free loopback ports for local processes.

A port is chosen here and bound later by the child, once it has started. A
port the OS picks itself (binding port 0) comes from its ephemeral range,
which is also where every outgoing connection of every process takes its
local port: on a busy machine one of those can take the port in between and
the child fails to bind it (or a readiness probe reaches someone else). So
ports are chosen below the ephemeral range, where the OS never hands one out
on its own; binding port 0 is the fallback when nothing there is free.
"""

from __future__ import annotations

import contextlib
import random
import socket
from pathlib import Path

LOWEST = 10_000  # above the usual fixed ports of local services (8080, 5432, 6379, ...)
IANA_EPHEMERAL = (49152, 65535)  # the ephemeral range where /proc does not tell (macOS)
_TRIES = 200


def ephemeral_range() -> tuple[int, int]:
    """The range the OS takes automatic local ports from."""
    try:
        text = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text(encoding="ascii")
        low, high = (int(x) for x in text.split())
    except (OSError, ValueError):
        return IANA_EPHEMERAL
    return low, high


def free_port(host: str = "127.0.0.1") -> int:
    """A port nobody uses right now, outside the ephemeral range when possible."""
    return free_ports(1, host)[0]


def free_ports(count: int, host: str = "127.0.0.1") -> list[int]:
    """``count`` distinct free ports (all held open while choosing, so no duplicates)."""
    low, _high = ephemeral_range()
    rng = random.SystemRandom()
    socks: list[socket.socket] = []
    try:
        tries = 0
        while len(socks) < count:
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            socks.append(sock)
            tries += 1
            if low - LOWEST >= 1000 and tries <= _TRIES:
                try:
                    sock.bind((host, rng.randrange(LOWEST, low)))
                except OSError:  # in use (or in TIME_WAIT): try another
                    socks.pop().close()
                continue
            sock.bind((host, 0))
        return [int(s.getsockname()[1]) for s in socks]
    finally:
        for sock in socks:
            sock.close()


def port_open(host: str, port: int, timeout: float = 0.2) -> bool:
    with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=timeout):
        return True
    return False
