"""agentctl trace (local store) and agentctl collector, end to end."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
import yaml

from agentctl.telemetry.otlp import parse_protobuf
from agentctl.telemetry.store import TraceStore
from tests.cli.helpers import run_cli
from tests.fakes import otlp_payloads as P

REPO = Path(__file__).resolve().parents[2]


def fill(path: Path, *runs: list[dict], resource: dict | None = None) -> None:
    store = TraceStore(path)
    for run in runs:
        store.insert(parse_protobuf(P.protobuf(run, resource)).spans)
    store.close()


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "traces.db"


def test_no_store_yet_is_not_an_error() -> None:
    res = run_cli("trace")
    assert (
        res.exit_code == 0 and "no traces yet" in res.stderr and "agentctl collector" in res.stderr
    )
    res = run_cli("trace", "-o", "json")
    assert res.exit_code == 0 and json.loads(res.stdout)["data"]["traces"] == []


def test_missing_explicit_store(db: Path) -> None:
    res = run_cli("trace", "--store", str(db))
    assert res.exit_code == 2 and f"{db}: no trace store there" in res.stderr


def test_list_text(db: Path) -> None:
    now = time.time_ns()
    fill(
        db,
        P.agent_run(agent="weather-bot", start=now - 10**9),
        P.agent_run(agent="news-bot", error=True, start=now),
    )
    res = run_cli("trace", "--store", str(db), "--no-cost", "-o", "wide")
    assert res.exit_code == 0, res.stderr
    lines = res.stdout.splitlines()
    assert lines[0].split() == [
        "TRACE",
        "AGENT",
        "START",
        "DURATION",
        "STATUS",
        "LLM",
        "TOOLS",
        "TOKENS",
        "IN/OUT",
        "COST",
    ]
    news, weather = lines[2], lines[3]
    assert "news-bot" in news and " error " in news and "250/30" in news and "50ms" in news
    assert "weather-bot" in weather and " ok " in weather


def test_list_with_costs(db: Path) -> None:
    fill(db, P.agent_run(model="gpt-4o-mini"), P.agent_run(model="no-such-model-xyz"))
    data = json.loads(run_cli("trace", "--store", str(db), "-o", "json").stdout)["data"]
    if "priceData" not in data:
        pytest.skip("agentctl.cost is not available")
    by_model = {t["cost"]["unpricedCalls"]: t for t in data["traces"]}
    assert by_model[0]["cost"]["usd"] > 0  # priced
    assert by_model[2]["cost"]["label"] == "unpriced"  # never $0
    text = run_cli("trace", "--store", str(db)).stdout
    assert "unpriced" in text and "$" in text


def test_filters_and_json_totals(db: Path) -> None:
    now = time.time_ns()
    old = P.agent_run(agent="a", start=now - 2 * 86400 * 10**9)
    err = P.agent_run(agent="a", conversation="c-1", error=True, start=now - 60 * 10**9)
    ok = P.agent_run(agent="b", conversation="c-2", start=now - 30 * 10**9)
    fill(db, old, err, ok)

    def ids(*args: str) -> list[str]:
        res = run_cli("trace", "--store", str(db), "--no-cost", "-o", "json", *args)
        assert res.exit_code == 0, res.stderr
        return [t["traceId"] for t in json.loads(res.stdout)["data"]["traces"]]

    h = lambda run: run[0]["trace_id"].hex()  # noqa: E731
    assert ids() == [h(ok), h(err), h(old)]
    assert ids("--agent", "a") == [h(err), h(old)]
    assert ids("--conversation", "c-2") == [h(ok)]
    assert ids("--status", "error") == [h(err)]
    assert ids("--since", "1d") == [h(ok), h(err)]
    assert ids("--last", "1") == [h(ok)]
    assert ids("--limit", "2") == [h(ok), h(err)]
    doc = json.loads(run_cli("trace", "--store", str(db), "--no-cost", "-o", "json").stdout)
    assert doc["apiVersion"] == "agentctl.dev/v1" and doc["kind"] == "TraceList"
    assert doc["data"]["traces"][0]["tokens"] == {
        "input": 250,
        "output": 30,
        "cacheRead": 0,
        "cacheWrite": 0,
        "reasoning": 0,
        "total": 280,
    }
    y = yaml.safe_load(run_cli("trace", "--store", str(db), "--no-cost", "-o", "yaml").stdout)
    assert y["data"]["traces"][0]["traceId"] == h(ok)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--status", "maybe"], "maybe"),
        (["--since", "yesterday"], "--since 'yesterday'"),
        (["--limit", "0"], "--limit"),
        (["--follow", "--trace-id", "ab"], "--follow and --trace-id"),
        (["--trace-id", "xyz"], "expected a hex trace id"),
        (["--source", "http://127.0.0.1:9"], "does not go with --source"),
    ],
)
def test_usage_errors(db: Path, args: list[str], message: str) -> None:
    fill(db, P.agent_run())
    res = run_cli("trace", "--store", str(db), *args)
    assert res.exit_code == 2
    assert message in res.stderr


def test_trace_tree_and_waterfall(db: Path) -> None:
    run = P.agent_run(agent="weather-bot", error=True)
    fill(db, run)
    tid = run[0]["trace_id"].hex()
    res = run_cli("trace", "--store", str(db), "--trace-id", tid, "--no-cost")
    assert res.exit_code == 0, res.stderr
    out = res.stdout
    assert f"trace {tid}" in out and "2 LLM calls · 1 tool call" in out
    assert "└── invoke_agent weather-bot" in out
    assert "→ calls get_weather" in out and 'args    {"city": "Paris"}' in out
    assert "ERROR TimeoutError: upstream timed out" in out
    assert "output  It is 21C in Paris." in out
    waterfall = out[out.index("TIMELINE") :].splitlines()[2:]
    assert len(waterfall) == 4 and all("█" in line for line in waterfall)


def test_trace_json_and_prefixes(db: Path) -> None:
    a = P.agent_run()
    b = P.agent_run()
    for run, tid in ((a, bytes.fromhex("abcd" + "0" * 28)), (b, bytes.fromhex("abcd" + "1" * 28))):
        for sp in run:
            sp["trace_id"] = tid
    fill(db, a, b)
    res = run_cli("trace", "--store", str(db), "--trace-id", "abcd")
    assert res.exit_code == 2 and "ambiguous" in res.stderr
    res = run_cli("trace", "--store", str(db), "--trace-id", "abcd1", "-o", "json", "--no-cost")
    data = json.loads(res.stdout)["data"]
    assert data["trace"]["traceId"] == "abcd" + "1" * 28 and len(data["spans"]) == 4
    assert data["spans"][0]["operation"] == "invoke_agent"  # tree order: root first
    res = run_cli("trace", "--store", str(db), "--trace-id", "ef" * 16)
    assert res.exit_code == 2 and "not found" in res.stderr


def _spawn(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "agentctl", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


class Lines:
    """Read a child's stream line by line with a deadline (never hang the suite)."""

    def __init__(self, stream: Any) -> None:
        self.queue: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._pump, args=(stream,), daemon=True).start()

    def _pump(self, stream: Any) -> None:
        for line in stream:
            self.queue.put(line)

    def next(self, timeout: float = 30) -> str:
        return self.queue.get(timeout=timeout)


def _stop(proc: subprocess.Popen[str]) -> int:
    proc.send_signal(signal.SIGINT)
    try:
        return proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()


@pytest.mark.slow
def test_follow_prints_new_spans_grouped_by_trace(db: Path) -> None:
    fill(db, P.agent_run())  # already there: not printed
    proc = _spawn("trace", "--follow", "--store", str(db))
    out, err = Lines(proc.stdout), Lines(proc.stderr)
    try:
        assert "following" in err.next()
        run = P.agent_run(agent="tail-bot")
        fill(db, run)
        lines = [out.next() for _ in range(5)]
    finally:
        code = _stop(proc)
    assert code == 0
    assert lines[0].startswith(f"trace {run[0]['trace_id'].hex()}  tail-bot")
    assert [ln.split()[1] for ln in lines[1:]] == ["invoke_agent", "chat", "execute_tool", "chat"]
    assert "in 100 · out 10 tok" in lines[2]
    with pytest.raises(queue.Empty):
        out.next(timeout=0.5)  # the spans stored before --follow started were not printed


@pytest.mark.slow
def test_follow_json_lines(db: Path) -> None:
    fill(db, P.agent_run())
    proc = _spawn("trace", "--follow", "--store", str(db), "-o", "json", "--agent", "wanted")
    out, err = Lines(proc.stdout), Lines(proc.stderr)
    try:
        assert "following" in err.next()
        wanted = P.agent_run(agent="wanted")
        fill(db, P.agent_run(agent="other"), wanted)
        docs = [json.loads(out.next()) for _ in range(4)]
    finally:
        code = _stop(proc)
    assert code == 0
    assert {d["kind"] for d in docs} == {"TraceSpan"}
    assert {d["data"]["traceId"] for d in docs} == {wanted[0]["trace_id"].hex()}
    with pytest.raises(queue.Empty):
        out.next(timeout=0.5)


@pytest.mark.slow
def test_collector_receives_and_stops_cleanly(db: Path) -> None:
    proc = _spawn(
        "collector",
        "--listen",
        "127.0.0.1:0",
        "--store",
        str(db),
        "--retention",
        "1d",
        "--max-size",
        "100Mi",
    )
    err = Lines(proc.stderr)
    try:
        line = err.next()
        assert line.startswith("receiving OTLP/HTTP on http://127.0.0.1:")
        url = line.split()[-1]
        req = urllib.request.Request(
            url, data=P.protobuf(P.agent_run()), headers={"Content-Type": "application/x-protobuf"}
        )
        with urllib.request.urlopen(req, timeout=10) as resp:
            assert resp.status == 200
        # metrics (twice) and logs are refused, and the operator is told once per signal
        base = url.rsplit("/v1/", 1)[0]
        points = {"gauge": {"dataPoints": [{"asInt": "1"}, {"asInt": "2"}]}}
        metrics = json.dumps({"resourceMetrics": [{"scopeMetrics": [{"metrics": [points]}]}]})
        for path, body in (
            ("/v1/metrics", metrics.encode()),
            ("/v1/metrics", b"{}"),
            ("/v1/logs", b"{}"),
        ):
            req = urllib.request.Request(
                base + path, data=body, headers={"Content-Type": "application/json"}
            )
            with urllib.request.urlopen(req, timeout=10) as resp:
                assert "partialSuccess" in json.loads(resp.read())
    finally:
        code = _stop(proc)
    assert code == 0
    rest = [err.next() for _ in range(4)]  # already written: the deadline is only a guard
    notes = [line for line in rest if line.startswith("note:")]
    assert [n.split()[1] for n in notes] == ["metrics", "logs"]
    assert "not stored (this receiver stores traces only)" in notes[0]
    assert "stopped: 4 spans stored from 4 requests, 2 metric data points not stored" in rest[-1]
    res = run_cli("trace", "--store", str(db), "-o", "json", "--no-cost")
    assert len(json.loads(res.stdout)["data"]["traces"]) == 1


def test_collector_refuses_a_busy_port_and_warns_off_loopback(db: Path) -> None:
    from agentctl.telemetry.receiver import OtlpReceiver

    store = TraceStore(db)
    with OtlpReceiver(store, port=0) as rx:
        res = run_cli("collector", "--listen", f"127.0.0.1:{rx.port}", "--store", str(db))
        assert res.exit_code == 2 and f"cannot listen on 127.0.0.1:{rx.port}" in res.stderr
    store.close()
    # 192.0.2.1 (TEST-NET-1) is never a local address: the warning shows, then binding fails.
    res = run_cli("collector", "--listen", "192.0.2.1:0", "--store", str(db))
    assert "warning: listening on 192.0.2.1" in res.stderr and res.exit_code == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--listen", "localhost:http"], "expected HOST:PORT"),
        (["--listen", "127.0.0.1:70000"], "port must be"),
        (["--retention", "forever"], "--retention 'forever'"),
        (["--max-size", "lots"], "--max-size 'lots'"),
    ],
)
def test_collector_usage_errors(args: list[str], message: str) -> None:
    res = run_cli("collector", *args)
    assert res.exit_code == 2 and message in res.stderr


def test_list_fits_80_columns_with_short_ids_that_t_accepts(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = time.time_ns()
    runs = [P.agent_run(agent=f"weather-bot-{i}", start=now - i * 10**9) for i in range(3)]
    fill(db, *runs)
    monkeypatch.setenv("COLUMNS", "80")
    res = run_cli("trace", "--store", str(db))
    assert res.exit_code == 0, res.stderr
    lines = res.stdout.splitlines()
    assert lines[0].split() == [
        "TRACE", "AGENT", "START", "DURATION", "STATUS", "LLM", "TOOLS", "COST"
    ]  # fmt: skip
    assert all(len(line) <= 80 for line in lines), res.stdout
    short = lines[2].split()[0]
    assert 8 <= len(short) < 32 and "…" not in res.stdout
    detail = run_cli("trace", "--store", str(db), "-t", short)
    assert detail.exit_code == 0 and short in detail.stdout
    monkeypatch.setenv("COLUMNS", "200")  # wide output is as wide as it needs
    wide = run_cli("trace", "--store", str(db), "-o", "wide").stdout.splitlines()
    assert len(wide[2].split()[0]) == 32 and "TOKENS" in wide[0]


PLATFORM_LOCAL = """apiVersion: agentctl.dev/v1alpha1
kind: Platform
registries: [ghcr.io/acme/]
telemetry:
  collectorNamespace: obs
  traces: {source: local}
"""


def test_trace_reads_platform_yaml_without_the_spec_models(
    tmp_path: Path, db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In a directory with a platform.yaml, trace reads telemetry.traces in plain code."""
    from tests.cli.helpers import run_cli_fresh

    fill(db, P.agent_run(agent="weather-bot", start=time.time_ns()))
    (tmp_path / "platform.yaml").write_text(PLATFORM_LOCAL)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("AGENTCTL_TRACE_STORE", str(db))
    assert run_cli("trace", "--last", "20").exit_code == 0  # prices the list once (genai-prices)
    watch = ("pydantic", "agentctl.spec.loader", "agentctl.spec.platform_models")
    proc = run_cli_fresh("trace", "--last", "20", watch=watch)
    assert "loaded: []" in proc.stderr
    assert "weather-bot" in proc.stdout


BROKEN_TELEMETRY = {
    "source": PLATFORM_LOCAL.replace("{source: local}", "{source: zipkin}"),
    "url": PLATFORM_LOCAL.replace("{source: local}", "{source: tempo, url: ftp://x}"),
    "typo": PLATFORM_LOCAL.replace("collectorNamespace", "collectorNamespaces"),
    "null": PLATFORM_LOCAL.replace("collectorNamespace: obs", "collectorNamespace:"),
    "yaml": PLATFORM_LOCAL.replace("telemetry:", "telemetry: ["),
    "kind": PLATFORM_LOCAL.replace("kind: Platform", "kind: Agent"),
}


@pytest.mark.parametrize("case", sorted(BROKEN_TELEMETRY))
def test_a_broken_telemetry_section_is_the_loaders_located_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: str
) -> None:
    """The error the full loader gives (file, line, field), one line each, exit 2."""
    from agentctl.errors import SpecError
    from agentctl.spec.loader import load_platform

    (tmp_path / "platform.yaml").write_text(BROKEN_TELEMETRY[case])
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SpecError) as err:
        load_platform(Path("platform.yaml"))
    want = "".join(f"error: {line}\n" for line in err.value.lines())
    assert want.startswith("error: platform.yaml:")
    res = run_cli("trace", "--last", "20")
    assert (res.exit_code, res.stdout, res.stderr) == (2, "", want)


def test_trace_id_prices_from_the_stores_rates_without_genai_prices(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the rates the cost rollups keep, showing a trace imports no genai-prices, and
    says what pricing it with genai-prices says (text and json)."""
    import shutil

    from tests.cli.helpers import run_cli_fresh

    rolled, plain = tmp_path / "rolled.db", tmp_path / "plain.db"
    now = time.time_ns()
    fill(rolled, P.agent_run(agent="a", start=now, model="gpt-4o-mini"))
    fill(rolled, P.agent_run(agent="b", start=now, model="my-finetune"))
    shutil.copyfile(rolled, plain)  # no rollups: priced with genai-prices
    assert run_cli("cost", "--store", str(rolled)).exit_code == 0  # the rollups keep the rates
    listing = json.loads(run_cli("trace", "--store", str(plain), "-o", "json").stdout)
    ids = [t["traceId"] for t in listing["data"]["traces"]]
    assert len(ids) == 2
    monkeypatch.setenv("NO_COLOR", "1")
    for trace_id in ids:
        for fmt in ("text", "json"):
            args = ("trace", "--trace-id", trace_id, "-o", fmt)
            fast = run_cli_fresh(*args, "--store", str(rolled), watch=("genai_prices",))
            slow = run_cli_fresh(*args, "--store", str(plain), watch=("genai_prices",))
            assert "loaded: []" in fast.stderr
            assert "loaded: ['genai_prices']" in slow.stderr
            assert fast.stdout.replace(str(rolled), "S") == slow.stdout.replace(str(plain), "S")
    priced = json.loads(
        run_cli("trace", "--store", str(rolled), "--trace-id", ids[-1], "-o", "json").stdout
    )
    assert priced["data"]["trace"]["cost"]["usd"] > 0


def test_trace_id_imports_genai_prices_for_a_model_the_store_has_no_rate_for(
    tmp_path: Path,
) -> None:
    from tests.cli.helpers import run_cli_fresh

    db = tmp_path / "traces.db"
    now = time.time_ns()
    fill(db, P.agent_run(agent="a", start=now, model="gpt-4o-mini"))
    assert run_cli("cost", "--store", str(db)).exit_code == 0
    fill(db, P.agent_run(agent="b", start=now, model="gpt-4o"))  # after the rollups
    listing = json.loads(run_cli("trace", "--store", str(db), "-o", "json").stdout)
    newest = next(t["traceId"] for t in listing["data"]["traces"] if t["agent"] == "b")
    proc = run_cli_fresh(
        "trace", "--store", str(db), "--trace-id", newest, "-o", "json", watch=("genai_prices",)
    )
    assert "loaded: ['genai_prices']" in proc.stderr
    assert json.loads(proc.stdout)["data"]["trace"]["cost"]["usd"] > 0


def _rolled_and_plain(tmp_path: Path, name: str, models: tuple[str, ...]) -> tuple[Path, Path]:
    """Two copies of one store of traces (one per model): the first with the cost rollups
    (and so their rate entries), the second without (priced with genai-prices)."""
    import shutil

    rolled, plain = tmp_path / f"{name}-rolled.db", tmp_path / f"{name}-plain.db"
    now = time.time_ns()
    fill(rolled, *(P.agent_run(agent=f"a{i}", start=now, model=m) for i, m in enumerate(models)))
    shutil.copyfile(rolled, plain)
    assert run_cli("cost", "--store", str(rolled)).exit_code == 0  # the rollups keep the rates
    return rolled, plain


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_the_first_list_after_ingest_prices_from_the_stores_rates_without_genai_prices(
    tmp_path: Path, fmt: str
) -> None:
    """The first `trace --last N` of a store with rollups (nothing in its list's price cache
    yet) imports no genai-prices and prints what pricing with genai-prices prints; the
    costs it caches are those too."""
    from tests.cli.helpers import run_cli_fresh

    rolled, plain = _rolled_and_plain(tmp_path, fmt, ("gpt-4o-mini", "my-finetune", "gpt-4o"))
    args = ("trace", "--last", "20", "-o", fmt)
    fast = run_cli_fresh(*args, "--store", str(rolled), watch=("genai_prices",))
    slow = run_cli_fresh(*args, "--store", str(plain), watch=("genai_prices",))
    assert "loaded: []" in fast.stderr
    assert "loaded: ['genai_prices']" in slow.stderr
    assert fast.stdout.replace(str(rolled), "S") == slow.stdout.replace(str(plain), "S")
    again = run_cli_fresh(*args, "--store", str(rolled), watch=("genai_prices",))  # cached
    assert again.stdout == fast.stdout
    if fmt == "json":
        costs = [t["cost"] for t in json.loads(fast.stdout)["data"]["traces"]]
        assert sorted(c["label"] == "unpriced" for c in costs) == [False, False, True]
        assert all(c["usd"] > 0 for c in costs if c["label"] != "unpriced")


def test_the_list_imports_genai_prices_for_a_model_the_store_has_no_rate_for(
    tmp_path: Path,
) -> None:
    from tests.cli.helpers import run_cli_fresh

    rolled, plain = _rolled_and_plain(tmp_path, "late", ("gpt-4o-mini",))
    late_run = P.agent_run(agent="b", start=time.time_ns(), model="gpt-4o")
    for db in (rolled, plain):  # after the rollups: the store holds no rate for it
        fill(db, late_run)
    args = ("trace", "--last", "20", "-o", "json")
    fast = run_cli_fresh(*args, "--store", str(rolled), watch=("genai_prices",))
    slow = run_cli_fresh(*args, "--store", str(plain), watch=("genai_prices",))
    assert "loaded: ['genai_prices']" in fast.stderr
    assert fast.stdout.replace(str(rolled), "S") == slow.stdout.replace(str(plain), "S")
    late = next(t for t in json.loads(fast.stdout)["data"]["traces"] if t["agent"] == "b")
    assert late["cost"]["usd"] > 0
