"""agentctl checks: the policy catalogue (built-in, plug-in and platform checks)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from agentctl.cli import common, options
from agentctl.settings import OutputFormat

app = typer.Typer(invoke_without_command=True, no_args_is_help=False, add_completion=False)


def _summaries(platform_file: Path | None) -> list[dict[str, Any]]:
    """What `checks` lists: the catalogue's summaries (the built-in platform declares no checks)."""
    from agentctl.spec.files import find_platform_file

    if find_platform_file(common.platform_path(platform_file)) is None:
        from agentctl.policy.catalogue import catalogue

        return catalogue()
    return [c.summary() for c in _catalogue(platform_file)]


def _catalogue(platform_file: Path | None) -> list[Any]:
    from agentctl.policy.registry import all_checks
    from agentctl.spec.files import find_platform_file

    found = find_platform_file(common.platform_path(platform_file))
    if found is None:
        # The built-in platform declares no field rules: no need to load the
        # spec models (pydantic) just to list the registry's checks.
        return all_checks()
    from agentctl.policy.declarative import field_rule_checks
    from agentctl.spec.loader import load_platform

    return all_checks(field_rule_checks(load_platform(found)))


@app.callback()
def checks(
    ctx: typer.Context,
    platform_file: options.PlatformOpt = None,
    output: options.OutputOpt = OutputFormat.text,
) -> None:
    """List every check validate runs (built-in, plug-ins, platform.yaml): id, severity, title, source."""
    if ctx.invoked_subcommand is not None:
        return
    common.set_kind("CheckCatalogue")
    catalogue = _summaries(platform_file)
    if output is not OutputFormat.text:
        common.emit("CheckCatalogue", {"checks": catalogue}, output)
        return
    footer = f"{len(catalogue)} checks; `agentctl checks explain ID` for rationale, remediation and an example fix"
    stream = common.plain_stream()
    if stream is not None:  # into a pipe: the same table, without loading rich
        rows = [[c["id"], c["severity"].upper(), c["title"], c["source"]] for c in catalogue]
        text = common.plain_table(["id", "severity", "check", "source"], rows)
        if text is not None:
            stream.write(text + footer + "\n")
            return
    from agentctl.views.findings import render_catalogue

    render_catalogue(catalogue, common.console(), footer)


@app.command()
def explain(
    check_id: Annotated[str, typer.Argument(metavar="ID", help="A check id, e.g. NET-003.")],
    platform_file: options.PlatformOpt = None,
    output: options.OutputOpt = OutputFormat.text,
) -> None:
    """Print a check's rationale, remediation and an example fix."""
    from agentctl.errors import UsageError, echoed

    common.set_kind("Check")
    catalogue = _catalogue(platform_file)
    wanted = check_id.strip().upper()
    match = next((c for c in catalogue if c.id == wanted), None)
    if match is None:
        import difflib

        close = difflib.get_close_matches(wanted, [c.id for c in catalogue], n=1)
        hint = f"did you mean {close[0]}?" if close else "list the catalogue with `agentctl checks`"
        raise UsageError(f"no check {echoed(check_id)}", hint=hint)
    if output is not OutputFormat.text:
        common.emit("Check", match.summary(), output)
        return
    from agentctl.views.findings import render_explain

    render_explain(match, common.console())
