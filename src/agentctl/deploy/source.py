"""What to deploy: an agent rendered in memory, or a previous ``agentctl build`` output.

Either way the result is an ``AgentBundle``: the agent's identity, its
namespace and the plain objects ``build`` rendered, nothing added but the
ApplySet membership label (see ``inventory``) and the namespace normalisation
below.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agentctl.deploy.inventory import agent_type_of
from agentctl.deploy.objects import AGENT_LABEL, MANAGED_BY, TEAM_LABEL
from agentctl.errors import UsageError

if TYPE_CHECKING:
    from agentctl.spec.loader import LoadedAgent, LoadedPlatform

VERSION_LABEL = "app.kubernetes.io/version"
# Labels a shared namespace keeps: team-level ones, never one agent's identity,
# or two agents of a team would relabel the namespace back and forth.
_NAMESPACE_LABEL_PREFIXES = ("pod-security.kubernetes.io/",)
_NAMESPACE_LABELS = {MANAGED_BY, TEAM_LABEL}


@dataclass
class AgentBundle:
    agent: str
    team: str
    namespace: str
    type: str
    version: str
    objects: list[dict[str, Any]]
    origin: str  # agent.yaml path or build directory, for messages
    kube_version: str = ""


@dataclass
class AgentSource:
    """An agent to deploy: its name and namespace are known before rendering."""

    agent: str
    namespace: str
    origin: str
    render: Callable[[str | None], AgentBundle]  # kube version -> bundle


def shared_namespace(obj: dict[str, Any]) -> dict[str, Any]:
    """A namespace-owned object (the Namespace, its default deny) as applied: team-level labels only."""
    from agentctl.deploy.inventory import is_member

    if is_member(str(obj.get("kind")), str((obj.get("metadata") or {}).get("name"))):
        return obj
    md = dict(obj.get("metadata") or {})
    labels = md.get("labels") or {}
    md["labels"] = {
        k: v
        for k, v in labels.items()
        if k in _NAMESPACE_LABELS or k.startswith(_NAMESPACE_LABEL_PREFIXES)
    }
    if not md["labels"]:
        md.pop("labels")
    return {**obj, "metadata": md}


def _finish(
    agent: str,
    team: str,
    namespace: str,
    type_: str,
    version: str,
    objects: list[dict[str, Any]],
    origin: str,
    kube_version: str = "",
) -> AgentBundle:
    return AgentBundle(
        agent,
        team,
        namespace,
        type_,
        version,
        [shared_namespace(o) for o in objects],
        origin,
        kube_version,
    )


def from_spec(
    path: Path, *, env: str | None = None, platform_file: str | None = None
) -> AgentSource:
    """Load an agent project; rendering waits for the cluster's version."""
    from agentctl.spec.loader import load_agent, load_platform

    loaded = load_agent(path, env=env)
    return from_loaded(loaded, load_platform(platform_file, search_from=loaded.project_dir))


def from_loaded(loaded: LoadedAgent, platform: LoadedPlatform) -> AgentSource:
    """An agent already loaded (and gated) with its platform; rendering waits for the cluster's version."""
    namespace = platform.platform.namespace_for(loaded.agent)

    def render(kube_version: str | None) -> AgentBundle:
        from agentctl.render import render_agent

        bundle = render_agent(loaded, platform, kube_version=minor_version(kube_version))
        agent = loaded.agent
        objects = [ro.obj for ro in bundle.objects]
        return _finish(
            agent.metadata.name,
            agent.metadata.team,
            bundle.namespace,
            agent.spec.type.value,
            agent.metadata.version,
            objects,
            loaded.file,
            str(bundle.kube_version),
        )

    return AgentSource(loaded.name, namespace, loaded.file, render)


def minor_version(git_version: str | None) -> str | None:
    """'v1.31.2' -> '1.31' (what the renderer picks schemas by)."""
    if not git_version:
        return None
    parts = git_version.lstrip("v").split(".")
    if len(parts) < 2 or not parts[0].isdigit():
        return None
    minor = "".join(ch for ch in parts[1] if ch.isdigit())
    return f"{parts[0]}.{minor}" if minor else None


def _object_files(directory: Path) -> list[Path]:
    return sorted(
        p
        for p in directory.glob("*.y*ml")
        if p.name not in ("kustomization.yaml", "kustomization.yml")
    )


def _build_dirs(directory: Path) -> list[Path]:
    return (
        [directory]
        if any(directory.glob("*.y*ml"))
        else sorted(d for d in directory.iterdir() if d.is_dir())
    )


def manifest_files(directory: Path) -> list[Path]:
    """The object files of a build output (``dist/`` or ``dist/<agent>/``), kustomization left out."""
    return [f for d in _build_dirs(directory) for f in _object_files(d)]


def _read_manifests(directory: Path) -> list[tuple[str, dict[str, Any]]]:
    import yaml

    out: list[tuple[str, dict[str, Any]]] = []
    for file in _object_files(directory):
        try:
            docs = list(yaml.safe_load_all(file.read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            raise UsageError(
                f"{file}: not a readable manifest: {str(exc).splitlines()[0]}"
            ) from None
        for i, doc in enumerate(docs):
            if doc is None:
                continue
            if not isinstance(doc, dict) or not doc.get("kind") or not doc.get("apiVersion"):
                raise UsageError(
                    f"{file}: document {i + 1} is not a Kubernetes object (needs apiVersion and kind)"
                )
            out.append((str(file), doc))
    return out


def from_build(directory: Path) -> list[AgentSource]:
    """Agents in a build output: ``dist/`` (one sub-directory per agent) or ``dist/<agent>/``."""
    if not directory.is_dir():
        raise UsageError(
            f"{directory}: no such build directory", hint="run `agentctl build --out dist/` first"
        )
    sources: list[AgentSource] = []
    for d in _build_dirs(directory):
        docs = _read_manifests(d)
        if not docs:
            continue
        by_agent: dict[str, list[dict[str, Any]]] = {}
        for file, doc in docs:
            agent = ((doc.get("metadata") or {}).get("labels") or {}).get(AGENT_LABEL)
            if not agent:
                raise UsageError(
                    f"{file}: {doc.get('kind')}/{(doc.get('metadata') or {}).get('name')} has no {AGENT_LABEL} label: not rendered by agentctl build"
                )
            by_agent.setdefault(agent, []).append(doc)
        for agent, objects in by_agent.items():
            sources.append(_dist_source(agent, objects, str(d)))
    if not sources:
        raise UsageError(
            f"{directory}: no manifests found", hint="run `agentctl build --out dist/` first"
        )
    return sources


def _dist_source(agent: str, objects: list[dict[str, Any]], origin: str) -> AgentSource:
    namespaces = {
        str((o.get("metadata") or {}).get("namespace"))
        for o in objects
        if (o.get("metadata") or {}).get("namespace")
    }
    namespaces |= {str(o["metadata"]["name"]) for o in objects if o.get("kind") == "Namespace"}
    if len(namespaces) != 1:
        raise UsageError(
            f"{origin}: agent {agent} spans namespaces {sorted(namespaces) or 'none'}; expected exactly one"
        )
    namespace = namespaces.pop()
    labels = [(o.get("metadata") or {}).get("labels") or {} for o in objects]
    team = next((lb[TEAM_LABEL] for lb in labels if lb.get(TEAM_LABEL)), "")
    main = next(
        (
            o
            for o in objects
            if (o.get("metadata") or {}).get("name") == agent
            and o.get("kind") not in ("Namespace",)
        ),
        objects[0],
    )
    version = ((main.get("metadata") or {}).get("labels") or {}).get(VERSION_LABEL, "")
    type_ = agent_type_of({str(o.get("kind")) for o in objects})
    bundle = _finish(agent, team, namespace, type_, version, objects, origin)
    return AgentSource(agent, namespace, origin, lambda _version: bundle)
