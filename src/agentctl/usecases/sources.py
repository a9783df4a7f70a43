"""What deploy and diff apply: an agent rendered from its spec, or a build output, gated.

With a gate (the command's name), the policy gate that ``agentctl validate``
runs decides first: a spec is gated with its rendered objects, a build output
as plain manifests (its spec is not at hand). A refusal raises GateRefused
before anything reaches the cluster.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from agentctl.deploy.source import AgentSource


def sources(
    path: Path | None,
    from_dir: Path | None,
    env: str | None,
    platform_file: str | None,
    *,
    gate: str | None = None,
    no_gate: bool = False,
    crd_dirs: Sequence[str] = (),
) -> tuple[list[AgentSource], Any]:
    """(what to apply, the gate's report or None when no gate ran)."""
    from agentctl.deploy.source import from_build, from_loaded, from_spec
    from agentctl.errors import UsageError

    if from_dir is not None:
        if path is not None or env is not None:
            raise UsageError("--from applies a build output: do not pass PATH or --env with it")
        found = from_build(from_dir)
        report = (
            _gate_build(gate, from_dir, platform_file, no_gate, crd_dirs)
            if gate is not None
            else None
        )
        return found, report
    if gate is None:
        return [from_spec(path or Path.cwd(), env=env, platform_file=platform_file)], None
    from agentctl.policy.gate import enforce
    from agentctl.spec.loader import load_agent, load_platform

    # loaded once: what the gate passed is what is applied
    loaded = load_agent(path or Path.cwd(), env=env)
    lp = load_platform(Path(platform_file) if platform_file else None, loaded.project_dir)
    report = enforce(gate, [loaded], lp, crd_dirs=list(crd_dirs), no_gate=no_gate)
    return [from_loaded(loaded, lp)], report


def _gate_build(command: str, from_dir: Path, platform_file: str | None, no_gate: bool,
                crd_dirs: Sequence[str]) -> Any:  # fmt: skip
    from agentctl.deploy.source import manifest_files
    from agentctl.policy import gate

    files = [str(f) for f in manifest_files(from_dir)]
    report = gate.run(
        paths=[],
        manifests=files,
        platform_file=Path(platform_file) if platform_file else None,
        crd_dirs=list(crd_dirs),
    )
    if no_gate and not report.units[0].platform.platform.policy.allow_no_gate:
        raise gate.no_gate_refused(command)
    gate.verdict(command, report, no_gate=no_gate)
    return report
