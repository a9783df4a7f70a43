"""Ports for local processes come from outside the range the OS hands out by itself."""

from __future__ import annotations

import socket

from agentctl.local.ports import LOWEST, ephemeral_range, free_port, free_ports


def test_ports_are_distinct_bindable_and_never_ephemeral() -> None:
    low, high = ephemeral_range()
    assert 0 < low <= high <= 65535
    ports = free_ports(20)
    assert len(set(ports)) == 20
    for port in [*ports, free_port()]:
        assert LOWEST <= port < low  # no outgoing connection of any process can take it meanwhile
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", port))


def test_a_port_in_use_is_never_chosen() -> None:
    low, _ = ephemeral_range()
    held = []
    try:
        # occupy a block of the candidates: whatever is returned is still free
        for port in range(LOWEST, min(LOWEST + 500, low)):
            sock = socket.socket()
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                sock.close()
                continue
            held.append(sock)
        taken = {s.getsockname()[1] for s in held}
        for port in free_ports(50):
            assert port not in taken
    finally:
        for sock in held:
            sock.close()
