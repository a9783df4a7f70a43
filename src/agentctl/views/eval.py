"""Rendering of ``agentctl eval``: metrics with intervals, gates and version comparisons."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from agentctl.eval.gates import FAIL, INSUFFICIENT, PASS
from agentctl.eval.metrics import ALL_VERSIONS, LABELS, METRICS
from agentctl.views.tables import line_markup as escape
from agentctl.views.tables import titled_table
from agentctl.views.words import counted


def _rate(r: Any) -> str:
    if not r.n:
        return "-"
    lo, hi = r.interval
    return f"{r.value:.1%} [{lo:.0%}-{hi:.0%}] n={r.n:,}"


def _table(title: str, *columns: str) -> Table:
    return titled_table(title, *columns, left=2, no_wrap=True)


def render_metrics(metrics: list[Any], console: Console) -> None:
    if not metrics:
        console.print("no runs in this window")
        return
    t = _table("Quality (95% Wilson intervals)", "agent", "version", *(LABELS[m] for m in METRICS))
    for m in metrics:
        version = "all" if m.version == ALL_VERSIONS else m.version
        t.add_row(escape(m.agent), escape(version), *(_rate(m.rates[k]) for k in METRICS))
    console.print(t)
    for m in metrics:
        if m.version != ALL_VERSIONS:
            continue
        if m.tool_errors:
            errors = sorted(m.tool_errors.items(), key=lambda kv: -kv[1])
            text = ", ".join(f"{k} ({v})" for k, v in errors)
            console.print(f"failed tool calls of {escape(m.agent)}: {escape(text)}")
        if m.undeclared_tools:
            names = ", ".join(f"{k} ({v})" for k, v in m.undeclared_tools.items())
            console.print(
                f"[yellow]undeclared tools[/] called by {escape(m.agent)}: {escape(names)}"
            )
        if m.guardrail_violations:
            runs = ", ".join(
                f"{k} ({v} run{'' if v == 1 else 's'})"
                for k, v in sorted(m.guardrail_violations.items(), key=lambda kv: -kv[1])
            )
            console.print(f"guardrail violations of {escape(m.agent)}: {escape(runs)}")
        if not m.limits_checked:
            console.print(
                f"[dim]guardrail adherence of {escape(m.agent)} counts guardrail events only: "
                "no agent.yaml in scope for its perRunUSD, maxSteps and maxToolCalls[/]"
            )


_MARK = {PASS: "[green]pass[/]", FAIL: "[red]FAIL[/]", INSUFFICIENT: "[yellow]insufficient data[/]"}


def render_gates(report: Any, console: Console) -> None:
    if not report.results:
        console.print(
            "[dim]no gates: pass an agent.yaml with an evaluation: section to gate on quality[/]"
        )
        return
    console.print()
    console.print("[bold]Gates[/]")
    for r in report.results:
        mark = _MARK[r.status]
        if r.status == INSUFFICIENT and r.passed:
            mark += " (allowed)"
        console.print(f"  {mark}  {escape(r.describe())}")


def render_compare(data: dict[str, Any], console: Console) -> None:
    a, b = data["versionA"], data["versionB"]
    t = _table(f"{data['agent']}: {a} vs {b}", "metric", "", a, b, "change", "")
    for row in data["metrics"]:
        ra, rb = row["a"], row["b"]

        def cell(x: dict[str, Any]) -> str:
            if not x["samples"]:
                return "-"
            lo, hi = x["interval95"]
            return f"{x['value']:.1%} [{lo:.0%}-{hi:.0%}] n={x['samples']:,}"

        delta = f"{row['delta'] * 100:+.1f} pts" if row["delta"] is not None else ""
        note = (
            ""
            if row["intervalsOverlap"] is None
            else ("within noise" if row["intervalsOverlap"] else "significant")
        )
        t.add_row(LABELS[row["metric"]], "", cell(ra), cell(rb), delta, note)
    ca, cb = data["costPerRun"]["a"], data["costPerRun"]["b"]

    def usd(x: dict[str, Any]) -> str:
        return (
            f"${x['perRunUSD']:.4f} ({counted(x['runs'], 'run', sep=',')})"
            if x["perRunUSD"] is not None
            else "-"
        )

    change = ""
    if ca["perRunUSD"] and cb["perRunUSD"] is not None:
        change = f"{(cb['perRunUSD'] / ca['perRunUSD'] - 1) * 100:+.1f}%"
    t.add_row("cost per run", "", usd(ca), usd(cb), change, "")
    console.print()
    console.print(t)


def render_eval_run(report: Any, console: Console) -> None:
    """``agentctl eval run``: cases, metrics, gates and the regression test."""
    t = _table(f"Eval set of {report.agent} {report.version}", "case", "result", "passed", "why")
    for c in report.cases:
        mark = "[green]pass[/]" if c.ok else "[red]FAIL[/]"
        reasons = c.reasons()
        t.add_row(
            escape(c.name), mark, f"{c.passed}/{len(c.runs)}", escape(reasons[0] if reasons else "")
        )
    console.print(t)
    render_metrics([report.metrics], console)
    render_gates(report.gates, console)
    if report.compare is not None:
        cmp = report.compare
        console.print()
        console.print(
            f"[bold]Compared with {escape(str(cmp['baseline']))}[/] ({escape(cmp['test'])}, "
            f"alpha {cmp['alpha']}, at least {cmp['minRunsEachSide']} runs a side)"
        )
        for row in [*cmp["cases"], {"case": "all cases", **cmp["overall"]}]:
            base = row.get("baseline")
            cur = row.get("current")
            p = row.get("p")
            status = row["status"]
            colour = {"regression": "red", "ok": "green"}.get(status, "yellow")
            console.print(
                f"  [{colour}]{status}[/]  {escape(row['case'])}: "
                f"{f'{base[0]}/{base[1]}' if base else '-'} -> {f'{cur[0]}/{cur[1]}' if cur else '-'}"
                + (f"  p={p:.4g}" if p is not None else "")
            )
    verdict = "[green]passed[/]" if report.ok else "[red]failed[/]"
    console.print(
        f"\neval set {verdict}: {len(report.cases) - len(report.failed_cases)} of {len(report.cases)} cases passed"
    )


def render_judge(data: dict[str, Any], console: Console) -> None:
    """The LLM judge's work: runs judged, verdicts and what it cost."""
    cost = f"${data['costUSD']:.6f}" if data["costUSD"] is not None else data["priceStatus"]
    verdicts = f", {data['unfaithful']} unfaithful" if "unfaithful" in data else ""
    console.print(
        f"judge {escape(data['model'])}: {data['judged']} run(s) judged{verdicts}; "
        f"{data['inputTokens']:,} in / {data['outputTokens']:,} out tokens, cost {escape(cost)}"
    )
    for err in data["errors"][:5]:
        console.print(f"  [yellow]warning:[/] {escape(err)}")
