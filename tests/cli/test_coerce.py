"""The direct coercion of plain parameters gives what typer's own coercion gives.

agentctl.cli._coerce skips typer's per-parameter pydantic TypeAdapter for
plain values; every value it does not handle goes to typer's coercion. Each
case here runs the same command twice, with and without the direct coercion,
and expects the same result, exit code and message.
"""

from __future__ import annotations

import enum
import importlib.util
import re
from pathlib import Path
from typing import Annotated, Literal

import pytest
import typer
from typer.testing import CliRunner

from agentctl.cli import _coerce
from agentctl.errors import echoed

# typer >= 0.2x (typer._coercion) coerces through pydantic, which _coerce bypasses;
# an older typer coerces through click's types and _coerce leaves it alone
DIRECT = importlib.util.find_spec("typer._coercion") is not None


def _parse_out(value):
    if value == "":
        raise typer.BadParameter("the path is empty")
    if value == "boom":
        raise RuntimeError("parser failed")
    return Path(value)


class Color(enum.StrEnum):
    red = "red"
    green = "green"


def _app() -> typer.Typer:
    app = typer.Typer()

    @app.command()
    def cmd(
        count: Annotated[int, typer.Option(min=1, max=50)] = 20,
        ratio: float = 0.5,
        clamped: Annotated[int, typer.Option(min=0, max=9, clamp=True)] = 3,
        color: Color = Color.red,
        mode: Annotated[str, typer.Option()] = "text",
        level: Literal["low", "high"] = "low",
        path: Annotated[Path | None, typer.Option(exists=True, dir_okay=False)] = None,
        out: Annotated[Path, typer.Option()] = Path("dist"),
        tag: Annotated[list[str] | None, typer.Option()] = None,
        flag: bool = False,
        made: Annotated[Path | None, typer.Option(parser=_parse_out)] = None,
        mades: Annotated[list[Path] | None, typer.Option(parser=_parse_out)] = None,
        pair: Annotated[tuple[str, str] | None, typer.Option(parser=str)] = None,
    ) -> None:
        values = [count, ratio, clamped, color, mode, level, path, out, tag, flag, made, mades]
        values.append(pair)
        typer.echo(repr([(type(v).__name__, v) for v in values]))

    return app


def _with_direct_coercion(monkeypatch) -> None:
    import typer.testing

    def get_command(app: typer.Typer):
        command = typer.main.get_command(app)
        _coerce.install(command)
        return command

    monkeypatch.setattr(typer.testing, "_get_command", get_command)


CASES = [
    [],
    ["--count", "7"],
    ["--count", "0"],
    ["--count", "99"],
    ["--count", " 8"],
    ["--count", "+8"],
    ["--count", "x"],
    ["--count", "٣"],
    ["--ratio", "2"],
    ["--ratio", "1e3"],
    ["--ratio", "nope"],
    ["--clamped", "42"],
    ["--clamped", "-1"],
    ["--color", "green"],
    ["--color", "GREEN"],
    ["--color", "blue"],
    ["--mode", ""],
    ["--level", "high"],
    ["--level", "mid"],
    ["--color", "x" * 300],
    ["--color", "bl\x1bue"],
    ["--path", "missing.yaml"],
    ["--path", "."],
    ["--path", "present.txt"],
    ["--out", "build/x"],
    ["--out", ""],
    ["--tag", "a", "--tag", "b"],
    ["--flag"],
    ["--made", "dist/x"],
    ["--made", ""],
    ["--made", "boom"],
    ["--mades", "a", "--mades", "b/c"],
    ["--mades", "a", "--mades", ""],
    ["--pair", "a", "b"],
]


@pytest.mark.parametrize("args", CASES, ids=lambda a: " ".join(a) or "defaults")
def test_direct_coercion_matches_typer(args: list[str], tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "present.txt").write_text("x")
    runner = CliRunner()
    want = runner.invoke(_app(), args)
    _with_direct_coercion(monkeypatch)
    got = runner.invoke(_app(), args)
    if "is not one of" not in want.output or not DIRECT:
        assert (got.exit_code, got.output) == (want.exit_code, want.output)
    else:  # typer's words without pydantic's prefix, the value cut (a panel's padding moves)
        value = args[-1]

        def words(text: str) -> str:
            return re.sub(r"[\s│╭╮╰╯─]", "", text)

        expected = words(want.output.replace("Value error, ", "")).replace(
            words(repr(value)), words(echoed(value)), 1
        )
        assert (got.exit_code, words(got.output)) == (want.exit_code, expected)
    assert type(got.exception) is type(want.exception)


def test_plain_values_need_no_type_adapter(monkeypatch):
    # typer builds a pydantic TypeAdapter per parameter only from 0.2x on (typer._coercion);
    # older typers have nothing to bypass and _coerce leaves them alone.
    pytest.importorskip("typer._coercion")
    from typer import _adapters

    def refuse(annotation, parameter_info):
        raise AssertionError(f"built a TypeAdapter for {annotation}")

    # typer.core holds build_runtime_param under its own name; the adapter is looked up
    # in typer._adapters at each call, by typer's coercion and by the fallback alike
    monkeypatch.setattr(_adapters, "try_build_adapter", refuse)
    _with_direct_coercion(monkeypatch)
    result = CliRunner().invoke(_app(), ["--count", "3", "--color", "green", "--tag", "a"])
    assert result.exit_code == 0, result.output
    assert "('int', 3)" in result.output and "Color.green" in result.output
    # a parameter with a parser: given or not (`build --out`, `validate --output-file`)
    result = CliRunner().invoke(_app(), ["--made", "d", "--mades", "a", "--mades", "b"])
    assert result.exit_code == 0, result.output
    assert "('PosixPath', PosixPath('d'))" in result.output
    assert "[PosixPath('a'), PosixPath('b')]" in result.output


def test_a_value_not_among_the_choices_is_echoed_cut(monkeypatch):
    pytest.importorskip("typer._coercion")
    _with_direct_coercion(monkeypatch)
    result = CliRunner().invoke(_app(), ["--color", "x" * 300])
    assert result.exit_code == 2
    assert "'" + "x" * 40 + "...' is not one of 'red', 'green'." in result.output
    assert "x" * 41 not in result.output and "Value error" not in result.output
