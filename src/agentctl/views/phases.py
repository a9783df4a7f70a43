"""One style per run/step phase, shared by ``status`` and ``run --watch``.

Every phase renders, including ones the server may add later: an unknown phase is shown
unstyled, and phase text is always escaped (a phase is server data, never markup).
"""

from __future__ import annotations

from agentctl.views.plain import escape

PHASE_STYLE = {
    "Succeeded": "green",
    "Failed": "red",
    "Error": "red",
    "Running": "cyan",
    "Pending": "yellow",
    "Skipped": "dim",
    "Omitted": "dim",
}
PHASES = tuple(PHASE_STYLE)


def styled_phase(phase: str) -> str:
    """Console markup for ``phase`` in its colour (plain escaped text when it has none)."""
    style = PHASE_STYLE.get(phase)
    text = escape(phase)
    return f"[{style}]{text}[/]" if style else text
