"""The OTLP/HTTP receiver against real exporters and hostile payloads, on 127.0.0.1."""

from __future__ import annotations

import gzip
import http.client
import json
import os
import sqlite3
import threading
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest
from google.rpc.status_pb2 import Status
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceResponse
from tests.fakes import otlp_payloads as P

from agentctl.telemetry.receiver import OtlpReceiver, is_loopback
from agentctl.telemetry.store import TraceStore

MiB = 1024 * 1024


@pytest.fixture
def store(tmp_path: Path) -> Iterator[TraceStore]:
    s = TraceStore(tmp_path / "traces.db")
    yield s
    s.close()


@pytest.fixture
def receiver(store: TraceStore) -> Iterator[OtlpReceiver]:
    rx = OtlpReceiver(
        store,
        port=0,
        max_body_bytes=1 * MiB,
        max_decompressed_bytes=4 * MiB,
        max_queue_bytes=8 * MiB,
    )
    rx.start()
    yield rx
    rx.stop()


def post(
    rx: OtlpReceiver,
    body: bytes,
    ctype: str = "application/x-protobuf",
    *,
    path: str = "/v1/traces",
    headers: dict[str, str] | None = None,
    conn: http.client.HTTPConnection | None = None,
) -> tuple[int, dict[str, str], bytes]:
    u = urllib.parse.urlparse(rx.url)
    c = conn or http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    try:
        c.request("POST", path, body=body, headers={"Content-Type": ctype, **(headers or {})})
        r = c.getresponse()
        return r.status, dict(r.getheaders()), r.read()
    finally:
        if conn is None:
            c.close()


def assert_still_serving(rx: OtlpReceiver, store: TraceStore) -> None:
    """The receiver accepts a normal export again, as an OTLP exporter would see it: a 503 with
    Retry-After (connections it refused a moment ago may still be draining) is retried, within a
    bounded time."""
    run = P.agent_run()
    deadline = time.monotonic() + 20
    while True:
        status, headers, _ = post(rx, P.protobuf(run))
        if status != 503 or time.monotonic() > deadline:
            break
        assert headers.get("Retry-After") == "1"
        time.sleep(0.2)
    assert status == 200
    assert len(store.trace(run[0]["trace_id"].hex())) == 4


def test_url_reflects_the_ephemeral_port(receiver: OtlpReceiver) -> None:
    assert receiver.port != 0 and receiver.url == f"http://127.0.0.1:{receiver.port}"
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("10.1.2.3")


@pytest.mark.agent_runtime
@pytest.mark.parametrize("compression", ["none", "gzip"])
def test_real_sdk_exporter(store: TraceStore, compression: str) -> None:
    from opentelemetry.exporter.otlp.proto.http import Compression
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    with OtlpReceiver(store, port=0) as rx:
        exporter = OTLPSpanExporter(
            endpoint=rx.traces_url,
            compression=Compression.Gzip if compression == "gzip" else Compression.NoCompression,
        )
        tp = TracerProvider(
            resource=Resource.create({"service.name": "sdk-test", "gen_ai.agent.name": "sdk-agent"})
        )
        tp.add_span_processor(
            BatchSpanProcessor(exporter, max_export_batch_size=512, schedule_delay_millis=50)
        )
        tracer = tp.get_tracer("t")
        for i in range(300):
            with (
                tracer.start_as_current_span(
                    "invoke_agent sdk-agent", attributes={"gen_ai.operation.name": "invoke_agent"}
                ),
                tracer.start_as_current_span(
                    "chat gpt-4o",
                    attributes={
                        "gen_ai.operation.name": "chat",
                        "gen_ai.request.model": "gpt-4o",
                        "gen_ai.usage.input_tokens": i,
                    },
                ),
            ):
                pass
        tp.shutdown()
        assert rx.stats.spans_accepted == 600
    assert store.count() == 600
    traces = store.recent_traces(limit=1000)
    assert len(traces) == 300
    assert {t.agent_name for t in traces} == {"sdk-agent"}
    assert sum(t.input_tokens for t in traces) == sum(range(300))


def test_json_round_trip_keeps_hex_ids(receiver: OtlpReceiver, store: TraceStore) -> None:
    run = P.agent_run()
    status, headers, body = post(receiver, P.json_bytes(run), "application/json; charset=utf-8")
    assert (
        status == 200 and headers["Content-Type"] == "application/json" and json.loads(body) == {}
    )
    got = store.trace(run[0]["trace_id"].hex())
    assert [s.span_id for s in got] == [s["span_id"].hex() for s in run]


def test_gzip_protobuf_and_keep_alive(receiver: OtlpReceiver, store: TraceStore) -> None:
    u = urllib.parse.urlparse(receiver.url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    try:
        for _ in range(3):  # one connection, several exports
            run = P.agent_run()
            status, headers, body = post(
                receiver,
                gzip.compress(P.protobuf(run)),
                headers={"Content-Encoding": "gzip"},
                conn=conn,
            )
            assert status == 200 and headers["Content-Type"] == "application/x-protobuf"
            assert ExportTraceServiceResponse.FromString(body).partial_success.rejected_spans == 0
    finally:
        conn.close()
    assert store.count() == 12


def test_chunked_body(receiver: OtlpReceiver, store: TraceStore) -> None:
    u = urllib.parse.urlparse(receiver.url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    payload = P.protobuf(P.agent_run())
    conn.request(
        "POST",
        "/v1/traces",
        body=iter([payload[:50], payload[50:]]),
        headers={"Content-Type": "application/x-protobuf"},
        encode_chunked=True,
    )
    assert conn.getresponse().status == 200
    conn.close()
    assert store.count() == 4


def test_partial_success(receiver: OtlpReceiver, store: TraceStore) -> None:
    good = P.agent_run()
    bad = [P.span("zero-id", trace_id=b"\0" * 16)]
    status, _, body = post(receiver, P.protobuf(good + bad))
    assert status == 200
    resp = ExportTraceServiceResponse.FromString(body)
    assert (
        resp.partial_success.rejected_spans == 1
        and "invalid trace id" in resp.partial_success.error_message
    )
    status, _, body = post(receiver, P.json_bytes(bad), "application/json")
    assert status == 200 and json.loads(body)["partialSuccess"]["rejectedSpans"] == "1"
    assert store.count() == 4


@pytest.mark.parametrize(
    ("body", "ctype", "headers", "expected"),
    [
        (b"\xff\x00garbage", "application/x-protobuf", {}, 400),
        (P.protobuf(P.agent_run())[:-7], "application/x-protobuf", {}, 400),  # truncated
        (b'{"resourceSpans": [', "application/json", {}, 400),
        (
            gzip.compress(P.protobuf(P.agent_run()))[:-10],
            "application/x-protobuf",
            {"Content-Encoding": "gzip"},
            400,
        ),
        (b"not gzip at all", "application/x-protobuf", {"Content-Encoding": "gzip"}, 400),
        (os.urandom(2 * MiB), "application/x-protobuf", {}, 413),  # oversized
        (
            gzip.compress(b"\0" * (16 * MiB), compresslevel=1),
            "application/x-protobuf",
            {"Content-Encoding": "gzip"},
            413,
        ),  # bomb
        (b"spans", "text/plain", {}, 415),
        (b"", "", {}, 415),
        (P.protobuf(P.agent_run()), "application/x-protobuf", {"Content-Encoding": "br"}, 415),
    ],
    ids=[
        "corrupt",
        "truncated",
        "bad-json",
        "truncated-gzip",
        "not-gzip",
        "oversized",
        "gzip-bomb",
        "text",
        "no-type",
        "brotli",
    ],
)
def test_bad_payloads_are_refused_and_the_receiver_keeps_serving(
    receiver: OtlpReceiver,
    store: TraceStore,
    body: bytes,
    ctype: str,
    headers: dict[str, str],
    expected: int,
) -> None:
    status, _resp_headers, resp = post(receiver, body, ctype, headers=headers)
    assert status == expected
    if ctype == "application/json":
        assert json.loads(resp)["message"]
    elif expected != 415:
        assert Status.FromString(resp).message
    assert store.count() == 0
    assert_still_serving(receiver, store)


def test_paths(receiver: OtlpReceiver, store: TraceStore) -> None:
    status, headers, body = post(receiver, P.protobuf(P.agent_run()), path="/v2/traces")
    assert status == 404 and "unknown path /v2/traces" in Status.FromString(body).message
    status, headers, body = post(receiver, b"{}", "application/json", path="/v1/trace")
    assert status == 404 and headers["Content-Type"] == "application/json"
    assert json.loads(body)["message"] == "unknown path /v1/trace; traces go to /v1/traces"
    assert store.count() == 0
    assert_still_serving(receiver, store)


def _metrics_request(points: int) -> bytes:
    from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
        ExportMetricsServiceRequest,
    )

    req = ExportMetricsServiceRequest()
    metrics = req.resource_metrics.add().scope_metrics.add().metrics
    gauge = metrics.add(name="queue.depth").gauge
    for i in range(points - 1):
        gauge.data_points.add(as_int=i)
    metrics.add(name="requests").sum.data_points.add(as_int=1)
    return req.SerializeToString()


def test_metrics_and_logs_are_refused_by_partial_success(store: TraceStore) -> None:
    """Not stored, and said so: 200 + partial_success (never retried), a notice once per signal."""
    from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceResponse
    from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
        ExportMetricsServiceResponse,
    )

    notices: list[str] = []
    with OtlpReceiver(store, port=0, on_unstored_signal=notices.append) as rx:
        status, headers, body = post(rx, _metrics_request(3), path="/v1/metrics")
        assert status == 200 and headers["Content-Type"] == "application/x-protobuf"
        partial = ExportMetricsServiceResponse.FromString(body).partial_success
        assert partial.rejected_data_points == 3
        assert "stores traces only: 3 metric data points not stored" in partial.error_message
        assert "OTEL_METRICS_EXPORTER=none" in partial.error_message
        assert post(rx, _metrics_request(2), path="/v1/metrics")[0] == 200

        logs = {
            "resourceLogs": [{"scopeLogs": [{"logRecords": [{"body": {"stringValue": "hi"}}] * 2}]}]
        }
        status, headers, body = post(
            rx, json.dumps(logs).encode(), "application/json", path="/v1/logs"
        )
        assert status == 200 and headers["Content-Type"] == "application/json"
        doc = json.loads(body)["partialSuccess"]
        assert (
            doc["rejectedLogRecords"] == "2" and "2 log records not stored" in doc["errorMessage"]
        )
        status, _, body = post(rx, b"", path="/v1/logs")  # an empty export: nothing rejected
        assert ExportLogsServiceResponse.FromString(body).partial_success.rejected_log_records == 0

        # not an export of that signal at all: bad data, as for traces
        status, _, body = post(rx, b"\xff\xff", path="/v1/metrics")
        assert status == 400 and "metrics" in Status.FromString(body).message
        status, _, body = post(rx, b'{"resourceLogs": 3}', "application/json", path="/v1/logs")
        assert status == 400 and "resourceLogs must be a list" in json.loads(body)["message"]

        assert rx.stats.not_stored == {"metrics": 5, "logs": 2}
        assert rx.stats.spans_accepted == 0
    assert [n.split()[0] for n in notices] == ["metrics", "logs"]  # once per signal
    assert store.count() == 0


@pytest.mark.agent_runtime
def test_real_sdk_exporters_of_metrics_and_logs_do_not_fail(
    store: TraceStore, caplog: pytest.LogCaptureFixture
) -> None:
    from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
    from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
    from opentelemetry.sdk._logs import LoggerProvider
    from opentelemetry.sdk._logs.export import SimpleLogRecordProcessor
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import InMemoryMetricReader

    with OtlpReceiver(store, port=0) as rx:
        reader = InMemoryMetricReader()
        provider = MeterProvider(metric_readers=[reader])
        provider.get_meter("m").create_counter("calls").add(3)
        exporter = OTLPMetricExporter(endpoint=rx.url + "/v1/metrics")
        data = reader.get_metrics_data()
        assert data is not None
        result = exporter.export(data)
        assert result.name == "SUCCESS"
        provider.shutdown()
        exporter.shutdown()

        log_exporter = OTLPLogExporter(endpoint=rx.url + "/v1/logs")
        logs = LoggerProvider()
        logs.add_log_record_processor(SimpleLogRecordProcessor(log_exporter))
        logs.get_logger("l").emit(body="one record")
        logs.shutdown()
        requests = rx.stats.requests
        assert rx.stats.not_stored == {"metrics": 1, "logs": 1}
    assert requests == 2  # one request each: nothing was retried
    assert not [r for r in caplog.records if r.levelname in ("ERROR", "WARNING")]


def test_429_with_retry_after_when_the_store_falls_behind(store: TraceStore) -> None:
    body = P.protobuf(P.agent_run())
    rx = OtlpReceiver(store, port=0, max_queue_bytes=len(body) + 100)
    rx.start()
    blocker = sqlite3.connect(store.path, timeout=1)
    blocker.execute(
        "BEGIN IMMEDIATE"
    )  # another writer holds the store: the receiver's writer waits
    first: dict[str, int] = {}
    t = threading.Thread(target=lambda: first.update(status=post(rx, body)[0]))
    try:
        t.start()
        deadline = time.monotonic() + 60  # until the first body sits in the queue
        while not rx.budget.used and time.monotonic() < deadline:
            threading.Event().wait(0.01)
        assert rx.budget.used == len(body)
        status, headers, resp = post(rx, body)  # does not fit beside the first
        assert status == 429 and headers["Retry-After"] == "1"
        assert "queue is full" in Status.FromString(resp).message
    finally:
        blocker.execute("COMMIT")
        blocker.close()
        t.join(timeout=30)
    try:
        assert first["status"] == 200
        assert store.count() == 4
        assert rx.stats.throttled == 1
        assert rx.budget.used == 0
        assert_still_serving(rx, store)
    finally:
        rx.stop()


def test_stop_stores_everything_accepted(store: TraceStore) -> None:
    rx = OtlpReceiver(store, port=0)
    rx.start()
    for _ in range(5):
        assert post(rx, P.protobuf(P.agent_run()))[0] == 200
    rx.stop()
    assert store.count() == 20


def test_unstorable_text_is_refused_without_failing_the_store(
    receiver: OtlpReceiver, store: TraceStore
) -> None:
    doc = P.json_doc([P.span("x", trace_id=os.urandom(16))])
    body = json.dumps(doc).replace('"name": "x"', '"name": "bad \\ud800 name"').encode()
    status, _, resp = post(receiver, body, "application/json")
    assert status == 400 and "cannot be stored" in json.loads(resp)["message"]
    assert_still_serving(receiver, store)


def test_out_of_range_numbers_are_clamped_or_dropped(
    receiver: OtlpReceiver, store: TraceStore
) -> None:
    tid = os.urandom(16)
    doc = P.json_doc([P.span("chat m", trace_id=tid, attrs={"gen_ai.operation.name": "chat"})])
    sp = doc["resourceSpans"][0]["scopeSpans"][0]["spans"][0]
    sp["startTimeUnixNano"] = str(2**64 - 1)  # fixed64 allows it, SQLite does not
    sp["endTimeUnixNano"] = str(2**64 - 1)
    sp["attributes"].append({"key": "gen_ai.usage.input_tokens", "value": {"intValue": str(2**70)}})
    assert post(receiver, json.dumps(doc).encode(), "application/json")[0] == 200
    (got,) = store.trace(tid.hex())
    assert got.start_unix_nano == 2**63 - 1 and got.input_tokens is None
    assert got.attributes["gen_ai.usage.input_tokens"] == 2**70  # kept as an attribute


def test_cost_rollups_are_current_when_an_export_is_acknowledged(
    store: TraceStore, tmp_path: Path
) -> None:
    """Spans stored before the receiver started are caught up with when it starts; each export
    adds its spans to the rollups in the transaction that stores them, so the first `cost` after
    an ingest has nothing left to build."""
    from agentctl.cost.prices import Pricer
    from agentctl.cost.rates import RateCard
    from agentctl.telemetry.aggregates import cost_report
    from agentctl.telemetry.otlp import parse_protobuf
    from agentctl.telemetry.rollup import CostRollup

    before = parse_protobuf(P.protobuf(P.agent_run(agent="early"))).spans
    store.insert(before)  # stored by other means: no rollups yet
    with OtlpReceiver(store, port=0) as rx:
        for _ in range(3):
            assert post(rx, P.protobuf(P.agent_run() + P.agent_run(error=True)))[0] == 200
            last = store.connection.execute(
                "SELECT value FROM cost_state WHERE key = 'last_id'"
            ).fetchone()[0]
            assert int(last) == store.last_rowid()
    pricer = Pricer()
    assert CostRollup(store.connection, pricer)._current()
    now = time.time_ns()
    rep = cost_report(
        store.connection, since_ns=now - 3600 * 10**9, until_ns=now + 10**9, card=RateCard(),
        pricer=pricer,
    )  # fmt: skip
    assert rep.total.runs == 7
    assert {"early", "weather-bot"} <= {a.key for a in rep.by_agent}


@pytest.mark.parametrize("freeze", [True, False])
def test_the_long_lived_heap_is_frozen_only_when_asked(
    store: TraceStore, freeze: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``agentctl collector`` (freeze_heap) hides the heap it keeps for life from the garbage
    collector once, after its first commit; an embedding process (``agentctl dev``, tests) is
    left alone."""
    import gc

    calls: list[int] = []
    real = gc.freeze
    monkeypatch.setattr(gc, "freeze", lambda: (calls.append(1), real())[1])
    try:
        with OtlpReceiver(store, port=0, keep_rollups=False, freeze_heap=freeze) as rx:
            for _ in range(3):
                assert post(rx, P.protobuf(P.agent_run()))[0] == 200
        assert len(calls) == (1 if freeze else 0)
        assert (gc.get_freeze_count() > 0) is freeze
        assert store.count() == 3 * len(P.agent_run())
    finally:
        gc.unfreeze()


@pytest.mark.parametrize(
    "where",
    ["startTimeUnixNano", "kind", "intValue"],
)
def test_an_infinite_number_is_refused_and_the_writer_keeps_writing(
    receiver: OtlpReceiver, store: TraceStore, where: str
) -> None:
    """JSON's 1e400 is an infinite float; turning it into an integer raised an error the
    writer did not expect, which stopped it for good (every later export timed out)."""
    doc = P.json_doc([P.span("x", trace_id=os.urandom(16))])
    sp = doc["resourceSpans"][0]["scopeSpans"][0]["spans"][0]
    if where == "intValue":
        sp["attributes"].append({"key": "n", "value": {"intValue": "__INF__"}})
    else:
        sp[where] = "__INF__"
    body = json.dumps(doc).replace('"__INF__"', "1e400").encode()
    status, _, resp = post(receiver, body, "application/json")
    assert status == 400 and json.loads(resp)["message"]
    assert_still_serving(receiver, store)


def test_an_event_time_beyond_the_store_range_is_kept_within_it(
    receiver: OtlpReceiver, store: TraceStore
) -> None:
    from agentctl.traces.report import span_dict

    tid = os.urandom(16)
    doc = P.json_doc([P.span("x", trace_id=tid)])
    sp = doc["resourceSpans"][0]["scopeSpans"][0]["spans"][0]
    sp["events"] = [{"name": "e", "timeUnixNano": str(2**70), "attributes": []}]
    assert post(receiver, json.dumps(doc).encode(), "application/json")[0] == 200
    (got,) = store.trace(tid.hex())
    assert got.events[0].time_unix_nano == 2**63 - 1
    assert "2262-04-11" in json.dumps(span_dict(got))  # what trace -t -o json shows
