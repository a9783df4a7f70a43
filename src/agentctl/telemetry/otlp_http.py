"""The HTTP side of the OTLP receiver: one request in, one OTLP answer out.

Content types, encodings, size limits and the status codes of
:mod:`agentctl.telemetry.receiver` live here; the receiver owns the queue and
the writer thread.
"""

from __future__ import annotations

import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

from agentctl.telemetry import otlp_signals
from agentctl.telemetry.otlp import (
    OtlpDecodeError,
    export_response,
    parse_json,
    parse_protobuf,
    status_body,
)

if TYPE_CHECKING:
    from agentctl.telemetry.receiver import OtlpReceiver

TRACES_PATH = "/v1/traces"
_PROTOBUF = frozenset({"application/x-protobuf", "application/protobuf"})
_JSON = "application/json"
# google.rpc.Code values for error bodies
_INVALID_ARGUMENT, _RESOURCE_EXHAUSTED, _UNAVAILABLE = 3, 8, 14


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


class ServerBase(ThreadingHTTPServer):
    receiver: OtlpReceiver


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "agentctl-otlp"
    timeout = 30
    server: ServerBase

    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_GET(self) -> None:
        if self.path in ("/", "/healthz", "/readyz"):
            self._send(200, b"ok\n", "text/plain")
        else:
            self._send(404, b"not found\n", "text/plain")

    def do_POST(self) -> None:
        rcv = self.server.receiver
        self._body_read = False
        rcv.stats.requests += 1
        ctype = (self.headers.get("Content-Type") or "").split(";", 1)[0].strip().lower()
        as_json = ctype == _JSON
        try:
            path = self.path.split("?", 1)[0]
            signal = otlp_signals.PATHS.get(path)
            if path != TRACES_PATH and signal is None:
                raise HttpError(404, f"unknown path {path}; traces go to {TRACES_PATH}", close=True)
            if ctype not in _PROTOBUF and not as_json:
                raise HttpError(415, f"unsupported content type {ctype or '(none)'}", close=True)
            if not rcv._decode_slots.acquire(timeout=5):
                raise HttpError(
                    429, "too many concurrent exports; retry later", retry_after=1, close=True
                )
            try:
                body = self._read_body(rcv)
                if signal is not None:
                    self._not_stored(rcv, signal, body, as_json, ctype)
                    return
                try:
                    result = parse_json(body) if as_json else parse_protobuf(body)
                except OtlpDecodeError as exc:
                    raise HttpError(400, exc.message) from None
                del body
            finally:
                rcv._decode_slots.release()
            rcv.submit(result.spans)
            rcv.stats.spans_accepted += len(result.spans)
            rcv.stats.spans_rejected += result.rejected
            self._send(200, export_response(as_json, result.rejected, result.error), ctype)
        except HttpError as err:
            if err.status == 429:
                rcv.stats.throttled += 1
            elif err.status < 500:
                rcv.stats.refused += 1
            code = _RESOURCE_EXHAUSTED if err.status in (413, 429) else _INVALID_ARGUMENT
            if err.status >= 500:
                code = _UNAVAILABLE
            if err.close and not self._drain(rcv):
                self.close_connection = True
            self._send(
                err.status,
                status_body(as_json, code, err.message),
                _JSON if as_json else "application/x-protobuf",
                retry_after=err.retry_after,
            )

    def _not_stored(
        self, rcv: OtlpReceiver, signal: str, body: bytes, as_json: bool, ctype: str
    ) -> None:
        """Metrics or logs: a partial_success that rejects every item, saying why."""
        try:
            count = otlp_signals.count_items(signal, body, as_json)
        except OtlpDecodeError as exc:
            raise HttpError(400, exc.message) from None
        rcv.not_stored(signal, count)
        self._send(200, otlp_signals.rejection_response(signal, as_json, count), ctype)

    def _read_body(self, rcv: OtlpReceiver) -> bytes:
        raw = self._read_raw(rcv)
        self._body_read = True
        encoding = (self.headers.get("Content-Encoding") or "identity").strip().lower()
        if encoding in ("gzip", "x-gzip", "deflate"):
            return _inflate(raw, rcv.max_decompressed_bytes, gzip=encoding != "deflate")
        if encoding != "identity":
            raise HttpError(415, f"unsupported content encoding {encoding}")
        return raw

    def _read_raw(self, rcv: OtlpReceiver) -> bytes:
        length_header = self.headers.get("Content-Length")
        if length_header is None:
            if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
                raw = self._read_chunked(rcv.max_body_bytes)
            else:
                raise HttpError(411, "a Content-Length is required", close=True)
        else:
            try:
                length = int(length_header)
            except ValueError:
                raise HttpError(400, "invalid Content-Length", close=True) from None
            if length < 0:
                raise HttpError(400, "invalid Content-Length", close=True)
            if length > rcv.max_body_bytes:
                raise HttpError(
                    413, f"body of {length} bytes exceeds {rcv.max_body_bytes}", close=True
                )
            raw = self.rfile.read(length)
            if len(raw) != length:
                self._body_read = True
                raise HttpError(400, "truncated body", close=True)
        return raw

    def _drain(self, rcv: OtlpReceiver) -> bool:
        """Read and drop an unread body so the connection can be kept; False if unsafe."""
        if self._body_read:
            return False
        try:
            length = int(self.headers.get("Content-Length") or "-1")
        except ValueError:
            return False
        if length < 0 or length > 4 * rcv.max_body_bytes:
            return False
        while length > 0:
            chunk = self.rfile.read(min(length, 1 << 20))
            if not chunk:
                return False
            length -= len(chunk)
        self._body_read = True
        return True

    def _read_chunked(self, limit: int) -> bytes:
        parts: list[bytes] = []
        total = 0
        while True:
            line = self.rfile.readline(1024)
            try:
                size = int(line.split(b";", 1)[0].strip(), 16)
            except ValueError:
                raise HttpError(400, "malformed chunked body", close=True) from None
            if size == 0:
                while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                    pass
                return b"".join(parts)
            total += size
            if total > limit:
                raise HttpError(413, f"body exceeds {limit} bytes", close=True)
            parts.append(self.rfile.read(size))
            self.rfile.readline(1024)

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
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True


def _inflate(raw: bytes, limit: int, *, gzip: bool) -> bytes:
    """Decompress with a hard output limit (a gzip bomb stops at ``limit`` bytes)."""
    d = zlib.decompressobj(16 + zlib.MAX_WBITS if gzip else zlib.MAX_WBITS)
    try:
        out = d.decompress(raw, limit + 1)
    except zlib.error as exc:
        raise HttpError(400, f"undecodable compressed body: {exc}") from None
    if len(out) > limit or d.unconsumed_tail:
        raise HttpError(413, f"decompressed body exceeds {limit} bytes")
    if not d.eof:
        raise HttpError(400, "truncated compressed body")
    return out
