"""Server-Sent Events framing, as the HTML standard defines it and agents send it."""

from __future__ import annotations

from agentctl.deploy.invoke import describe_event, sse_events


def _events(text: str) -> list[tuple[str, str]]:
    return list(sse_events(iter(text.encode().split(b"\n"))))


def test_lf_and_crlf_framing_give_the_same_events():
    lf = 'event: step\ndata: {"step": 1}\n\nevent: result\ndata: {"status": 200}\n\n'
    assert _events(lf) == _events(lf.replace("\n", "\r\n"))
    assert _events(lf) == [("step", '{"step": 1}'), ("result", '{"status": 200}')]


def test_comments_unknown_fields_and_empty_events_are_skipped():
    text = ": keep-alive\n\nid: 7\nretry: 10\n\nevent: ping\n\ndata: x\n\n"
    assert _events(text) == [("message", "x")]


def test_data_lines_join_and_the_last_event_needs_no_blank_line():
    assert _events("data: a\ndata:b\ndata:  c") == [("message", "a\nb\n c")]


def test_an_event_type_applies_to_its_own_event_only():
    assert _events("event: delta\ndata: 1\n\ndata: 2\n\n") == [("delta", "1"), ("message", "2")]


def test_progress_lines():
    assert describe_event("step", {"step": 2}) == "step 2"
    assert describe_event("tool_call", {"name": "get_rate", "ok": False}) == "tool get_rate: failed"
    assert describe_event("usage", {"tokens": 3}) == 'usage: {"tokens": 3}'
    assert len(describe_event("blob", "x" * 1000)) == 200
