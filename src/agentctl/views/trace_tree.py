"""``agentctl trace --trace-id``: one run as the agent loop (tree) and a waterfall."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from agentctl.eval.metrics import evaluation_failed
from agentctl.spans import SpanRecord
from agentctl.traces import content
from agentctl.traces.report import Node, build_tree, final_output, walk
from agentctl.traces.summary import summarise
from agentctl.views.trace_fmt import (
    count,
    displayed,
    duration,
    error_reason,
    local_time,
    short,
    span_style,
    span_tokens,
)
from agentctl.views.words import counted

BAR_WIDTH = 48


def _label(sp: SpanRecord, prices: Any | None) -> Text:
    text = Text()
    text.append(sp.name or "(unnamed)", style=f"bold {span_style(sp)}")
    text.append(f"  {duration(sp.duration_ns)}", style="dim")
    if sp.is_llm_call:
        if sp.model:
            text.append(f"  {sp.model}")
        if sp.provider:
            text.append(f" ({sp.provider})", style="dim")
        tokens = span_tokens(sp)
        if tokens:
            text.append(f"  {tokens}")
        if prices is not None:
            cost = prices.for_span(sp.span_id)
            if cost is not None:
                price = cost.price
                label = f"${price.usd:.6f}" if price.usd is not None else price.status
                text.append(f"  {label}", style="green" if price.usd is not None else "yellow")
    elif sp.is_tool_call and sp.tool_name and sp.tool_name not in sp.name:
        text.append(f"  tool {sp.tool_name}")
    elif sp.agent_name and sp.is_root and sp.agent_name not in sp.name:
        text.append(f"  agent {sp.agent_name}")
    if sp.status == "error":
        text.append(f"  ERROR {error_reason(sp, 120)}", style="bold red")
    return text


def _details(sp: SpanRecord) -> list[Text]:
    lines: list[Text] = []
    if sp.is_llm_call:
        prompt = content.input_text(sp)
        if prompt:
            lines.append(Text.assemble(("prompt  ", "dim"), short(prompt)))
        for call in content.tool_calls_requested(sp):
            lines.append(
                Text.assemble(
                    ("→ calls ", "cyan"), (call.name, "bold cyan"), " ", short(call.arguments, 90)
                )
            )
        answer = content.output_text(sp)
        if answer:
            lines.append(Text.assemble(("reply   ", "dim"), short(answer)))
    elif sp.is_tool_call:
        args = content.tool_arguments(sp)
        if args is not None:
            lines.append(Text.assemble(("args    ", "dim"), short(args)))
        result = content.tool_result(sp)
        if result is not None:
            lines.append(Text.assemble(("result  ", "dim"), short(result)))
    for ev in sp.events:
        if ev.name == "gen_ai.evaluation.result":
            lines.append(_evaluation(ev.attributes))
    return lines


def _evaluation(attrs: dict[str, Any]) -> Text:
    """One ``gen_ai.evaluation.result`` event: name, label, score and explanation."""
    label = attrs.get("gen_ai.evaluation.score.label")
    score = attrs.get("gen_ai.evaluation.score.value")
    bad = evaluation_failed(str(attrs.get("gen_ai.evaluation.name") or ""), attrs)
    text = Text.assemble(
        ("eval    ", "dim"), (str(attrs.get("gen_ai.evaluation.name") or "?"), "bold")
    )
    if label is not None:
        text.append(f" {label}", style="red" if bad else "green")
    if score is not None:
        text.append(f" score {score}")
    explanation = attrs.get("gen_ai.evaluation.explanation")
    if explanation:
        text.append(f"  {short(explanation, 120)}", style="dim")
    return text


def _add(tree: Tree, node: Node, prices: Any | None) -> None:
    branch = tree.add(_label(node.span, prices))
    for line in _details(node.span):
        branch.add(line)
    for child in node.children:
        _add(branch, child, prices)


def render_tree(trace_id: str, spans: Sequence[SpanRecord], prices: Any | None) -> RenderableType:
    s = summarise(trace_id, spans)
    head = Text()
    head.append(f"trace {trace_id}", style="bold")
    head.append(f"  {s.agent or '-'}  {local_time(s.start_unix_nano)}  {duration(s.duration_ns)}  ")
    head.append(s.status, style="bold red" if s.status == "error" else "green")
    head.append(
        f"  {counted(s.llm_calls, 'LLM call')} · {counted(s.tool_calls, 'tool call')} · "
        f"in {count(s.input_tokens)} / out {count(s.output_tokens)} tokens"
    )
    if prices is not None:
        head.append(f" · {prices.for_trace(trace_id).label}")
    # The summary is a line of its own, not the tree's label: a tree crops its
    # labels at the console width, and the summary must read whole in logs. The
    # root's label (an empty group) renders no line, so the roots keep their guides.
    tree = Tree(Group(), guide_style="dim")
    for root in build_tree(spans):
        _add(tree, root, prices)
    parts: list[RenderableType] = [head, tree]
    answer = final_output(spans)
    if answer:
        parts.append(Text.assemble(("\noutput  ", "bold"), short(answer, 400)))
    return Group(*parts)


def render_waterfall(spans: Sequence[SpanRecord], width: int = BAR_WIDTH) -> Table:
    nodes = list(walk(build_tree(spans)))
    start = min((n.span.start_unix_nano for n in nodes), default=0)
    end = max((n.span.end_unix_nano for n in nodes), default=start)
    total = max(end - start, 1)
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False, header_style="bold")
    table.add_column("SPAN", no_wrap=True, overflow="ellipsis", max_width=48)
    table.add_column("OFFSET", justify="right", no_wrap=True)
    table.add_column("DURATION", justify="right", no_wrap=True)
    table.add_column("TIMELINE", no_wrap=True)
    for n in nodes:
        sp = n.span
        offset = sp.start_unix_nano - start
        left = min(width - 1, int(offset / total * width))
        length = max(1, round(sp.duration_ns / total * width))
        length = min(length, width - left)
        bar = Text(" " * left)
        bar.append("█" * length, style=span_style(sp))
        bar.append(" " * (width - left - length))
        table.add_row(
            Text("  " * n.depth + (sp.name or "(unnamed)")),
            duration(offset),
            duration(sp.duration_ns),
            bar,
        )
    return table


def render(trace_id: str, spans: Sequence[SpanRecord], prices: Any | None) -> RenderableType:
    spans = [displayed(sp) for sp in spans]
    return Group(render_tree(trace_id, spans, prices), Text(""), render_waterfall(spans))
