"""Tables shared by the report views (cost, eval)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from agentctl.views.plain import Grid, escape, one_line

if TYPE_CHECKING:
    from rich.table import Table


def line_markup(text: str) -> str:
    """A name for console markup: on one line (:func:`agentctl.views.plain.one_line`), escaped."""
    return escape(one_line(text))


def titled_table(title: str, *columns: str, left: int = 1, no_wrap: bool = False) -> Table:
    """A borderless table under a bold title: the first ``left`` columns are labels
    (left-justified), the rest figures (right-justified). The first column never
    wraps; the others only when ``no_wrap`` is false.
    """
    from rich.table import Table

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


def titled_grid(title: str, columns: list[str], rows: list[list[str]], *, left: int = 1) -> Grid:
    """:func:`titled_table` with these rows of plain text, written without rich where
    :class:`agentctl.views.plain.Grid` can (cells are text, not markup; each one line)."""
    rows = [[one_line(c) for c in row] for row in rows]

    def rich(grid: Grid) -> Table:
        t = titled_table(grid.title, *grid.headers, left=left)
        for row in grid.rows:
            t.add_row(*(escape(c) for c in row))
        return t

    return Grid(columns, rows, rich, right=frozenset(range(left, len(columns))), title=title)
