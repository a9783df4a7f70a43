"""agentctl cost: report shapes (json, csv, text), budgets, estimates, OpenCost and exit codes."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import threading
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from agentctl.spans import SpanRecord
from agentctl.telemetry.store import TraceStore
from tests.cli.helpers import run_cli

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
T0 = int(dt.datetime(2025, 3, 1, tzinfo=dt.UTC).timestamp()) * 10**9
HOUR = 3600 * 10**9
M = Decimal(1_000_000)


def _span(
    trace: str, sid: str, parent: str | None, start: int, seconds: float, **kw: Any
) -> SpanRecord:
    return SpanRecord(
        trace_id=trace.ljust(32, "0"),
        span_id=sid.ljust(16, "0"),
        parent_span_id=parent.ljust(16, "0") if parent else None,
        name=kw.pop("name", "span"),
        kind=1,
        start_unix_nano=start,
        end_unix_nano=start + int(seconds * 1e9),
        **kw,
    )


def _run(
    trace: str, agent: str, start: int, seconds: float, calls: list[tuple[str, str, int, int]]
) -> list[SpanRecord]:
    common = {"agent_name": agent, "team": "search", "agent_version": "1.0.0"}
    out = [
        _span(
            trace,
            "r" + trace,
            None,
            start,
            seconds,
            operation="invoke_agent",
            status="ok",
            **common,
        )
    ]
    for i, (provider, model, inp, outp) in enumerate(calls):
        out.append(
            _span(
                trace,
                f"c{i}{trace}",
                "r" + trace,
                start + i,
                1,
                operation="chat",
                provider=provider,
                request_model=model,
                input_tokens=inp,
                output_tokens=outp,
                **common,
            )
        )
    return out


@pytest.fixture
def store(tmp_path: Path) -> Path:
    path = tmp_path / "traces.db"
    spans = [
        *_run(
            "a1",
            "alpha",
            T0 + HOUR,
            3600,
            [("openai", "gpt-4o", 1000, 100), ("openai", "gpt-4o", 2000, 0)],
        ),
        *_run(
            "a2",
            "alpha",
            T0 + 30 * HOUR,
            60,
            [("anthropic", "claude-sonnet-4-20250514", 10_000, 1000)],
        ),
        *_run("b1", "beta", T0 + 2 * HOUR, 120, [("openai", "my-finetune", 500, 50)]),
        *_run("b2", "beta", T0 + 3 * HOUR, 10, [("offline-demo", "demo", 100, 100)]),
    ]
    with TraceStore(path) as st:
        st.insert(spans)
    return path


WINDOW = ("--since", "2025-03-01", "--until", "2025-03-03")

# Hand-computed: gpt-4o 2.5/10 per MTok, claude-sonnet-4 3/15; compute 250m + 0.5GiB (defaults) at
# 0.0445/vCPU-h + 0.0049225/GiB-h = 0.01358625/h.
LLM = (3000 * Decimal("2.5") + 100 * 10 + 10_000 * 3 + 1000 * 15) / M
COMPUTE = Decimal("0.01358625") * (3600 + 60 + 120 + 10) / 3600


def test_json_report(store: Path) -> None:
    r = run_cli("cost", "--store", str(store), *WINDOW, "-o", "json")
    assert r.exit_code == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["kind"] == "CostReport" and doc["ok"] is True
    data = doc["data"]
    assert data["priceData"].startswith("genai-prices ")
    assert data["rateCard"]["name"].startswith("GKE Autopilot")
    total = data["total"]
    assert total["llmUSD"] == pytest.approx(float(LLM), abs=1e-6)
    assert total["computeUSD"] == pytest.approx(float(COMPUTE), abs=1e-6)
    assert (
        total["runs"] == 4
        and total["calls"] == 5
        and total["unpricedCalls"] == 1
        and total["freeCalls"] == 1
    )
    assert [a["key"] for a in data["byAgent"]] == ["alpha", "beta"]
    assert {d["day"] for d in data["byDay"]} == {"2025-03-01", "2025-03-02"}
    assert (
        data["unpriced"][0]["model"] == "my-finetune"
        and data["unpriced"][0]["tokens"]["input"] == 500
    )
    assert data["offlineDemo"]["calls"] == 1
    assert data["topRuns"][0]["traceId"].startswith("a2")  # the claude run is the most expensive
    assert set(data) >= {"byModel", "byTeam", "byVersion", "window", "computeSource", "notes"}


def test_csv_report(store: Path) -> None:
    r = run_cli("cost", "--store", str(store), *WINDOW, "-o", "csv")
    assert r.exit_code == 0, r.stderr
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    kinds = {row["breakdown"] for row in rows}
    assert kinds == {
        "total",
        "agent",
        "version",
        "team",
        "model",
        "day",
        "unpriced",
        "offline-demo",
        "run",
    }
    total = next(row for row in rows if row["breakdown"] == "total")
    assert Decimal(total["llm_usd"]) == LLM.quantize(Decimal("0.000001"))
    runs = [row for row in rows if row["breakdown"] == "run"]
    assert len(runs) == 4 and all(row["trace_id"] for row in runs)


def test_text_report(store: Path) -> None:
    r = run_cli("cost", "--store", str(store), *WINDOW)
    assert r.exit_code == 0, r.stderr
    for needle in (
        "Total $",
        "By agent",
        "By model",
        "Daily",
        "Most expensive runs",
        "unpriced:",
        "offline-demo (free)",
    ):
        assert needle in r.stdout
    assert "my-finetune" in r.stdout


def test_agent_filter(store: Path) -> None:
    r = run_cli("cost", "--store", str(store), *WINDOW, "--agent", "beta", "-o", "json")
    data = json.loads(r.stdout)["data"]
    assert [a["key"] for a in data["byAgent"]] == ["beta"]
    assert data["total"]["llmUSD"] == 0


def _agent_yaml(tmp_path: Path, per_run: str, daily: str) -> Path:
    d = tmp_path / "alpha"
    d.mkdir()
    (d / "agent.yaml").write_text(
        "apiVersion: agentctl.dev/v1alpha1\nkind: Agent\nmetadata: {name: alpha, team: search}\n"
        "spec:\n  type: service\n  image: ghcr.io/acme/alpha:1\n  port: 8080\n"
        "  resources: {cpu: '1', memory: 2Gi}\n"
        f"  guardrails:\n    budget: {{perRunUSD: {per_run}, dailyUSD: {daily}}}\n"
    )
    return d


def test_budget_check_passes(store: Path, tmp_path: Path) -> None:
    d = _agent_yaml(tmp_path, "1", "10")
    r = run_cli("cost", str(d), "--store", str(store), *WINDOW, "--budget-check", "-o", "json")
    assert r.exit_code == 0, r.stdout + r.stderr
    doc = json.loads(r.stdout)
    assert (
        doc["kind"] == "BudgetCheck" and doc["data"]["ok"] is True and doc["data"]["breaches"] == []
    )


def test_budget_check_names_each_breach_and_exits_1(store: Path, tmp_path: Path) -> None:
    # alpha: run a1 spent $0.0085 and a2 $0.045 (> $0.004 per run); 2025-03-01 $0.0085 and
    # 2025-03-02 $0.045 (> $0.005 daily)
    d = _agent_yaml(tmp_path, "0.004", "0.005")
    r = run_cli("cost", str(d), "--store", str(store), *WINDOW, "--budget-check", "-o", "json")
    assert r.exit_code == 1
    doc = json.loads(r.stdout)
    assert doc["ok"] is False
    breaches = {(b["kind"], b["key"].rstrip("0")) for b in doc["data"]["breaches"]}
    assert breaches == {
        ("per-run", "a1"),
        ("per-run", "a2"),
        ("daily", "2025-03-01"),
        ("daily", "2025-03-02"),
    }
    assert all(
        b["agent"] == "alpha" and b["source"] == "agent.yaml" for b in doc["data"]["breaches"]
    )
    text = run_cli("cost", str(d), "--store", str(store), *WINDOW, "--budget-check")
    assert text.exit_code == 1
    assert (
        "breach" in text.stderr
        and "alpha: run a2" in text.stderr
        and "4 budget breaches" in text.stderr
    )


def test_budget_check_platform_limits(store: Path, tmp_path: Path) -> None:
    plat = tmp_path / "platform.yaml"
    plat.write_text(
        "apiVersion: agentctl.dev/v1alpha1\nkind: Platform\nlimits: {maxBudgetPerRunUSD: 0.001, maxDailyBudgetUSD: 100}\n"
    )
    r = run_cli(
        "cost",
        "--store",
        str(store),
        *WINDOW,
        "--budget-check",
        "--platform",
        str(plat),
        "-o",
        "json",
    )
    assert r.exit_code == 1
    breaches = json.loads(r.stdout)["data"]["breaches"]
    assert {b["source"] for b in breaches} == {"platform limits"}
    assert {b["agent"] for b in breaches} == {"alpha"}


def test_estimate_matches_build_estimate() -> None:
    from agentctl.cost.estimate import estimate_agent
    from agentctl.spec.loader import load_agent, load_platform

    path = EXAMPLES / "research-assistant"
    plat = EXAMPLES / "platform.yaml"
    r = run_cli("cost", "--estimate", str(path), "--platform", str(plat), "-o", "json")
    assert r.exit_code == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["kind"] == "CostEstimate"
    expected = estimate_agent(load_agent(path).agent, load_platform(plat).platform).to_dict()
    assert doc["data"]["estimates"] == [json.loads(json.dumps(expected))]
    text = run_cli("cost", "--estimate", str(path), "--platform", str(plat))
    assert "$29.55 - $1,588.64 per month" in text.stdout


def test_estimate_without_agent_is_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    r = run_cli("cost", "--estimate")
    assert r.exit_code == 2
    assert "needs an agent" in r.stderr


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        ("fifo", "{p}: not a regular file (a FIFO, socket or device); "
         "expected an agent.yaml or a directory"),
        ("device", "{p}: not a regular file (a FIFO, socket or device); "
         "expected an agent.yaml or a directory"),
        ("fifo-in-project", "{p}/agent.yaml: not a regular file (a FIFO, socket or device); "
         "expected a YAML file"),
        ("empty-directory", "{p}: no agent.yaml in this directory"),
    ],
)  # fmt: skip
def test_estimate_of_what_is_not_an_agent_file_is_one_line(
    tmp_path: Path, make: str, expected: str
) -> None:
    """Named, never read: a FIFO without a writer would block the read for ever, /dev/zero
    never end; a directory holding a FIFO agent.yaml is not one without an agent.yaml."""
    import os

    from agentctl.spec.files import display_path

    target = Path("/dev/zero") if make == "device" else tmp_path / "target"
    if make == "fifo":
        os.mkfifo(target)
    elif make != "device":
        target.mkdir()
        if make == "fifo-in-project":
            os.mkfifo(target / "agent.yaml")
    r = run_cli("cost", "--estimate", str(target))
    assert r.exit_code == 2
    shown = display_path(target)  # relative when under the working directory
    assert r.stderr.splitlines()[0] == "error: " + expected.format(p=shown)
    assert "-f FILE" not in r.stderr and "standard input" not in r.stderr  # cost has neither


def test_bad_window_and_missing_store(tmp_path: Path) -> None:
    assert run_cli("cost", "--since", "yesterday-ish").exit_code == 2
    assert run_cli("cost", "--since", "2025-03-02", "--until", "2025-03-01").exit_code == 2
    r = run_cli("cost", "--store", str(tmp_path / "nope.db"))
    assert r.exit_code == 2 and "no trace store" in r.stderr


def test_no_store_yet_is_an_empty_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGENTCTL_TRACE_STORE", str(tmp_path / "absent.db"))
    monkeypatch.chdir(tmp_path)
    r = run_cli("cost", "-o", "json")
    assert r.exit_code == 0
    data = json.loads(r.stdout)["data"]
    assert data["total"]["totalUSD"] == 0 and "no trace store yet" in data["notes"][0]
    assert not (tmp_path / "absent.db").exists()


class _FakeOpenCost(BaseHTTPRequestHandler):
    seen: list[str] = []

    def do_GET(self) -> None:
        _FakeOpenCost.seen.append(self.path)
        body = {
            "code": 200,
            "data": [
                {
                    "alpha": {"name": "alpha", "window": {"start": "2025-03-01T00:00:00Z", "end": "2025-03-02T00:00:00Z"},
                              "cpuCost": 1.5, "ramCost": 0.25, "pvCost": 0.25, "totalCost": 2.0},
                    "__unallocated__": {"name": "__unallocated__", "window": {"start": "2025-03-01T00:00:00Z",
                                        "end": "2025-03-02T00:00:00Z"}, "totalCost": 0.5},
                },
                {"alpha": {"name": "alpha", "window": {"start": "2025-03-02T00:00:00Z", "end": "2025-03-03T00:00:00Z"},
                           "totalCost": 1.0}},
            ],
        }  # fmt: skip
        raw = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def opencost() -> Any:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FakeOpenCost)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_opencost_source(store: Path, opencost: str) -> None:
    _FakeOpenCost.seen.clear()
    r = run_cli("cost", "--store", str(store), *WINDOW, "--source", opencost, "-o", "json")
    assert r.exit_code == 0, r.stderr
    data = json.loads(r.stdout)["data"]
    assert data["computeSource"] == f"OpenCost {opencost}"
    assert data["total"]["computeUSD"] == 3.5
    by_agent = {a["key"]: a for a in data["byAgent"]}
    assert by_agent["alpha"]["computeUSD"] == 3.0
    assert by_agent["(unknown)"]["computeUSD"] == 0.5
    path = _FakeOpenCost.seen[0]
    assert (
        path.startswith("/allocation?")
        and "aggregate=label%3Aagentctl_dev_agent" in path
        and "step=1d" in path
    )


def test_opencost_unreachable_names_the_endpoint(store: Path) -> None:
    r = run_cli("cost", "--store", str(store), *WINDOW, "--source", "http://127.0.0.1:9/opencost")
    assert r.exit_code == 2
    assert "127.0.0.1:9/opencost/allocation" in r.stderr


def test_run_status_is_the_trace_status(tmp_path: Path) -> None:
    """A run whose tool call failed is an error in cost as in trace (any span errored)."""
    path = tmp_path / "traces.db"
    failed = _run("f1", "alpha", T0 + HOUR, 60, [("openai", "gpt-4o", 1000, 100)])
    tool = _span("f1", "t0f1", "rf1", T0 + HOUR + 5, 1, operation="execute_tool",
                 tool_name="search", status="error", agent_name="alpha")  # fmt: skip
    fine = _run("f2", "alpha", T0 + 2 * HOUR, 60, [("openai", "gpt-4o", 1000, 100)])
    with TraceStore(path) as st:
        st.insert([*failed, tool, *fine])
    traces = run_cli("trace", "--store", str(path), "-o", "json")
    assert traces.exit_code == 0, traces.stderr
    said = {t["traceId"][:2]: t["status"] for t in json.loads(traces.stdout)["data"]["traces"]}
    assert said == {"f1": "error", "f2": "ok"}

    r = run_cli("cost", "--store", str(path), *WINDOW, "-o", "json")
    assert r.exit_code == 0, r.stderr
    top = {t["traceId"][:2]: t["status"] for t in json.loads(r.stdout)["data"]["topRuns"]}
    assert top == said
    r = run_cli("cost", "--store", str(path), *WINDOW, "-o", "csv")
    rows = [row for row in csv.DictReader(io.StringIO(r.stdout)) if row["breakdown"] == "run"]
    assert {row["trace_id"][:2]: row["status"] for row in rows} == said


PLATFORM_RATES = """apiVersion: agentctl.dev/v1alpha1
kind: Platform
registries: [ghcr.io/acme/]
pricing:
  compute: {cpuHourUSD: 0.05, memoryGiBHourUSD: 0.01, name: on-prem}
"""


def test_a_report_reads_platform_yaml_without_the_spec_models(
    store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without agents in scope, cost reads pricing.compute (and costSource) in plain code."""
    from tests.cli.helpers import run_cli_fresh

    (tmp_path / "platform.yaml").write_text(PLATFORM_RATES)
    monkeypatch.chdir(tmp_path)
    args = ("cost", "--store", str(store), *WINDOW, "-o", "json")
    warm = run_cli(*args)  # prices the store's models once (genai-prices)
    assert warm.exit_code == 0, warm.stderr
    watch = ("pydantic", "agentctl.spec.loader", "agentctl.spec.platform_models")
    proc = run_cli_fresh(*args, watch=watch)
    assert "loaded: []" in proc.stderr
    card = json.loads(proc.stdout)["data"]["rateCard"]
    assert card == {
        "name": "on-prem",
        "cpuHourUSD": 0.05,
        "memoryGiBHourUSD": 0.01,
        "storageGiBMonthUSD": 0.04,
    }
    assert json.loads(proc.stdout)["data"] == json.loads(warm.stdout)["data"]


@pytest.mark.parametrize(
    "broken",
    [
        PLATFORM_RATES.replace("0.05", "-1"),
        PLATFORM_RATES.replace("name: on-prem", "nmae: on-prem"),
        PLATFORM_RATES.replace("registries: [ghcr.io/acme/]", "telemetry: {costSource: nope}"),
    ],
    ids=["negative", "typo", "cost-source"],
)
def test_a_broken_pricing_section_is_the_loaders_located_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, broken: str
) -> None:
    from agentctl.errors import SpecError
    from agentctl.spec.loader import load_platform

    (tmp_path / "platform.yaml").write_text(broken)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SpecError) as err:
        load_platform(Path("platform.yaml"))
    want = "".join(f"error: {line}\n" for line in err.value.lines())
    assert want.startswith("error: platform.yaml:")
    res = run_cli("cost", *WINDOW)
    assert (res.exit_code, res.stdout, res.stderr) == (2, "", want)
