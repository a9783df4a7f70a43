"""The rich console every view prints through, safe for text that comes from outside.

Span, agent and tool names, server messages and manifest names reach the
terminal as they were sent. Markup in them is escaped where the views build
their renderables; what this console adds is the last step: every control
character in the text rich lays out (not in the escape codes rich writes for
its own colours, links and cursor moves) is shown as its escape, so nothing a
trace carries can clear the screen, plant a hyperlink or reverse a line.
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.console import Console
from rich.segment import Segment

from agentctl.views.plain import visible


class SafeConsole(Console):
    """A rich ``Console`` that writes control characters in text as visible escapes."""

    def _render_buffer(self, buffer: Iterable[Segment]) -> str:
        return super()._render_buffer(
            seg if seg.control else Segment(visible(seg.text), seg.style, seg.control)
            for seg in buffer
        )
