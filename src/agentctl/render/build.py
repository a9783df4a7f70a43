"""Render several agents, check them against each other and against strict schemas."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from agentctl.bulk import gc_paused
from agentctl.errors import RenderError
from agentctl.render.bundle import Bundle
from agentctl.spec.loader import LoadedAgent, LoadedPlatform
from agentctl.spec.yamlsafe import dotted_path

if TYPE_CHECKING:
    from agentctl.render.schemas import SchemaValidator


@gc_paused
def build_all(
    loaded: list[LoadedAgent],
    platform: LoadedPlatform,
    *,
    kube_version: str | None = None,
    crd_dirs: list[Path] | None = None,
    validator: SchemaValidator | None = None,
) -> list[Bundle]:
    """Render every agent, reject cross-agent clashes, and validate every object.

    A schema issue in a rendered object means the spec holds a value the
    cluster would reject (or a renderer bug): it is reported against the
    agent.yaml line the field came from. ``validator``: the SchemaValidator to
    use (for ``kube_version`` and ``crd_dirs``), so a caller that validates the
    same objects again (the policy gate's SCH-001) compiles each schema once.
    """
    from agentctl.render import render_agent
    from agentctl.render.names import check_across
    from agentctl.render.schemas import SchemaValidator

    bundles = [render_agent(a, platform, kube_version=kube_version) for a in loaded]
    check_across(bundles)
    if validator is None:
        validator = SchemaValidator(bundles[0].kube_version if bundles else kube_version, crd_dirs)
    for bundle in bundles:
        for obj in bundle.objects:
            issues = validator.validate(obj.obj)
            if issues:
                first = issues[0]
                origin = obj.origin_of(first.path)
                file, line, col = bundle.loaded.locate(origin)
                more = f" (and {len(issues) - 1} more)" if len(issues) > 1 else ""
                raise RenderError.at(
                    file,
                    line,
                    col,
                    dotted_path(origin),
                    f"rendered {obj.ref} is invalid at {first.path or '(object)'}: "
                    f"{first.message}{more}",
                )
    return bundles
