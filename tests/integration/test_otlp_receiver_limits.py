"""The receiver's bounds: spans per request, a byte budget, deep nesting, connections, slow senders."""

from __future__ import annotations

import contextlib
import gzip
import http.client
import json
import logging
import os
import select
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from google.rpc.status_pb2 import Status
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from tests.fakes import otlp_payloads as P
from tests.integration.test_otlp_receiver import assert_still_serving, post
from tests.integration.test_otlp_receiver_framing import assert_closed, read_answer

from agentctl.telemetry.otlp import OtlpDecodeError, count_protobuf_spans
from agentctl.telemetry.receiver import OtlpReceiver
from agentctl.telemetry.store import TraceStore

MiB = 1024 * 1024
HEAD = b"POST /v1/traces HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-protobuf\r\n"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[TraceStore]:
    s = TraceStore(tmp_path / "traces.db")
    yield s
    s.close()


def minimal_spans(n: int) -> bytes:
    """n spans carrying only their ids: the most spans per byte a body can hold."""
    req = ExportTraceServiceRequest()
    ss = req.resource_spans.add().scope_spans.add()
    tid = os.urandom(16)
    for i in range(n):
        sp = ss.spans.add()
        sp.trace_id = tid
        sp.span_id = (i + 1).to_bytes(8, "big")
    return req.SerializeToString()


def test_the_wire_count_matches_the_decoded_count() -> None:
    body = P.protobuf(P.agent_run() + P.agent_run()) + minimal_spans(7)  # two resource_spans
    assert count_protobuf_spans(body) == 15
    assert count_protobuf_spans(b"") == 0
    with pytest.raises(OtlpDecodeError):
        count_protobuf_spans(body[:-3])


def test_too_many_spans_are_refused_before_decoding(store: TraceStore) -> None:
    with OtlpReceiver(store, port=0, max_spans_per_request=100) as rx:
        body = gzip.compress(minimal_spans(101))
        status, _, resp = post(rx, body, headers={"Content-Encoding": "gzip"})
        assert status == 413
        assert "101 spans in one request exceed the limit of 100" in Status.FromString(resp).message
        assert store.count() == 0
        assert post(rx, minimal_spans(100))[0] == 200
        assert store.count() == 100
        doc = {"resourceSpans": [{"scopeSpans": [{"spans": [{}] * 101}]}]}
        status, _, resp = post(rx, json.dumps(doc).encode(), "application/json")
        assert status == 413 and "101 spans" in json.loads(resp)["message"]
        assert rx.budget.used == 0


def test_a_request_larger_than_the_queue_is_refused_when_the_queue_is_empty(
    store: TraceStore,
) -> None:
    body = P.protobuf(P.agent_run() * 20)
    with OtlpReceiver(store, port=0, max_queue_bytes=len(body) - 1) as rx:
        status, headers, resp = post(rx, body)
        assert status == 413 and "queue" in Status.FromString(resp).message
        assert "Retry-After" not in headers  # retrying cannot help
        # compressed it fits on the wire, but not once decompressed
        status, _, resp = post(rx, gzip.compress(body), headers={"Content-Encoding": "gzip"})
        assert status == 413 and "decompressed body" in Status.FromString(resp).message
        assert rx.budget.used == 0 and store.count() == 0
        assert_still_serving(rx, store)


def test_a_gzip_bomb_stops_at_the_decompressed_limit(store: TraceStore) -> None:
    bomb = gzip.compress(b"\0" * (64 * MiB))  # 64 KiB on the wire
    with OtlpReceiver(store, port=0, max_decompressed_bytes=2 * MiB) as rx:
        status, _, resp = post(rx, bomb, headers={"Content-Encoding": "gzip"})
        assert status == 413 and "exceeds 2097152 bytes" in Status.FromString(resp).message
        assert rx.budget.used == 0
        assert_still_serving(rx, store)


def test_deep_json_nesting_is_a_400_with_a_reason_and_one_log_line(
    store: TraceStore, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.INFO, logger="agentctl.telemetry.receiver")
    deep = b'{"resourceSpans":' + b"[" * 1000 + b"]" * 1000 + b"}"
    attr = {"key": "k", "value": {"kvlistValue": {"values": []}}}
    inner: dict = attr  # nesting inside an attribute value, short of the JSON limit
    for _ in range(20):
        inner = {"key": "k", "value": {"kvlistValue": {"values": [inner]}}}
    with OtlpReceiver(store, port=0) as rx:
        status, _, resp = post(rx, deep, "application/json")
        assert status == 400
        assert "nested more than 128 levels deep" in json.loads(resp)["message"]
        doc = P.json_doc([P.span("x", trace_id=os.urandom(16))])
        doc["resourceSpans"][0]["scopeSpans"][0]["spans"][0]["attributes"].append(inner)
        assert post(rx, json.dumps(doc).encode(), "application/json")[0] == 200
        assert_still_serving(rx, store)
    lines = [r for r in caplog.records if r.name == "agentctl.telemetry.receiver"]
    assert len(lines) == 1 and "400" in lines[0].getMessage() and lines[0].exc_info is None
    assert "Traceback" not in capfd.readouterr().err


def test_threads_stay_fixed_and_busy_connections_are_refused(store: TraceStore) -> None:
    def workers() -> int:
        return sum(t.name.startswith("otlp-worker-") for t in threading.enumerate())

    with OtlpReceiver(
        store, port=0, workers=2, backlog=2, idle_timeout_s=60, request_timeout_s=60
    ) as rx:
        before = workers()
        held = []
        try:
            for _ in range(40):  # each sends its head and holds back its body
                s = socket.create_connection(("127.0.0.1", rx.port), timeout=30)
                held.append(s)
                with contextlib.suppress(OSError):  # refused and closed already: it counts
                    s.sendall(HEAD + b"Content-Length: 10\r\n\r\n")
            # two are served and two wait (up to four more while the workers pick theirs
            # up); the rest are answered and closed
            deadline = time.monotonic() + 60
            while rx.stats.connections_refused < 36 and time.monotonic() < deadline:
                time.sleep(0.05)
            assert 36 <= rx.stats.connections_refused <= 38
            assert before == 2 and workers() == 2
            # a refused connection has its answer waiting (which ones were refused depends on
            # when the workers picked theirs up, so look at all of them)
            ready, _, _ = select.select(held, [], [], 10)
            assert ready
            answered = ready[0].recv(200)
            assert answered.startswith(b"HTTP/1.1 503") and b"Retry-After: 1" in answered
        finally:
            for s in held:
                s.close()
        assert_still_serving(rx, store)


def test_slow_senders_are_cut_off(store: TraceStore, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="agentctl.telemetry.receiver")
    with OtlpReceiver(store, port=0, workers=1, request_timeout_s=1.0, idle_timeout_s=1.0) as rx:
        slow = socket.create_connection(("127.0.0.1", rx.port), timeout=10)
        try:
            started = time.monotonic()
            slow.sendall(b"POST /v1/traces HTTP/1.1\r\n")
            closed = False
            for _ in range(100):  # one header byte every 0.2 s: never finishes in time
                try:
                    slow.sendall(b"X")
                    time.sleep(0.2)
                    slow.settimeout(0.01)
                    closed = slow.recv(100) == b""
                except TimeoutError:
                    continue
                except OSError:
                    closed = True
                if closed:
                    break
            assert closed  # cut off after about a second, not left to trickle on
            assert time.monotonic() - started < 15
        finally:
            slow.close()
        idle = socket.create_connection(("127.0.0.1", rx.port), timeout=10)
        try:
            assert idle.recv(100) == b""  # an idle connection is closed, not kept
        finally:
            idle.close()
        assert_still_serving(rx, store)  # the only worker is free again
    (line,) = [r.getMessage() for r in caplog.records if "408" in r.getMessage()]
    assert (
        line
        == "refused OTLP request from 127.0.0.1: 408 the request head did not arrive within 1 s"
    )


def test_json_that_would_build_too_many_objects_is_refused_before_parsing(
    store: TraceStore,
) -> None:
    with OtlpReceiver(store, port=0, max_json_bytes=1 * MiB) as rx:
        many = (
            b'{"resourceSpans":[{"scopeSpans":[{"spans":['
            + b",".join([b"{}"] * 200_000)
            + b"]}]}]}"
        )
        status, _, resp = post(rx, many, "application/json")
        assert status == 413 and "objects and arrays exceeds" in json.loads(resp)["message"]
        strings = b'{"resourceSpans":[],"x":[' + b",".join([b'""'] * 270_000) + b"]}"
        status, _, resp = post(
            rx, gzip.compress(strings), "application/json", headers={"Content-Encoding": "gzip"}
        )
        assert status == 413 and "strings exceeds" in json.loads(resp)["message"]
        big = json.dumps({"resourceSpans": [], "pad": "x" * (2 * MiB)}).encode()
        status, _, resp = post(rx, big, "application/json")
        assert status == 413 and "use application/x-protobuf" in json.loads(resp)["message"]
        assert rx.budget.used == 0
        assert_still_serving(rx, store)


def test_content_is_dropped_at_ingest_unless_capture_is_allowed(store: TraceStore) -> None:
    from agentctl.telemetry.capture import DROPPED

    def run_with_content() -> list[dict]:
        run = P.agent_run()
        run[1]["attrs"]["gen_ai.input.messages"] = json.dumps(
            [{"role": "user", "parts": [{"type": "text", "content": "my secret plan"}]}]
        )
        run[1]["events"].append(("gen_ai.choice", {"message": "the secret answer"}))
        run[1]["events"].append(("exception", {"exception.type": "Timeout"}))
        run[2]["attrs"]["gen_ai.tool.call.arguments"] = '{"city": "Paris"}'
        return run

    with OtlpReceiver(store, port=0, capture_content=False) as rx:
        run = run_with_content()
        assert post(rx, P.protobuf(run))[0] == 200
    spans = {s.span_id: s for s in store.trace(run[0]["trace_id"].hex())}
    chat, tool = (spans[run[i]["span_id"].hex()] for i in (1, 2))
    assert (
        "gen_ai.input.messages" not in chat.attributes
        and "gen_ai.output.messages" not in chat.attributes
    )
    assert chat.attributes[DROPPED] is True and chat.input_tokens == 100  # usage is kept
    assert [e.name for e in chat.events] == ["exception"]
    assert "gen_ai.tool.call.arguments" not in tool.attributes and tool.tool_name == "get_weather"
    assert DROPPED not in spans[run[0]["span_id"].hex()].attributes
    with OtlpReceiver(store, port=0) as rx:  # allowed: kept
        run = run_with_content()
        assert post(rx, P.protobuf(run))[0] == 200
    chat = {s.span_id: s for s in store.trace(run[0]["trace_id"].hex())}[run[1]["span_id"].hex()]
    assert "my secret plan" in chat.attributes["gen_ai.input.messages"]
    assert DROPPED not in chat.attributes


def test_metrics_and_logs_bodies_have_the_same_bounds(store: TraceStore) -> None:
    with OtlpReceiver(store, port=0) as rx:
        deep = b'{"resourceMetrics":' + b"[" * 1000 + b"]" * 1000 + b"}"
        status, _, resp = post(rx, deep, "application/json", path="/v1/metrics")
        assert status == 400 and "nested more than 128" in json.loads(resp)["message"]
        many = (
            b'{"resourceLogs":[{"scopeLogs":[{"logRecords":['
            + b",".join([b"{}"] * 200_000)
            + b"]}]}]}"
        )
        status, _, resp = post(rx, many, "application/json", path="/v1/logs")
        assert status == 413 and "objects and arrays" in json.loads(resp)["message"]
        assert rx.budget.used == 0
        assert_still_serving(rx, store)


def test_stop_does_not_wait_for_idle_kept_alive_connections(store: TraceStore) -> None:
    import http.client

    rx = OtlpReceiver(store, port=0, idle_timeout_s=60)
    rx.start()
    conns = [http.client.HTTPConnection("127.0.0.1", rx.port, timeout=30) for _ in range(4)]
    for c in conns:  # each leaves a worker waiting for its next request
        c.request(
            "POST",
            "/v1/traces",
            body=P.protobuf(P.agent_run()),
            headers={"Content-Type": "application/x-protobuf"},
        )
        assert c.getresponse().read() is not None
    started = time.monotonic()
    rx.stop()
    assert time.monotonic() - started < 5
    assert store.count() == 16
    for c in conns:
        c.close()


def test_an_exporter_is_served_while_many_slow_connections_trickle(store: TraceStore) -> None:
    """50 connections trickling their request heads past 2 workers: each would hold a
    worker until its request timed out (the exporter waited about 25 s); a head still
    trickling in goes to the back of the queue instead."""
    with OtlpReceiver(store, port=0, workers=2, request_timeout_s=1.0, idle_timeout_s=1.0) as rx:
        slow: list[socket.socket] = []
        done = threading.Event()

        def trickle() -> None:  # one header byte per connection every 0.5 s, for at most 20 s
            for _ in range(40):
                for s in slow:
                    with contextlib.suppress(OSError):
                        s.send(b"X")
                if done.wait(0.5):
                    return

        try:
            for _ in range(50):
                s = socket.create_connection(("127.0.0.1", rx.port), timeout=5)
                s.sendall(b"POST /v1/traces HTTP/1.1\r\n")
                slow.append(s)
            threading.Thread(target=trickle, daemon=True).start()
            run = P.agent_run()
            u = rx.url.split("//", 1)[1].rsplit(":", 1)
            deadline = time.monotonic() + 5
            status = 0
            while time.monotonic() < deadline:  # as an exporter would: retry a 503
                conn = http.client.HTTPConnection(u[0], int(u[1]), timeout=5)
                try:
                    status = post(rx, P.protobuf(run), conn=conn)[0]
                except TimeoutError:
                    break
                if status != 503:
                    break
                time.sleep(0.2)
            assert status == 200
        finally:
            done.set()
            for s in slow:
                s.close()


def test_a_body_trickled_past_the_request_deadline_is_answered_408(
    store: TraceStore, caplog: pytest.LogCaptureFixture
) -> None:
    """A sender whose body trickles in, each byte well within a read's time, holds its
    worker no longer than the request deadline: answered 408 and the connection closed."""
    caplog.set_level(logging.INFO, logger="agentctl.telemetry.receiver")
    with OtlpReceiver(store, port=0, workers=1, request_timeout_s=1.0) as rx:
        with socket.create_connection(("127.0.0.1", rx.port), timeout=10) as s:
            s.sendall(HEAD + b"Content-Length: 1000\r\n\r\n")
            for _ in range(50):  # one body byte every 0.2 s: 1,000 would take 200 s
                with contextlib.suppress(OSError):  # closed once answered
                    s.sendall(b"x")
                if select.select([s], [], [], 0.2)[0]:
                    break
            status, headers, body = read_answer(s)
            assert status == 408 and headers["connection"] == "close"
            assert "did not arrive within 1 s" in Status.FromString(body).message
            assert_closed(s)
        assert_still_serving(rx, store)  # the only worker is free again
    lines = [r.getMessage() for r in caplog.records if "408" in r.getMessage()]
    assert lines == [
        "refused OTLP request from 127.0.0.1: 408 the request did not arrive within 1 s"
    ]


def test_an_export_is_answered_while_more_connections_wait_idle_than_the_queue_holds(
    store: TraceStore,
) -> None:
    """Connections that have sent nothing yet, or wait kept alive for their next request,
    wait outside the workers and their queue: an exporter is answered at once."""
    with OtlpReceiver(
        store, port=0, workers=2, backlog=2, idle_timeout_s=60, request_timeout_s=60
    ) as rx:
        kept = [http.client.HTTPConnection("127.0.0.1", rx.port, timeout=10) for _ in range(10)]
        idle: list[socket.socket] = []
        try:
            for conn in kept:  # one export each, then kept alive
                assert post(rx, P.protobuf(P.agent_run()), conn=conn)[0] == 200
            idle = [socket.create_connection(("127.0.0.1", rx.port), timeout=10) for _ in range(40)]
            assert post(rx, P.protobuf(P.agent_run()))[0] == 200  # once, not retried
            assert post(rx, P.protobuf(P.agent_run()), conn=kept[0])[0] == 200  # still kept
            assert rx.stats.connections_refused == 0
            assert sum(t.name.startswith("otlp-worker-") for t in threading.enumerate()) == 2
        finally:
            for s in idle:
                s.close()
            for conn in kept:
                conn.close()
        assert store.count() == 12 * 4


def test_waiting_connections_are_bounded(
    store: TraceStore, caplog: pytest.LogCaptureFixture
) -> None:
    """Beyond ``max_parked`` waiting connections the one idle longest is closed for the
    new one; when none is idle (every one is sending its head), the new one is refused."""
    caplog.set_level(logging.INFO, logger="agentctl.telemetry.receiver")
    with OtlpReceiver(store, port=0, max_parked=3, idle_timeout_s=60, request_timeout_s=60) as rx:
        idle = [socket.create_connection(("127.0.0.1", rx.port), timeout=10) for _ in range(4)]
        try:
            assert idle[0].recv(100) == b""  # the oldest made room for the fourth
            assert post(rx, P.protobuf(P.agent_run()))[0] == 200  # made room too
            for s in idle[2:]:
                s.settimeout(0.2)
                with pytest.raises(TimeoutError):
                    s.recv(100)  # still open
        finally:
            for s in idle:
                s.close()
        slow = [socket.create_connection(("127.0.0.1", rx.port), timeout=10) for _ in range(3)]
        try:
            for s in slow:
                s.sendall(HEAD)  # a head that has not all arrived
            server: Any = rx._server
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and not (
                len(server._parked) == 3 and all(p.first for p in server._parked.values())
            ):
                time.sleep(0.02)
            with socket.create_connection(("127.0.0.1", rx.port), timeout=10) as refused:
                status, headers, _ = read_answer(refused)
                assert status == 503 and headers["retry-after"] == "1"
            for s in slow:  # the heads still arriving keep their places
                s.sendall(b"Content-Length: 0\r\n\r\n")
                assert read_answer(s)[0] == 200  # an empty export
        finally:
            for s in slow:
                s.close()
    assert rx.stats.connections_refused == 1
    lines = [r.getMessage() for r in caplog.records if "refused" in r.getMessage()]
    assert "OTLP connection from 127.0.0.1 refused: 3 connections already wait" in lines[0]


def test_the_wait_for_a_free_worker_does_not_count_against_the_request_deadline(
    store: TraceStore,
) -> None:
    """An export whose head has arrived waits for the only worker, held by an export the
    store is slow to commit, for longer than the request deadline: its body is then read
    and stored, not answered 408."""
    import sqlite3

    with OtlpReceiver(store, port=0, workers=1, request_timeout_s=1.0) as rx:
        blocker = sqlite3.connect(store.path, timeout=1)
        blocker.execute("BEGIN IMMEDIATE")  # the writer waits, and the worker with it
        answers: dict[str, int] = {}
        first = threading.Thread(target=lambda: answers.update(first=post(rx, minimal_spans(3))[0]))
        # more than the head and body bytes read while waiting for a worker
        queued = threading.Thread(
            target=lambda: answers.update(queued=post(rx, minimal_spans(2000))[0])
        )
        try:
            first.start()
            deadline = time.monotonic() + 30  # until the first body waits for the store
            while not rx.budget.used and time.monotonic() < deadline:
                time.sleep(0.01)
            queued.start()
            time.sleep(2.5)  # the second waits in the queue past its 1 s deadline
        finally:
            blocker.execute("COMMIT")
            blocker.close()
            first.join(30)
            queued.join(30)
        assert answers == {"first": 200, "queued": 200}
        assert store.count() == 2003
