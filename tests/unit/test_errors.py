"""How an error line quotes a value the user gave (errors.echoed)."""

from __future__ import annotations

import pytest

from agentctl.errors import echoed


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("abc", "'abc'"),
        ("x" * 40, repr("x" * 40)),
        ("x" * 41, repr("x" * 40 + "...")),  # the ellipsis inside the quotes
        ("a\nb", "'a\\nb'"),  # escaped: the line stays one line
        (5, "5"),  # not quoted: 5 and '5' differ
        (-1.5, "-1.5"),
        (True, "True"),
        (None, "None"),
        ([1, 2], "[1, 2]"),
        (list(range(100)), repr(list(range(100)))[:40] + "..."),
        ({"a": "b\nc"}, "{'a': 'b\\nc'}"),
    ],
)
def test_a_value_is_repr_d_and_cut_after_40_characters(value: object, shown: str) -> None:
    assert echoed(value) == shown


def test_the_limit_is_the_callers() -> None:
    assert echoed("abcdef", 3) == "'abc...'"
    assert echoed(123456, 3) == "123..."


def test_unquoted_text_is_as_written_unless_it_holds_a_control_character() -> None:
    assert echoed("12", quote=False) == "12"
    assert echoed("1" * 50, quote=False) == "1" * 40 + "..."
    assert echoed("a\x1b[31mb", quote=False) == "'a\\x1b[31mb'"
    assert echoed("a\nb", quote=False) == "'a\\nb'"


def test_a_long_name_in_a_problems_path_is_cut_as_echoed_values_are() -> None:
    from agentctl.errors import Problem

    key = "k" * 500
    problem = Problem("agent.yaml", 10, 3, f"spec.{key}.x[3]", "unknown key")
    line = problem.format()
    assert line == f"agent.yaml:10:3: spec.{'k' * 40}....x[3]: unknown key"
    assert problem.to_dict()["path"] == f"spec.{key}.x[3]"  # machine-readable: whole
    short = Problem("agent.yaml", 1, 1, "spec.tools[0].port", "m")
    assert short.format() == "agent.yaml:1:1: spec.tools[0].port: m"


def test_a_spec_with_a_long_unknown_key_is_one_short_line(tmp_path) -> None:
    import pathlib
    import subprocess
    import sys

    root = pathlib.Path(__file__).resolve().parents[2]
    text = (root / "examples" / "currency-converter" / "agent.yaml").read_text()
    (tmp_path / "agent.yaml").write_text(
        text.replace("spec:\n", "spec:\n  " + "k" * 5000 + ": 1\n", 1)
    )
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "agentctl",
            "validate",
            str(tmp_path),
            "--platform",
            str(root / "examples" / "platform.yaml"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2, proc.stderr
    assert "k" * 41 not in proc.stdout + proc.stderr
    assert all(len(line) < 400 for line in (proc.stdout + proc.stderr).splitlines())


def test_a_path_of_separators_is_cut_whole() -> None:
    from agentctl.errors import Problem

    for key in ("a." * 500 + "b", "[]" * 500 + "z"):
        line = Problem("agent.yaml", 1, 1, f"spec.{key}", "unknown key").format()
        assert len(line) < 200 and line.endswith("...: unknown key"), line
