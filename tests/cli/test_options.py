"""One home per option: a flag several commands take is declared once, in cli/options.py.

These tests read the commands as click builds them (every command and subcommand,
not a list kept by hand), so a command that declares a shared flag again, with
its own wording, or gives one short flag two meanings fails here.
"""

from __future__ import annotations

import base64
import inspect
import typing
from collections.abc import Iterator
from enum import StrEnum
from typing import Any

import pytest
import typer.main

from agentctl.cli import options
from agentctl.cli._click import Context
from agentctl.cli.app import COMMANDS, app
from agentctl.settings import OutputFormat

# Commands that give a shared flag a meaning of their own, and why.
OWN_MEANING = {
    ("trace", "--namespace"): "the namespace of --port-forward, not of an agent",
    ("trace", "--agent"): "matches a trace's agent or service name",
    ("trace", "--since"): "a filter with no default, not cost's and eval's window",
    ("trace", "--source"): "also local, and jaeger|tempo with --port-forward",
    ("eval", "--source"): "a backend URL only",
    ("dev", "--param"): "a workflow parameter, or an entry of AGENT_PARAMS of a local job",
    ("logs", "--since"): "a duration of log lines, as kubectl logs --since",
    ("cost", "--output"): "adds csv (options.output_choice)",
    ("trace", "--output"): "adds wide (options.output_choice)",
    ("validate", "--output"): "the same as --format, which has more formats",
}

# Flags several commands spell alike but each gives a meaning of its own.
DISTINCT = {
    "--allow-insufficient": "eval: metric gates; eval run: --require-samples' opposite, the eval set's",
    "--compare": "eval: two versions side by side; eval run: a gate against one version's runs",
    "--dry-run": "deploy: a value (server); upgrade: a switch that writes nothing",
    "--file": "a Dockerfile (image build), the task (invoke), eval sets (eval run)",
    "--follow": "new log lines (logs), new spans (trace)",
    "--limit": "runs listed (runs list, 0: all), traces listed (trace), traces read (eval)",
    "--offline-model": "dev: a switch; eval run: --offline-model/--spec-model, on by default",
    "--port-forward": "trace: svc/ or pod/ of any backend; eval run: only with --deployed",
    "--prune": "deploy deletes what it pruned; diff shows it as removals",
    "--python": "dev prepares <project>/.venv, quickstart a shared demo environment, "
    "eval run uses the project's .venv when there is one",
    "--source": "a trace backend (trace, eval, eval run: each its own forms), OpenCost (cost)",
    "--timeout": "readiness (deploy), a watched run (run)",
}


def _commands() -> Iterator[tuple[str, Any]]:
    root = typer.main.get_command(app)
    ctx = Context(root)
    for name in COMMANDS:
        command = root.get_command(ctx, name)  # type: ignore[attr-defined]
        yield name, command
        if hasattr(command, "list_commands"):  # a group, or `eval` with its `eval run`
            sub_ctx = Context(command, parent=ctx)
            for sub in command.list_commands(sub_ctx):
                yield f"{name} {sub}", command.get_command(sub_ctx, sub)


def _shared() -> dict[str, set[str | None]]:
    """Long flag -> the help of its declarations in cli/options.py (`--env` has two:
    one agent's overlay, each agent's)."""
    out: dict[str, set[str | None]] = {}
    infos = []
    for value in vars(options).values():
        if typing.get_origin(value) is not typing.Annotated:
            continue
        infos.append(value.__metadata__[0])
    for group in vars(options).values():
        if isinstance(group, type) and issubclass(group, options.Group):
            infos += [a.__metadata__[0] for a in group.OPTIONS.values()]
    for info in infos:
        if isinstance(info, typer.models.OptionInfo):
            # typer.Option("-o", "--output"): the first declaration lands in ``default``
            decls = [info.default, *info.param_decls]
            flag = next(d for d in decls if str(d).startswith("--")).split("/")[0]
            out.setdefault(flag, set()).add(info.help)
    return out


COMMANDS_BUILT = list(_commands())


def test_options_declares_the_shared_flags() -> None:
    shared = _shared()
    for flag in ("--output", "--platform", "--store", "--namespace", "--kubeconfig", "--env"):
        assert flag in shared


@pytest.mark.parametrize("name,command", COMMANDS_BUILT, ids=[n for n, _ in COMMANDS_BUILT])
def test_a_shared_flag_reads_as_options_py_declares_it(name: str, command: Any) -> None:
    shared = _shared()
    for param in command.params:
        if param.param_type_name != "option":
            continue
        flag = next((f for f in param.opts if f in shared), None)
        if flag is None or (name.split()[0], flag) in OWN_MEANING:
            continue
        assert param.help in shared[flag], f"{name} {flag}: declare it as in cli/options.py"


def test_a_flag_several_commands_take_has_one_home_or_a_reason() -> None:
    """Every flag two commands spell alike is declared once in cli/options.py, or each
    command's meaning of it is its own (DISTINCT, OWN_MEANING say which and why)."""
    shared = _shared()
    uses: dict[str, list[tuple[str, str | None]]] = {}
    for name, command in COMMANDS_BUILT:
        for param in command.params:
            if param.param_type_name == "option":
                flag = next((f for f in param.opts if f.startswith("--")), param.opts[0])
                uses.setdefault(flag, []).append((name.split()[0], param.help))
    stray = [
        (name, flag)
        for flag, found in uses.items()
        if len({help_ for _, help_ in found}) > 1 and flag not in DISTINCT
        for name, help_ in found
        if help_ not in shared.get(flag, set()) and (name, flag) not in OWN_MEANING
    ]
    assert not stray, "declare these in cli/options.py, or say why they differ"
    assert set(DISTINCT) <= set(uses), "DISTINCT names a flag no command has"


@pytest.mark.parametrize("name,command", COMMANDS_BUILT, ids=[n for n, _ in COMMANDS_BUILT])
def test_no_flag_has_two_meanings_in_one_command(name: str, command: Any) -> None:
    seen: dict[str, str] = {}
    for param in command.params:
        for flag in [*param.opts, *param.secondary_opts]:
            assert flag not in seen, f"{name}: {flag} is both {seen[flag]} and {param.name}"
            seen[flag] = param.name or ""


@pytest.mark.parametrize("name,command", COMMANDS_BUILT, ids=[n for n, _ in COMMANDS_BUILT])
def test_dash_n_means_the_namespace(name: str, command: Any) -> None:
    for param in command.params:
        if "-n" in param.opts:
            assert "--namespace" in param.opts, f"{name}: -n is {param.opts}"


class _Choice(StrEnum):
    text = "text"
    wide = "wide"
    csv = "csv"
    json = "json"
    yaml = "yaml"


@pytest.mark.parametrize(
    "choice,machine",
    [
        (_Choice.text, OutputFormat.text),
        (_Choice.wide, OutputFormat.text),
        (_Choice.csv, OutputFormat.text),
        (_Choice.json, OutputFormat.json),
        (_Choice.yaml, OutputFormat.yaml),
    ],
)
def test_an_own_output_choice_maps_to_its_machine_format(
    choice: _Choice, machine: OutputFormat
) -> None:
    assert options.machine_format(choice) is machine


def test_a_group_becomes_its_options_and_comes_back_as_one_object() -> None:
    seen = {}

    def command(name: str, credentials: options.SourceCredentials = options.NO_CREDENTIALS) -> None:
        seen["credentials"] = credentials

    wrapped = options.expand(command)
    params = list(inspect.signature(wrapped).parameters)
    assert params == ["name", *options.SourceCredentials.FIELDS]
    wrapped(name="x", source_token="t", source_user=None, source_password=None, source_org="o")
    got = seen["credentials"]
    assert isinstance(got, options.SourceCredentials)
    assert (got.source_token, got.source_org) == ("t", "o")


def test_credentials_come_from_the_flags_else_the_settings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("TOKEN", "USER", "PASSWORD", "ORG_ID"):
        monkeypatch.delenv(f"AGENTCTL_SOURCE_{name}", raising=False)
    assert options.NO_CREDENTIALS.auth() is None
    monkeypatch.setenv("AGENTCTL_SOURCE_USER", "reader")
    auth = options.SourceCredentials(source_password="pw").auth()
    assert auth is not None
    assert auth.headers()["Authorization"] == "Basic " + base64.b64encode(b"reader:pw").decode()


def test_a_group_refuses_a_field_it_does_not_have() -> None:
    with pytest.raises(TypeError, match="no field source_tokn"):
        options.SourceCredentials(source_tokn="t")
