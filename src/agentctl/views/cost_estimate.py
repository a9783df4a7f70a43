"""Rendering of a monthly cost estimate (``agentctl cost --estimate``; ``build`` prints its summary)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from rich.console import Console
from rich.table import Table

from agentctl.cost.rates import fmt_usd
from agentctl.spec.units import format_duration
from agentctl.views.plain import escape


def _q(value: Decimal) -> str:
    return f"{Decimal(value).normalize():f}"


def _range(lo: Decimal, hi: Decimal) -> str:
    return fmt_usd(lo) if lo == hi else f"{fmt_usd(lo)} - {fmt_usd(hi)}"


def render_estimate(e: Any, console: Console) -> None:
    console.print(
        f"[bold]{escape(e.agent)}[/] ({e.type}, team {escape(e.team)}, v{escape(e.version)}): "
        f"estimated monthly cost [dim](30 days; rate card {escape(e.rate_card.name)})[/]"
    )
    t = Table(box=None, pad_edge=False, show_edge=False)
    for i, c in enumerate(("workload", "kind", "cpu", "memory", "pods", "per run", "per month")):
        t.add_column(c, justify="left" if i < 2 else "right")
    for ln in e.lines:
        if ln.kind == "storage":
            pods = (
                f"{ln.replicas_min}..{ln.replicas_max} PVC"
                if ln.replicas_min != ln.replicas_max
                else "1 PVC"
            )
            t.add_row(escape(ln.name), ln.kind, "", f"{_q(ln.storage_gib)}Gi", pods, "",
                      _range(ln.monthly_low_usd, ln.monthly_high_usd))  # fmt: skip
            continue
        if ln.pods_per_run is not None:
            pods = f"{ln.pods_per_run} x {format_duration(int((ln.hours_per_run or 0) * 3600))}"
        else:
            pods = f"{ln.replicas_min}..{ln.replicas_max}"
        per_run = fmt_usd(ln.per_run_usd) if ln.per_run_usd is not None else ""
        monthly = (
            "on demand"
            if e.on_demand and ln.per_run_usd is not None
            else _range(ln.monthly_low_usd, ln.monthly_high_usd)
        )
        t.add_row(
            escape(ln.name), ln.kind, _q(ln.cpu), f"{_q(ln.memory_gib)}Gi", pods, per_run, monthly
        )
    console.print(t)
    lo, hi = e.compute_monthly_low_usd, e.compute_monthly_high_usd
    line = f"compute: {_range(lo, hi)} per month"
    if e.compute_per_run_usd is not None:
        line += f"; {fmt_usd(e.compute_per_run_usd)} per run"
        if e.runs_per_month is not None:
            line += f" x {e.runs_per_month.normalize():f} runs"
        else:
            line += " (on demand)"
    console.print(line)
    llm = e.llm
    if llm.monthly_cap_usd is not None:
        console.print(
            f"LLM ({escape(llm.provider or '')}/{escape(llm.model or '')}): at most {fmt_usd(llm.monthly_cap_usd)} per month "
            f"(budget caps: {fmt_usd(llm.per_run_usd)} per run, {fmt_usd(llm.daily_usd)} per day; {escape(llm.source)})"
        )
    else:
        console.print("LLM: no model")
    console.print(
        f"[bold]total: {_range(e.total_monthly_low_usd, e.total_monthly_high_usd)} per month[/]"
    )
    for note in e.assumptions:
        console.print(f"[dim]  - {escape(note)}[/]")
