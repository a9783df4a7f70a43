"""OTLP decoding: protobuf and OTLP/JSON give the same records; bad spans are rejected one by one."""

from __future__ import annotations

import base64
import json
import os

import pytest
from tests.fakes import otlp_payloads as P

from agentctl.telemetry.otlp import (
    OtlpDecodeError,
    export_response,
    parse_json,
    parse_protobuf,
    status_body,
)


def test_json_and_protobuf_agree_and_hex_ids_survive() -> None:
    spans = P.agent_run(conversation="c-7")
    from_pb = parse_protobuf(P.protobuf(spans)).spans
    from_json = parse_json(P.json_bytes(spans)).spans
    assert [s.span_id for s in from_pb] == [s["span_id"].hex() for s in spans]
    assert from_json == from_pb
    assert from_json[0].trace_id == spans[0]["trace_id"].hex()
    assert from_json[1].parent_span_id == spans[0]["span_id"].hex()


def test_unknown_fields_and_snake_case_and_string_enums_are_accepted() -> None:
    tid, sid = os.urandom(16), os.urandom(8)
    doc = {
        "resource_spans": [
            {
                "resource": {
                    "attributes": [{"key": "service.name", "value": {"stringValue": "svc"}}],
                    "futureField": 1,
                },
                "scope_spans": [
                    {
                        "spans": [
                            {
                                "trace_id": tid.hex().upper(),
                                "span_id": sid.hex(),
                                "name": "chat m",
                                "kind": "SPAN_KIND_CLIENT",
                                "start_time_unix_nano": 1_000,
                                "end_time_unix_nano": "3000",
                                "status": {"code": "STATUS_CODE_ERROR"},
                                "brandNewThing": {"x": [1, 2]},
                                "attributes": [
                                    {
                                        "key": "gen_ai.usage.input_tokens",
                                        "value": {"intValue": "12"},
                                    },
                                    {"key": "weird", "value": {"somethingElse": True}},
                                ],
                            }
                        ]
                    }
                ],
            }
        ]
    }
    (sp,) = parse_json(json.dumps(doc)).spans
    assert (sp.trace_id, sp.span_id, sp.kind, sp.status) == (tid.hex(), sid.hex(), 3, "error")
    assert sp.duration_ns == 2000 and sp.input_tokens == 12 and sp.attributes["weird"] is None


def test_base64_ids_from_canonical_protobuf_json_are_recognised() -> None:
    tid, sid = os.urandom(16), os.urandom(8)
    doc = P.json_doc([P.span("x", trace_id=tid, span_id=sid)])
    s = doc["resourceSpans"][0]["scopeSpans"][0]["spans"][0]
    s["traceId"] = base64.b64encode(tid).decode()
    s["spanId"] = base64.b64encode(sid).decode()
    (sp,) = parse_json(doc).spans
    assert (sp.trace_id, sp.span_id) == (tid.hex(), sid.hex())


def test_invalid_ids_are_rejected_individually() -> None:
    good = P.span("good", trace_id=os.urandom(16))
    zero = P.span("zero", trace_id=b"\0" * 16)
    short = P.span("short", trace_id=os.urandom(16), span_id=b"\1\2\3")
    result = parse_protobuf(P.protobuf([good, zero, short]))
    assert [s.name for s in result.spans] == ["good"]
    assert result.rejected == 2 and "invalid" in result.error


@pytest.mark.parametrize("body", [b"\xff\xff\xff\xff", b"\x0a\x05\x0a\x03"])
def test_undecodable_protobuf(body: bytes) -> None:
    with pytest.raises(OtlpDecodeError):
        parse_protobuf(body)


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"[1, 2]",
        b'{"resourceSpans": 5}',
        b'{"resourceSpans": [{"scopeSpans": [{"spans": [{"traceId": "0af7651916cd43dd8448eb211c80319c", "spanId": "b7ad6b7169203331", "startTimeUnixNano": "soon"}]}]}]}',
    ],
)
def test_undecodable_json(body: bytes) -> None:
    with pytest.raises(OtlpDecodeError):
        parse_json(body)


def test_attribute_value_types() -> None:
    attrs = {"s": "x", "i": 3, "d": 1.5, "b": True, "arr": ["a", 1], "map": {"k": "v"}}
    (pb,) = parse_protobuf(P.protobuf([P.span("v", trace_id=os.urandom(16), attrs=attrs)])).spans
    (js,) = parse_json(P.json_bytes([P.span("v", trace_id=os.urandom(16), attrs=attrs)])).spans
    assert pb.attributes == attrs == js.attributes


def test_secrets_are_redacted_while_decoding() -> None:
    key = "sk-" + "q" * 30
    spans = [
        P.span(
            "call",
            trace_id=os.urandom(16),
            attrs={
                "http.request.header.authorization": "Bearer " + "z" * 20,
                "prompt": f"use {key}",
            },
            status=2,
            message=f"failed with {key}",
            events=[("log", {"api_key": "abc"})],
        )
    ]
    for sp in (
        parse_protobuf(P.protobuf(spans, {"service.name": "s", "OPENAI_API_KEY": "x"})).spans[0],
        parse_json(P.json_bytes(spans)).spans[0],
    ):
        dumped = json.dumps(
            [sp.attributes, sp.resource, sp.status_message, [e.attributes for e in sp.events]]
        )
        assert key not in dumped and "z" * 20 not in dumped and '"abc"' not in dumped


def test_responses_in_both_encodings() -> None:
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceResponse

    assert json.loads(export_response(True)) == {}
    assert json.loads(export_response(True, 2, "bad ids")) == {
        "partialSuccess": {"rejectedSpans": "2", "errorMessage": "bad ids"}
    }
    resp = ExportTraceServiceResponse.FromString(export_response(False, 3, "why"))
    assert (resp.partial_success.rejected_spans, resp.partial_success.error_message) == (3, "why")
    from google.rpc.status_pb2 import Status

    assert Status.FromString(status_body(False, 3, "nope")).message == "nope"
    assert json.loads(status_body(True, 8, "full")) == {"code": 8, "message": "full"}


def _long_value_request() -> tuple[bytes, list[str]]:
    """Spans whose long values (prompts, messages, tool results) carry secrets, some under
    keys normalisation reads, some under a duplicated key."""
    from opentelemetry.proto.common.v1 import common_pb2
    from tests.cli.test_secret_corpus import SHAPES

    prose = "Plan a three-day trip to Lisbon; answer as a short itinerary. " * 3
    secrets = [secret for _, secret, _ in SHAPES]
    tid = os.urandom(16)
    spans = []
    for i, (_, secret, around) in enumerate(SHAPES):
        attrs = {
            "gen_ai.operation.name": "chat",
            "gen_ai.input.messages": f"{prose} {around(secret)}",
            "gen_ai.output.messages": prose,
            "gen_ai.conversation.id": f"{prose} conv {around(secret)}",  # read by normalise
            "gen_ai.tool.call.result": prose + "https://user:" + "pw" * 6 + "@host/x",
        }
        events = [("gen_ai.user.message", {"content": f"{prose}{around(secret)}"})]
        spans.append(P.span(f"chat {i}", trace_id=tid, attrs=attrs, events=events))
    req = P.request(spans)
    sp = req.resource_spans[0].scope_spans[0].spans[0]
    for text in (f"{prose} first {secrets[0]}", f"{prose} second {secrets[1]}", "short"):
        sp.attributes.append(
            common_pb2.KeyValue(key="dup", value=common_pb2.AnyValue(string_value=text))
        )
    return req.SerializeToString(), secrets


def test_long_values_redacted_together_store_what_one_by_one_stores(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Redacting a request's long values in one search changes no stored result."""
    from agentctl.telemetry import otlp

    body, secrets = _long_value_request()
    together = parse_protobuf(body).spans
    plain = otlp._pb_redacted
    monkeypatch.setattr(
        otlp, "_pb_redacted", lambda kvs, later=None, content=None: plain(kvs, None, content)
    )
    one_by_one = parse_protobuf(body).spans
    assert together == one_by_one
    assert together[0].attributes["dup"] == "short"  # the last duplicate wins, as before
    stored = repr(together)
    assert [s for s in secrets if s in stored] == []
    assert all(sp.conversation_id and "conv" in sp.conversation_id for sp in together)


def test_redact_texts_matches_redact_text_on_the_corpus() -> None:
    from tests.cli.test_secret_corpus import SHAPES

    from agentctl.telemetry.redact import redact_text, redact_texts

    texts = [around(secret) * 3 for _, secret, around in SHAPES]
    texts += ["", "plain prose " * 20, "K\u212aey = " + "x" * 120, "token " + "y" * 100]
    # U+0130 is the one character lower() makes two of: the values after it must still be
    # found at their place in the folded whole
    texts += ["\u0130" * 9 + " to\u0130en " + "z" * 100, "password: " + "hunter2" * 20]
    assert redact_texts(texts) == [redact_text(t) for t in texts]
    assert redact_texts([*texts, "bad \ud800 " * 30]) == [
        redact_text(t) for t in [*texts, "bad \ud800 " * 30]
    ]


def test_folding_keeps_every_character_in_place_but_one() -> None:
    """redact_texts slices each value's folded text out of the folded whole."""
    import sys

    from agentctl.telemetry import redact

    grows = [
        c
        for c in range(sys.maxunicode + 1)
        if not 0xD800 <= c < 0xE000 and len(chr(c).lower()) != 1
    ]
    assert grows == [0x130] and 0x130 in redact._FOLD


def test_redact_texts_searches_in_bounded_pieces(monkeypatch: pytest.MonkeyPatch) -> None:
    """Values are searched together a bounded number of characters at a time (the copies
    that search makes stay small), with the same results whatever the bound."""
    from tests.cli.test_secret_corpus import SHAPES

    from agentctl.telemetry import redact

    texts = [f"{'prose ' * 30}{around(secret)}" for _, secret, around in SHAPES] * 3
    expected = [redact.redact_text(t) for t in texts]
    calls: list[int] = []
    joined = redact._redact_joined

    def spy(found: redact._OnePass, part: list[str]) -> list[str]:
        calls.append(sum(len(t) + 1 for t in part))
        return joined(found, part)

    monkeypatch.setattr(redact, "_redact_joined", spy)
    monkeypatch.setattr(redact, "_JOINED_CHARS", 1000)
    assert redact.redact_texts(texts) == expected
    assert len(calls) > 10 and max(calls) < 1000 + 600


def test_content_dropped_while_decoding_as_drop_content_drops_it() -> None:
    """Without capture, the receiver skips content while decoding (never redacting it first);
    the records are those drop_content makes of fully decoded ones."""
    from opentelemetry.proto.common.v1 import common_pb2

    from agentctl.telemetry.capture import DROPPED, drop_content

    body, _ = _long_value_request()
    tid = os.urandom(16)
    extra = [
        P.span("plain", trace_id=tid, attrs={"gen_ai.operation.name": "chat", "n": 3}),
        P.span(
            "events only",
            trace_id=tid,
            events=[("gen_ai.choice", {"x": "y"}), ("exception", {"exception.type": "E"})],
            status=2,
        ),
        P.span(
            "prefixed",
            trace_id=tid,
            attrs={"gen_ai.prompt.0.content": "hi", DROPPED: False, "llm.input_messages.0": "x"},
        ),
        P.span(
            "openinference",
            trace_id=tid,
            attrs={"input.value": "q", "output.value": "a", "openinference.span.kind": "LLM"},
        ),
        P.span("no content", trace_id=tid, attrs={"k": "v"}, events=[("exception", {})]),
    ]
    req = P.request(extra, resource={"service.name": "svc", "gen_ai.input.messages": "kept"})
    dup = req.resource_spans[0].scope_spans[0].spans[0]
    for text in ("first", "second"):
        dup.attributes.append(
            common_pb2.KeyValue(
                key="gen_ai.input.messages", value=common_pb2.AnyValue(string_value=text)
            )
        )
    for payload in (body, req.SerializeToString()):
        expected = parse_protobuf(payload).spans
        changed = [drop_content(sp) for sp in expected]
        got = parse_protobuf(payload, keep_content=False).spans
        assert got == expected
        assert any(changed)
    assert changed == [True, True, True, True, False]  # the second payload
