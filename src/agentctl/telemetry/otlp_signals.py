"""Metrics and logs sent to the trace receiver: counted, refused by name, never stored.

The receiver stores traces only. SDKs are often pointed at one endpoint for
every signal (``OTEL_EXPORTER_OTLP_ENDPOINT``), so ``/v1/metrics`` and
``/v1/logs`` are answered the way the OTLP/HTTP specification provides for
valid data a server does not keep: ``200`` with ``partial_success`` carrying
the number of data points or log records rejected and why. A client MUST NOT
retry such a response, so exporters neither retry nor fail, and those that
read ``partial_success`` report the reason. A body that is not a decodable
export of that signal is still a ``400``.
"""

from __future__ import annotations

import json
from typing import Any

from agentctl.telemetry.otlp import OtlpDecodeError, check_json_shape, load_json

# path -> signal name
PATHS = {"/v1/metrics": "metrics", "/v1/logs": "logs"}
UNITS = {"metrics": "metric data points", "logs": "log records"}
_EXPORTER_OFF = {"metrics": "OTEL_METRICS_EXPORTER=none", "logs": "OTEL_LOGS_EXPORTER=none"}
_METRIC_DATA = ("gauge", "sum", "histogram", "exponentialHistogram", "summary")
_METRIC_DATA_SNAKE = ("gauge", "sum", "histogram", "exponential_histogram", "summary")


def rejection_message(signal: str, count: int) -> str:
    """What the client is told (``partial_success.error_message``)."""
    return (
        f"agentctl's OTLP receiver stores traces only: {count} {UNITS[signal]} not stored; "
        f"send {signal} to a {signal} backend, or stop exporting them here ({_EXPORTER_OFF[signal]})"
    )


def notice(signal: str) -> str:
    """What the receiver's operator is told, once per signal."""
    return (
        f"{signal} arrive on /v1/{signal} but are not stored (this receiver stores traces only); "
        f"they are answered with an OTLP partial_success naming what was rejected, so exporters "
        f"do not retry ({_EXPORTER_OFF[signal]} stops them on the sending side)"
    )


def count_items(signal: str, body: bytes, as_json: bool) -> int:
    """How many data points (metrics) or log records (logs) an export request carries."""
    if as_json:
        return _count_json(signal, body)
    from google.protobuf.message import DecodeError

    try:
        if signal == "metrics":
            from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
                ExportMetricsServiceRequest,
            )

            req: Any = ExportMetricsServiceRequest.FromString(body)
            n = 0
            for rm in req.resource_metrics:
                for sm in rm.scope_metrics:
                    for m in sm.metrics:
                        which = m.WhichOneof("data")
                        if which:
                            n += len(getattr(m, which).data_points)
            return n
        from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest

        req = ExportLogsServiceRequest.FromString(body)
        return sum(len(sl.log_records) for rl in req.resource_logs for sl in rl.scope_logs)
    except (DecodeError, ValueError, RuntimeError) as exc:
        raise OtlpDecodeError(f"undecodable OTLP {signal} protobuf payload: {exc}") from None


def _count_json(signal: str, body: bytes) -> int:
    check_json_shape(body)
    doc = load_json(body, f"OTLP/JSON {signal} payload")
    try:
        if signal == "metrics":
            n = 0
            for rm in _items(doc, "resourceMetrics", "resource_metrics"):
                for sm in _items(rm, "scopeMetrics", "scope_metrics"):
                    for m in _items(sm, "metrics", "metrics"):
                        for camel, snake in zip(_METRIC_DATA, _METRIC_DATA_SNAKE, strict=True):
                            data = m.get(camel, m.get(snake))
                            if data is not None:
                                n += len(_items(data, "dataPoints", "data_points"))
            return n
        return sum(
            len(_items(sl, "logRecords", "log_records"))
            for rl in _items(doc, "resourceLogs", "resource_logs")
            for sl in _items(rl, "scopeLogs", "scope_logs")
        )
    except (TypeError, AttributeError) as exc:
        raise OtlpDecodeError(f"malformed OTLP/JSON {signal} payload: {exc}") from None


def _items(d: Any, camel: str, snake: str) -> list[Any]:
    if not isinstance(d, dict):
        raise TypeError("expected an object")
    v = d.get(camel, d.get(snake))
    if v is None:
        return []
    if not isinstance(v, list):
        raise TypeError(f"{camel} must be a list")
    return v


def rejection_response(signal: str, as_json: bool, count: int) -> bytes:
    """An ``Export<Signal>ServiceResponse`` whose ``partial_success`` rejects ``count`` items."""
    message = rejection_message(signal, count)
    if as_json:
        key = "rejectedDataPoints" if signal == "metrics" else "rejectedLogRecords"
        return json.dumps({"partialSuccess": {key: str(count), "errorMessage": message}}).encode()
    if signal == "metrics":
        from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
            ExportMetricsServiceResponse,
        )

        resp: Any = ExportMetricsServiceResponse()
        resp.partial_success.rejected_data_points = count
    else:
        from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import (
            ExportLogsServiceResponse,
        )

        resp = ExportLogsServiceResponse()
        resp.partial_success.rejected_log_records = count
    resp.partial_success.error_message = message
    return bytes(resp.SerializeToString())
