"""agentctl build: render agents into Kubernetes manifests and Argo workflows."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from agentctl.cli import common, options
from agentctl.settings import OutputFormat

app = typer.Typer()


def discover(targets: list[Path]) -> list[Path]:
    """agent.yaml files: a file itself, a directory's own, or every one below a
    directory (a monorepo); with no target, the project the working directory is in."""
    from agentctl.spec.files import find_agent_files

    found: list[Path] = []
    for target in targets or [Path.cwd()]:
        found.extend(
            find_agent_files(
                target,
                hint="pass agent project directories, or create one with `agentctl init`",
                upwards=not targets,
            )
        )
    unique: dict[Path, Path] = {}
    for f in found:
        unique.setdefault(f.resolve(), f)
    return list(unique.values())


def _default_out(paths: list[Path], files: list[Path]) -> Path:
    """dist/ of the project built: PATH's (or the project the working directory is
    in); with several PATHs, dist/ here."""
    if len(paths) == 1:
        only = paths[0]
        return (only if only.is_dir() else only.parent) / "dist"
    if not paths and len(files) == 1:
        return files[0].parent / "dist"
    return Path("dist")


@app.command()
def build(
    paths: Annotated[list[Path] | None, typer.Argument(help="Agent project directories, agent.yaml files, or a monorepo root (default: .).")] = None,
    out: Annotated[Path | None, typer.Option("--out", parser=options.output_path("--out"), help="Output directory: <out>/<agent>/NN-<group>.yaml + kustomization.yaml (default: dist/ in the project built, as PATH/dist; with -o yaml, nothing is written unless given).")] = None,
    env: options.EnvEachOpt = None,
    kube_version: options.KubeVersionOpt = None,
    platform_file: options.PlatformOpt = None,
    crd_dirs: options.CrdDirOpt = None,
    no_gate: options.NoGateOpt = False,
    output: options.OutputOpt = OutputFormat.text,
) -> None:  # fmt: skip
    """Render agents into hardened manifests, validate them against strict schemas and the policy gate, and write them.

    Nothing is written unless every agent renders, validates and passes the
    same policy gate as `agentctl validate` (exit 1 with the findings otherwise).
    """
    from agentctl.errors import SpecError
    from agentctl.render.output import dump_documents, file_name
    from agentctl.spec.loader import load_agents, load_platform
    from agentctl.usecases.build import build as run_build

    common.set_kind("BuildResult")
    files = discover(list(paths or []))
    platform = load_platform(common.platform_path(platform_file), files[0].resolve().parent)
    loaded, problems = load_agents(files, env)
    if problems:
        raise SpecError(problems)
    target = (
        out
        if out is not None
        else (None if output is OutputFormat.yaml else _default_out(list(paths or []), files))
    )
    built = run_build(
        loaded,
        platform,
        out=target,
        kube_version=kube_version,
        crd_dirs=common.crd_dirs(crd_dirs),
        no_gate=no_gate,
        # The YAML stream carries objects only (for `| kubectl apply -f -`): no estimate.
        estimate=output is not OutputFormat.yaml,
    )
    if no_gate:
        common.warn_gate_skipped(built.report)
    bundles, estimates = built.bundles, built.estimates
    dirs = {name: str(p) for name, p in built.written.items()}

    if output is OutputFormat.yaml:
        for b in bundles:
            typer.echo(dump_documents(b.documents()), nl=False)
        return
    if output is OutputFormat.json:
        data = {
            "kubeVersion": bundles[0].kube_version if bundles else None,
            "platform": "built-in defaults" if platform.is_default else str(platform.path),
            "out": str(target) if target is not None else None,
            "agents": [
                {
                    "name": b.name,
                    "type": b.loaded.agent.spec.type.value,
                    "file": b.loaded.file,
                    "env": b.loaded.env,
                    "namespace": b.namespace,
                    "dir": dirs.get(b.name),
                    "objects": [
                        {
                            "file": file_name(o.group),
                            "group": o.group,
                            "ref": o.ref,
                            "object": o.obj,
                        }
                        for o in b.objects
                    ],
                    "estimate": estimates[b.name].to_dict() if b.name in estimates else None,
                }
                for b in bundles
            ],
        }
        common.emit("BuildResult", data, output)
        return
    from agentctl.views.build import print_build

    if platform.is_default:
        common.console(stderr=True).print(
            "[yellow]note:[/] no platform.yaml found: using safe built-in defaults (namespace agents-{team}, egress mode none)"
        )
    print_build(common.console(), bundles, estimates, dirs)
