"""The result of one local run: the answer, the workflow steps, the trace tree and the cost."""

from __future__ import annotations

import json
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from rich import box
from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from agentctl.spans import SpanRecord

STEP_STYLE = {"succeeded": "green", "failed": "bold red", "skipped": "dim", "cancelled": "yellow"}


def answer_text(answer: Any, limit: int = 2000) -> str:
    text = answer if isinstance(answer, str) else json.dumps(answer, indent=2, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def steps_table(workflow: Any) -> Table:
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False, header_style="bold")
    table.add_column("STEP")
    table.add_column("STATUS")
    table.add_column("ITEMS", justify="right")
    table.add_column("ATTEMPTS", justify="right")
    table.add_column("SECONDS", justify="right")
    table.add_column("REASON", overflow="fold")
    for name in [s.name for s in workflow.steps.values()]:
        s = workflow.steps[name]
        secs = (
            f"{s.ended - s.started:.1f}" if s.started is not None and s.ended is not None else "-"
        )
        table.add_row(
            Text(name),
            Text(s.status, style=STEP_STYLE.get(s.status, "")),
            "-" if s.items is None else str(s.items),
            str(s.attempts),
            secs,
            Text(s.reason),  # from the cluster: shown as sent, never markup
        )
    return table


def _money(value: Decimal | None) -> str:
    if value is None:
        return "-"
    return f"${value:.6f}"


def cost_table(spans: Sequence[SpanRecord], prices: Any) -> Table:
    """LLM cost of the run by provider and model (offline-demo calls are free, unknown models unpriced)."""
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for sp in spans:
        cost = prices.for_span(sp.span_id)
        if cost is None:
            continue
        key = (cost.provider or "?", cost.model or "?")
        row = rows.setdefault(
            key, {"calls": 0, "in": 0, "out": 0, "usd": Decimal(0), "status": set()}
        )
        row["calls"] += 1
        if cost.usage is not None:
            row["in"] += cost.usage.input
            row["out"] += cost.usage.output
        if cost.price.usd is not None:
            row["usd"] += cost.price.usd
        row["status"].add(cost.price.status)
    table = Table(
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        show_edge=False,
        header_style="bold",
        title="LLM cost",
        title_justify="left",
    )
    table.add_column("PROVIDER")
    table.add_column("MODEL")
    table.add_column("CALLS", justify="right")
    table.add_column("IN TOK", justify="right")
    table.add_column("OUT TOK", justify="right")
    table.add_column("COST", justify="right")
    total = Decimal(0)
    for (provider, model), row in sorted(rows.items()):
        statuses = row["status"]
        if statuses == {"free"}:
            label = "$0 (offline-demo, free)"
        elif "unpriced" in statuses:
            label = "unpriced"
        else:
            label = _money(row["usd"])
            total += row["usd"]
        table.add_row(
            Text(provider), Text(model), str(row["calls"]), str(row["in"]), str(row["out"]), label
        )
    if not rows:
        table.add_row("-", "no model calls", "0", "0", "0", "$0")
    table.add_section()
    calls = sum(r["calls"] for r in rows.values())
    all_free = bool(rows) and all(r["status"] == {"free"} for r in rows.values())
    total_label = "$0 (free)" if all_free else _money(total)
    tokens_in = sum(r["in"] for r in rows.values())
    tokens_out = sum(r["out"] for r in rows.values())
    table.add_row("total", "", str(calls), str(tokens_in), str(tokens_out), total_label)
    return table


def cost_line(spans: Sequence[SpanRecord], prices: Any) -> str:
    calls = sum(1 for sp in spans if prices.for_span(sp.span_id) is not None)
    labels = {
        prices.for_trace(t).label
        for t in {sp.trace_id for sp in spans}
        if prices.for_trace(t).calls
    }
    label = " + ".join(sorted(labels)) or "no model calls"
    return f"cost: {label} ({calls} model calls, price data {prices.price_data or 'n/a'})"


def render_run(report: Any, prices: Any, *, agent: str) -> RenderableType:
    from agentctl.views.trace_tree import render_tree

    parts: list[RenderableType] = []
    status = Text()
    status.append(f"{report.kind} ", style="bold")
    status.append(agent, style="bold")
    status.append("  ")
    status.append(
        "succeeded" if report.ok else "failed", style="green" if report.ok else "bold red"
    )
    status.append(
        f"  {report.seconds:.1f}s" if report.seconds >= 1 else f"  {report.seconds * 1000:.0f}ms"
    )
    if report.reason:
        status.append(f"  {report.reason}", style="red")
    parts.append(status)
    if report.workflow is not None:
        parts.append(steps_table(report.workflow))
    if report.answer is not None:
        parts.append(Text.assemble(("\nanswer\n", "bold"), answer_text(report.answer)))
    if not report.ok and report.log_tail:
        parts.append(Text("\nlast log lines", style="bold"))
        parts.extend(Text(f"  {line}") for line in report.log_tail)
    by_trace: dict[str, list[SpanRecord]] = {}
    for sp in report.spans:
        by_trace.setdefault(sp.trace_id, []).append(sp)
    for trace_id in report.trace_ids:
        parts.append(Text(""))
        parts.append(render_tree(trace_id, by_trace.get(trace_id, []), prices))
    if not report.trace_ids:
        parts.append(Text("\nno spans arrived from this run", style="yellow"))
    parts.append(Text(""))
    parts.append(cost_table(report.spans, prices))
    parts.append(Text(cost_line(report.spans, prices), style="dim"))
    return Group(*parts)


def print_run(console: Console, report: Any, prices: Any, *, agent: str) -> None:
    console.print(render_run(report, prices, agent=agent))
