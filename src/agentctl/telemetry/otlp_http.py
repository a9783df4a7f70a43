"""The HTTP side of the OTLP receiver: one request in, one OTLP answer out.

Content types, encodings, size limits, the connection pool and the status
codes of :mod:`agentctl.telemetry.receiver` live here; the receiver owns the
byte budget, the queue and the writer thread.

Requests are served by a fixed pool of worker threads, and a worker only takes
a connection whose request head (request line and headers) has arrived. Until
then a connection waits outside the pool ("parked"), watched by the accepting
thread with a :mod:`selectors` selector, which reads what arrives of the head
(up to ``_HEAD_BUFFER`` bytes, the rest is read by the worker); after each
answer a kept-alive connection is parked again. So connections that have sent
nothing yet, idle kept-alive ones and heads trickling in cost a socket, never
a worker. At most ``max_parked`` connections wait so: beyond that the one idle
longest (nothing of a request sent) is closed for the new one, as a web server
short of connections closes its idle kept-alive ones, and when none is idle
the new one is answered ``503`` with ``Retry-After`` and closed. Requests
whose head has arrived wait for a worker in a queue of ``backlog``; beyond it
they are answered ``503`` too.

Every request must arrive whole (request line, headers and body) within
``request_timeout_s`` of its first byte, not counting its wait for a free
worker: one deadline for the whole request, not a time per read, so a body
trickled in holds its worker no longer than that. A late request is answered ``408`` with ``Connection: close`` (by the
worker, or by the accepting thread for a head still arriving) and logged in
one line naming the sender. A parked connection idle for ``idle_timeout_s``
is closed.

Requests are framed strictly (RFC 9112), since a proxy in front may frame
them differently: the request line, every header line and every chunk line
must end in CRLF; a header line that is folded, has a space before its colon
or holds a control character, a ``Content-Length`` that is not one plain
decimal number, both ``Content-Length`` and ``Transfer-Encoding``, a
``Transfer-Encoding`` other than ``chunked``, and a malformed or oversized
chunk size are answered 400 (501 for a transfer coding before ``chunked``)
and the connection is closed, so no byte of such a request is ever read as
the start of another.
"""

from __future__ import annotations

import collections
import contextlib
import http.client
import io
import logging
import queue
import re
import selectors
import socket
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import TYPE_CHECKING, Any

from agentctl.telemetry import otlp_signals
from agentctl.telemetry.otlp import OtlpDecodeError, OtlpTooLarge, export_response, status_body

if TYPE_CHECKING:
    from agentctl.telemetry.receiver import OtlpReceiver

TRACES_PATH = "/v1/traces"
_PROTOBUF = frozenset({"application/x-protobuf", "application/protobuf"})
_JSON = "application/json"
# google.rpc.Code values for error bodies
_INVALID_ARGUMENT, _RESOURCE_EXHAUSTED, _UNIMPLEMENTED, _UNAVAILABLE, _INTERNAL = 3, 8, 12, 14, 13
_NOT_SUPPORTED = (501, 505)  # what the request asks cannot be done: the sender's to change
_INFLATE_STEP = 1 << 20
# RFC 9112 framing: a token (method, field name, transfer coding), a request target of
# visible ASCII, a field value without control characters other than tab
_TOKEN = re.compile(rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_TARGET = re.compile(rb"[\x21-\x7e]+")
_VERSION = re.compile(rb"HTTP/([0-9])\.([0-9])")
_CONTROL = re.compile(rb"[\x00-\x08\x0a-\x1f\x7f]")
_DECIMAL = re.compile(r"[0-9]+")
# a chunk size of at most 16 hex digits, optional extensions, CRLF
_CHUNK_LINE = re.compile(rb"([0-9A-Fa-f]{1,16})(?:[ \t]*;[^\x00-\x08\x0a-\x1f\x7f]*)?\r\n")
_MAX_FIELD_BYTES = 64 * 1024  # the whole header (or trailer) section
_MAX_FIELDS = 100
_MAX_CHUNK_LINE = 1024

log = logging.getLogger("agentctl.telemetry.receiver")


class HttpError(Exception):
    def __init__(
        self, status: int, message: str, *, retry_after: int | None = None, close: bool = False
    ) -> None:
        super().__init__(message)
        self.status, self.message, self.retry_after, self.close = (
            status,
            message,
            retry_after,
            close,
        )


def _canned(status: str, text: bytes, *extra: bytes) -> bytes:
    """An answer sent by the accepting thread without waiting, which ends its connection."""
    fields = b"".join(f + b"\r\n" for f in extra)
    return (
        b"HTTP/1.1 "
        + status.encode()
        + b"\r\n"
        + fields
        + b"Content-Type: text/plain\r\nContent-Length: %d\r\nConnection: close\r\n\r\n"
        % (len(text) + 1)
        + text
        + b"\n"
    )


_BUSY = _canned("503 Service Unavailable", b"too many connections; retry later", b"Retry-After: 1")
_TIMED_OUT = _canned("408 Request Timeout", b"the request head did not arrive in time")
# bytes of a request head read while its connection waits outside the pool: an exporter's
# head is a few hundred bytes; a longer one is read on by a worker, under its deadline
_HEAD_BUFFER = 8 * 1024
_LISTENER, _WAKE = object(), object()


class _Parked:
    """A connection waiting for its request outside the pool, and what has arrived of it."""

    __slots__ = ("address", "first", "head", "since")

    def __init__(self, address: Any, since: float) -> None:
        self.address = address
        self.since = since  # parked (accepted, or its last answer sent)
        self.first: float | None = None  # when the first byte of a request arrived
        self.head = bytearray()

    def ready(self) -> bool:
        """The request head has all arrived (or more of it than is read here)."""
        return b"\n\r\n" in self.head or b"\n\n" in self.head or len(self.head) >= _HEAD_BUFFER


class ServerBase(HTTPServer):
    """An HTTP server with a fixed pool of workers, a bounded queue of requests waiting
    for one, and connections waiting for a request parked outside both."""

    receiver: OtlpReceiver
    workers = 16
    backlog = 64
    max_parked = 512

    def server_activate(self) -> None:
        super().server_activate()
        # requests whose head has arrived: connection, address, head bytes read, first byte,
        # when queued
        self._pending: queue.Queue[tuple[socket.socket, Any, bytes, float] | None] = queue.Queue(
            self.backlog
        )
        self._parked: dict[socket.socket, _Parked] = {}  # in the order they were parked
        self._selector = selectors.DefaultSelector()
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._wake_w.setblocking(False)
        self._returned: collections.deque[tuple[socket.socket, Any]] = collections.deque()
        self._stopping = False
        self._stopped = threading.Event()  # set when serve_forever returns
        self._pool = [
            threading.Thread(target=self._work, name=f"otlp-worker-{i}", daemon=True)
            for i in range(self.workers)
        ]
        for t in self._pool:
            t.start()

    # ------------------------------------------------------------------ the accept thread

    def serve_forever(self, poll_interval: float = 0.5) -> None:
        """Accept connections and watch the parked ones; a connection goes to the pool
        once its request head has arrived."""
        sel = self._selector
        sel.register(self.socket, selectors.EVENT_READ, _LISTENER)
        sel.register(self._wake_r, selectors.EVENT_READ, _WAKE)
        try:
            sweep = 0.0
            while not self._stopping:
                for key, _ in sel.select(poll_interval):
                    if key.data is _LISTENER:
                        self._accept()
                    elif key.data is _WAKE:
                        self._take_returned()
                    elif key.fileobj in self._parked:
                        self._arrived(key.fileobj, key.data)
                now = time.monotonic()
                if now >= sweep:
                    self._expire(now)
                    sweep = now + 0.1
        finally:
            self._stopped.set()

    def shutdown(self) -> None:
        self._stopping = True
        self._wake()
        self._stopped.wait()

    def _accept(self) -> None:
        try:
            conn, address = self.get_request()
        except OSError:
            return
        self._park(conn, address)

    def _park(self, conn: socket.socket, address: Any) -> None:
        """Wait for a request outside the pool; when ``max_parked`` connections already
        wait, the one idle longest makes room (as a server short of connections closes
        its idle kept-alive ones), or, none being idle, this one is answered 503."""
        if len(self._parked) >= self.max_parked and not self._close_idlest():
            self.receiver.stats.connections_refused += 1
            log.info(
                "OTLP connection from %s refused: %d connections already wait for their "
                "request heads",
                address[0],
                len(self._parked),
            )
            self._answer(conn, _BUSY)
            return
        try:
            conn.setblocking(False)
            parked = _Parked(address, time.monotonic())
            self._selector.register(conn, selectors.EVENT_READ, parked)
        except (OSError, ValueError):  # closed meanwhile
            self.shutdown_request(conn)
            return
        self._parked[conn] = parked

    def _unpark(self, conn: socket.socket) -> None:
        del self._parked[conn]
        with contextlib.suppress(KeyError, ValueError, OSError):
            self._selector.unregister(conn)

    def _close_idlest(self) -> bool:
        for conn, parked in self._parked.items():
            if parked.first is None:
                log.debug("idle OTLP connection from %s closed for a new one", parked.address[0])
                self._unpark(conn)
                self.shutdown_request(conn)
                return True
        return False

    def _arrived(self, conn: socket.socket, parked: _Parked) -> None:
        """Bytes (or the end) arrived on a parked connection."""
        try:
            data = conn.recv(_HEAD_BUFFER - len(parked.head))
        except BlockingIOError:
            return
        except OSError:
            data = b""
            parked.head.clear()  # reset: nothing to answer
        if data:
            if parked.first is None:
                parked.first = time.monotonic()
            parked.head += data
            if not parked.ready():
                return
        self._unpark(conn)
        if not parked.head:  # closed before a request
            self.shutdown_request(conn)
            return
        # the head has arrived, or the connection ended in it: a worker answers
        try:
            conn.setblocking(True)
            # how long the request has taken so far: the wait for a worker is the server's
            waited = time.monotonic() - parked.first if parked.first is not None else 0.0
            self._pending.put_nowait((conn, parked.address, bytes(parked.head), waited))
        except queue.Full:
            self.receiver.stats.connections_refused += 1
            self._answer(conn, _BUSY)
        except OSError:
            self.shutdown_request(conn)

    def _expire(self, now: float) -> None:
        """Close parked connections idle for ``idle_timeout_s``, and answer 408 to those
        whose request head has not arrived within ``request_timeout_s`` of its first byte."""
        rcv = self.receiver
        for conn, parked in list(self._parked.items()):
            if parked.first is None:
                if now - parked.since > rcv.idle_timeout_s:
                    self._unpark(conn)
                    self.shutdown_request(conn)
            elif now - parked.first > rcv.request_timeout_s:
                self._unpark(conn)
                rcv.stats.refused += 1
                log.info(
                    "refused OTLP request from %s: 408 the request head did not arrive within %g s",
                    parked.address[0],
                    rcv.request_timeout_s,
                )
                self._answer(conn, _TIMED_OUT)

    def _answer(self, conn: socket.socket, answer: bytes) -> None:
        """A canned answer, sent without waiting, and the connection's end."""
        try:
            conn.setblocking(False)
            conn.send(answer)
        except OSError:
            pass
        self.shutdown_request(conn)

    def _wake(self) -> None:
        with contextlib.suppress(OSError):  # a full pipe is a wake-up already pending
            self._wake_w.send(b"\0")

    def _take_returned(self) -> None:
        with contextlib.suppress(OSError):
            while self._wake_r.recv(4096):
                pass
        while self._returned:
            conn, address = self._returned.popleft()
            if self._stopping:
                self.shutdown_request(conn)
            else:
                self._park(conn, address)

    # ------------------------------------------------------------------ the workers

    def _work(self) -> None:
        while True:
            item = self._pending.get()
            if item is None:
                return
            conn, address, head, waited = item
            first = time.monotonic() - waited  # the request's clock, without the queue's wait
            kept = False
            try:
                kept = Handler(conn, address, self, head, first).kept and not self._stopping
            except Exception as exc:
                self.handle_error(conn, address, exc)
            if kept:  # its next request is waited for outside the pool
                self._returned.append((conn, address))
                self._wake()
            else:
                self.shutdown_request(conn)

    def handle_error(self, request: Any, client_address: Any, exc: Any = None) -> None:
        log.warning("OTLP connection from %s failed: %s", client_address[0], exc)

    def server_close(self) -> None:
        super().server_close()
        pending = getattr(self, "_pending", None)
        if pending is None:
            return
        self._stopping = True
        for conn in list(self._parked):
            self._unpark(conn)
            self.shutdown_request(conn)
        for _ in self._pool:
            pending.put(None)
        deadline = time.monotonic() + 5
        for t in self._pool:
            t.join(timeout=max(0.0, deadline - time.monotonic()))
        self._take_returned()
        self._selector.close()
        self._wake_r.close()
        self._wake_w.close()


class _DeadlineReader(io.RawIOBase):
    """A socket reader that fails with TimeoutError once its deadline has passed, serving
    first the bytes of the request head read before a worker took the connection."""

    def __init__(self, sock: socket.socket, head: bytes) -> None:
        self.sock = sock
        self.head = head
        self.deadline = time.monotonic() + 30.0
        self.waiting = True  # False: answer None (nothing yet) rather than wait

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int | None:
        if self.head:
            n = min(len(b), len(self.head))
            b[:n] = self.head[:n]
            self.head = self.head[n:]
            return n
        if not self.waiting:
            self.sock.settimeout(0.0)
            try:
                return self.sock.recv_into(b)
            except BlockingIOError:
                return None
            except OSError:
                return 0
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("the request did not arrive in time")
        self.sock.settimeout(left)
        return self.sock.recv_into(b)


class Handler(BaseHTTPRequestHandler):
    """Serves the requests of one connection that have arrived, then leaves it to wait
    for its next request outside the pool (``kept``) or ends it."""

    protocol_version = "HTTP/1.1"
    server_version = "agentctl-otlp"
    # An answer goes out as its header block and then its body: with Nagle's algorithm the
    # body waits for the client's delayed ACK of the headers, about 40 ms on a kept-alive
    # connection (a health probe, an exporter whose request fits one segment).
    disable_nagle_algorithm = True
    server: ServerBase
    raw_requestline: bytes
    # the body's framing, set for each request once its headers are checked
    _length: int | None = None  # a sound Content-Length
    _chunked = False
    _body_read = False  # or unreadable: a refusal then closes the connection
    _reserved = 0

    def __init__(
        self,
        request: Any,
        client_address: Any,
        server: Any,
        head: bytes = b"",
        first: float | None = None,
    ) -> None:
        self._head, self._first = head, time.monotonic() if first is None else first
        self.kept = False
        super().__init__(request, client_address, server)

    def setup(self) -> None:
        super().setup()
        self.rfile.close()  # read through the deadline reader instead
        self._reader = _DeadlineReader(self.connection, self._head)
        self.rfile = self._buffered = io.BufferedReader(self._reader, 64 * 1024)

    def handle(self) -> None:
        self.close_connection = True
        self.handle_one_request()
        while not self.close_connection:
            if not self._more():  # the next request is waited for outside the pool
                self.kept = True
                return
            self._first = time.monotonic()
            self.handle_one_request()

    def _more(self) -> bool:
        """Whether bytes of another request (or the connection's end) have arrived."""
        self._reader.waiting = False
        try:
            return bool(self._buffered.peek(1))
        finally:
            self._reader.waiting = True

    def handle_one_request(self) -> None:
        # the whole request (line, headers and body) must arrive within the request
        # timeout of its first byte
        self._reader.deadline = self._first + self.server.receiver.request_timeout_s
        super().handle_one_request()

    def _late(self) -> HttpError:
        """The request did not all arrive in time: answered 408, the connection closed."""
        self._body_read = True
        with contextlib.suppress(OSError):
            self.connection.settimeout(1.0)  # for the answer
        timeout = self.server.receiver.request_timeout_s
        return HttpError(408, f"the request did not arrive within {timeout:g} s", close=True)

    def parse_request(self) -> bool:
        self.command = None  # type: ignore[assignment]
        self.request_version = "HTTP/1.1"  # errors are answered with a status line
        self.requestline = self.raw_requestline.decode("latin-1").rstrip("\r\n")
        self.headers = http.client.HTTPMessage()
        self.close_connection = True
        self._length = None
        self._chunked = False
        self._body_read = False
        self._reserved = 0
        if self.raw_requestline == b"\r\n":
            return False  # nothing but an empty line: closed without an answer, as before
        try:
            version = self._parse_request_line()
            self.headers = self._read_fields("header")
            self._check_framing(version)
        except HttpError as err:
            self._body_read = True  # the framing is unknown: never read on, never keep
            self._refuse(self.server.receiver, err, self._wants_json())
            return False
        except TimeoutError:
            self._refuse(self.server.receiver, self._late(), self._wants_json())
            return False
        tokens = {
            t.strip(" \t").lower()
            for v in self.headers.get_all("Connection") or []
            for t in v.split(",")
        }
        self.close_connection = "close" in tokens or (
            version < (1, 1) and "keep-alive" not in tokens
        )
        if (self.headers.get("Expect") or "").lower() == "100-continue" and version >= (1, 1):
            return self.handle_expect_100()
        return True

    def _parse_request_line(self) -> tuple[int, int]:
        """Method, target and version, one space apart and ended by CRLF (RFC 9112 §3)."""
        raw = self.raw_requestline
        if not raw.endswith(b"\r\n"):
            raise HttpError(400, "the request line does not end in CRLF", close=True)
        parts = raw[:-2].split(b" ")
        if len(parts) != 3:
            raise HttpError(400, "the request line is not: method, target, version", close=True)
        method, target, version = parts
        if not _TOKEN.fullmatch(method):
            raise HttpError(400, "invalid request method", close=True)
        if not _TARGET.fullmatch(target):
            raise HttpError(400, "invalid request target", close=True)
        m = _VERSION.fullmatch(version)
        if m is None:
            raise HttpError(400, "invalid HTTP version", close=True)
        major, minor = int(m[1]), int(m[2])
        if major != 1:
            raise HttpError(505, f"HTTP/{major}.{minor} is not supported", close=True)
        self.command = method.decode("ascii")
        self.path = target.decode("ascii")
        if self.path.startswith("//"):
            self.path = "/" + self.path.lstrip("/")
        self.request_version = version.decode("ascii")
        return major, minor

    def _read_fields(self, section: str) -> http.client.HTTPMessage:
        """A header or trailer section, up to its empty line, every line checked
        (RFC 9112 §5): no folding, no space before the colon, no control character."""
        fields = http.client.HTTPMessage()
        size = 0
        while True:
            line = self.rfile.readline(_MAX_FIELD_BYTES + 1)
            size += len(line)
            if size > _MAX_FIELD_BYTES:
                raise HttpError(
                    431, f"the {section} section exceeds {_MAX_FIELD_BYTES} bytes", close=True
                )
            if line == b"\r\n":
                return fields
            if not line.endswith(b"\r\n"):
                what = (
                    "ends before its empty line"
                    if not line.endswith(b"\n")
                    else "has a line not ended by CRLF"
                )
                raise HttpError(400, f"the {section} section {what}", close=True)
            if len(fields) >= _MAX_FIELDS:
                raise HttpError(431, f"more than {_MAX_FIELDS} {section} fields", close=True)
            if line[:1] in (b" ", b"\t"):
                raise HttpError(400, f"a folded {section} line", close=True)
            name, colon, value = line[:-2].partition(b":")
            if not colon or not _TOKEN.fullmatch(name):
                raise HttpError(400, f"a malformed {section} line", close=True)
            value = value.strip(b" \t")
            if _CONTROL.search(value):
                raise HttpError(
                    400, f"{section} {name.decode('ascii')} holds a control character", close=True
                )
            fields[name.decode("ascii")] = value.decode("latin-1")

    def _check_framing(self, version: tuple[int, int]) -> None:
        """How the body is framed: one plain Content-Length, or Transfer-Encoding
        chunked alone, never both (RFC 9112 §6)."""
        hosts = self.headers.get_all("Host") or []
        if len(hosts) > 1 or (not hosts and version >= (1, 1)):
            raise HttpError(400, "an HTTP/1.1 request needs exactly one Host", close=True)
        lengths = self.headers.get_all("Content-Length") or []
        encodings = self.headers.get_all("Transfer-Encoding")
        if encodings is not None:
            if lengths:
                raise HttpError(400, "both Content-Length and Transfer-Encoding", close=True)
            if version < (1, 1):
                raise HttpError(400, "Transfer-Encoding in an HTTP/1.0 request", close=True)
            codings = [c.strip(" \t").lower() for v in encodings for c in v.split(",")]
            codings = [c for c in codings if c]
            named = ", ".join(codings) or "(empty)"
            if not codings or codings[-1] != "chunked" or "chunked" in codings[:-1]:
                raise HttpError(400, f"Transfer-Encoding {named} is not chunked", close=True)
            if len(codings) > 1:
                raise HttpError(
                    501,
                    f"Transfer-Encoding {named} is not supported; use chunked alone "
                    "and Content-Encoding for compression",
                    close=True,
                )
            self._chunked = True
            return
        if not lengths:
            return
        if len(lengths) > 1:
            raise HttpError(400, "more than one Content-Length", close=True)
        if not _DECIMAL.fullmatch(lengths[0]):
            raise HttpError(400, "Content-Length is not a decimal number", close=True)
        digits = lengths[0].lstrip("0")
        self._length = int(digits or "0") if len(digits) <= 18 else 10**18

    def _wants_json(self) -> bool:
        headers = getattr(self, "headers", None)
        ctype = (headers.get("Content-Type") or "") if headers is not None else ""
        ctype = ctype.split(";", 1)[0].strip().lower()
        return ctype == _JSON

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """The standard library's errors (an unknown method, a request line too long),
        answered as every other refusal and closing the connection."""
        self._body_read = True
        reason = message or self.responses.get(code, ("error",))[0]
        self._refuse(self.server.receiver, HttpError(code, reason, close=True), self._wants_json())

    def log_message(self, format: str, *args: Any) -> None:
        return

    def log_error(self, format: str, *args: Any) -> None:
        log.info("OTLP request from %s: %s", self.client_address[0], format % args)

    def do_GET(self) -> None:
        if self._chunked or self._length:  # a body is not read here: end the connection
            self.close_connection = True
        if self.path in ("/", "/healthz", "/readyz"):
            self._send(200, b"ok\n", "text/plain")
        else:
            self._send(404, b"not found\n", "text/plain")

    def do_POST(self) -> None:
        rcv = self.server.receiver
        rcv.stats.requests += 1
        ctype = (self.headers.get("Content-Type") or "").split(";", 1)[0].strip().lower()
        as_json = ctype == _JSON
        try:
            try:
                self._post(rcv, ctype, as_json)
            finally:
                rcv.budget.release(self._reserved)
                self._reserved = 0
        except HttpError as err:
            self._refuse(rcv, err, as_json)
        except TimeoutError:
            self._refuse(rcv, self._late(), as_json)
        except Exception as exc:  # a bug must not print a traceback or kill the worker
            log.warning("OTLP request from %s failed: %r", self.client_address[0], exc)
            self._refuse(rcv, HttpError(500, "internal error", close=True), as_json)

    def _post(self, rcv: OtlpReceiver, ctype: str, as_json: bool) -> None:
        path = self.path.split("?", 1)[0]
        signal = otlp_signals.PATHS.get(path)
        if path != TRACES_PATH and signal is None:
            raise HttpError(404, f"unknown path {path}; traces go to {TRACES_PATH}", close=True)
        if ctype not in _PROTOBUF and not as_json:
            raise HttpError(415, f"unsupported content type {ctype or '(none)'}", close=True)
        body = self._read_body(rcv)
        if as_json and len(body) > rcv.max_json_bytes:
            raise HttpError(
                413,
                f"OTLP/JSON body of {len(body)} bytes exceeds {rcv.max_json_bytes}; "
                "send smaller batches or use application/x-protobuf",
            )
        if signal is not None:
            self._not_stored(rcv, signal, body, as_json, ctype)
            return
        reserved, self._reserved = self._reserved, 0  # the writer releases it now
        result = rcv.submit_body(body, as_json, reserved)
        rcv.stats.spans_accepted += len(result.spans)
        rcv.stats.spans_rejected += result.rejected
        self._send(200, export_response(as_json, result.rejected, result.error), ctype)

    def _refuse(self, rcv: OtlpReceiver, err: HttpError, as_json: bool) -> None:
        if err.status == 429:
            rcv.stats.throttled += 1
        elif err.status < 500 or err.status in _NOT_SUPPORTED:
            rcv.stats.refused += 1
            log.info(
                "refused OTLP request from %s: %d %s",
                self.client_address[0],
                err.status,
                err.message,
            )
        code = _RESOURCE_EXHAUSTED if err.status in (413, 429) else _INVALID_ARGUMENT
        if err.status in _NOT_SUPPORTED:
            code = _UNIMPLEMENTED
        elif err.status >= 500:
            code = _INTERNAL if err.status == 500 else _UNAVAILABLE
        if err.close and not self._drain(rcv):
            self.close_connection = True
        self._send(
            err.status,
            status_body(as_json, code, err.message),
            _JSON if as_json else "application/x-protobuf",
            retry_after=err.retry_after,
        )

    def _reserve(self, rcv: OtlpReceiver, n: int, what: str) -> None:
        """Count ``n`` more bytes of this request against the receiver's byte budget."""
        if self._reserved + n > rcv.max_queue_bytes:
            raise HttpError(
                413,
                f"{what} exceeds the receiver's queue of {rcv.max_queue_bytes} bytes",
                close=True,
            )
        if not rcv.budget.reserve(n):
            raise HttpError(
                429, "the receiver's queue is full; retry later", retry_after=1, close=True
            )
        self._reserved += n

    def _not_stored(
        self, rcv: OtlpReceiver, signal: str, body: bytes, as_json: bool, ctype: str
    ) -> None:
        """Metrics or logs: a partial_success that rejects every item, saying why."""
        try:
            with rcv.signal_lock:  # one decode at a time, as for traces
                count = otlp_signals.count_items(signal, body, as_json)
        except OtlpTooLarge as exc:
            raise HttpError(413, exc.message) from None
        except OtlpDecodeError as exc:
            raise HttpError(400, exc.message) from None
        rcv.not_stored(signal, count)
        self._send(200, otlp_signals.rejection_response(signal, as_json, count), ctype)

    def _read_body(self, rcv: OtlpReceiver) -> bytes:
        encoding = (self.headers.get("Content-Encoding") or "identity").strip().lower()
        if encoding not in ("gzip", "x-gzip", "deflate", "identity"):
            raise HttpError(415, f"unsupported content encoding {encoding}", close=True)
        raw = self._read_raw(rcv)
        self._body_read = True
        if encoding == "identity":
            return raw
        return self._inflate(rcv, raw, gzip=encoding != "deflate")

    def _inflate(self, rcv: OtlpReceiver, raw: bytes, *, gzip: bool) -> bytes:
        """Decompress in steps, each one counted against the budget before it is made;
        a gzip bomb stops at ``max_decompressed_bytes``."""
        limit = rcv.max_decompressed_bytes
        d = zlib.decompressobj(16 + zlib.MAX_WBITS if gzip else zlib.MAX_WBITS)
        out = bytearray()
        pending = raw
        try:
            while True:
                step = min(_INFLATE_STEP, limit + 1 - len(out))  # one byte over shows a bomb
                self._reserve(rcv, step, "the decompressed body")
                piece = d.decompress(pending, step)
                pending = d.unconsumed_tail
                out += piece
                if len(out) > limit:
                    raise HttpError(413, f"decompressed body exceeds {limit} bytes")
                if d.eof or (not pending and len(piece) < step):
                    break
        except zlib.error as exc:
            raise HttpError(400, f"undecodable compressed body: {exc}") from None
        if not d.eof:
            raise HttpError(400, "truncated compressed body")
        # the compressed copy is dropped: give back what it held beyond the output
        unused = self._reserved - len(out)
        if unused > 0:
            rcv.budget.release(unused)
            self._reserved -= unused
        return bytes(out)

    def _read_raw(self, rcv: OtlpReceiver) -> bytes:
        if self._chunked:
            return self._read_chunked(rcv)
        length = self._length
        if length is None:
            raise HttpError(411, "a Content-Length is required", close=True)
        if length > rcv.max_body_bytes:
            raise HttpError(413, f"body of {length} bytes exceeds {rcv.max_body_bytes}", close=True)
        self._reserve(rcv, length, f"a body of {length} bytes")
        raw = self.rfile.read(length)
        if len(raw) != length:
            self._body_read = True
            raise HttpError(400, "truncated body", close=True)
        return raw

    def _drain(self, rcv: OtlpReceiver) -> bool:
        """Read and drop an unread body so the connection can be kept; False if unsafe."""
        length = self._length
        if self._body_read or length is None:
            return False
        if length > 4 * rcv.max_body_bytes:  # read and dropped in small pieces
            return False
        try:
            while length > 0:
                chunk = self.rfile.read(min(length, 1 << 16))
                if not chunk:
                    return False
                length -= len(chunk)
        except OSError:
            return False
        self._body_read = True
        return True

    def _read_chunked(self, rcv: OtlpReceiver) -> bytes:
        """A chunked body (RFC 9112 §7.1): each chunk a hex size line, its bytes and CRLF,
        then a trailer section; anything else is a 400 and the connection's end."""
        self._body_read = True  # from here on, a refusal closes the connection
        limit = rcv.max_body_bytes
        body = bytearray()  # one buffer, however many chunks the body is cut into
        total = 0
        while True:
            line = self.rfile.readline(_MAX_CHUNK_LINE + 1)
            m = _CHUNK_LINE.fullmatch(line)
            if m is None:
                what = "a malformed chunk size line" if line else "a truncated chunked body"
                raise HttpError(400, what, close=True)
            size = int(m[1], 16)
            if size == 0:
                self._read_fields("trailer")  # checked as headers are, then dropped
                return bytes(body)
            total += size
            if total > limit:
                raise HttpError(413, f"body exceeds {limit} bytes", close=True)
            self._reserve(rcv, size, f"a body of more than {total - size} bytes")
            chunk = self.rfile.read(size)
            if len(chunk) != size:
                raise HttpError(400, "a truncated chunked body", close=True)
            body += chunk
            if self.rfile.read(2) != b"\r\n":
                raise HttpError(400, "a chunk not followed by CRLF", close=True)

    def _send(
        self, status: int, body: bytes, ctype: str, *, retry_after: int | None = None
    ) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", ctype or "application/x-protobuf")
            self.send_header("Content-Length", str(len(body)))
            if retry_after is not None:
                self.send_header("Retry-After", str(retry_after))
            if self.close_connection:
                self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body)
        except OSError:
            self.close_connection = True
