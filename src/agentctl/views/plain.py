"""Console output off a terminal without loading rich: the text rich would write, or rich itself.

Off a TTY and without colour, rich writes console markup as its bare text
(tags dropped, soft-wrapped, trailing spaces trimmed). :class:`PlainConsole`
does the same for the markup it can be sure about (ASCII, printable, no
backslash: so nothing escaped), and a table of plain cells in rich's default
box, and hands anything else to the rich console it builds on first need.
Importing rich costs a deploy about a tenth of its CPU.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from rich.console import Console

# rich.markup's tag pattern, and the escapes its parser reads (kept here so that markup
# can be written without importing rich: rich.markup loads rich.text and its styles)
_TAG = re.compile(r"\[([a-z#/@][^[]*?)]")
_ESCAPE = re.compile(r"(\\*)(\[[a-z#/@][^[]*?])")


# What a terminal acts on instead of showing: C0 controls but tab and newline, DEL,
# C1 controls (ESC [ and OSC sequences, 8-bit CSI) and the bidirectional overrides
# and isolates that reorder what follows them.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _shown(m: re.Match[str]) -> str:
    code = ord(m.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str) -> str:
    """``text`` with every control character written as its escape (``\\x1b``, ``\\u202e``),
    so a span, agent or tool name cannot clear the screen, hide a link or reverse a line."""
    return _CONTROL.sub(_shown, text) if _CONTROL.search(text) else text


# Backslashes before a "[" that opens no tag: rich drops the last of them.
_BRACKET = re.compile(r"(\\+)(?=\[(?![a-z#/@][^[]*?]))")
# An empty span: what follows trailing backslashes so that they stand before a tag.
_EMPTY_SPAN = "[none][/none]"


_LINE_BREAKS = str.maketrans(
    {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\u2028": "\\u2028", "\u2029": "\\u2029"}
)


def one_line(text: str) -> str:
    """:func:`visible`, with line breaks and tabs written as escapes too (``\\n``, ``\\r``,
    ``\\t``): for a name in a table cell, a tree label or a report line, which a name sent
    with a newline must not break into several lines (JSON output keeps the true value)."""
    return text if text.isprintable() else visible(text.translate(_LINE_BREAKS))


def escape(text: str) -> str:
    """``text`` as markup that renders as ``text`` wherever it is put: alone, before
    more text, or before a tag (``f"[bold]{escape(name)}[/]"``).

    rich reads backslashes in three ways: before a tag they are escapes in pairs
    (``\\\\[b]`` is one backslash and a tag, ``\\[b]`` the text ``[b]``); before
    any other ``[`` the last one is dropped; elsewhere they are text. So
    ``rich.markup.escape`` doubling a trailing backslash is right only when a
    tag follows (alone, ``a\\`` showed as ``a\\\\``), and ``\\[`` lost its
    backslash. Here trailing backslashes are doubled and an empty span follows
    them, so that they always stand before a tag, and a backslash is added
    before a ``[`` that opens no tag.
    """
    out = _ESCAPE.sub(lambda m: f"{m.group(1)}{m.group(1)}\\{m.group(2)}", text)
    if "\\" not in out:
        return out
    out = _BRACKET.sub(lambda m: m.group(1) + "\\", out)
    trailing = len(out) - len(out.rstrip("\\"))
    return out + "\\" * trailing + _EMPTY_SPAN if trailing else out


def _safe(text: str) -> bool:
    return text.isascii() and text.isprintable()


def plain_text(markup: str) -> str | None:
    """What rich writes for ``markup`` off a terminal without colour, or None when rich must say.

    Without a backslash nothing is escaped, so every tag-shaped ``[...]`` is a
    style tag (dropped) and the rest is literal text.
    """
    if "\\" in markup:
        return None
    text = _TAG.sub("", markup)
    return text.rstrip(" ") if _safe(text) else None


@dataclass
class BoxTable:
    """A table in rich's default box (``Table(title=..., title_justify="left")``), cells as plain text.

    ``styles`` gives a column's or a cell's style, applied only when rich lays
    the table out (on a terminal, or when the plain layout cannot be sure).
    """

    title: str
    headers: list[str]
    rows: list[list[str]] = field(default_factory=list)
    overflow: dict[int, str] = field(default_factory=dict)  # column -> rich overflow
    no_wrap: set[int] = field(default_factory=set)
    column_styles: dict[int, str] = field(default_factory=dict)
    cell_styles: dict[tuple[int, int], str] = field(default_factory=dict)  # (row, column)

    def plain(self, width: int) -> str | None:
        """The table as rich draws it off a terminal in ``width`` columns, or None when it would wrap."""
        cells = [self.title, *self.headers, *(c for row in self.rows for c in row)]
        if not all(_safe(c) for c in cells):
            return None
        widths = [
            max(len(row[i]) for row in [self.headers, *self.rows]) for i in range(len(self.headers))
        ]
        inner = sum(w + 2 for w in widths) + len(widths) - 1
        if inner + 2 > width or len(self.title) > inner + 2:
            return None  # rich would wrap a cell or the title

        def rule(left: str, fill: str, cross: str, right: str) -> str:
            return left + cross.join(fill * (w + 2) for w in widths) + right

        def line(row: list[str], bar: str) -> str:
            return bar + bar.join(f" {c.ljust(w)} " for c, w in zip(row, widths, strict=True)) + bar

        lines = [
            *([self.title] if self.title else []),
            rule("┏", "━", "┳", "┓"),
            line(self.headers, "┃"),
            rule("┡", "━", "╇", "┩"),
            *(line(row, "│") for row in self.rows),
            rule("└", "─", "┴", "┘"),
        ]
        return "".join(text.rstrip(" ") + "\n" for text in lines)

    def __rich__(self) -> Any:  # a rich console prints the box table as this table
        return self.rich()

    def rich(self) -> Any:
        """The same table as a rich renderable."""
        from rich.table import Table

        table = Table(title=escape(self.title), title_justify="left")
        for i, header in enumerate(self.headers):
            table.add_column(
                header,
                overflow=self.overflow.get(i, "ellipsis"),  # type: ignore[arg-type]
                no_wrap=i in self.no_wrap,
                style=self.column_styles.get(i, ""),
            )
        for r, row in enumerate(self.rows):
            table.add_row(
                *(
                    f"[{self.cell_styles[(r, c)]}]{escape(cell)}[/]"
                    if self.cell_styles.get((r, c))
                    else escape(cell)
                    for c, cell in enumerate(row)
                )
            )
        return table


class PlainConsole:
    """The part of a rich ``Console`` the deploy views use, writing plain text to a pipe or file."""

    is_terminal = False

    def __init__(self, stream: TextIO, width: int, rich: Callable[[], Console]) -> None:
        self.stream = stream
        self.width = width
        self._make_rich = rich
        self._rich: Console | None = None

    def rich(self) -> Console:
        """The rich console for what plain text cannot say exactly (made once, on first need)."""
        if self._rich is None:
            self.stream.flush()
            self._rich = self._make_rich()
        return self._rich

    def print(self, item: Any = "") -> None:
        if isinstance(item, BoxTable | Grid):
            text = item.plain(self.width)
            if text is None:
                self.rich().print(item.rich())
                return
        elif isinstance(item, str) and (line := plain_text(item)) is not None:
            text = line + "\n"
        else:
            self.rich().print(item)
            return
        if self._rich is not None:
            self._rich.file.flush()
        self.stream.write(text)
        self.stream.flush()


# Characters besides printable ASCII that the views put into table cells, each one
# terminal column wide as rich counts them.
_ONE_CELL = frozenset("…µ█─·")


def _one_cell_each(text: str) -> bool:
    return (text.isascii() and text.isprintable()) or all(
        (c.isascii() and c.isprintable()) or c in _ONE_CELL for c in text
    )


@dataclass
class Grid:
    """A table without borders as rich lays it out off a terminal, cells as plain text.

    The layout of ``rich.table.Table(box=None or box.SIMPLE_HEAD, show_edge=False,
    pad_edge=False)`` with one column of padding between cells (``padding=(0, 1)``,
    or ``(0, 1, 0, 0)`` with SIMPLE_HEAD's space between columns): columns two
    spaces apart, each as wide as its widest cell (at most ``max_width``, the
    rest cut with an ellipsis), ``right`` columns justified right, headers
    included; an optional title above, a rule under the headers with ``rule``.
    ``build_rich`` makes the same table with rich, for a terminal or whatever
    the plain layout cannot be sure of (markup-like or wide text, a table wider
    than the width: rich would wrap or squeeze it).
    """

    headers: list[str]
    rows: list[list[str]]
    build_rich: Callable[[Grid], Any]
    right: frozenset[int] = frozenset()
    title: str = ""
    rule: bool = False
    max_width: dict[int, int] = field(default_factory=dict)

    def cells(self) -> list[list[str]]:
        """The rows as shown (cut to their column's ``max_width``)."""
        if not self.max_width:
            return self.rows
        out = []
        for row in self.rows:
            row = list(row)
            for i, limit in self.max_width.items():
                if len(row[i]) > limit:
                    row[i] = row[i][: limit - 1] + "…"
            out.append(row)
        return out

    def plain(self, width: int) -> str | None:
        """The table as rich writes it off a terminal in ``width`` columns, or None when rich must."""
        rows = self.cells()
        texts = [self.title, *self.headers, *(c for row in self.rows for c in row)]
        if any("[" in t or t != t.strip(" ") or not _one_cell_each(t) for t in texts):
            return None  # markup-like, wide, or padded (rich trims a cell before justifying it)
        n = len(self.headers)
        widths = [max(len(row[i]) for row in [self.headers, *rows]) for i in range(n)]
        total = sum(widths) + 2 * (n - 1)
        if total > width or len(self.title) > total:
            return None

        def line(row: list[str]) -> str:
            return "  ".join(
                c.rjust(w) if i in self.right else c.ljust(w)
                for i, (c, w) in enumerate(zip(row, widths, strict=True))
            ).rstrip(" ")

        lines = [*([self.title] if self.title else []), line(self.headers)]
        if self.rule:
            lines.append("─" * total)
        lines += [line(row) for row in rows]
        return "".join(text + "\n" for text in lines)

    def rich(self) -> Any:
        """The same table as a rich renderable."""
        return self.build_rich(self)

    def __rich__(self) -> Any:  # a rich console prints the grid as this table
        return self.build_rich(self)
