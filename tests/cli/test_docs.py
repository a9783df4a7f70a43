"""Every command is documented, and the generated reference pages are current.

When this fails after you added or changed a command (or a spec model), run:

    python docs/gen_reference.py

and commit the pages it writes (docs/reference/cli/<command>.md keeps any prose
you write above its generated "Full --help" block).
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from agentctl.cli.app import COMMANDS, PANELS
from tests.cli.helpers import run_cli

ROOT = Path(__file__).resolve().parents[2]
FIX = "run `python docs/gen_reference.py` and commit the pages it writes"


def _load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "gen_reference", ROOT / "docs" / "gen_reference.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


gen = _load_generator()


@pytest.fixture(scope="module")
def helps() -> dict[str, Any]:
    return gen.cli_help()


def test_every_command_has_one_line_help_and_a_panel():
    for name, (module, short, panel) in COMMANDS.items():
        assert module.startswith("agentctl.cli.") and module.endswith("_cmd"), name
        assert short.strip() and "\n" not in short, f"{name}: one-line help is empty"
        assert panel in PANELS, f"{name}: panel {panel!r} is not one of {PANELS}"


def test_every_command_has_non_empty_help(helps):
    by_name = {c["name"]: c for c in helps["commands"]}
    assert set(by_name) == set(COMMANDS)
    for name, cmd in by_name.items():
        lines = [ln for ln in cmd["help"].splitlines() if ln.strip()]
        described = [
            ln for ln in lines[1:] if not ln.lstrip().startswith(("-", "Options:", "Arguments:"))
        ]
        assert lines[0].startswith(f"Usage: agentctl {name}"), cmd["help"]
        assert described, f"agentctl {name} --help has no description: give the command a docstring"


def test_every_command_has_a_page_and_appears_in_the_reference(helps):
    pages = gen.cli_pages(helps)
    index = pages[gen.CLI_DIR / "index.md"]
    for name in COMMANDS:
        page = gen.CLI_DIR / f"{name}.md"
        assert page.exists(), f"docs/reference/cli/{name}.md is missing: {FIX}"
        text = page.read_text(encoding="utf-8")
        assert text.startswith(f"# agentctl {name}"), (
            f"{page.name} must start with '# agentctl {name}'"
        )
        assert gen.BEGIN in text and gen.END in text, (
            f"{page.name} has no generated --help block: {FIX}"
        )
        assert f"[`{name}`]({name}.md)" in index


def test_generated_pages_are_up_to_date(helps):
    pages = gen.generate(helps)  # every page the generator writes
    assert gen.REFERENCE / "checks.md" in pages
    differ, orphans = gen.stale(pages)
    stale = [str(p.relative_to(ROOT)) for p in differ]
    assert not stale, f"out of date: {', '.join(stale)}; {FIX}"
    gone = [str(p.relative_to(ROOT)) for p in orphans]
    assert not gone, f"pages of commands that no longer exist: {', '.join(gone)}; delete them"


def test_generator_keeps_prose_around_the_block(helps):
    cmd = next(c for c in helps["commands"] if c["name"] == "schema")
    page = (
        "# agentctl schema\n\nHand-written intro.\n\n"
        + gen._help_block(cmd)
        + "\n\n## See also\n\nMore.\n"
    )
    stale_block = page.replace("Usage: agentctl schema", "Usage: agentctl schema OLD")
    regenerated = gen._command_page(cmd, stale_block)
    assert regenerated == page
    appended = gen._command_page(cmd, "# agentctl schema\n\nProse only.\n")
    assert appended.startswith("# agentctl schema\n\nProse only.\n\n" + gen.BEGIN)


def test_root_help_lists_every_command_without_importing_them():
    result = run_cli("--help")
    assert result.exit_code == 0
    for name, (_module, short, panel) in COMMANDS.items():
        assert f"  {name}  " in result.stdout or f"  {name}\n" in result.stdout, name
        assert f"{panel}:" in result.stdout
        assert short.split()[0] in result.stdout


def test_spec_reference_lists_every_field():
    from agentctl.spec.models import Agent, Platform

    pages = gen.spec_pages()
    for model, page in ((Agent, "agent-yaml.md"), (Platform, "platform-yaml.md")):
        text = pages[gen.REFERENCE / page]
        walker = gen._SpecDoc(model)
        for sub in walker.order:
            assert f"## {walker.title(sub)}\n" in text
            for name, field in sub.model_fields.items():
                key = field.alias or name
                assert f"| `{key}` |" in text, f"{page}: {sub.__name__}.{key} is missing"
                assert field.description, f"{sub.__name__}.{name} has no description"


@pytest.mark.slow
def test_mkdocs_build_strict(tmp_path: Path):
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    warnings = [ln for ln in proc.stderr.splitlines() if "WARNING" in ln or "ERROR" in ln]
    assert proc.returncode == 0, "mkdocs build --strict failed:\n" + "\n".join(
        warnings or [proc.stderr]
    )
