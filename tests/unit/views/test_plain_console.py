"""The plain console writes exactly what rich writes off a terminal, or lets rich write it."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.markup import escape as rich_escape

from agentctl.cli import common
from agentctl.cost.tracecost import TraceCost
from agentctl.traces.summary import TraceSummary
from agentctl.views import trace_list
from agentctl.views.deploy import summary_box
from agentctl.views.plain import BoxTable, Grid, PlainConsole, escape, plain_text

# text that looks like markup: brackets, tag names, backslashes, spaces, the odd non-ASCII
TEXT = st.text(alphabet="ab/[]\\ #@=-:.é\t", max_size=24)
MARKUP = st.lists(
    st.one_of(TEXT.map(escape), st.sampled_from(["[bold]", "[/]", "[red]", "[dim]", "[/dim]"])),
    max_size=6,
).map("".join)


def _rich(item: object) -> str:
    buf = io.StringIO()
    common.console(file=buf).print(item)
    return buf.getvalue()


@pytest.fixture(autouse=True)
def _wide(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)


# Where escaped text goes in markup, and what rich should then show.
PLACES = [
    ("{}", "{}"),
    ("{} and more", "{} and more"),
    ("[bold]{}[/]", "{}"),
    ("[red]{}[/red] x", "{} x"),
    ("{}[dim]y[/]", "{}y"),
    ("{}\\[1]", "{}[1]"),
]


@settings(max_examples=500)
@given(TEXT, st.sampled_from(PLACES))
def test_escaped_text_renders_as_itself_wherever_it_is_put(
    text: str, place: tuple[str, str]
) -> None:
    from rich.markup import render

    markup, shown = place
    assert render(markup.format(escape(text)), emoji=False).plain == shown.format(text)


@given(TEXT.filter(lambda t: "\\" not in t))
def test_escape_is_rich_s_without_backslashes(text: str) -> None:
    assert escape(text) == rich_escape(text)


@pytest.mark.parametrize("text", ["a\\", "a\\\\", "[b]\\", "\\[1] \\[", "\\[[b]"])
def test_backslashes_show_as_typed_alone_and_before_a_tag(text: str) -> None:
    assert _rich(escape(text)) == text + "\n"
    assert _rich(f"[bold]{escape(text)}[/] z") == text + " z\n"
    table = BoxTable("t", ["object", "action"], [[text, "caf\u00e9"]])
    assert table.plain(200) is None  # laid out by rich, from escaped cells
    assert f"│ {text} " in _rich(table)


@settings(max_examples=300)
@given(st.tuples(TEXT, st.sampled_from(["bold", "red", "dim", "bold red"]), TEXT))
def test_plain_text_is_what_rich_writes(parts: tuple[str, str, str]) -> None:
    before, style, after = parts
    markup = f"{escape(before)}[{style}]{escape(after)}[/]  "
    line = plain_text(markup)
    if line is not None:
        assert line + "\n" == _rich(markup)


@given(MARKUP)
def test_balanced_or_not_plain_text_never_disagrees_with_rich(markup: str) -> None:
    try:
        expected = _rich(markup)
    except Exception:  # rich refuses unbalanced closing tags; plain never sees those
        return
    line = plain_text(markup)
    if line is not None:
        assert line + "\n" == expected


@pytest.mark.parametrize(
    ("markup", "plain"),
    [
        ("[bold]Deploying x[/] from a/agent.yaml", "Deploying x from a/agent.yaml"),
        ("  [red]prune 2[/] no longer rendered: a, b", "  prune 2 no longer rendered: a, b"),
        ("list [1] stays", "list [1] stays"),
        (escape("a [b] c"), None),  # escaped: rich decides
        ("caf\u00e9", None),
        ("tab\there", None),
    ],
)
def test_plain_text_cases(markup: str, plain: str | None) -> None:
    assert plain_text(markup) == plain
    if plain is not None:
        assert _rich(markup) == plain + "\n"


CELL = st.text(alphabet="abcXYZ-/.0 ", min_size=0, max_size=30)


@settings(max_examples=150)
@given(
    title=st.text(alphabet="abc -:()", max_size=70),
    rows=st.lists(st.tuples(CELL, st.sampled_from(["created", "unchanged (dry run)"]), CELL)),
    notes=st.booleans(),
)
def test_box_table_is_rich_s_layout(
    title: str, rows: list[tuple[str, str, str]], notes: bool
) -> None:
    table = summary_box(title, notes=notes)
    for i, (obj, action, note) in enumerate(rows):
        table.cell_styles[(i, 1)] = "green"
        table.rows.append([obj, action, *([note] if notes else [])])
    plain = table.plain(common.WIDE_COLUMNS)
    if plain is not None:
        assert plain == _rich(table.rich())


@pytest.mark.parametrize(
    "cell",
    ["x" * 300, "caf\u00e9", "two\nlines", "[b]"],
    ids=["wider than the page", "non-ascii", "newline", "bracket"],
)
def test_box_table_leaves_hard_cases_to_rich(cell: str) -> None:
    table = BoxTable("t", ["object", "action"], [[cell, "created"]])
    if cell == "[b]":  # plain text itself, escaped for rich
        assert table.plain(200) == _rich(table.rich())
    else:
        assert table.plain(200) is None


def test_a_long_title_is_left_to_rich() -> None:
    table = BoxTable("a title longer than the table itself", ["object"], [["x"]])
    assert table.plain(200) is None


def test_what_plain_cannot_say_goes_to_rich_in_order() -> None:
    out = io.StringIO()
    made: list[int] = []

    def rich_console():
        made.append(1)
        return common.console(file=out)

    console = PlainConsole(out, 200, rich_console)
    console.print("[bold]one[/]")
    assert made == []  # rich not needed yet
    console.print(escape("two [x] three"))
    console.print(BoxTable("t", ["object"], [["caf\u00e9"]]))
    console.print("four")
    assert made == [1]
    assert out.getvalue().splitlines()[:2] == ["one", "two [x] three"]
    assert out.getvalue().splitlines()[-1] == "four"


# ---- tables without borders (views.plain.Grid): the trace list, the cost report

NAMES = st.one_of(
    st.none(),
    st.text(alphabet="abcxyz-_.0189", min_size=1, max_size=40),
    st.text(alphabet="ab[]/é\\ ", min_size=1, max_size=12),  # markup-like or non-ASCII: rich's
)


class _Prices:
    def __init__(self, costs: dict[str, TraceCost]) -> None:
        self.costs = costs

    def for_trace(self, trace_id: str) -> TraceCost:
        return self.costs.get(trace_id, TraceCost())


SUMMARY = st.builds(
    TraceSummary,
    trace_id=st.text(alphabet="0123456789abcdef", min_size=32, max_size=32),
    start_unix_nano=st.integers(1_600_000_000 * 10**9, 1_900_000_000 * 10**9),
    end_unix_nano=st.integers(1_600_000_000 * 10**9, 1_900_000_000 * 10**9 + 10**13),
    agent_name=NAMES,
    service_name=NAMES,
    status=st.sampled_from(["ok", "error"]),
    llm_calls=st.integers(0, 12_000),
    tool_calls=st.integers(0, 300),
    input_tokens=st.integers(0, 10**8),
    output_tokens=st.integers(0, 10**7),
)
COST = st.builds(
    TraceCost,
    usd=st.decimals(0, 1000, places=6).map(Decimal),
    calls=st.integers(0, 5),
    unpriced_calls=st.integers(0, 2),
)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(SUMMARY, max_size=8, unique_by=lambda s: s.trace_id),
    st.booleans(),
    st.one_of(st.none(), st.lists(COST, min_size=8, max_size=8)),
)
def test_trace_list_plain_is_rich_s(
    summaries: list[TraceSummary], wide: bool, costs: list[TraceCost] | None
) -> None:
    prices = (
        None
        if costs is None
        else _Prices(dict(zip([s.trace_id for s in summaries], costs, strict=False)))
    )
    grid = trace_list.render(summaries, prices, wide=wide)
    text = grid.plain(common.WIDE_COLUMNS)
    names = [s.agent or "-" for s in summaries]
    if all(n.isascii() and "[" not in n and "\\" not in n and n == n.strip() for n in names):
        assert text is not None, "plain text for plain cells"
    if text is not None:
        assert text == _rich(grid.rich())


def test_a_long_agent_name_is_cut_as_rich_cuts_it() -> None:
    s = TraceSummary("ab" * 16, 1_700_000_000 * 10**9, 1_700_000_002 * 10**9, agent_name="x" * 40)
    for wide, shown in ((False, "x" * 15 + "…"), (True, "x" * 27 + "…")):
        grid = trace_list.render([s], None, wide=wide)
        text = grid.plain(common.WIDE_COLUMNS)
        assert text is not None and shown in text and "x" * 41 not in text
        assert text == _rich(grid.rich())


def test_a_table_wider_than_the_width_is_left_to_rich() -> None:
    grid = Grid(["A", "B"], [["x" * 50, "y" * 50]], lambda g: None)
    assert grid.plain(120) is not None
    assert grid.plain(80) is None


def test_the_plain_console_hands_rich_what_plain_text_cannot_say() -> None:
    s = TraceSummary("cd" * 16, 1_700_000_000 * 10**9, 1_700_000_002 * 10**9, agent_name="[b]x")
    grid = trace_list.render([s], None)
    assert grid.plain(common.WIDE_COLUMNS) is None
    out = io.StringIO()
    console = PlainConsole(out, common.WIDE_COLUMNS, lambda: common.console(file=out))
    console.print(grid)
    assert out.getvalue() == _rich(grid.rich())


CELL = st.text(alphabet="abz09$,.+ -/@[]é█", max_size=14)


@settings(max_examples=200, deadline=None)
@given(
    st.integers(1, 5).flatmap(
        lambda n: st.tuples(
            st.lists(CELL, min_size=n, max_size=n),
            st.lists(st.lists(CELL, min_size=n, max_size=n), max_size=5),
            st.integers(0, n),
            st.sampled_from(["", "By agent", "A title longer than most tables here"]),
        )
    )
)
def test_titled_grid_plain_is_rich_s(table: tuple[list[str], list[list[str]], int, str]) -> None:
    from agentctl.views.tables import titled_grid

    headers, rows, left, title = table
    grid = titled_grid(title, headers, rows, left=left)
    text = grid.plain(common.WIDE_COLUMNS)
    if text is not None:
        assert text == _rich(grid)  # a rich console draws the grid as its rich table


def test_titled_grid_without_rows_is_rich_s() -> None:
    from agentctl.views.tables import titled_grid

    grid = titled_grid("By model", ["model", "calls", "LLM"], [])
    text = grid.plain(common.WIDE_COLUMNS)
    assert text == "By model\nmodel  calls  LLM\n" == _rich(grid)
