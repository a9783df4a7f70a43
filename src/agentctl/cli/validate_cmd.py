"""agentctl validate: the policy gate for agents and plain Kubernetes manifests."""

from __future__ import annotations

import sys
import time
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperCommand

from agentctl.bulk import paused
from agentctl.cli import common, options
from agentctl.errors import EXIT_FINDINGS
from agentctl.settings import OutputFormat
from agentctl.views.words import counted

app = typer.Typer(add_completion=False)


Format = StrEnum("Format", "text json yaml sarif junit github")
Level = StrEnum("Level", "low medium high critical")


class _OrderedCommand(TyperCommand):
    """Remember the order of --format/-o and --output-file so they can be paired as written."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        try:
            _, _, order = self.make_parser(ctx).parse_args(args=list(args))
            ctx.meta["agentctl.param_order"] = [getattr(p, "name", None) for p in order]
        except Exception:  # the real parse below reports the usage error
            ctx.meta["agentctl.param_order"] = []
        return super().parse_args(ctx, args)


def pair_outputs(
    order: list[str | None], formats: list[str], files: list[Path]
) -> list[tuple[str, Path | None]]:
    """Pair each --output-file with the --format (or -o) written before it.

    Formats without a file go to stdout (at most one may); an --output-file with
    no format before it is a usage error.
    """
    from agentctl.errors import UsageError

    pairs: list[list[Any]] = []
    fi = oi = 0
    for name in order:
        if name in ("formats", "output") and fi < len(formats):
            pairs.append([formats[fi], None])
            fi += 1
        elif name == "output_files" and oi < len(files):
            if not pairs or pairs[-1][1] is not None:
                raise UsageError(
                    f"--output-file {files[oi]} has no --format before it",
                    hint="write pairs in order: --format sarif --output-file results.sarif --format text",
                )
            pairs[-1][1] = files[oi]
            oi += 1
    pairs.extend([f, None] for f in formats[fi:])
    if oi < len(files):
        raise UsageError(f"--output-file {files[oi]} has no --format before it")
    if not pairs:
        pairs = [["text", None]]
    to_stdout = [p[0] for p in pairs if p[1] is None]
    if len(to_stdout) > 1:
        raise UsageError(
            f"only one report can go to stdout, got {', '.join(to_stdout)}",
            hint="give every other --format an --output-file",
        )
    return [(str(f), p) for f, p in pairs]


def _split(values: list[str] | None) -> list[str]:
    return [v.strip() for value in values or [] for v in value.split(",") if v.strip()]


def render(report: Any, fmt: str, elapsed: float) -> str:
    """A machine report as text (text itself is rendered by views.findings)."""
    if fmt in ("json", "yaml"):
        from agentctl.errors import SpecError
        from agentctl.results import envelope

        # Files that could not be checked: the same error entry a failed command carries.
        errors = [SpecError(report.errors).to_dict()] if report.errors else None
        doc = envelope(
            "ValidationReport",
            report.to_dict(),
            ok=not (report.failed or report.errors),
            errors=errors,
        )
        return common.dump_machine(doc, OutputFormat(fmt))
    if fmt == "sarif":
        import json

        from agentctl.policy.sarif import to_sarif

        return json.dumps(to_sarif(report), indent=2, ensure_ascii=False) + "\n"
    if fmt == "junit":
        from agentctl.policy.formats import to_junit

        return to_junit(report, elapsed)
    if fmt == "github":
        from agentctl.policy.formats import to_github

        return to_github(report)
    import io

    from agentctl.views.findings import render_report

    buf = io.StringIO()
    render_report(report, common.console(file=buf))
    return buf.getvalue()


@app.command(cls=_OrderedCommand)
def validate(
    ctx: typer.Context,
    paths: Annotated[list[Path] | None, typer.Argument(help="Agent projects, agent.yaml files or directories holding many (default: the current directory).")] = None,
    filename: Annotated[list[str] | None, typer.Option("-f", "--filename", help="Plain Kubernetes manifests: a file, a directory (searched recursively) or - for stdin. Repeatable.")] = None,
    platform_file: options.PlatformOpt = None,
    env: options.EnvOpt = None,
    include: Annotated[list[str] | None, typer.Option("--include", help="Run only these checks (ids or globs such as NET-*; repeatable or comma-separated).")] = None,
    exclude: Annotated[list[str] | None, typer.Option("--exclude", help="Skip these checks (ids or globs).")] = None,
    fail_on: Annotated[Level | None, typer.Option("--fail-on", help="Exit 1 on findings at or above this severity (default: platform policy.failOn, else high).", case_sensitive=False)] = None,
    no_inline: Annotated[bool, typer.Option("--no-inline-suppressions", help="Ignore suppressions written in agent.yaml.")] = False,
    formats: Annotated[list[Format] | None, typer.Option("--format", help="Report format: text, json, yaml, sarif, junit, github. Repeatable.", case_sensitive=False)] = None,
    output_files: Annotated[list[Path] | None, typer.Option("--output-file", parser=options.output_path("--output-file"), help="Write the report of the --format before it to this file.")] = None,
    output: Annotated[OutputFormat | None, typer.Option("-o", "--output", help="Same as --format (text, json or yaml).", case_sensitive=False)] = None,
    kube_version: options.KubeVersionOpt = None,
    crd_dir: options.CrdDirOpt = None,
    allow_kind: Annotated[list[str] | None, typer.Option("--allow-kind", help="Kind, group/Kind or apiVersion/Kind that SCH-001 accepts without a schema (repeatable; added to platform.yaml policy.allowKinds).")] = None,
) -> None:  # fmt: skip
    """Run the policy gate on agents (spec + rendered objects) and on plain manifests.

    Exit 0 when nothing is at or above --fail-on, 1 when something is, 2 when an
    input or the configuration is unusable. `agentctl checks` lists the checks and explains each.
    """
    from agentctl.policy import gate

    common.set_kind("ValidationReport")
    fmts = [f.value for f in formats or []]
    if output is not None:
        fmts.append(output.value)
    order = ctx.meta.get("agentctl.param_order", [])
    if output is not None and "output" not in order:
        order = [*order, "output"]
    pairs = pair_outputs(order, fmts, list(output_files or []))
    stdout_fmt = next((f for f, p in pairs if p is None), None)
    if stdout_fmt in ("json", "yaml"):
        common.remember_output(OutputFormat(stdout_fmt))
    for _, path in pairs:
        if path is not None:
            common.check_output_file("--output-file", path)

    started = time.perf_counter()
    report = gate.run(
        paths=list(paths or []),
        manifests=list(filename or []),
        platform_file=common.platform_path(platform_file),
        env=env,
        include=_split(include),
        exclude=_split(exclude),
        fail_on=fail_on.value if fail_on else None,
        inline_allowed=False if no_inline else None,
        kube_version=kube_version,
        crd_dirs=common.crd_dirs(crd_dir),
        allow_kinds=_split(allow_kind),
        keep_going=True,
    )
    elapsed = time.perf_counter() - started
    stderr: list[Any] = []

    def err() -> Any:
        """The stderr console, made when something goes there (rich's import is not
        free, and a machine report on stdout usually writes nothing else)."""
        if not stderr:
            stderr.append(common.console(stderr=True))
        return stderr[0]

    for note in report.notes:
        err().print(f"[yellow]note:[/] {note}")
    with paused():  # a report of every agent's findings is bulk work too
        for fmt, path in pairs:
            if fmt == "text" and path is None:
                from agentctl.views.findings import render_report

                render_report(report, common.console())
                continue
            text = render(report, fmt, elapsed)
            if path is None:
                sys.stdout.write(text)
                sys.stdout.flush()
            else:
                common.write_output_file("--output-file", path, text)
                err().print(f"wrote {fmt} report to {path}")
    if stdout_fmt is None:
        verdict = "FAILED" if report.failed or report.errors else "passed"
        err().print(
            f"{counted(len(report.active), 'finding')}, {len(report.suppressed)} suppressed; gate {verdict} (fail-on {report.fail_on.name})"
        )
    if report.errors:
        # Every report above already names these; the error lines and exit 2 say the run was incomplete.
        from agentctl.errors import EXIT_USAGE, SpecError
        from agentctl.views.plain import one_line

        for line in SpecError(report.errors).lines():
            err().print(f"[bold red]error:[/] {common._escape(one_line(line))}")
        raise typer.Exit(EXIT_USAGE)
    if report.failed:
        raise typer.Exit(EXIT_FINDINGS)
