"""Rendering of ``agentctl cost``: tables, the daily bar chart, CSV and budget results."""

from __future__ import annotations

import datetime as _dt
from typing import TYPE_CHECKING, Any

from agentctl.cost.rates import fmt_usd
from agentctl.views.plain import Grid
from agentctl.views.tables import line_markup as escape
from agentctl.views.tables import titled_grid
from agentctl.views.words import counted

if TYPE_CHECKING:
    from rich.console import Console

    from agentctl.views.plain import PlainConsole

BAR_WIDTH = 40
CSV_COLUMNS = (
    "breakdown", "key", "agent", "team", "version", "provider", "model", "day", "trace_id", "status",
    "runs", "calls", "unpriced_calls", "free_calls", "input_tokens", "output_tokens", "cache_read_tokens",
    "cache_write_tokens", "reasoning_tokens", "llm_usd", "compute_usd", "total_usd",
)  # fmt: skip


def _when(ns: int) -> str:
    return _dt.datetime.fromtimestamp(ns / 1e9, tz=_dt.UTC).strftime("%Y-%m-%d %H:%M")


def _n(value: int) -> str:
    return f"{value:,}"


def _llm_cell(line: Any) -> str:
    if line.calls and line.unpriced_calls == line.calls:
        return "unpriced"
    if line.calls and line.free_calls == line.calls:
        return "free"
    text = fmt_usd(line.llm_usd)
    return f"{text} +{line.unpriced_calls} unpriced" if line.unpriced_calls else text


def daily_chart(days: list[Any]) -> Grid:
    """One bar per UTC day, LLM then compute, scaled to the most expensive day."""
    top = max((d.total_usd for d in days), default=0)
    bars: list[tuple[int, int]] = []
    for d in days:
        llm = comp = 0
        if top > 0:
            llm = round(float(d.llm_usd / top) * BAR_WIDTH)
            comp = max(0, round(float(d.total_usd / top) * BAR_WIDTH) - llm)
        bars.append((llm, comp))
    rows = [
        [d.key, "█" * (llm + comp), fmt_usd(d.total_usd)]
        for d, (llm, comp) in zip(days, bars, strict=True)
    ]

    def rich(grid: Grid) -> Any:
        from rich.text import Text

        from agentctl.views.tables import titled_table

        t = titled_table(grid.title, *grid.headers)
        for row, (llm, comp) in zip(grid.rows, bars, strict=True):
            bar = Text()
            if top > 0:
                bar.append("█" * llm, style="cyan")
                bar.append("█" * comp, style="magenta")
            t.add_row(row[0], bar, row[2])
        t.columns[1].justify = "left"
        return t

    return Grid(["day", "", "total"], rows, rich, right=frozenset({2}), title="Daily")


def render(report: Any, console: Console | PlainConsole) -> None:
    tot = report.total
    console.print(
        f"[bold]Cost[/] {_when(report.since_ns)} .. {_when(report.until_ns)} UTC  "
        f"[dim]prices: {escape(report.price_data)}; compute: {escape(report.rate_card.name)} "
        f"({escape(report.compute_source)})[/]"
    )
    console.print(
        f"[bold]Total {fmt_usd(tot.total_usd)}[/]  (LLM {fmt_usd(tot.llm_usd)}, compute {fmt_usd(tot.compute_usd)})"
        f"  {counted(tot.runs, 'run', sep=',')}, {counted(tot.calls, 'model call', sep=',')}"
    )
    for u in report.unpriced:
        console.print(
            f"[yellow]unpriced:[/] {escape(u.key)}: {counted(u.calls, 'call', sep=',')}, {_n(u.usage.input)} input / "
            f"{_n(u.usage.output)} output tokens; not counted (not $0): {escape(u.extra.get('reason') or '')}"
        )
    if report.free is not None:
        f = report.free
        console.print(
            f"offline-demo (free): {counted(f.calls, 'call', sep=',')}, {_n(f.usage.input)} input / {_n(f.usage.output)} output tokens, $0.00"
        )
    for note in report.notes:
        console.print(f"[dim]note: {escape(note)}[/]")
    if not tot.calls and not tot.runs and not tot.compute_usd:
        console.print("no spend in this window")
        return
    parts: list[Grid] = []
    parts.append(titled_grid(
        "By agent", ["agent", "team", "runs", "calls", "LLM", "compute", "total"],
        [[a.key, a.extra.get("team") or "-", _n(a.runs), _n(a.calls), _llm_cell(a), fmt_usd(a.compute_usd),
          fmt_usd(a.total_usd)] for a in report.by_agent],
    ))  # fmt: skip
    if len({v.extra["agent"] for v in report.by_version}) < len(report.by_version):
        parts.append(titled_grid(
            "By version", ["agent@version", "runs", "calls", "LLM", "compute", "total"],
            [[v.key, _n(v.runs), _n(v.calls), _llm_cell(v), fmt_usd(v.compute_usd), fmt_usd(v.total_usd)]
             for v in report.by_version],
        ))  # fmt: skip
    parts.append(titled_grid(
        "By model", ["model", "calls", "input", "cached", "output", "LLM"],
        [[m.key, _n(m.calls), _n(m.usage.input), _n(m.usage.cache_read), _n(m.usage.output), _llm_cell(m)]
         for m in report.by_model],
    ))  # fmt: skip
    parts.append(titled_grid(
        "By team", ["team", "runs", "calls", "LLM", "compute", "total"],
        [[tm.key, _n(tm.runs), _n(tm.calls), _llm_cell(tm), fmt_usd(tm.compute_usd), fmt_usd(tm.total_usd)]
         for tm in report.by_team],
    ))  # fmt: skip
    parts.append(daily_chart(report.by_day))
    if report.top_runs:
        rows = [
            [r.trace_id, r.agent or "-", _when(r.start_ns), f"{r.duration_s:,.1f}s",
             fmt_usd(r.llm_usd) + (f" +{r.unpriced_calls} unpriced" if r.unpriced_calls else ""),
             fmt_usd(r.compute_usd), fmt_usd(r.total_usd)]
            for r in report.top_runs
        ]  # fmt: skip
        parts.append(titled_grid(
            "Most expensive runs", ["trace", "agent", "start", "duration", "LLM", "compute", "total"], rows
        ))  # fmt: skip
    for p in parts:
        console.print()
        console.print(p)


def to_csv(report: Any) -> str:
    """Every breakdown as rows of one CSV (column ``breakdown`` says which)."""
    import csv
    import io

    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=CSV_COLUMNS, lineterminator="\n")
    w.writeheader()

    def line(kind: str, ln: Any, **extra: Any) -> None:
        u = ln.usage
        w.writerow(
            {
                "breakdown": kind, "key": ln.key, "runs": ln.runs, "calls": ln.calls,
                "unpriced_calls": ln.unpriced_calls, "free_calls": ln.free_calls, "input_tokens": u.input,
                "output_tokens": u.output, "cache_read_tokens": u.cache_read, "cache_write_tokens": u.cache_write,
                "reasoning_tokens": u.reasoning, "llm_usd": f"{ln.llm_usd:.6f}", "compute_usd": f"{ln.compute_usd:.6f}",
                "total_usd": f"{ln.total_usd:.6f}", **extra,
            }
        )  # fmt: skip

    line("total", report.total)
    for a in report.by_agent:
        line("agent", a, agent=a.key, team=a.extra.get("team") or "")
    for v in report.by_version:
        line("version", v, agent=v.extra["agent"], version=v.extra["version"])
    for t in report.by_team:
        line("team", t, team=t.key)
    for m in report.by_model:
        line(
            "model",
            m,
            provider=m.extra["provider"],
            model=m.extra["model"],
            status=m.extra.get("status", ""),
        )
    for d in report.by_day:
        line("day", d, day=d.key)
    for u in report.unpriced:
        line("unpriced", u, provider=u.extra["provider"], model=u.extra["model"], status="unpriced")
    if report.free is not None:
        line("offline-demo", report.free, provider="offline-demo", status="free")
    for r in report.top_runs:
        w.writerow(
            {
                "breakdown": "run", "key": r.trace_id, "trace_id": r.trace_id, "agent": r.agent or "",
                "team": r.team or "", "version": r.version or "", "status": r.status, "runs": 1,
                "calls": r.llm_calls, "unpriced_calls": r.unpriced_calls,
                "day": _dt.datetime.fromtimestamp(r.start_ns / 1e9, tz=_dt.UTC).date().isoformat(),
                "llm_usd": f"{r.llm_usd:.6f}", "compute_usd": f"{r.compute_usd:.6f}", "total_usd": f"{r.total_usd:.6f}",
            }
        )  # fmt: skip
    return buf.getvalue()


def render_budgets(result: Any, console: Console, err: Console) -> None:
    from rich.console import Group

    from agentctl.views.tables import titled_table

    t = titled_table("Budgets (LLM spend)", "agent", "per run", "daily", "runs over")
    for b in result.budgets:
        per = f"{fmt_usd(b.per_run.usd)} ({b.per_run.source})" if b.per_run else "-"
        day = f"{fmt_usd(b.daily.usd)} ({b.daily.source})" if b.daily else "-"
        t.add_row(escape(b.agent), per, day, _n(result.runs_over.get(b.agent, 0)))
    console.print(Group(t))
    for br in result.breaches:
        err.print(f"[red]breach:[/] {escape(br.describe())}")
    if result.ok:
        console.print("[green]ok[/]  every budget respected")
