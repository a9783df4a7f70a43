"""Build: render agents, run the policy gate on them, estimate their cost, write them.

``agentctl build`` and the build step of ``agentctl quickstart`` are this one
function, so the quickstart shows what a build is rather than a copy of it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agentctl.bulk import gc_paused

if TYPE_CHECKING:
    from agentctl.render.bundle import Bundle
    from agentctl.spec.loader import LoadedAgent, LoadedPlatform


@dataclass
class Built:
    bundles: list[Bundle]
    estimates: dict[str, Any] = field(default_factory=dict)  # agent -> its cost estimate
    written: dict[str, Path] = field(default_factory=dict)  # agent -> the directory written
    report: Any = None  # the policy gate's report, when it ran


@gc_paused
def build(
    loaded: Sequence[LoadedAgent],
    platform: LoadedPlatform,
    *,
    out: Path | None,
    kube_version: str | None = None,
    crd_dirs: Sequence[str] = (),
    gate: str | None = "build",
    no_gate: bool = False,
    estimate: bool = True,
) -> Built:
    """Render every agent; with ``gate`` (the command's name) refuse, before
    anything is written, what the policy gate refuses (GateRefused); estimate
    each agent's cost; write ``out/<agent>/`` when ``out`` is given.

    Nothing is written unless every agent renders, validates against the
    schemas and passes the gate.
    """
    from agentctl.render.build import build_all
    from agentctl.render.output import bundle_files, write_tree
    from agentctl.render.schemas import SchemaValidator

    # one validator for build's strict check and the gate's SCH-001: each schema compiled once
    schemas = SchemaValidator(kube_version, [Path(d) for d in crd_dirs])
    bundles = build_all(list(loaded), platform, kube_version=kube_version, validator=schemas)
    result = Built(bundles)
    if gate is not None:
        from agentctl.policy.gate import enforce

        result.report = enforce(
            gate,
            list(loaded),
            platform,
            kube_version=kube_version,
            crd_dirs=list(crd_dirs),
            no_gate=no_gate,
            bundles=bundles,  # what is about to be written, rendered once
            schemas=schemas,
        )
    if estimate:
        from agentctl.cost.estimate import estimate_agent

        result.estimates = {
            b.name: estimate_agent(b.loaded.agent, b.platform.platform) for b in bundles
        }
    if out is not None:
        written = write_tree(out, {b.name: bundle_files(b) for b in bundles})
        result.written = {p.name: p for p in written}
    return result
