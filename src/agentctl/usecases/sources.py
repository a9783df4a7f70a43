"""What deploy and diff apply: an agent rendered from its spec, or a build output, gated.

With a gate (the command's name), the policy gate that ``agentctl validate``
runs decides first: a spec is gated with its rendered objects, a build output
as plain manifests (its spec is not at hand). A refusal raises GateRefused
before anything reaches the cluster. A gated spec's render is kept for a
re-deploy of unchanged input (``render_cache``): any changed input is loaded,
gated and rendered again.

``on_found`` (agent, namespace) is told of each agent as soon as its name and
namespace are known: after loading, before the gate decides (deploy sends its
first reads of the agent then). It must not raise, nor print.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from agentctl.deploy.source import AgentSource

OnFound = Callable[[str, str], None]  # (agent, namespace)


def sources(
    path: Path | None,
    from_dir: Path | None,
    env: str | None,
    platform_file: str | None,
    *,
    gate: str | None = None,
    no_gate: bool = False,
    crd_dirs: Sequence[str] = (),
    on_found: OnFound | None = None,
) -> tuple[list[AgentSource], Any]:
    """(what to apply, the gate's report or None when no gate ran)."""
    from agentctl.deploy.source import AgentSource, from_build, from_spec
    from agentctl.errors import UsageError

    if from_dir is not None:
        if path is not None or env is not None:
            raise UsageError("--from applies a build output: do not pass PATH or --env with it")
        found = from_build(from_dir)
        if on_found is not None:
            for src in found:
                on_found(src.agent, src.namespace)
        report = (
            _gate_build(gate, from_dir, platform_file, no_gate, crd_dirs)
            if gate is not None
            else None
        )
        return found, report
    if gate is None:
        return [from_spec(path or Path.cwd(), env=env, platform_file=platform_file)], None
    target = path or Path.cwd()
    if no_gate:
        return _gated(target, env, platform_file, gate, crd_dirs, on_found, no_gate=True)
    from agentctl.usecases import render_cache

    name = _cache_key(target, env, platform_file, gate, crd_dirs)
    entry = render_cache.lookup(name) if name is not None else None

    def fresh() -> tuple[AgentSource, render_cache.Recorder]:
        with render_cache.Recorder() as recorder:
            found, _ = _gated(target, env, platform_file, gate, crd_dirs)
        return found[0], recorder

    if name is not None and entry is not None:
        cached = render_cache.cached_source(name, entry, fresh)
        if on_found is not None:
            on_found(cached.agent, cached.namespace)
        return [cached], None
    recorder = render_cache.Recorder()
    with recorder:
        found, report = _gated(target, env, platform_file, gate, crd_dirs, on_found)
    if name is None:
        return found, report
    src = found[0]
    render = render_cache.recording(name, src, recorder)
    return [AgentSource(src.agent, src.namespace, src.origin, render)], report


def _gated(target: Path, env: str | None, platform_file: str | None, gate: str,
           crd_dirs: Sequence[str], on_found: OnFound | None = None, *,
           no_gate: bool = False) -> tuple[list[AgentSource], Any]:  # fmt: skip
    """The agent loaded once (what the gate passed is what is applied), then gated."""
    from agentctl.deploy.source import from_loaded
    from agentctl.policy.gate import enforce
    from agentctl.spec.loader import load_agent, load_platform

    loaded = load_agent(target, env=env)
    lp = load_platform(Path(platform_file) if platform_file else None, loaded.project_dir)
    if on_found is not None:
        _tell(on_found, loaded, lp)
    report = enforce(gate, [loaded], lp, crd_dirs=list(crd_dirs), no_gate=no_gate)
    return [from_loaded(loaded, lp)], report


def _tell(on_found: OnFound, loaded: Any, lp: Any) -> None:
    """``on_found`` of a loaded agent; nothing when its namespace cannot be named yet (the
    gate, then the renderer, say why in their turn)."""
    try:
        namespace = lp.platform.namespace_for(loaded.agent)
    except Exception:  # an input the gate reports, after this
        return
    on_found(loaded.name, namespace)


def _cache_key(target: Path, env: str | None, platform_file: str | None, gate: str,
               crd_dirs: Sequence[str]) -> str | None:  # fmt: skip
    """The render cache's key, None when the files cannot be found (the loaders say why)."""
    from agentctl.errors import AgentctlError
    from agentctl.spec.files import find_agent_file, find_platform_file
    from agentctl.usecases import render_cache

    try:
        agent_file = find_agent_file(target)
        platform = find_platform_file(platform_file, agent_file.parent)
        return render_cache.key(gate, agent_file, platform, env, crd_dirs)
    except (AgentctlError, OSError):
        return None


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
