"""Decode OTLP trace payloads (protobuf or OTLP/JSON) into normalised SpanRecords.

One parser serves the receiver (``ExportTraceServiceRequest``) and the remote
sources (Jaeger and Tempo answer with ``TracesData`` in OTLP/JSON, which has the
same ``resourceSpans`` shape).

OTLP/JSON is read by hand rather than with ``google.protobuf.json_format``:
trace and span ids are hex there (json_format would base64-decode them into
garbage), 64-bit integers may be strings, enums are integers, and unknown
fields must be ignored. Both ``lowerCamelCase`` and ``snake_case`` keys are
accepted, and ids that arrive base64-encoded (protobuf's canonical JSON) are
recognised by their length.

Spans with an invalid trace or span id are rejected one by one (counted for
OTLP ``partial_success``); a payload that cannot be decoded at all raises
:class:`OtlpDecodeError`.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from agentctl.errors import TelemetryError
from agentctl.spans import SpanEvent, SpanRecord
from agentctl.telemetry import redact
from agentctl.telemetry.capture import CONTENT_EVENTS, DROPPED, is_content_key
from agentctl.telemetry.normalise import READ_KEYS, ResourceInfo, build_record, record
from agentctl.telemetry.redact import (
    REDACTED,
    redact_attributes,
    redact_text,
    redact_texts,
    redact_value,
    secret_name,
)

_ZERO_TRACE = "0" * 32
_ZERO_SPAN = "0" * 16
_HEX = frozenset("0123456789abcdef")
_STATUS_NAMES = {"STATUS_CODE_UNSET": 0, "STATUS_CODE_OK": 1, "STATUS_CODE_ERROR": 2}
_KIND_NAMES = {
    "SPAN_KIND_UNSPECIFIED": 0,
    "SPAN_KIND_INTERNAL": 1,
    "SPAN_KIND_SERVER": 2,
    "SPAN_KIND_CLIENT": 3,
    "SPAN_KIND_PRODUCER": 4,
    "SPAN_KIND_CONSUMER": 5,
}


class OtlpDecodeError(TelemetryError):
    """The payload is not a decodable OTLP trace export."""


class OtlpTooLarge(OtlpDecodeError):
    """The payload carries more spans than one request may."""


# A valid span carries at least a 16-byte trace id and an 8-byte span id, each
# with a tag and a length byte: no body of n bytes holds more than n // 28 spans.
_MIN_SPAN_BYTES = 28


@dataclass
class ParseResult:
    spans: list[SpanRecord] = field(default_factory=list)
    rejected: int = 0
    error: str = ""

    def reject(self, reason: str) -> None:
        self.rejected += 1
        if not self.error:
            self.error = reason


# --------------------------------------------------------------------------- protobuf


def parse_protobuf(
    body: bytes, *, max_spans: int | None = None, keep_content: bool = True
) -> ParseResult:
    """Decode an ``ExportTraceServiceRequest``.

    With ``max_spans``, a body that may hold more spans is counted on the wire
    first and refused with :class:`OtlpTooLarge` before anything is decoded, so
    memory follows the span limit rather than the body size. Without
    ``keep_content``, each span comes out as :func:`agentctl.telemetry.capture.drop_content`
    leaves it, its content attributes and events never read or redacted.
    """
    from google.protobuf.message import DecodeError
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

    if max_spans is not None and len(body) > max_spans * _MIN_SPAN_BYTES:
        count = count_protobuf_spans(body)
        if count > max_spans:
            raise OtlpTooLarge(f"{count} spans in one request exceed the limit of {max_spans}")
    try:
        request = ExportTraceServiceRequest.FromString(body)
    except (DecodeError, ValueError, RuntimeError, RecursionError) as exc:
        raise OtlpDecodeError(f"undecodable OTLP protobuf payload: {exc}") from None
    try:
        return _pb_request(request, None if keep_content else _content_keys)
    except RecursionError:
        raise OtlpDecodeError("OTLP payload nested too deeply") from None


def count_protobuf_spans(body: bytes) -> int:
    """Spans in an encoded ``ExportTraceServiceRequest``, read from the wire format alone.

    resource_spans (1) -> scope_spans (2) -> spans (2); every other field is skipped.
    """
    view = memoryview(body)
    count = 0
    for rs_start, rs_end in _len_fields(view, 0, len(view), 1):
        for ss_start, ss_end in _len_fields(view, rs_start, rs_end, 2):
            for _ in _len_fields(view, ss_start, ss_end, 2):
                count += 1
    return count


def _read_varint(buf: memoryview, i: int, end: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if i >= end or shift > 63:
            raise OtlpDecodeError("undecodable OTLP protobuf payload: bad varint")
        b = buf[i]
        i += 1
        value |= (b & 0x7F) << shift
        if b < 0x80:
            return value, i
        shift += 7


def _len_fields(buf: memoryview, i: int, end: int, wanted: int) -> Iterable[tuple[int, int]]:
    """(start, end) of each length-delimited field numbered ``wanted`` in buf[i:end]."""
    while i < end:
        key, i = _read_varint(buf, i, end)
        wire = key & 7
        if wire == 0:
            _, i = _read_varint(buf, i, end)
            continue
        if wire == 1:
            i += 8
        elif wire == 5:
            i += 4
        elif wire == 2:
            size, i = _read_varint(buf, i, end)
            if i + size > end:
                break
            if key >> 3 == wanted:
                yield i, i + size
            i += size
        else:
            raise OtlpDecodeError(f"undecodable OTLP protobuf payload: wire type {wire}")
    if i != end:
        raise OtlpDecodeError("undecodable OTLP protobuf payload: truncated message")


# Attribute key -> whether it carries content (capture.is_content_key), for dropping
# content while decoding; bounded like the redaction caches.
_content_keys: dict[str, bool] = {}


def _pb_request(request: Any, content: dict[str, bool] | None = None) -> ParseResult:
    """The records of a request; with ``content`` (the verdict cache), without content."""
    result = ParseResult()
    later: list[tuple[dict[str, Any], str, str]] = []  # long values redacted together
    append = result.spans.append
    names = redact.text_cache  # span names repeat: their verdicts are cached
    for rs in request.resource_spans:
        resource = ResourceInfo(_pb_redacted(rs.resource.attributes))
        for ss in rs.scope_spans:
            for sp in ss.spans:
                trace_id = sp.trace_id.hex()
                span_id = sp.span_id.hex()
                if len(trace_id) != 32 or trace_id == _ZERO_TRACE:
                    result.reject(f"span {sp.name!r}: invalid trace id")
                    continue
                if len(span_id) != 16 or span_id == _ZERO_SPAN:
                    result.reject(f"span {sp.name!r}: invalid span id")
                    continue
                parent = sp.parent_span_id
                if parent:
                    parent = parent.hex()
                    if parent == _ZERO_SPAN:
                        parent = None
                else:
                    parent = None
                name = sp.name
                hit = names.get(name)
                status = sp.status
                message = status.message
                events = sp.events
                attributes = _pb_redacted(sp.attributes, later, content)
                if not events:
                    kept = []
                elif content is None:
                    kept = [
                        SpanEvent(ev.name, ev.time_unix_nano, _pb_redacted(ev.attributes, later))
                        for ev in events
                    ]
                else:
                    kept = [
                        SpanEvent(ev.name, ev.time_unix_nano, _pb_redacted(ev.attributes, later))
                        for ev in events
                        if ev.name not in CONTENT_EVENTS
                    ]
                    if len(kept) < len(events):
                        attributes[DROPPED] = True
                append(
                    record(
                        trace_id,
                        span_id,
                        parent,
                        redact_text(name) if hit is None else hit,
                        sp.kind,
                        sp.start_time_unix_nano,
                        sp.end_time_unix_nano,
                        status.code,
                        redact_text(message) if message else "",
                        attributes,
                        resource,
                        kept,
                    )
                )
    if later:
        redacted = redact_texts([text for _, _, text in later])
        for (attrs, key, text), new in zip(later, redacted, strict=True):
            if attrs[key] is text:  # not replaced since by a later duplicate of the key
                attrs[key] = new
    return result


_SCALARS = frozenset({"string_value", "int_value", "double_value", "bool_value"})
_CONTENT_CACHE_LIMIT = 8192


def _pb_redacted(
    kvs: Iterable[Any],
    later: list[tuple[dict[str, Any], str, str]] | None = None,
    content: dict[str, bool] | None = None,
) -> dict[str, Any]:
    """``redact_attributes(_pb_attrs(kvs))`` in one pass (the attributes of every span and event).

    The verdicts cached by :mod:`agentctl.telemetry.redact` for names and short values are
    read here directly: a call per attribute costs more than the lookup. With ``later``,
    long string values that normalisation does not read (prompts, messages, tool arguments)
    are left as they are and appended as (attributes, key, value), for the caller to redact
    together before the result is returned. With ``content`` (a cache of
    :func:`~agentctl.telemetry.capture.is_content_key`), content attributes are skipped
    unread and the result says so as ``drop_content`` does."""
    out: dict[str, Any] = {}
    names = redact.name_cache
    texts = redact.text_cache
    short = redact.SHORT
    dropped = False
    for kv in kvs:
        key = kv.key
        if content is not None:
            skip = content.get(key)
            if skip is None:
                if len(content) >= _CONTENT_CACHE_LIMIT:
                    content.clear()
                skip = content[key] = is_content_key(key)
            if skip:
                dropped = True
                continue
        v = kv.value
        which = v.WhichOneof("value")
        if which == "string_value":
            text = v.string_value
            secret = names.get(key)
            if secret is None:
                secret = secret_name(key)
            if secret:
                out[key] = REDACTED if text else text
            elif len(text) <= short:
                hit = texts.get(text)
                out[key] = redact_text(text) if hit is None else hit
            elif later is not None and key not in READ_KEYS:
                out[key] = text
                later.append((out, key, text))
            else:
                out[key] = redact_text(text)
        elif which in _SCALARS:
            out[key] = getattr(v, which)
        else:
            out[key] = redact_value(key, _pb_value(v, which))
    if dropped:
        out[DROPPED] = True
    return out


def _pb_attrs(kvs: Iterable[Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for kv in kvs:
        v = kv.value
        which = v.WhichOneof("value")
        out[kv.key] = getattr(v, which) if which in _SCALARS else _pb_value(v, which)
    return out


def _pb_value(v: Any, which: str | None) -> Any:
    if which in _SCALARS:
        return getattr(v, which or "")
    if which == "array_value":
        return [_pb_value(x, x.WhichOneof("value")) for x in v.array_value.values]
    if which == "kvlist_value":
        return _pb_attrs(v.kvlist_value.values)
    if which == "bytes_value":
        return v.bytes_value.hex()
    return None


# --------------------------------------------------------------------------- OTLP/JSON


MAX_JSON_DEPTH = 128  # OTLP/JSON needs 8 levels, and 4 more per level of nested attribute values


def load_json(body: bytes | bytearray | str, what: str = "OTLP/JSON payload") -> Any:
    """``json.loads`` that refuses deep nesting before parsing (no RecursionError)."""
    if json_depth(body) > MAX_JSON_DEPTH:
        raise OtlpDecodeError(
            f"undecodable {what}: JSON nested more than {MAX_JSON_DEPTH} levels deep"
        )
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise OtlpDecodeError(f"undecodable {what}: {exc}") from None


_BRACKETS = re.compile(rb'[\[\]{}]|"(?:[^"\\]|\\.)*"')


def json_depth(body: bytes | bytearray | str) -> int:
    """The deepest nesting of arrays and objects in a JSON text (strings skipped)."""
    raw = body.encode() if isinstance(body, str) else body
    if b"[" not in raw and b"{" not in raw:
        return 0
    depth = deepest = 0
    for m in _BRACKETS.finditer(raw):
        c = m.group()[0]
        if c in (0x5B, 0x7B):  # [ {
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > MAX_JSON_DEPTH:
                    return deepest
        elif c in (0x5D, 0x7D):
            depth -= 1
    return deepest


# What one OTLP/JSON body may build when parsed: each object or array and each
# string becomes a Python object far larger than its text (``{}`` is 2 bytes and
# 64 in memory), so they are counted (over-counted: brackets and quotes inside
# strings count too) before parsing. 512 GenAI spans need about a fifth of this.
MAX_JSON_CONTAINERS = 131_072
MAX_JSON_STRINGS = 262_144


def check_json_shape(body: bytes | bytearray) -> None:
    """Refuse (:class:`OtlpTooLarge`) a JSON body that would build too many objects."""
    containers = body.count(b"{") + body.count(b"[")
    if containers > MAX_JSON_CONTAINERS:
        raise OtlpTooLarge(
            f"OTLP/JSON payload with {containers} objects and arrays exceeds the limit of "
            f"{MAX_JSON_CONTAINERS}; send smaller batches"
        )
    strings = body.count(b'"') // 2
    if strings > MAX_JSON_STRINGS:
        raise OtlpTooLarge(
            f"OTLP/JSON payload with {strings} strings exceeds the limit of {MAX_JSON_STRINGS}; "
            "send smaller batches"
        )


def parse_json(
    body: bytes | bytearray | str | dict[str, Any], *, max_spans: int | None = None
) -> ParseResult:
    """Parse an ``ExportTraceServiceRequest`` / ``TracesData`` in OTLP/JSON.

    With ``max_spans`` (the receiver), the body's shape is bounded before it
    is parsed (:func:`check_json_shape`) and its spans are counted before any
    record is built.
    """
    if max_spans is not None and isinstance(body, bytes | bytearray):
        check_json_shape(body)
    doc: Any = body if isinstance(body, dict) else load_json(body)
    if not isinstance(doc, dict):
        raise OtlpDecodeError("undecodable OTLP/JSON payload: expected a JSON object")
    result = ParseResult()
    try:
        if max_spans is not None:
            count = sum(
                len(_list(ss, "spans", "spans"))
                for rs in _list(doc, "resourceSpans", "resource_spans")
                for ss in _scopes(rs)
            )
            if count > max_spans:
                raise OtlpTooLarge(f"{count} spans in one request exceed the limit of {max_spans}")
        for rs in _list(doc, "resourceSpans", "resource_spans"):
            _json_resource_spans(rs, result)
    except (TypeError, AttributeError, ValueError) as exc:
        raise OtlpDecodeError(f"malformed OTLP/JSON payload: {exc}") from None
    except RecursionError:
        raise OtlpDecodeError("malformed OTLP/JSON payload: nested too deeply") from None
    return result


def _scopes(rs: Any) -> list[Any]:
    return _list(rs, "scopeSpans", "scope_spans") or _list(
        rs, "instrumentationLibrarySpans", "instrumentation_library_spans"
    )


def _get(d: dict[str, Any], camel: str, snake: str) -> Any:
    v = d.get(camel)
    return d.get(snake) if v is None else v


def _list(d: Any, camel: str, snake: str) -> list[Any]:
    if not isinstance(d, dict):
        raise TypeError("expected an object")
    v = _get(d, camel, snake)
    if v is None:
        return []
    if not isinstance(v, list):
        raise TypeError(f"{camel} must be a list")
    return v


def _json_resource_spans(rs: dict[str, Any], result: ParseResult) -> None:
    res = rs.get("resource") or {}
    resource = ResourceInfo(redact_attributes(_json_attrs(_list(res, "attributes", "attributes"))))
    for ss in _scopes(rs):
        for sp in _list(ss, "spans", "spans"):
            name = str(sp.get("name") or "")
            trace_id = _json_id(_get(sp, "traceId", "trace_id"), 16)
            span_id = _json_id(_get(sp, "spanId", "span_id"), 8)
            if trace_id is None or trace_id == _ZERO_TRACE:
                result.reject(f"span {name!r}: invalid trace id")
                continue
            if span_id is None or span_id == _ZERO_SPAN:
                result.reject(f"span {name!r}: invalid span id")
                continue
            parent_raw = _get(sp, "parentSpanId", "parent_span_id")
            parent = _json_id(parent_raw, 8) if parent_raw else None
            status = sp.get("status") or {}
            events = [
                SpanEvent(
                    str(ev.get("name") or ""),
                    min(
                        max(_json_int(_get(ev, "timeUnixNano", "time_unix_nano")), 0), _MAX_TIME_NS
                    ),
                    redact_attributes(_json_attrs(_list(ev, "attributes", "attributes"))),
                )
                for ev in _list(sp, "events", "events")
            ]
            result.spans.append(
                build_record(
                    trace_id=trace_id,
                    span_id=span_id,
                    parent_span_id=parent if parent and parent != _ZERO_SPAN else None,
                    name=redact_text(name),
                    kind=_enum(sp.get("kind"), _KIND_NAMES),
                    start=_json_int(_get(sp, "startTimeUnixNano", "start_time_unix_nano")),
                    end=_json_int(_get(sp, "endTimeUnixNano", "end_time_unix_nano")),
                    status_code=_enum(status.get("code"), _STATUS_NAMES),
                    status_message=redact_text(str(status.get("message") or "")),
                    attributes=redact_attributes(
                        _json_attrs(_list(sp, "attributes", "attributes"))
                    ),
                    resource=resource,
                    events=events,
                )
            )


def _json_id(value: Any, size: int) -> str | None:
    """Hex id (OTLP/JSON) or base64 id (protobuf canonical JSON) -> lower-case hex."""
    if not isinstance(value, str) or not value:
        return None
    low = value.lower()
    if len(low) == size * 2 and set(low) <= _HEX:
        return low
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return None
    return raw.hex() if len(raw) == size else None


def _json_int(value: Any) -> int:
    if value is None or value == "":
        return 0
    return _integer(value)


def _integer(value: Any) -> int:
    """``int(value)``; an infinite number (JSON's 1e400) is a ValueError like NaN, not an
    OverflowError the request's decoding would not expect."""
    try:
        return int(value)
    except OverflowError:
        raise ValueError(f"{value!r} is not a whole number") from None


# Event times are kept as the span times are: within SQLite's signed 64-bit integers.
_MAX_TIME_NS = 2**63 - 1


def _enum(value: Any, names: dict[str, int]) -> int:
    if value is None:
        return 0
    if isinstance(value, str) and not value.lstrip("-").isdigit():
        return names.get(value, 0)
    return _integer(value)


def _json_attrs(kvs: list[Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for kv in kvs:
        key = kv.get("key")
        if isinstance(key, str):
            out[key] = _json_value(kv.get("value"))
    return out


def _json_value(v: Any) -> Any:
    if not isinstance(v, dict):
        return v
    for key in ("stringValue", "string_value"):
        if key in v:
            return v[key]
    for key in ("intValue", "int_value"):
        if key in v:
            return _integer(v[key])
    for key in ("doubleValue", "double_value"):
        if key in v:
            return float(v[key])
    for key in ("boolValue", "bool_value"):
        if key in v:
            return bool(v[key])
    arr = _get(v, "arrayValue", "array_value")
    if arr is not None:
        return [_json_value(x) for x in (arr.get("values") or [])]
    kvl = _get(v, "kvlistValue", "kvlist_value")
    if kvl is not None:
        return _json_attrs(kvl.get("values") or [])
    raw = _get(v, "bytesValue", "bytes_value")
    if raw is not None:
        try:
            return base64.b64decode(raw).hex()
        except (binascii.Error, ValueError):
            return str(raw)
    return None


# --------------------------------------------------------------------------- responses


def export_response(content_json: bool, rejected: int = 0, message: str = "") -> bytes:
    """An ``ExportTraceServiceResponse`` in the request's encoding."""
    if content_json:
        doc: dict[str, Any] = {}
        if rejected or message:
            doc["partialSuccess"] = {"rejectedSpans": str(rejected), "errorMessage": message}
        return json.dumps(doc).encode()
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceResponse

    resp = ExportTraceServiceResponse()
    if rejected or message:
        resp.partial_success.rejected_spans = rejected
        resp.partial_success.error_message = message
    return resp.SerializeToString()


def status_body(content_json: bool, code: int, message: str) -> bytes:
    """A ``google.rpc.Status`` error body in the request's encoding."""
    if content_json:
        return json.dumps({"code": code, "message": message}).encode()
    # google.rpc.Status{code=1 (int32), message=2 (string)}, encoded by hand so that
    # googleapis-common-protos is not needed at run time.
    text = message.encode()
    return b"\x08" + _varint(code) + b"\x12" + _varint(len(text)) + text


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)
