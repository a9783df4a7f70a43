"""agentctl init: create an agent project from a golden-path template."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Annotated

import typer

from agentctl.cli import common, options
from agentctl.settings import OutputFormat
from agentctl.views.words import counted

app = typer.Typer()

_NEXT_STEPS = {
    "stateful": "python -m {pkg}  # serves POST /invoke on :8080",
    "service": "python -m {pkg}  # serves GET /tools, POST /tools/NAME, MCP at /mcp, POST /invoke on :8080",
    "job": "python -m {pkg}  # runs today's report once",
    "workflow": "python -m {pkg} plan kubernetes  # then research, write",
}


@app.command()
def init(
    name: Annotated[str | None, typer.Argument(help="Project and agent name (DNS-1123 label, at most 40 characters, starting with a letter for a service or stateful agent); it also names the Python package, so not a keyword or standard-library module (json, abc); prompted on a TTY.")] = None,
    template: Annotated[str, typer.Option("-t", "--template", help="Built-in template name (see `agentctl templates`), a local directory or file:// URL, or a git URL.")] = "stateful-agent",
    output_dir: Annotated[Path, typer.Option("--output-dir", "-d", parser=options.output_path("--output-dir"), help="Directory to create the project in.")] = Path("."),
    set_: Annotated[list[str] | None, typer.Option("--set", help="Template variable as key=value (repeatable), e.g. --set team=search.")] = None,
    no_input: Annotated[bool, typer.Option("--no-input", help="Never prompt; use defaults and --set values (implied without a TTY).")] = False,
    force: Annotated[bool, typer.Option("--force", help="Write into an existing non-empty directory; refuses to replace files that differ from the template (see --overwrite, `agentctl upgrade`); a link in the way is replaced, never written through.")] = False,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="With --force: replace files that differ from the template (each one is named).")] = False,
    checkout: Annotated[str | None, typer.Option("--checkout", help="Branch, tag or commit of a git (or git-tracked) template.")] = None,
    directory: Annotated[str | None, typer.Option("--directory", help="The template's directory inside the repository or directory given.")] = None,
    trust: options.TrustOpt = False,
    platform: options.PlatformOpt = None,
    output: options.OutputOpt = OutputFormat.text,
) -> None:  # fmt: skip
    """Create an agent project from a golden-path template (cookiecutter)."""
    from agentctl.scaffold import generate, variables

    common.set_kind("InitResult")
    if overwrite and not force:
        from agentctl.errors import UsageError

        raise UsageError("--overwrite applies only with --force")
    request = generate.InitRequest(
        template=template,
        name=name,
        output_dir=output_dir,
        sets=variables.parse_sets(set_ or []),
        interactive=not no_input and common.stdin_is_tty() and output is OutputFormat.text,
        force=force,
        checkout=checkout,
        directory=directory,
        overwrite=overwrite,
        hooks=common.hook_trust(trust, platform, output_dir, output),
    )
    result = generate.generate(request)
    if output is not OutputFormat.text:
        common.emit("InitResult", result.to_dict(), output)
        return
    out = common.console()
    shown = result.path
    with contextlib.suppress(ValueError):
        shown = result.path.relative_to(Path.cwd())
    verb = "Updated" if result.overwritten else "Created"
    if name is None and not request.interactive:
        # nothing named it: say which name the template's default gave it
        out.print(f"no NAME given: named it {result.name} (pass NAME to choose)", markup=False)
    out.print(
        f"[green]{verb}[/] {shown}/ from template [bold]{result.template}[/] ({result.version}, {counted(len(result.files), 'file')})"
    )
    for rel in result.replaced:
        out.print(f"  replaced {rel}", markup=False)
    pkg = str(result.variables.get("__package", result.name.replace("-", "_")))
    kind = _agent_type(result.path)
    run_hint = _NEXT_STEPS.get(kind, "").format(pkg=pkg)
    out.print("\nNext steps:")
    out.print(f"  cd {shown}", markup=False)
    out.print(
        "  python -m venv .venv && .venv/bin/pip install -e '.[test]' && .venv/bin/pytest",
        markup=False,
    )
    out.print("  agentctl validate", markup=False)
    if run_hint:
        out.print(f"  AGENT_MODEL_PROVIDER=offline-demo {run_hint}", markup=False)


def _agent_type(project: Path) -> str:
    try:
        for line in (project / "agent.yaml").read_text(encoding="utf-8").splitlines():
            stripped = line.strip()
            if stripped.startswith("type:"):
                return stripped.split(":", 1)[1].strip()
    except OSError:
        pass
    return ""
