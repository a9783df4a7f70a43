"""Tables shared by the report views (cost, eval)."""

from __future__ import annotations

from rich.table import Table


def titled_table(title: str, *columns: str, left: int = 1, no_wrap: bool = False) -> Table:
    """A borderless table under a bold title: the first ``left`` columns are labels
    (left-justified), the rest figures (right-justified). The first column never
    wraps; the others only when ``no_wrap`` is false.
    """
    t = Table(
        title=title,
        title_justify="left",
        title_style="bold",
        box=None,
        pad_edge=False,
        show_edge=False,
    )
    for i, c in enumerate(columns):
        t.add_column(c, justify="left" if i < left else "right", no_wrap=no_wrap or i == 0)
    return t
