"""The receiver's HTTP/1.1 framing, byte by byte on a raw socket to 127.0.0.1.

A request whose body length a proxy in front could read differently (RFC 9112 §6) is
answered once and its connection closed, so no byte of it is ever read as another
request; well-formed requests keep their connection.
"""

from __future__ import annotations

import contextlib
import logging
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from google.rpc.status_pb2 import Status
from tests.fakes import otlp_payloads as P
from tests.integration.test_otlp_receiver import assert_still_serving

from agentctl.telemetry.receiver import OtlpReceiver
from agentctl.telemetry.store import TraceStore

SPANS = P.protobuf(P.agent_run())
HEAD = b"POST /v1/traces HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-protobuf\r\n"
# a second, well-formed export: answered only if the first request's framing let it through
SMUGGLED = HEAD + b"Content-Length: %d\r\n\r\n" % len(SPANS) + SPANS


@pytest.fixture
def rx(tmp_path: Path) -> Iterator[OtlpReceiver]:
    """A receiver with its own store (``rx.store``)."""
    store = TraceStore(tmp_path / "traces.db")
    with OtlpReceiver(store, port=0) as receiver:
        yield receiver
    store.close()


def chunked(body: bytes) -> bytes:
    return b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)


def read_answer(s: socket.socket) -> tuple[int, dict[str, str], bytes]:
    """One HTTP answer read from the socket: status, headers (lower-case names), body;
    no byte may follow it (a second answer would mean a request was smuggled)."""
    (answer,) = read_answers(s, 1)
    return answer


def read_answers(s: socket.socket, n: int) -> list[tuple[int, dict[str, str], bytes]]:
    """``n`` HTTP answers read from the socket, which may arrive in one piece (answers to
    pipelined requests); no byte may follow the last."""
    buf, out = b"", []
    for _ in range(n):
        while b"\r\n\r\n" not in buf:
            piece = s.recv(65536)
            assert piece, f"the connection ended before an answer: {buf!r}"
            buf += piece
        head, _, buf = buf.partition(b"\r\n\r\n")
        status_line, *lines = head.decode("latin-1").split("\r\n")
        headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines)}
        length = int(headers["content-length"])
        while len(buf) < length:
            piece = s.recv(65536)
            assert piece, "the connection ended inside an answer"
            buf += piece
        out.append((int(status_line.split(" ")[1]), headers, buf[:length]))
        buf = buf[length:]
    assert buf == b"", "more bytes than the answers: another answer"
    return out


def assert_closed(s: socket.socket) -> None:
    """The receiver ends the connection without another byte."""
    try:
        rest = s.recv(65536)
    except ConnectionResetError:
        rest = b""
    assert rest == b"", f"the connection carried on: {rest!r}"


def exchange(rx: OtlpReceiver, data: bytes, *, end: bool = False) -> tuple[int, bytes]:
    """Send raw bytes (then end the sending side if ``end``); the one answer, after which
    the connection must be closed."""
    with socket.create_connection(("127.0.0.1", rx.port), timeout=10) as s:
        with contextlib.suppress(OSError):  # the receiver may close before it all arrives
            s.sendall(data)
            if end:
                s.shutdown(socket.SHUT_WR)
        status, headers, body = read_answer(s)
        assert headers.get("connection") == "close"
        assert_closed(s)
        return status, body


BAD_FRAMING = {
    # both lengths: the body ("0" chunk) would be read differently behind a proxy
    "length-and-chunked": (
        HEAD + b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + SMUGGLED,
        400,
    ),
    "chunked-and-length": (
        HEAD + b"Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n" + SMUGGLED,
        400,
    ),
    "two-lengths": (HEAD + b"Content-Length: 0\r\nContent-Length: 5\r\n\r\nhello", 400),
    "same-length-twice": (HEAD + b"Content-Length: 0\r\nContent-Length: 0\r\n\r\n", 400),
    "length-list": (HEAD + b"Content-Length: 5, 6\r\n\r\nhello", 400),
    "length-plus": (HEAD + b"Content-Length: +0\r\n\r\n" + SMUGGLED, 400),
    "length-hex": (HEAD + b"Content-Length: 0x0\r\n\r\n", 400),
    "length-negative": (HEAD + b"Content-Length: -1\r\n\r\n", 400),
    "length-underscore": (HEAD + b"Content-Length: 0_0\r\n\r\n", 400),
    "length-inner-space": (HEAD + b"Content-Length: 0 0\r\n\r\n", 400),
    "length-empty": (HEAD + b"Content-Length:\r\n\r\n", 400),
    "length-not-ascii": (HEAD + "Content-Length: \u0660\r\n\r\n".encode(), 400),
    "length-huge": (HEAD + b"Content-Length: " + b"9" * 40 + b"\r\n\r\n", 413),
    # chunk sizes
    "chunk-negative": (HEAD + b"Transfer-Encoding: chunked\r\n\r\n-1\r\n\r\n", 400),
    "chunk-0x": (HEAD + b"Transfer-Encoding: chunked\r\n\r\n0x0\r\n\r\n" + SMUGGLED, 400),
    "chunk-plus": (HEAD + b"Transfer-Encoding: chunked\r\n\r\n+1\r\nx\r\n0\r\n\r\n", 400),
    "chunk-inner-space": (HEAD + b"Transfer-Encoding: chunked\r\n\r\n1 2\r\n\r\n", 400),
    "chunk-empty-size": (HEAD + b"Transfer-Encoding: chunked\r\n\r\n\r\n0\r\n\r\n", 400),
    "chunk-overflow": (HEAD + b"Transfer-Encoding: chunked\r\n\r\n" + b"f" * 300 + b"\r\n", 400),
    "chunk-leading-space": (HEAD + b"Transfer-Encoding: chunked\r\n\r\n 1\r\nx\r\n0\r\n\r\n", 400),
    "chunk-without-crlf": (HEAD + b"Transfer-Encoding: chunked\r\n\r\n1\r\nxy0\r\n\r\n", 400),
    "chunk-lf-only": (HEAD + b"Transfer-Encoding: chunked\r\n\r\n1\nx\r\n0\r\n\r\n", 400),
    "chunk-data-lf-only": (HEAD + b"Transfer-Encoding: chunked\r\n\r\n1\r\nx\n0\r\n\r\n", 400),
    "trailer-folded": (
        HEAD + b"Transfer-Encoding: chunked\r\n\r\n0\r\nX-T: a\r\n b\r\n\r\n" + SMUGGLED,
        400,
    ),
    # transfer codings: only chunked alone is understood
    "gzip-then-chunked": (HEAD + b"Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 501),
    "gzip-line-then-chunked-line": (
        HEAD + b"Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        501,
    ),
    "chunked-then-gzip": (HEAD + b"Transfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n", 400),
    "chunked-twice": (HEAD + b"Transfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n", 400),
    "identity": (HEAD + b"Transfer-Encoding: identity\r\n\r\n" + SMUGGLED, 400),
    "xchunked": (HEAD + b"Transfer-Encoding: xchunked\r\n\r\n0\r\n\r\n", 400),
    "chunked-with-parameter": (
        HEAD + b"Transfer-Encoding: chunked;q=1\r\n\r\n0\r\n\r\n",
        400,
    ),
    "empty-transfer-encoding": (HEAD + b"Transfer-Encoding: \r\n\r\n", 400),
    "chunked-in-http-1.0": (
        b"POST /v1/traces HTTP/1.0\r\nContent-Type: application/x-protobuf\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        400,
    ),
    # header lines
    "folded-header": (HEAD + b"X-A: a\r\n b\r\nContent-Length: 0\r\n\r\n", 400),
    "folded-length": (HEAD + b"Content-Length:\r\n 0\r\n\r\n", 400),
    "space-before-colon": (HEAD + b"Content-Length : 0\r\n\r\n", 400),
    "tab-before-colon": (HEAD + b"Transfer-Encoding\t: chunked\r\n\r\n0\r\n\r\n", 400),
    "bare-cr": (HEAD + b"X-A: a\rContent-Length: 5\r\nContent-Length: 0\r\n\r\n", 400),
    "nul": (HEAD + b"X-A: a\x00b\r\nContent-Length: 0\r\n\r\n", 400),
    "header-lf-only": (HEAD + b"Content-Length: 0\n\r\n", 400),
    "no-colon": (HEAD + b"Content-Length 0\r\n\r\n", 400),
    "empty-name": (HEAD + b": 0\r\nContent-Length: 0\r\n\r\n", 400),
    "name-not-token": (HEAD + b"Content(Length): 0\r\n\r\n", 400),
    "no-host": (b"POST /v1/traces HTTP/1.1\r\nContent-Length: 0\r\n\r\n", 400),
    "two-hosts": (HEAD + b"Host: other\r\nContent-Length: 0\r\n\r\n", 400),
    "headers-never-end": (HEAD + b"Content-Length: 0\r\n", 400),
    "header-section-too-large": (HEAD + b"X-A: %s\r\n\r\n" % (b"a" * 70_000), 431),
    "too-many-fields": (HEAD + b"X-A: a\r\n" * 101 + b"Content-Length: 0\r\n\r\n", 431),
    # request lines
    "method-not-token": (b"P@ST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", 400),
    "method-nul": (b"PO\x00ST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", 400),
    "unknown-method": (b"BREW /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", 501),
    "double-space": (b"POST  /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", 400),
    "tab-separated": (b"POST\t/v1/traces HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", 400),
    "target-control": (
        b"POST /v1/\x01traces HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n",
        400,
    ),
    "bad-version": (b"POST /v1/traces HTTP/1.x\r\nHost: x\r\nContent-Length: 0\r\n\r\n", 400),
    "lower-case-version": (
        b"POST /v1/traces http/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n",
        400,
    ),
    "http-2": (b"POST /v1/traces HTTP/2.0\r\nHost: x\r\nContent-Length: 0\r\n\r\n", 505),
    "request-line-too-long": (b"GET /%s HTTP/1.1\r\nHost: x\r\n\r\n" % (b"a" * 70_000), 414),
    "no-version": (b"POST /v1/traces\r\nHost: x\r\nContent-Length: 0\r\n\r\n", 400),
    "request-line-lf-only": (
        b"POST /v1/traces HTTP/1.1\nHost: x\r\nContent-Length: 0\r\n\r\n",
        400,
    ),
}
INCOMPLETE = {"headers-never-end"}  # sent, then the sending side ended


@pytest.mark.parametrize("case", BAD_FRAMING)
def test_ambiguous_framing_is_refused_and_the_connection_closed(
    rx: OtlpReceiver,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
    case: str,
) -> None:
    caplog.set_level(logging.INFO, logger="agentctl.telemetry.receiver")
    data, status = BAD_FRAMING[case]
    got, body = exchange(rx, data, end=case in INCOMPLETE)
    assert got == status
    answer = Status.FromString(body)  # the OTLP error body, with a reason
    assert answer.message
    # google.rpc.Code: UNIMPLEMENTED, RESOURCE_EXHAUSTED or INVALID_ARGUMENT; never the
    # UNAVAILABLE an exporter would retry
    assert answer.code == {501: 12, 505: 12, 413: 8}.get(status, 3)
    refused = [r for r in caplog.records if "refused OTLP request" in r.getMessage()]
    assert len(refused) == 1 and str(status) in refused[0].getMessage()
    assert rx.store.count() == 0  # nothing after the refusal was taken as another request
    assert rx.budget.used == 0
    assert "Traceback" not in capfd.readouterr().err
    assert all(r.exc_info is None for r in caplog.records)
    assert_still_serving(rx, rx.store)


def test_a_truncated_chunk_is_refused(
    rx: OtlpReceiver,
) -> None:
    data = HEAD + b"Transfer-Encoding: chunked\r\n\r\n%x\r\n" % len(SPANS) + SPANS[:-5]
    assert exchange(rx, data, end=True)[0] == 400
    assert rx.store.count() == 0 and rx.budget.used == 0


def test_a_get_with_a_body_ends_its_connection(
    rx: OtlpReceiver,
) -> None:
    """GET reads no body, so the bytes after its headers are never taken as a request."""
    body = SMUGGLED
    data = b"GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % len(body) + body
    assert exchange(rx, data) == (200, b"ok\n")
    data = b"GET /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
    assert exchange(rx, data + chunked(body))[0] == 200
    assert rx.store.count() == 0


def test_well_formed_requests_keep_their_connection(
    rx: OtlpReceiver,
) -> None:
    runs = [P.agent_run() for _ in range(4)]
    bodies = [P.protobuf(run) for run in runs]
    with socket.create_connection(("127.0.0.1", rx.port), timeout=10) as s:
        # a plain Content-Length, with optional whitespace and leading zeros
        s.sendall(HEAD + b"Content-Length:  %08d \r\n\r\n" % len(bodies[0]) + bodies[0])
        status, headers, _ = read_answer(s)
        assert status == 200 and "connection" not in headers
        # chunked, with a chunk extension, upper-case hex, a trailer and a mixed-case coding
        half = len(bodies[1]) // 2
        s.sendall(
            HEAD
            + b"Transfer-Encoding: Chunked\r\n\r\n"
            + b"%X;name=value\r\n%s\r\n" % (half, bodies[1][:half])
            + b"%x\r\n%s\r\n" % (len(bodies[1]) - half, bodies[1][half:])
            + b"0\r\nX-Trailer: done\r\n\r\n"
        )
        status, headers, _ = read_answer(s)
        assert status == 200 and "connection" not in headers
        # two requests in one write (pipelined): each answered in turn
        s.sendall(
            HEAD
            + b"Content-Length: %d\r\n\r\n" % len(bodies[2])
            + bodies[2]
            + HEAD
            + b"Transfer-Encoding: chunked\r\n\r\n"
            + chunked(bodies[3])
        )
        assert [answer[0] for answer in read_answers(s, 2)] == [200, 200]
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        status, headers, _ = read_answer(s)
        assert status == 200 and headers["connection"] == "close"
        assert_closed(s)
    for run in runs:
        assert len(rx.store.trace(run[0]["trace_id"].hex())) == 4


def test_http_1_0_needs_no_host_and_closes(
    rx: OtlpReceiver,
) -> None:
    data = (
        b"POST /v1/traces HTTP/1.0\r\nContent-Type: application/x-protobuf\r\n"
        b"Content-Length: %d\r\n\r\n" % len(SPANS) + SPANS
    )
    assert exchange(rx, data)[0] == 200
    assert rx.store.count() == 4
