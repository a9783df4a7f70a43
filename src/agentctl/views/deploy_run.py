"""``agentctl run --watch``: the run's nodes as a tree (phase, duration, message).

On a terminal the tree is live; otherwise each node's phase change is one line.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from rich.live import Live
from rich.tree import Tree

from agentctl.views.phases import styled_phase
from agentctl.views.plain import escape

if TYPE_CHECKING:
    from rich.console import Console

    from agentctl.deploy.runs import RunNode, RunState

HIDDEN_TYPES = {
    "StepGroup",
    "TaskGroup",
}  # structural nodes: their children are shown in their place


def duration(seconds: float | None) -> str:
    if seconds is None:
        return ""
    s = int(seconds)
    if s < 60:
        return f"{seconds:.1f}s" if seconds < 10 else f"{s}s"
    m, s = divmod(s, 60)
    return f"{m}m{s:02d}s" if m < 60 else f"{m // 60}h{m % 60:02d}m"


def _label(node: RunNode) -> str:
    text = f"[bold]{escape(node.name)}[/] {styled_phase(node.phase)}"
    d = duration(node.seconds())
    if d:
        text += f" [dim]{d}[/]"
    if node.message and node.phase not in ("Succeeded",):
        text += f" [dim]- {escape(node.message)}[/]"
    return text


def run_tree(state: RunState) -> Tree:
    head = f"{escape(state.kind)} [bold]{escape(state.name)}[/] {styled_phase(state.phase)}"
    total = duration(_total(state))
    if total:
        head += f" [dim]{total}[/]"
    tree = Tree(head)
    root = state.nodes.get(state.root or "")
    if root is None:
        return tree
    seen: set[str] = {root.id}

    def add(parent: Tree, node: RunNode) -> None:
        for cid in node.children:
            child = state.nodes.get(cid)
            if child is None or cid in seen:
                continue
            seen.add(cid)
            if child.type in HIDDEN_TYPES:
                add(parent, child)
            else:
                add(parent.add(_label(child)), child)

    add(tree, root)
    return tree


def _total(state: RunState) -> float | None:
    from agentctl.deploy.runs import _span

    return _span(state.started, state.finished)


class RunWatcher:
    def __init__(self, console: Console, *, live: bool) -> None:
        self.console = console
        self.live = live and console.is_terminal
        self._live: Live | None = None
        self._seen: dict[str, str] = {}
        self._lock = threading.Lock()

    def __call__(self, state: RunState) -> None:
        with self._lock:
            if self.live:
                if self._live is None:
                    self._live = Live(run_tree(state), console=self.console, refresh_per_second=4)
                    self._live.start()
                else:
                    self._live.update(run_tree(state))
                return
            if self._seen.get("__run__") != state.phase:
                self._seen["__run__"] = state.phase
                self.console.print(f"{state.kind} {escape(state.name)}: {escape(state.phase)}")
            for node in state.nodes.values():
                if node.id == state.root or node.type in HIDDEN_TYPES:
                    continue
                if self._seen.get(node.id) != node.phase:
                    self._seen[node.id] = node.phase
                    d = duration(node.seconds()) if node.finished else ""
                    extra = f" ({d})" if d else ""
                    msg = f": {node.message}" if node.message and node.phase != "Succeeded" else ""
                    self.console.print(
                        f"  {escape(node.name)}: {escape(node.phase)}{escape(extra)}{escape(msg)}"
                    )

    def close(self) -> None:
        with self._lock:
            if self._live is not None:
                self._live.stop()
                self._live = None
