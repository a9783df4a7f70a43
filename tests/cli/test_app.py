"""The root command: version, help, unknown commands, and the one error handler."""

from __future__ import annotations

import json

import pytest

from agentctl import __version__, errors
from agentctl.cli import app as app_module
from agentctl.settings import Settings
from tests.cli.helpers import run_cli


@pytest.fixture
def boom(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(
        app_module.COMMANDS, "boom", ("tests.cli.errors_app", "Raise an error.", "Author")
    )


def test_version():
    result = run_cli("--version")
    assert (result.exit_code, result.stdout, result.stderr) == (0, f"agentctl {__version__}\n", "")


@pytest.mark.parametrize("args", [("--help",), ("-h",), ()], ids=repr)
def test_help_on_stdout_with_every_panel(args):
    result = run_cli(*args)
    assert result.exit_code == 0
    assert result.stdout.startswith("Usage: agentctl [OPTIONS] COMMAND [ARGS]...")
    panels = {panel for _m, _s, panel in app_module.COMMANDS.values()}
    for panel in panels:
        assert f"\n{panel}:\n" in result.stdout
    assert "\x1b[" not in result.stdout  # NO_COLOR and not a terminal


def test_unknown_command_suggests_the_closest(boom):
    result = run_cli("bom")
    assert result.exit_code == 2
    assert "No such command 'bom'. Did you mean 'boom'?" in result.stderr


def test_unknown_option_is_a_usage_error():
    result = run_cli("--bogus")
    assert result.exit_code == 2
    assert "No such option: --bogus" in result.stderr


def test_command_is_imported_only_when_run(boom):
    import sys

    sys.modules.pop("tests.cli.errors_app", None)
    run_cli("--help")
    assert "tests.cli.errors_app" not in sys.modules
    assert run_cli("boom", "ok").exit_code == 0
    assert "tests.cli.errors_app" in sys.modules


@pytest.mark.parametrize(
    ("what", "code", "line"),
    [
        ("usage", errors.EXIT_USAGE, "error: no such thing"),
        ("config", errors.EXIT_USAGE, "error: settings file is unusable"),
        ("render", errors.EXIT_USAGE, "error: name clash"),
        ("telemetry", errors.EXIT_USAGE, "error: trace store unreadable"),
        ("cluster", errors.EXIT_CLUSTER, "error: cluster unreachable"),
        ("wait", errors.EXIT_FAILED, "error: rollout timed out"),
        ("gate", errors.EXIT_FINDINGS, "error: budget exceeded"),
    ],
)
def test_errors_map_to_exit_codes_with_one_line(boom, what, code, line):
    result = run_cli("boom", what)
    assert result.exit_code == code
    lines = result.stderr.splitlines()
    assert lines[0] == line
    assert all(ln.startswith(("error:", "hint:")) for ln in lines)
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_hint_follows_the_error(boom):
    result = run_cli("boom", "cluster")
    assert result.stderr.splitlines() == ["error: cluster unreachable", "hint: check KUBECONFIG"]


def test_spec_error_prints_every_problem_sorted(boom):
    result = run_cli("boom", "spec")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "error: a.yaml:2:7: metadata.name: not a name",
        "error: a.yaml:9:5: not YAML",
        "error: b.yaml:3:1: spec.port: not a port",
    ]


def test_debug_adds_the_traceback(boom, monkeypatch: pytest.MonkeyPatch):
    assert "Traceback" in run_cli("--debug", "boom", "usage").stderr
    monkeypatch.setenv("AGENTCTL_DEBUG", "1")
    assert "Traceback" in run_cli("boom", "usage").stderr


@pytest.mark.parametrize("value", ["on", "ON", "true", "yes", "1"])
def test_agentctl_debug_values_documented_all_work(
    boom, monkeypatch: pytest.MonkeyPatch, value: str
):
    monkeypatch.setenv("AGENTCTL_DEBUG", value)
    assert "Traceback" in run_cli("boom", "usage").stderr
    monkeypatch.setenv("AGENTCTL_DEBUG", "off")
    assert "Traceback" not in run_cli("boom", "usage").stderr


def test_output_format_does_not_leak_into_the_next_run(boom, tmp_path, monkeypatch):
    # one process, two runs (as tests and embedding programs do): the second
    # run's error is text, not the first run's JSON envelope
    first = run_cli("boom", "spec", "-o", "json")
    assert json.loads(first.stdout)["ok"] is False
    second = run_cli("boom", "usage")
    assert second.exit_code == 2
    assert second.stdout == "" and "error: no such thing" in second.stderr
    # the same with real commands: `status -o json`, then `logs x`
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "missing"))
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    status = run_cli("status", "-o", "json")
    assert status.exit_code == 3 and json.loads(status.stdout)["kind"] == "AgentStatusList"
    logs = run_cli("logs", "x")
    assert logs.exit_code == 3
    assert logs.stdout == "" and "no kubeconfig" in logs.stderr


def test_json_output_puts_the_error_in_the_envelope(boom):
    result = run_cli("boom", "spec", "-o", "json")
    assert result.exit_code == 2
    doc = json.loads(result.stdout)
    assert doc["apiVersion"] == "agentctl.dev/v1"
    assert (doc["kind"], doc["ok"], doc["data"]) == ("Boom", False, None)
    (error,) = doc["errors"]
    assert error["code"] == "invalid-input"
    assert [p["line"] for p in error["problems"]] == [2, 9, 3]
    assert result.stderr.count("error:") == 3  # and still told to people on stderr


def test_yaml_output_of_a_result(boom):
    import yaml

    result = run_cli("boom", "ok", "-o", "yaml")
    assert yaml.safe_load(result.stdout) == {
        "apiVersion": "agentctl.dev/v1",
        "kind": "Boom",
        "ok": True,
        "data": {"fine": True},
        "errors": [],
    }


def test_text_output_has_no_colour_codes_when_not_a_terminal(boom):
    result = run_cli("boom", "ok")
    assert result.stdout == "fine\n"


def test_interrupt_exits_130(boom):
    result = run_cli("boom", "interrupt")
    assert result.exit_code == errors.EXIT_INTERRUPTED
    assert "Interrupted." in result.stderr
    assert run_cli("boom", "abort").exit_code == errors.EXIT_INTERRUPTED


def test_typer_exit_code_is_kept(boom):
    assert run_cli("boom", "exit3").exit_code == 3


def test_bugs_are_not_swallowed(boom):
    with pytest.raises(RuntimeError, match="a bug"):
        run_cli("boom", "bug")


@pytest.mark.parametrize(
    ("environ", "tty", "color"),
    [
        ({}, True, True),
        ({}, False, False),
        ({"NO_COLOR": "1"}, True, False),
        ({"NO_COLOR": ""}, True, True),  # no-color.org: only a non-empty value counts
        ({"TERM": "dumb"}, True, False),
    ],
)
def test_settings_colour(environ, tty, color):
    assert Settings.resolve(environ=environ, stdout_isatty=tty).color is color


def test_settings_debug_and_platform_from_environment():
    s = Settings.resolve(environ={"AGENTCTL_DEBUG": "yes", "AGENTCTL_PLATFORM": "p.yaml"})
    assert s.debug is True and s.platform_file == "p.yaml"
    assert Settings.resolve(debug=False, environ={"AGENTCTL_DEBUG": "1"}).debug is False
    assert (
        Settings.resolve(
            platform_file="x.yaml", environ={"AGENTCTL_PLATFORM": "p.yaml"}
        ).platform_file
        == "x.yaml"
    )
