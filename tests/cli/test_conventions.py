"""The command-line conventions every command keeps (kubectl's, where it has one)."""

from __future__ import annotations

import re

import pytest

from agentctl.cli.app import COMMANDS
from tests.cli.helpers import run_cli

NAMESPACED = ("deploy", "diff", "status", "run", "logs", "delete", "trace")


# every command, and the subcommands of the groups
EVERY = [(n,) for n in sorted(COMMANDS)] + [
    ("eval", "run"),
    ("runs", "list"),
    ("runs", "stop"),
    ("checks", "explain"),
    ("image", "build"),
]


@pytest.mark.parametrize("words", EVERY, ids=" ".join)
def test_help_has_no_type_placeholders(words: tuple[str, ...]) -> None:
    res = run_cli(*words, "--help")
    assert res.exit_code == 0, res.stderr
    assert not re.search(r"<(str|bool|int|float|path|int range)>", res.stdout), res.stdout
    assert not re.search(r"\{[A-Z_]+\}", res.stdout), "a required argument is NAME, not {NAME}"


@pytest.mark.parametrize("words", EVERY, ids=" ".join)
def test_command_help_has_the_root_help_style(words: tuple[str, ...]) -> None:
    """Usage line, text, then `Options:`-style sections, as `agentctl --help` has: no rich panels."""
    root = run_cli("--help").stdout
    res = run_cli(*words, "--help")
    assert res.stdout.startswith(f"Usage: agentctl {' '.join(words)} "), res.stdout[:200]
    assert "\nOptions:\n" in res.stdout and "\nOptions:\n" in root
    assert not set("╭╮╰╯│─") & set(res.stdout), "typer's rich panels"
    assert "  -h, --help" in res.stdout and "  -h, --help" in root


@pytest.mark.parametrize("name", NAMESPACED)
def test_dash_n_is_the_namespace_everywhere(name: str) -> None:
    res = run_cli(name, "--help")
    (line,) = [ln for ln in res.stdout.splitlines() if "--namespace" in ln]
    assert re.search(r"(^|[^\w-])-n([^\w-]|$)", line), line


def test_trace_limit_has_its_own_short_flag() -> None:
    out = run_cli("trace", "--help").stdout
    (line,) = [ln for ln in out.splitlines() if "--limit" in ln]
    assert "-l" in line and "-n " not in line


def test_logs_help_shows_the_line_prefix_literally() -> None:
    assert "[pod/container]" in " ".join(run_cli("logs", "--help").stdout.split())


def test_validate_help_points_to_the_cli_not_a_repository_path() -> None:
    out = run_cli("validate", "--help").stdout
    assert "docs/" not in out and "agentctl checks" in out


@pytest.mark.parametrize(
    ("n", "noun", "expected"),
    [(0, "tool call", "0 tool calls"), (1, "tool call", "1 tool call"), (2, "run", "2 runs")],
)
def test_counts_are_plural_unless_one(n: int, noun: str, expected: str) -> None:
    from agentctl.views.words import counted

    assert counted(n, noun) == expected
    assert counted(12345, "span", sep=",") == "12,345 spans"


def test_init_without_a_name_says_the_name_it_chose(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    res = run_cli("init", "--no-input", "-t", "tool-service")
    assert res.exit_code == 0, res.stderr
    (made,) = [p.name for p in tmp_path.iterdir()]
    assert f"named it {made}" in res.stdout
    assert " 1 files" not in res.stdout


def test_tables_into_a_pipe_carry_no_trailing_padding() -> None:
    for args in (("templates",), ("checks",)):
        out = run_cli(*args).stdout
        assert out.strip() and not [ln for ln in out.splitlines() if ln != ln.rstrip()], args


def test_force_color_colours_output_into_a_pipe(monkeypatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert "\x1b[" not in run_cli("templates").stdout
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert "\x1b[" in run_cli("templates").stdout
    monkeypatch.setenv("NO_COLOR", "1")  # NO_COLOR wins
    assert "\x1b[" not in run_cli("templates").stdout


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_prints_a_script_for_the_shell(shell: str) -> None:
    res = run_cli("completion", shell)
    assert res.exit_code == 0 and "_AGENTCTL_COMPLETE" in res.stdout
    assert run_cli("completion", "tcsh").exit_code == 2


def test_completion_completes_commands_and_install_is_offered() -> None:
    import os
    import subprocess
    import sys

    env = {**os.environ, "_AGENTCTL_COMPLETE": "complete_bash", "COMP_WORDS": "agentctl sta",
           "COMP_CWORD": "1"}  # fmt: skip
    out = subprocess.run([sys.executable, "-m", "agentctl"], env=env, capture_output=True,
                         text=True, timeout=60).stdout  # fmt: skip
    assert out.split() == ["status"]
    assert "--install-completion" in run_cli("--help").stdout
