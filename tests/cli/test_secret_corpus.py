"""Credential shapes from public secret-scanner rule sets never reach the store or any output.

Each shape (after gitleaks / detect-secrets rules) is built at run time from a
prefix and random characters, so no key-shaped literal sits in the repository,
and placed in a different part of a span each time: span name, status message,
ordinary and content attributes, command-line lists, event attributes
(exception messages and stack traces) and resource attributes. The spans go
through the real receiver; then the store file and ``trace``, ``cost`` and
``eval`` (text and JSON) must not contain a single secret.
"""

from __future__ import annotations

import json
import os
import random
import sqlite3
import string
from collections.abc import Callable
from pathlib import Path

import pytest

from agentctl.telemetry.receiver import OtlpReceiver
from agentctl.telemetry.redact import redact_text
from agentctl.telemetry.store import TraceStore
from tests.cli.helpers import run_cli
from tests.fakes import otlp_payloads as P
from tests.integration.test_otlp_receiver import post

rng = random.Random(16)
UPPER, LOWER, DIGITS = string.ascii_uppercase, string.ascii_lowercase, string.digits
ALNUM = UPPER + LOWER + DIGITS
HEX = "0123456789abcdef"


def rand(n: int, alphabet: str = ALNUM) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def j(*parts: str) -> str:
    return "".join(parts)


# (name, secret, text carrying it): secrets are assembled from parts here
SHAPES: list[tuple[str, str, Callable[[str], str]]] = []


def shape(
    name: str, secret: str, around: Callable[[str], str] = lambda s: f"using {s} now"
) -> None:
    SHAPES.append((name, secret, around))


shape("openai-project", j("sk-", "proj-", rand(48, ALNUM + "_-")))
shape("openai-legacy", j("sk", "-", rand(48)))
shape("anthropic", j("sk-", "ant-", "api03-", rand(93, ALNUM + "_-")))
shape("aws-access-key-id", j("AK", "IA", rand(16, UPPER + DIGITS)))
shape("aws-sts-key-id", j("AS", "IA", rand(16, UPPER + DIGITS)))
shape("aws-secret-ini", rand(40, ALNUM + "/+"), lambda s: f"aws_secret_access_key = {s}")
shape("github-pat", j("gh", "p_", rand(36)))
shape("github-oauth", j("gh", "o_", rand(36)))
shape("github-app", j("gh", "s_", rand(36)))
shape("github-fine-grained", j("github", "_pat_", rand(82, ALNUM + "_")))
shape("gitlab-pat", j("gl", "pat-", rand(20, ALNUM + "_-")))
shape("slack-bot", j("xo", "xb-", rand(11, DIGITS), "-", rand(13, DIGITS), "-", rand(24)))
shape(
    "slack-webhook",
    j(
        "https://hooks.",
        "slack.com/services/T",
        rand(8, UPPER + DIGITS),
        "/B",
        rand(8, UPPER + DIGITS),
        "/",
        rand(24),
    ),
)
shape("stripe-secret", j("sk", "_live_", rand(24)))
shape("stripe-restricted", j("rk", "_live_", rand(24)))
shape("google-api-key", j("AI", "za", rand(35, ALNUM + "_-")))
shape("google-oauth-secret", j("GOC", "SPX-", rand(28, ALNUM + "_-")))
shape("huggingface", j("h", "f_", rand(34, ALNUM)))
shape(
    "jwt",
    j(
        "ey",
        "J",
        rand(20, ALNUM + "_-"),
        ".",
        "ey",
        "J",
        rand(30, ALNUM + "_-"),
        ".",
        rand(43, ALNUM + "_-"),
    ),
)
shape("npm", j("np", "m_", rand(36)))
shape("pypi", j("py", "pi-", "AgEIcHlwaS5vcmc", rand(60, ALNUM + "_-")))
shape("sendgrid", j("S", "G.", rand(22, ALNUM + "_-"), ".", rand(43, ALNUM + "_-")))
shape("twilio", j("S", "K", rand(32, HEX)))
shape("mailgun", j("ke", "y-", rand(32, LOWER + DIGITS)))
shape("databricks", j("da", "pi", rand(32, "abcdefgh" + DIGITS)))
shape("digitalocean", j("do", "p_v1_", rand(64, HEX)))
shape("shopify", j("sh", "pat_", rand(32, HEX)))
shape("doppler", j("dp", ".pt.", rand(43, LOWER + DIGITS)))
shape("groq", j("gs", "k_", rand(52)))
shape("replicate", j("r", "8_", rand(37)))
shape("perplexity", j("pp", "lx-", rand(48)))
shape("linear", j("lin", "_api_", rand(40)))
shape("postman", j("PM", "AK-", rand(24, HEX), "-", rand(34, HEX)))
shape("atlassian", j("ATA", "TT3", rand(60, ALNUM + "_-")))
shape("telegram-bot", j(rand(9, DIGITS), ":AA", rand(33, ALNUM + "_-")))
shape("bearer-header", rand(40, ALNUM + "._-"), lambda s: f"Authorization: Bearer {s}")
shape("basic-header", rand(24, ALNUM) + "==", lambda s: f"authorization: Basic {s}")
shape("url-userinfo", rand(14), lambda s: f"connecting to postgres://app:{s}@db.internal:5432/app")
shape(
    "url-query", rand(30), lambda s: f"GET https://api.example.com/v1/items?limit=5&api_key={s}&x=1"
)
shape("cli-flag", rand(26), lambda s: f"python agent.py --api-key {s} --verbose")
shape("cli-flag-equals", rand(26), lambda s: f"worker --token={s}")
shape("yaml-password", rand(12), lambda s: f"password: {s}")
shape(
    "ado-connection",
    rand(16, ALNUM + "!#"),
    lambda s: f"Server=tcp:db.example.net,1433;Database=app;User ID=app;Password={s};Encrypt=True",
)
shape("env-not-provider-shaped", rand(10), lambda s: f"OPENAI_API_KEY={s}")
shape("env-custom-key", rand(18), lambda s: f"export PAYMENTS_SIGNING_KEY='{s}'")
shape(
    "python-kwarg-in-trace",
    rand(20),
    lambda s: f"  File \"app.py\", line 12, in call\n    client = Client(api_key='{s}')",
)
shape(
    "json-client-secret", rand(32), lambda s: json.dumps({"client_id": "abc", "client_secret": s})
)
shape(
    "pem-in-json",
    j("MIIE", rand(120, ALNUM + "+/")),
    lambda s: json.dumps(
        {
            "type": "service_account",
            "private_key": f"-----BEGIN PRIVATE KEY-----\n{s}\n-----END PRIVATE KEY-----\n",
        }
    ),
)
shape("mysql-dsn", rand(12), lambda s: f"mysql://root:{s}@127.0.0.1:3306/db")


def test_the_corpus_is_large_and_every_shape_is_redacted_in_text() -> None:
    assert len(SHAPES) >= 40
    missed = [name for name, secret, around in SHAPES if secret in redact_text(around(secret))]
    assert not missed


def build_spans() -> tuple[list[dict], dict]:
    """One agent run; the shapes spread over every place a secret can hide in a span."""
    run = P.agent_run(agent="weather-bot")
    resource: dict = {"service.name": "weather-bot"}
    extra: list[dict] = []
    for i, (_name, secret, around) in enumerate(SHAPES):
        text = around(secret)
        where = i % 8
        sp = run[i % len(run)]
        if where == 0:
            sp["attrs"][f"app.note.{i}"] = text
        elif where == 1:
            sp["events"].append(
                (
                    "exception",
                    {
                        "exception.type": "AuthError",
                        "exception.message": text,
                        "exception.stacktrace": f"Traceback:\n{text}",
                    },
                )
            )
        elif where == 2:
            resource[f"app.config.{i}"] = text
        elif where == 3:
            extra.append(
                P.span(
                    f"step {text}",
                    trace_id=run[0]["trace_id"],
                    parent=run[0]["span_id"],
                    status=2,
                    message=text,
                )
            )
        elif where == 4:
            sp["attrs"][f"process.command_args.{i}"] = ["python", "agent.py", "--token", secret]
        elif where == 5:
            sp["attrs"]["gen_ai.input.messages"] = json.dumps(
                [{"role": "user", "parts": [{"type": "text", "content": text}]}]
            )
            run[1]["attrs"][f"gen_ai.extra.{i}"] = text
        elif where == 6:
            sp["events"].append(("gen_ai.user.message", {"content": text}))
        else:
            extra.append(
                P.span(
                    "log",
                    trace_id=run[0]["trace_id"],
                    parent=run[0]["span_id"],
                    status=2,
                    message=f"upstream said: {text}",
                )
            )
    return run + extra, resource


@pytest.fixture(scope="module")
def store_path(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    path = tmp_path_factory.mktemp("corpus") / "traces.db"
    spans, resource = build_spans()
    store = TraceStore(path)
    try:
        with OtlpReceiver(store, port=0) as rx:
            status, _, _ = post(rx, P.protobuf(spans, resource))
            assert status == 200
        assert store.count() == len(spans)
    finally:
        store.close()
    return path, spans[0]["trace_id"].hex()


def leaked(text: str) -> list[str]:
    return [name for name, secret, _ in SHAPES if secret in text]


def test_nothing_secret_is_stored(store_path: tuple[Path, str]) -> None:
    path, _ = store_path
    c = sqlite3.connect(path)
    dump = "\n".join(c.iterdump())
    c.close()
    assert "[REDACTED]" in dump
    assert leaked(dump) == []
    raw = b"".join(p.read_bytes() for p in path.parent.iterdir() if p.is_file())
    assert leaked(raw.decode("latin-1")) == []


@pytest.mark.parametrize(
    "args",
    [
        ["trace"],
        ["trace", "-o", "json"],
        ["trace", "--trace-id", "{tid}"],
        ["trace", "--trace-id", "{tid}", "-o", "json"],
        ["trace", "--trace-id", "{tid}", "-o", "yaml"],
        ["cost", "--since", "30d"],
        ["cost", "--since", "30d", "-o", "json"],
        ["eval", "--since", "30d"],
        ["eval", "--since", "30d", "-o", "json"],
    ],
    ids=lambda a: "-".join(x for x in a if x != "{tid}"),
)
def test_no_output_shows_a_secret(store_path: tuple[Path, str], args: list[str]) -> None:
    path, tid = store_path
    res = run_cli(*[a.replace("{tid}", tid) for a in args], "--store", str(path))
    assert res.exit_code in (0, 1), res.stderr
    assert leaked(res.stdout + res.stderr) == []


def test_agent_logs_printed_by_dev_are_redacted(tmp_path: Path) -> None:
    import sys

    from agentctl.local.process import ManagedProcess, ProcSpec

    key = j("sk-", "proj-", rand(40))
    script = tmp_path / "agent.py"
    script.write_text(
        "import sys\n"
        f"print('401 Unauthorized: Incorrect API key provided: Bearer {key}', file=sys.stderr)\n"
        f"print('OPENAI_API_KEY={key[-12:]}', file=sys.stderr)\n",
        encoding="utf-8",
    )
    seen: list[str] = []
    spec = ProcSpec("agent", [sys.executable, str(script)], dict(os.environ), tmp_path)
    proc = ManagedProcess(spec, on_line=lambda _n, line: seen.append(line))
    proc.start()
    proc.wait(30)
    proc.join_logs()
    text = "\n".join(seen + proc.last_lines(10))
    assert "401 Unauthorized" in text
    assert key not in text and key[-12:] not in text
