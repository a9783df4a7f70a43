"""What ``agentctl deploy`` shows: the plan, progress per step, rollout waiting, the summary.

On a terminal the current step is a spinner and the rollout a live table;
otherwise every step and every change of a rollout's state is one plain line
(for CI logs). Progress goes to stderr; the summary table is the result, on
stdout.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from agentctl.deploy.engine import Events
from agentctl.views.plain import BoxTable, PlainConsole, escape
from agentctl.views.words import counted

if TYPE_CHECKING:
    from rich.console import Console
    from rich.live import Live
    from rich.status import Status
    from rich.table import Table

    from agentctl.deploy.engine import DeployPlan, DeployResult, ObjectResult
    from agentctl.deploy.objects import ObjectRef
    from agentctl.deploy.wait import WaitState

ACTION_STYLE = {
    "created": "green",
    "configured": "yellow",
    "unchanged": "dim",
    "pruned": "red",
    "failed": "bold red",
}


def _refs(refs: list[ObjectRef], limit: int = 6) -> str:
    shown = ", ".join(r.display for r in refs[:limit])
    return shown + (f" and {len(refs) - limit} more" if len(refs) > limit else "")


class DeployProgress(Events):
    """Receives engine events (``agentctl.deploy.engine.Events``), possibly from worker threads."""

    def __init__(self, console: Console | PlainConsole, *, live: bool) -> None:
        self.console = console
        self.live = live and console.is_terminal
        self._lock = threading.Lock()
        self._steps = 0
        self._step = 0
        self._status: Status | None = None
        self._wait_live: Live | None = None
        self._last: dict[tuple[str, str, str, str], str] = {}
        self._done = 0
        self._level_size = 0
        self._level_name = ""
        self._planned = False
        self._held: list[str] = []  # step lines printed once the plan is known

    # header and plan ----------------------------------------------------------

    def header(
        self,
        agent: str,
        namespace: str,
        context: str | None,
        server: str,
        origin: str,
        dry_run: bool,
    ) -> None:
        verb = "Checking (server dry run)" if dry_run else "Deploying"
        ctx = f"context {context}, " if context else ""
        self.console.print(
            f"[bold]{verb} {escape(agent)}[/] from {escape(origin)} to namespace [bold]{escape(namespace)}[/] ({escape(ctx)}{escape(server)})"
        )

    def on_plan(self, plan: DeployPlan) -> None:
        n = sum(len(refs) for _, refs in plan.levels)
        self._steps = len(plan.levels)
        with self._lock:
            version = f", Kubernetes {plan.server_version}" if plan.server_version else ""
            self.console.print(
                f"  plan: {counted(n, 'object')} in {counted(len(plan.levels), 'step')}{escape(version)}"
            )
            if plan.prune:
                verb = "would prune" if plan.dry_run else "prune"
                self.console.print(
                    f"  [red]{verb} {len(plan.prune)}[/] no longer rendered: {escape(_refs(plan.prune, 20))}"
                )

    # steps ----------------------------------------------------------------------

    def on_level(self, index: int, name: str, refs: list[ObjectRef]) -> None:
        with self._lock:
            self._stop_status()
            if index < 0:
                label = f"{name}: {len(refs)} object{'s' if len(refs) != 1 else ''}"
            else:
                self._step += 1
                total = f"/{self._steps}" if self._steps else ("" if self.live else "/{steps}")
                label = f"step {self._step}{total} {name}: {len(refs)} object{'s' if len(refs) != 1 else ''}"
            self._level_name, self._level_size, self._done = label, len(refs), 0
            if self.live:
                assert not isinstance(self.console, PlainConsole)  # live needs a terminal
                self._status = self.console.status(escape(label))
                self._status.start()
            elif self._planned:
                self.console.print(f"  {escape(label)}")
            else:
                self._held.append(f"  {escape(label)}")

    def on_object(self, result: ObjectResult) -> None:
        with self._lock:
            self._done += 1
            if self._status is not None:
                self._status.update(escape(f"{self._level_name} ({self._done}/{self._level_size})"))
            if result.note and result.action != "failed":  # a failure is the error printed last
                self._print_above(f"    {result.ref.display}: {result.note}")

    def on_retry(self, message: str) -> None:
        with self._lock:
            self._print_above(f"  [dim]{escape(message)}[/]")

    # waiting --------------------------------------------------------------------

    def on_wait(self, states: list[WaitState]) -> None:
        with self._lock:
            self._stop_status()
            if self.live:
                table = self._wait_table(states)
                if self._wait_live is None:
                    from rich.live import Live

                    assert not isinstance(self.console, PlainConsole)  # live needs a terminal
                    self._wait_live = Live(
                        table, console=self.console, refresh_per_second=8, transient=False
                    )
                    self._wait_live.start()
                else:
                    self._wait_live.update(table)
                return
            if not self._last:
                self.console.print(
                    f"  waiting for {len(states)} object{'s' if len(states) != 1 else ''} to be ready"
                )
            for s in states:
                key = s.ref.key
                if self._last.get(key) != s.message:
                    self._last[key] = s.message
                    mark = "ready" if s.ready else ("failed" if s.failed else "waiting")
                    self.console.print(
                        f"    {mark:<7} {escape(s.ref.display)}: {escape(s.message)}"
                    )

    def _wait_table(self, states: list[WaitState]) -> Table:
        from rich.spinner import Spinner
        from rich.table import Table
        from rich.text import Text

        table = Table.grid(padding=(0, 1))
        for s in states:
            icon = (
                Text("✓", style="green")
                if s.ready
                else Text("✗", style="red")
                if s.failed
                else Spinner("dots")
            )
            table.add_row(
                icon,
                Text(s.ref.display, style="bold"),
                Text(s.message, style="dim" if s.ready else ""),
            )
        return table

    def close(self) -> None:
        with self._lock:
            self._stop_status()
            if self._wait_live is not None:
                self._wait_live.stop()
                self._wait_live = None

    def _stop_status(self) -> None:
        if self._status is not None:
            self._status.stop()
            self._status = None

    def _print_above(self, markup: str) -> None:
        self.console.print(markup)


def summary_box(title: str, *, notes: bool) -> BoxTable:
    """The empty summary table: object, action (never wrapped) and, when any object has one, note."""
    return BoxTable(
        title,
        ["object", "action", *(["note"] if notes else [])],
        overflow={0: "fold", 2: "fold"},
        no_wrap={1},
        column_styles={2: "dim"},
    )


def summary_table(result: DeployResult) -> BoxTable:
    title = f"{result.agent} in {result.namespace}" + (
        " (server dry run: nothing persisted)" if result.dry_run else ""
    )
    if result.failed_at is not None:
        title += f": failed {_where(result)}"
    notes = any(r.note for r in result.objects)
    table = summary_box(title, notes=notes)
    # by level, then kind and name; what was pruned (or failed to be) last
    for r in sorted(result.objects, key=lambda r: (r.level < 0, r.level, r.ref.kind, r.ref.name)):
        action = r.action if not result.dry_run else f"{r.action} (dry run)"
        table.cell_styles[(len(table.rows), 1)] = ACTION_STYLE.get(r.action, "")
        table.rows.append([r.ref.display, action, *([r.note or ""] if notes else [])])
    return table


def _breakdown(counts: dict[str, int], keys: tuple[str, ...]) -> str:
    return ", ".join(f"{counts[k]} {k}" for k in keys if counts.get(k))


def summary_line(result: DeployResult) -> str:
    if result.failed_at is not None:
        return failure_line(result)
    counts = result.counts()
    n = len(result.applied)
    if not result.changed:
        head = f"No changes: all {n} objects unchanged"
    else:
        head = f"{counted(n, 'object')}: " + _breakdown(
            counts, ("created", "configured", "unchanged", "pruned")
        )
    if result.dry_run:
        head += " (server dry run, nothing persisted)"
    tail = f" in {result.seconds:.1f}s ({result.requests} requests)"
    if result.wait is not None and result.wait.states:
        tail += f"; {len(result.wait.states)} ready after {result.wait.seconds:.1f}s"
    return head + tail + "."


def _where(result: DeployResult) -> str:
    return "while waiting for readiness" if result.failed_at == "wait" else f"at {result.failed_at}"


def failure_line(result: DeployResult) -> str:
    """What a deploy that stopped on an error did: never worded like a success."""
    counts = result.counts()
    applied = len(result.applied)
    head = f"{'Server dry run' if result.dry_run else 'Deploy'} failed {_where(result)}"
    parts = [f"{counts['failed']} failed"] if counts["failed"] else []
    done = _breakdown(counts, ("created", "configured", "unchanged"))
    parts.append(
        f"{applied} of {counted(result.planned, 'object')} applied" + (f" ({done})" if done else "")
    )
    if result.failed_at == "wait":
        parts[-1] += " but not all ready"
    untried = (
        result.planned
        - applied
        - len([o for o in result.objects if o.action == "failed" and o.level >= 0])
    )
    if untried > 0:
        parts.append(f"{untried} not applied")
    if counts["pruned"]:
        parts.append(f"{counts['pruned']} pruned")
    stopped = f"Stopped after {result.seconds:.1f}s ({result.requests} requests)."
    return f"{head}: " + "; ".join(parts) + ". " + stopped


def print_result(console: Console | PlainConsole, result: DeployResult, *, table: bool) -> None:
    """The summary on stdout: the table when something changed or failed, then one line."""
    if table and (result.changed or result.failed_at is not None) and result.objects:
        console.print(summary_table(result))
    console.print(escape(summary_line(result)))
