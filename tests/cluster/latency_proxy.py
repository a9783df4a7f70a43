"""A loopback TCP proxy that delays every byte by a fixed time each way, as a long link does.

    with LatencyProxy(upstream_port, one_way=0.025) as proxy:
        ... connect to 127.0.0.1:proxy.port ...

It forwards bytes, not requests, so TLS, HTTP/1.1 keep-alive and HTTP/2 pass
through untouched and every protocol pays what it would pay on the link:

- data arrives ``one_way`` seconds after it was sent, in both directions,
  however much is in flight (no bandwidth limit: a chunk is held, not slowed);
- a new connection pays the TCP handshake: nothing the client sends is
  delivered before ``2 * one_way`` (one round trip) after it connected, as
  ``connect()`` on the link returns only after SYN and SYN-ACK.

So a request on an open connection costs one round trip, a request on a new
TLS 1.3 connection three (TCP, TLS, the request).

Threads only (two per direction and connection); every socket it opens is
closed by ``close()``. Listens and connects on 127.0.0.1 only.
"""

from __future__ import annotations

import contextlib
import heapq
import socket
import threading
import time


class LatencyProxy:
    def __init__(self, upstream_port: int, one_way: float = 0.025) -> None:
        self.upstream = ("127.0.0.1", upstream_port)
        self.one_way = one_way
        self.connections = 0
        self.accepted: list[float] = []  # time.monotonic() of each accepted connection
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self._listener.getsockname()[1])
        self._socks: list[socket.socket] = []
        self._lock = threading.Lock()
        self._closed = False
        threading.Thread(target=self._accept, name="latency-proxy", daemon=True).start()

    def __enter__(self) -> LatencyProxy:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._closed = True
        with contextlib.suppress(OSError):
            self._listener.close()
        with self._lock:
            socks, self._socks = self._socks, []
        for s in socks:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            with contextlib.suppress(OSError):
                s.close()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            accepted = time.monotonic()
            try:
                server = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                client.close()
                continue
            for s in (client, server):
                s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                s.settimeout(None)
            with self._lock:
                if self._closed:
                    client.close()
                    server.close()
                    return
                self._socks += [client, server]
                self.connections += 1
                self.accepted.append(accepted)
            # the client's first bytes wait out the handshake a real link would have cost
            _Direction(client, server, self.one_way, not_before=accepted + 2 * self.one_way)
            _Direction(server, client, self.one_way, not_before=0.0)


class _Direction:
    """src -> dst, each chunk delivered ``delay`` seconds after it was read."""

    def __init__(
        self, src: socket.socket, dst: socket.socket, delay: float, not_before: float
    ) -> None:
        self.src, self.dst, self.delay, self.not_before = src, dst, delay, not_before
        self._queue: list[tuple[float, int, bytes]] = []
        self._cond = threading.Condition()
        self._seq = 0
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=self._write, daemon=True).start()

    def _read(self) -> None:
        while True:
            try:
                data = self.src.recv(65536)
            except OSError:
                data = b""
            due = max(time.monotonic(), self.not_before) + self.delay
            with self._cond:
                self._seq += 1
                heapq.heappush(self._queue, (due, self._seq, data))
                self._cond.notify()
            if not data:
                return

    def _write(self) -> None:
        while True:
            with self._cond:
                while not self._queue:
                    self._cond.wait()
                due, _, data = self._queue[0]
                now = time.monotonic()
                if due > now:
                    self._cond.wait(due - now)
                    continue
                heapq.heappop(self._queue)
            if not data:  # the sender closed its side: pass the close on, after the delay
                with contextlib.suppress(OSError):
                    self.dst.shutdown(socket.SHUT_WR)
                return
            try:
                self.dst.sendall(data)
            except OSError:
                with contextlib.suppress(OSError):
                    self.src.shutdown(socket.SHUT_RD)
                return
