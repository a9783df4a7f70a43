"""`trace`/`eval --source` against backends that answer badly, hugely, or want credentials."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from tests.cli.helpers import run_cli


class Scripted:
    """Answers each path with a fixed (status, body); records request headers."""

    def __init__(self, answers: dict[str, tuple[int, bytes]], *, length: bool = True) -> None:
        self.answers = answers
        self.headers: list[Any] = []
        scripted = self

        class H(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"

            def log_message(self, format: str, *args: Any) -> None:
                return

            def do_GET(self) -> None:
                scripted.headers.append(self.headers)  # names are case-insensitive
                path = self.path.split("?", 1)[0]
                status, body = scripted.answers.get(path, (404, b'{"error":"not found"}'))
                body = body.replace(b"$AUTH", (self.headers.get("Authorization") or "").encode())
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                if length:
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> Scripted:
        threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


TID = "ab" * 16
DEEP = b'{"trace":' + b"[" * 1000 + b"]" * 1000 + b"}"


def check_error(res: Any, *needles: str) -> None:
    assert res.exit_code == 2, res.stderr
    assert "Traceback" not in res.stderr
    line = res.stderr.strip().splitlines()[0]
    for needle in needles:
        assert needle in line, line


@pytest.mark.parametrize(
    ("kind", "path", "body", "args", "expected"),
    [
        (
            "jaeger",
            "/api/v3/services",
            b"[]",
            [],
            "expected the list of services (a JSON object), got a JSON array",
        ),
        (
            "jaeger",
            "/api/v3/services",
            b'{"services": {"a": 1}}',
            [],
            'expected "services" (a JSON array), got a JSON object',
        ),
        (
            "tempo",
            "/api/search",
            b"[1, 2]",
            [],
            "expected search results (a JSON object), got a JSON array",
        ),
        (
            "tempo",
            "/api/search",
            b'{"traces": "x"}',
            [],
            "expected \"traces\" (a JSON array), got JSON str 'x'",
        ),
        (
            "tempo",
            f"/api/v2/traces/{TID}",
            b'{"trace": []}',
            ["--trace-id", TID],
            'expected "trace" (a JSON object), got a JSON array',
        ),
        (
            "tempo",
            f"/api/v2/traces/{TID}",
            DEEP,
            ["--trace-id", TID],
            "JSON nested more than 128 levels deep",
        ),
        (
            "jaeger",
            f"/api/v3/traces/{TID}",
            b'{"result": {"resourceSpans": [[[1]]]}}',
            ["--trace-id", TID],
            "malformed OTLP/JSON payload",
        ),
        (
            "jaeger",
            f"/api/v3/traces/{TID}",
            b'{"result": {"resourceSpans"',
            ["--trace-id", TID],
            "invalid JSON",
        ),
    ],
    ids=[
        "services-array",
        "services-object",
        "search-array",
        "traces-string",
        "trace-array",
        "deep",
        "nested-lists",
        "truncated",
    ],
)
def test_bad_shapes_exit_2_naming_the_endpoint(
    kind: str, path: str, body: bytes, args: list[str], expected: str
) -> None:
    with Scripted({path: (200, body)}) as backend:
        res = run_cli("trace", "--source", f"{kind}+{backend.url}", *args)
    check_error(res, backend.url + path, expected)


def test_eval_validates_answers_too() -> None:
    with Scripted({"/api/search": (200, b"[]")}) as backend:
        res = run_cli("eval", "--source", f"tempo+{backend.url}")
    check_error(res, backend.url + "/api/search", "got a JSON array")


@pytest.mark.parametrize("length", [True, False], ids=["content-length", "until-close"])
def test_oversized_answers_are_cut_off(monkeypatch: pytest.MonkeyPatch, length: bool) -> None:
    from agentctl.telemetry import remote

    monkeypatch.setattr(remote, "MAX_RESPONSE_BYTES", 10_000)
    huge = json.dumps({"traces": [{"traceID": "x" * 32}] * 1000}).encode()
    with Scripted({"/api/search": (200, huge)}, length=length) as backend:
        res = run_cli("trace", "--source", f"tempo+{backend.url}")
    check_error(res, backend.url + "/api/search", "answered more than 10000 bytes")


def test_bearer_token_and_tenant_are_sent_and_never_shown(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    token = "tok-" + "9f3a" * 8
    monkeypatch.setenv("AGENTCTL_SOURCE_ORG_ID", "team-a")
    answers = {"/api/search": (200, b'{"traces": []}')}
    with Scripted(answers) as backend:
        res = run_cli(
            "trace", "--source", f"tempo+{backend.url}", "--source-token", token, "-o", "json"
        )
        assert res.exit_code == 0, res.stderr
        sent = backend.headers[-1]
        assert sent["Authorization"] == f"Bearer {token}" and sent["X-Scope-OrgID"] == "team-a"
        backend.answers["/api/search"] = (401, b'{"message": "bad credentials $AUTH"}')
        res = run_cli("trace", "--source", f"tempo+{backend.url}", "--source-token", token)
    check_error(res, "HTTP 401", "bad credentials")
    assert token not in res.stderr + res.stdout
    assert "--source-token" in res.stderr  # the hint says how to authenticate


def test_basic_auth_from_the_environment_and_user_info_in_urls_is_masked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    password = "pw-" + "c0ffee" * 4
    monkeypatch.setenv("AGENTCTL_SOURCE_USER", "reader")
    monkeypatch.setenv("AGENTCTL_SOURCE_PASSWORD", password)
    with Scripted({"/api/search": (403, b'{"message": "denied $AUTH"}')}) as backend:
        res = run_cli("trace", "--source", f"tempo+{backend.url}")
        sent = backend.headers[-1]["Authorization"]
        assert base64.b64decode(sent.split()[1]).decode() == f"reader:{password}"
        check_error(res, "HTTP 403")
        assert (
            password not in res.stderr
            and base64.b64encode(f"reader:{password}".encode()).decode() not in res.stderr
        )
        url = backend.url.replace("http://", f"http://reader:{password}@")
        res = run_cli("trace", "--source", f"tempo+{url}")
    assert password not in res.stderr + res.stdout
    assert res.exit_code == 2


def test_token_and_user_together_are_a_usage_error() -> None:
    res = run_cli(
        "trace", "--source", "tempo+http://127.0.0.1:9", "--source-token", "t", "--source-user", "u"
    )
    assert res.exit_code == 2 and "do not go together" in res.stderr
    assert "Traceback" not in res.stderr


@pytest.fixture(autouse=True)
def _no_ambient_credentials(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ("TOKEN", "USER", "PASSWORD", "ORG_ID"):
        monkeypatch.delenv(f"AGENTCTL_SOURCE_{name}", raising=False)
    yield


SEARCH_ONE = {"/api/search": (200, b'{"traces": [{"traceID": "%s"}]}' % TID.encode())}
SERVICES = {"/api/v3/services": (200, b'{"services": ["agent"]}')}
WRONG_SHAPES: list[tuple[str, dict[str, tuple[int, bytes]], str, str]] = [
    ("jaeger", {"/api/v3/services": (200, b'{"x": 1}')}, "/api/v3/services",
     "expected the list of services under \"services\", got a JSON object with keys 'x'"),
    ("jaeger", {"/api/v3/services": (200, b'{"services": [1, null]}')}, "/api/v3/services",
     "expected each of \"services\" to be a string, got JSON int 1"),
    ("jaeger", {**SERVICES, "/api/v3/traces": (200, b'{"data": {"x": 1}}')}, "/api/v3/traces",
     "expected a trace document (\"result\" holding \"resourceSpans\"), "
     "got a JSON object with keys 'data'"),
    ("jaeger", {**SERVICES, "/api/v3/traces": (200, b'{"data": [1, "a", null]}')},
     "/api/v3/traces", "got a JSON object with keys 'data'"),
    ("jaeger", {**SERVICES, "/api/v3/traces": (200, b'{"result": {"spans": []}}')},
     "/api/v3/traces", "got a JSON object with keys 'spans'"),
    ("jaeger", {**SERVICES, "/api/v3/traces": (200, b'{"result": {"resourceSpans": [{'
     b'"scopeSpans": [{"spans": [{"traceId": "%s", "spanId": "cdcdcdcdcdcdcdcd", '
     b'"startTimeUnixNano": "soon"}]}]}]}}' % TID.encode())},
     "/api/v3/traces", "malformed OTLP/JSON payload"),
    ("jaeger", {**SERVICES, "/api/v3/traces": (200, b'{"result": {"resourceSpans": [{'
     b'"scopeSpans": [{"spans": [{"traceId": "%s", "spanId": "cdcdcdcdcdcdcdcd", '
     b'"startTimeUnixNano": 1e400}]}]}]}}' % TID.encode())},
     "/api/v3/traces", "inf is not a whole number"),
    ("tempo", {"/api/search": (200, b'{"traces": 5}')}, "/api/search",
     "expected \"traces\" (a JSON array), got JSON int 5"),
    ("tempo", {"/api/search": (200, b'{"data": []}')}, "/api/search",
     "expected search results under \"traces\", got a JSON object with keys 'data'"),
    ("tempo", {"/api/search": (200, b'{"traces": [1, "a", null]}')}, "/api/search",
     "expected each of \"traces\" to be an object with a \"traceID\", got JSON int 1"),
    ("tempo", {"/api/search": (200, b'{"traces": [{"traceID": 5}]}')}, "/api/search",
     "with a \"traceID\", got \"traceID\" JSON int 5"),
    ("tempo", {**SEARCH_ONE, f"/api/v2/traces/{TID}": (200, b'{"data": {"x": 1}}')},
     f"/api/v2/traces/{TID}", "got a JSON object with keys 'data'"),
    ("tempo", {**SEARCH_ONE, f"/api/v2/traces/{TID}": (200, b'{"trace": {"batches": 5}}')},
     f"/api/v2/traces/{TID}", "resourceSpans must be a list"),
    ("tempo", {**SEARCH_ONE, f"/api/v2/traces/{TID}": (200, b'{"batches": [5]}')},
     f"/api/v2/traces/{TID}", "malformed OTLP/JSON payload"),
    ("tempo", {**SEARCH_ONE, f"/api/v2/traces/{TID}": (
        200, b'{"trace": {"resourceSpans": [{"scopeSpans": {"spans": []}}]}}')},
     f"/api/v2/traces/{TID}", "scopeSpans must be a list"),
]  # fmt: skip


@pytest.mark.parametrize("command", ["trace", "eval"])
@pytest.mark.parametrize(
    ("kind", "answers", "path", "expected"),
    WRONG_SHAPES,
    ids=[
        "services-elsewhere",
        "services-not-strings",
        "jaeger-data-object",
        "jaeger-data-array",
        "result-without-resource-spans",
        "start-time-a-string",
        "start-time-infinite",
        "traces-a-number",
        "search-elsewhere",
        "traces-not-objects",
        "trace-id-a-number",
        "tempo-trace-elsewhere",
        "batches-a-number",
        "batches-of-numbers",
        "scope-spans-object",
    ],
)
def test_answers_of_another_shape_are_never_read_as_no_traces(
    command: str, kind: str, answers: dict[str, tuple[int, bytes]], path: str, expected: str
) -> None:
    with Scripted(answers) as backend:
        res = run_cli(command, "--source", f"{kind}+{backend.url}")
    check_error(res, backend.url + path, expected)


@pytest.mark.parametrize(
    ("kind", "answers"),
    [
        ("jaeger", {"/api/v3/services": (200, b"{}")}),
        ("jaeger", {**SERVICES, "/api/v3/traces": (200, b'{"result": {"resourceSpans": []}}')}),
        ("jaeger", {**SERVICES, "/api/v3/traces": (200, b'{"result": {}}')}),
        ("tempo", {"/api/search": (200, b'{"traces": [], "metrics": {}}')}),
        ("tempo", {"/api/search": (200, b'{"metrics": {"inspectedTraces": 0}}')}),
        ("tempo", {**SEARCH_ONE, f"/api/v2/traces/{TID}": (200, b'{"trace": {}}')}),
        ("tempo", {**SEARCH_ONE, f"/api/v2/traces/{TID}": (200, b'{"batches": []}')}),
    ],
    ids=[
        "no-services",
        "no-spans",
        "empty-result",
        "no-traces",
        "metrics-only",
        "empty-trace",
        "no-batches",
    ],
)
def test_well_formed_empty_answers_are_no_traces(
    kind: str, answers: dict[str, tuple[int, bytes]]
) -> None:
    with Scripted(answers) as backend:
        res = run_cli("trace", "--source", f"{kind}+{backend.url}", "-o", "json")
    assert res.exit_code == 0, res.stderr
    out = json.loads(res.stdout)
    assert out["ok"] and out["data"]["traces"] == [], out
