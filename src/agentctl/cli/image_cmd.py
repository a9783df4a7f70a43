"""agentctl image: build and push an agent's container image; record the pushed digest."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from agentctl.cli import common, options
from agentctl.settings import OutputFormat

app = typer.Typer(add_completion=False, no_args_is_help=True)

InsecureOpt = Annotated[
    bool,
    typer.Option(
        "--insecure-registry",
        help="The registry speaks plain HTTP or has an unverifiable certificate (a loopback test registry).",
    ),
]
BuilderOpt = Annotated[
    str | None,
    typer.Option(
        "--builder",
        help="docker (buildx), podman, buildah or nerdctl (default: the first of these installed).",
    ),
]


def _prepare(builder: str | None, insecure: bool, path: Path | None, platform_file: Path | None,
             env: str | None) -> tuple[Any, Any, Any]:  # fmt: skip
    """(the builder, the agent, its platform): the builder first, so that a machine without
    one says so before any spec is read."""
    from agentctl.image import builders
    from agentctl.spec.loader import find_agent_file, load_agent, load_platform

    common.set_kind("ImageResult")
    chosen = builders.find(builder)
    chosen.insecure = insecure
    agent_file = find_agent_file(path or Path("."))
    loaded = load_agent(agent_file, env=env)
    platform = load_platform(common.platform_path(platform_file), agent_file.resolve().parent)
    return chosen, loaded, platform


def _show(result: Any, output: OutputFormat) -> None:
    data = result.to_dict()
    if output is not OutputFormat.text:
        common.emit("ImageResult", data, output)
        return
    out = common.console()
    out.print(f"built {', '.join(data['tags'])} with {data['builder']}")
    if data["pushed"]:
        out.print(f"pushed {data['pinned']}")
        out.print(f"recorded in {data['lockFile']}: build and deploy now run this digest")


@app.command("build")
def build(
    path: options.PathArg = None,
    builder: BuilderOpt = None,
    push: Annotated[bool, typer.Option("--push", help="Push every tag and record the digest.")] = False,
    build_arg: Annotated[list[str] | None, typer.Option("--build-arg", help="KEY=VALUE passed to the Dockerfile (repeatable).")] = None,
    platforms: Annotated[str | None, typer.Option("--target-platform", help="Target platforms, comma-separated (linux/amd64,linux/arm64), the builders' --platform; several need a builder that supports them. (--platform names platform.yaml, as in every command.)")] = None,
    insecure: InsecureOpt = False,
    file: Annotated[Path | None, typer.Option("--file", "-f", metavar="FILE", help="Dockerfile (default: PATH/Dockerfile).")] = None,
    platform_file: options.PlatformOpt = None,
    env: options.EnvOpt = None,
    output: options.OutputOpt = OutputFormat.text,
) -> None:  # fmt: skip
    """Build the project's image from its Dockerfile, tagged with spec.image, the version and the git commit.

    With --push, push it and write the pushed digest to image.lock.json beside
    agent.yaml; build and deploy then run image@sha256:... .
    """
    from agentctl.image import project as image_project

    chosen, loaded, platform = _prepare(builder, insecure, path, platform_file, env)
    wanted = [p.strip() for p in (platforms or "").split(",") if p.strip()]
    plan = image_project.plan(
        loaded,
        platform,
        dockerfile=file,
        build_args=common.parse_params(build_arg, "--build-arg"),
        platforms=wanted,
    )
    err = common.console(stderr=True)
    for note in plan.notes:
        err.print(f"[yellow]note:[/] {note}")
    _show(image_project.build(plan, chosen, push=push), output)


@app.command("push")
def push(
    path: options.PathArg = None,
    builder: BuilderOpt = None,
    insecure: InsecureOpt = False,
    platform_file: options.PlatformOpt = None,
    env: options.EnvOpt = None,
    output: options.OutputOpt = OutputFormat.text,
) -> None:
    """Push an image built by `agentctl image build` and record its digest in image.lock.json."""
    from agentctl.image import project as image_project

    chosen, loaded, platform = _prepare(builder, insecure, path, platform_file, env)
    plan = image_project.plan(loaded, platform)
    _show(image_project.push(plan, chosen), output)
