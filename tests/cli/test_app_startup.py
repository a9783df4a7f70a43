"""Start-up stays light: what `agentctl --help` and the command modules import.

Not a timing test (benchmarks/bench_b1_startup.py measures time): these check,
in fresh interpreters, that nothing heavy is imported where it must not be.
`python -X importtime -m agentctl --help` shows who imports what.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from agentctl.cli.app import COMMANDS

# Never at start-up, nor at the top level of a command module.
HEAVY = {
    "kubernetes",
    "hera",
    "cookiecutter",
    "genai_prices",
    "pydantic",
    "pydantic_core",
    "opentelemetry",
    "jsonschema_rs",
    "jsonschema",
    "kubernetes_validate",
    "croniter",
    "ahocorasick_rs",
    "orjson",
    "yaml_rs",
}
# The root help and --version are plain text: not even rich.
NOT_FOR_HELP = HEAVY | {"rich", "markdown_it", "yaml"}


def imported_by(*args: str) -> set[str]:
    """Top-level package names imported by `python -X importtime -m agentctl ARGS`."""
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "agentctl", *args],
        capture_output=True,
        text=True,
        env=_env(),
        check=False,
    )
    assert proc.returncode in (0, 2), proc.stderr[-2000:]
    names = set()
    for line in proc.stderr.splitlines():
        if line.startswith("import time:") and line.count("|") == 2:
            names.add(line.rsplit("|", 1)[1].strip().split(".")[0])
    assert "agentctl" in names, "no -X importtime output"
    return names


def _modules_by(*args: str) -> set[str]:
    """Every module `agentctl ARGS` has loaded when it exits (importtime misses import_module)."""
    code = (
        "import sys, atexit, json\n"
        "atexit.register(lambda: print(json.dumps(sorted(sys.modules)), file=sys.stderr))\n"
        "from agentctl.cli.app import run\n"
        f"sys.exit(run({list(args)!r}))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=_env(), check=False
    )
    assert proc.returncode in (0, 2), proc.stderr[-2000:]
    return set(json.loads(proc.stderr.strip().splitlines()[-1]))


def _env() -> dict[str, str]:
    import os

    return {**os.environ, "NO_COLOR": "1", "PYTHONDONTWRITEBYTECODE": "1"}


@pytest.mark.parametrize("args", [("--help",), ("--version",), ("-h",), ()], ids=repr)
def test_root_help_and_version_import_nothing_heavy(args: tuple[str, ...]):
    loaded = imported_by(*args)
    assert not loaded & NOT_FOR_HELP, (
        f"agentctl {' '.join(args)} imports {sorted(loaded & NOT_FOR_HELP)}"
    )


def test_every_command_module_imports_nothing_heavy_and_exposes_a_typer_app():
    # One interpreter, modules imported in turn: each is charged with the heavy
    # packages that appear while it is imported.
    script = (
        "import importlib, json, sys, typer\n"
        "out = {}\n"
        "for module in sys.argv[1:]:\n"
        "    before = {m.split('.')[0] for m in sys.modules}\n"
        "    m = importlib.import_module(module)\n"
        "    assert isinstance(getattr(m, 'app', None), typer.Typer), f'{module}: no app = typer.Typer()'\n"
        "    out[module] = sorted({m.split('.')[0] for m in sys.modules} - before)\n"
        "print(json.dumps(out))\n"
    )
    modules = [module for module, _short, _panel in COMMANDS.values()]
    proc = subprocess.run(
        [sys.executable, "-c", script, *modules],
        capture_output=True,
        text=True,
        env=_env(),
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    offenders = {
        m: sorted(set(new) & HEAVY)
        for m, new in json.loads(proc.stdout).items()
        if set(new) & HEAVY
    }
    assert not offenders, (
        f"import these inside the functions that need them, not at module top level: {offenders}"
    )


# Commands with trivial work: typer coerces their options without pydantic
# (agentctl.cli._coerce) and they load no spec models.
TRIVIAL = {"pydantic", "pydantic_core", "kubernetes", "hera", "yaml", "jsonschema"}


@pytest.mark.parametrize(
    "args",
    [("templates",), ("checks",), ("trace", "--last", "20"), ("status", "--help")],
    ids=" ".join,
)
def test_trivial_commands_import_no_pydantic(args: tuple[str, ...], tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no platform.yaml found upwards
    monkeypatch.setenv("AGENTCTL_TRACE_STORE", str(tmp_path / "traces.db"))  # an empty store
    monkeypatch.delenv("AGENTCTL_PLATFORM", raising=False)
    (tmp_path / ".git").mkdir()  # the search for platform.yaml stops here
    loaded = imported_by(*args)
    assert not loaded & TRIVIAL, f"agentctl {' '.join(args)} imports {sorted(loaded & TRIVIAL)}"


@pytest.mark.parametrize(
    "args",
    [
        ("templates",),
        ("trace", "--last", "20"),
        ("checks",),
        ("status", "--help"),
        ("deploy", "--help"),
        ("eval", "run", "--help"),
    ],
    ids=" ".join,
)
def test_plain_output_off_a_terminal_needs_no_rich(args: tuple[str, ...], tmp_path, monkeypatch):
    monkeypatch.setenv("AGENTCTL_TRACE_STORE", str(tmp_path / "traces.db"))
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    loaded = imported_by(*args)
    assert "rich" not in loaded, f"agentctl {' '.join(args)} imports rich for plain text"


def test_trace_on_an_empty_store_loads_no_database(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".git").mkdir()
    monkeypatch.setenv("AGENTCTL_TRACE_STORE", str(tmp_path / "traces.db"))  # not created
    monkeypatch.delenv("AGENTCTL_PLATFORM", raising=False)
    loaded = imported_by("trace", "--last", "20")
    assert "sqlite3" not in loaded, "no store yet: nothing to open"
    assert not (tmp_path / "traces.db").exists()


def test_checks_without_plugins_does_not_import_importlib_metadata(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".git").mkdir()
    monkeypatch.delenv("AGENTCTL_PLATFORM", raising=False)
    loaded = imported_by("checks")
    assert "email" not in loaded, "importlib.metadata (and email) only when a plug-in is declared"
    modules = _modules_by("checks")
    assert "agentctl.policy.checks" not in modules, "listed from catalogue.json"
    assert "agentctl.policy.model" not in modules


def test_checks_lists_the_same_catalogue_without_loading_the_built_in_platform():
    # `checks` skips loading the built-in platform because it declares no field
    # rules; if it ever does, the shortcut would hide them.
    from agentctl.spec.platform_models import default_platform

    assert default_platform().policy.checks == []


def test_trace_and_cost_reports_off_a_terminal_need_no_rich(tmp_path, monkeypatch):
    # Once the trace costs and the price rates are kept in the store, a list of
    # traces and a cost report load neither rich, nor genai-prices, nor
    # importlib.metadata (email).
    from agentctl.telemetry.store import TraceStore
    from tests.cli.test_cost_cmd import HOUR, T0, _run

    db = tmp_path / "traces.db"
    with TraceStore(db) as st:
        st.insert(_run("a1", "alpha", T0 + HOUR, 60, [("openai", "gpt-4o", 1000, 100)]))
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    for args in (
        ("trace", "--store", str(db), "--since", "2025-02-01"),
        ("cost", "--store", str(db), "--since", "2025-03-01", "--until", "2025-03-02"),
    ):
        imported_by(*args)  # the first run prices and keeps the prices
        loaded = imported_by(*args)
        assert not loaded & {"rich", "genai_prices", "email"}, f"{args[0]}: {sorted(loaded)}"


_CTRL_C_WHILE_IMPORTING = """
import importlib, importlib.abc, sys, tomllib
class CtrlC(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name == "agentctl.cli.app":
            raise KeyboardInterrupt
sys.meta_path.insert(0, CtrlC())
with open(sys.argv[1], "rb") as fh:
    target = tomllib.load(fh)["project"]["scripts"]["agentctl"]
module, _, function = target.partition(":")
getattr(importlib.import_module(module), function)()
"""


def test_ctrl_c_while_the_cli_is_still_importing_is_exit_130_without_a_traceback() -> None:
    """The installed `agentctl` script goes through an entry point that catches a
    Ctrl-C arriving while the CLI modules are still being imported."""
    from pathlib import Path

    pyproject = Path(__file__).resolve().parents[2] / "pyproject.toml"
    done = subprocess.run(
        [sys.executable, "-c", _CTRL_C_WHILE_IMPORTING, str(pyproject)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 130, done.stderr
    assert done.stderr == "Interrupted.\n"


@pytest.mark.parametrize("command", ["build", "validate"])
def test_output_path_options_need_no_type_adapter(command: str, tmp_path, monkeypatch):
    # `build --out` and `validate --output-file` have a parser (an empty path is refused
    # naming the flag); typer's own coercion of such an option builds a pydantic
    # TypeAdapter, given or not: about 80 ms of imports in every build and validate.
    import shutil

    examples = Path(__file__).resolve().parents[2] / "examples"
    monkeypatch.chdir(tmp_path)
    shutil.copytree(examples / "currency-converter", tmp_path / "cc")
    platform = str(examples / "platform.yaml")
    for given in (False, True):
        if command == "build":
            args = ["build", "cc", "--platform", platform]
            args += ["--out", str(tmp_path / "dist")] if given else []
        else:
            args = ["validate", "cc", "--platform", platform]
            args += ["--format", "json", "--output-file", str(tmp_path / "r.json")] if given else []
        modules = _modules_by(*args)
        assert "typer._adapters" not in modules, f"agentctl {' '.join(args)}"
    written = tmp_path / ("dist" if command == "build" else "r.json")
    assert written.exists()
