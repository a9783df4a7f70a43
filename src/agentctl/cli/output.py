"""The output format and envelope kind of one run of the CLI.

Kept apart from :mod:`agentctl.cli.common` (which loads rich) so that the
entry point can open a run's scope without paying for it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from agentctl.settings import OutputFormat


@dataclass
class OutputState:
    """The output format and envelope kind of one run of the CLI, so that the
    error handler can answer in JSON when JSON was asked for."""

    format: OutputFormat = OutputFormat.text
    kind: str = "Error"


# The state of the run in progress: set by ``output_scope`` around one run and
# reset after it, so nothing of one run's choices reaches the next.
_running: ContextVar[OutputState | None] = ContextVar("agentctl_output", default=None)


@contextmanager
def output_scope() -> Iterator[OutputState]:
    """A fresh output state for one run of the CLI, handed to the error handler."""
    state = OutputState()
    token = _running.set(state)
    try:
        yield state
    finally:
        _running.reset(token)


def remember_output(value: OutputFormat) -> OutputFormat:
    state = _running.get()
    if state is not None:
        state.format = value
    return value


def set_kind(kind: str) -> None:
    """Name the envelope kind of the running command (for error envelopes)."""
    state = _running.get()
    if state is not None:
        state.kind = kind
