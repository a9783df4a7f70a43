"""Find a deployed agent: its namespace and inventory, from flags, the project or the cluster."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agentctl.deploy import errors as kerr
from agentctl.deploy.client import KubeClient
from agentctl.deploy.discovery import well_known
from agentctl.deploy.inventory import INVENTORY_LABEL, Inventory, parent_name
from agentctl.deploy.objects import AGENT_LABEL
from agentctl.errors import AgentctlError, ClusterError, UsageError


@dataclass
class Deployed:
    inventory: Inventory
    configmap: dict[str, Any]

    @property
    def agent(self) -> str:
        return self.inventory.agent

    @property
    def namespace(self) -> str:
        return self.inventory.namespace


def project_namespace(name: str | None, project: Path, platform_file: str | None) -> str | None:
    """The namespace the agent project in ``project`` deploys to, when it is the agent asked for."""
    from agentctl.spec.loader import AGENT_FILENAMES, load_agent, load_platform

    if not any((project / f).is_file() for f in AGENT_FILENAMES):
        return None
    try:
        loaded = load_agent(project)
        if name is not None and loaded.name != name:
            return None
        return load_platform(platform_file, search_from=project).platform.namespace_for(
            loaded.agent
        )
    except AgentctlError:
        return None


def find_inventories(client: KubeClient, namespace: str | None, name: str | None) -> list[Deployed]:
    """Inventories of agents in a namespace (or in every namespace when it is None)."""
    res = well_known("", "ConfigMap")
    selector = f"{INVENTORY_LABEL}=true" + (f",{AGENT_LABEL}={name}" if name else "")
    try:
        items, _ = client.list(res, namespace, labels=selector)
    except kerr.Forbidden as err:
        if namespace is None:
            raise kerr.Forbidden(
                err.message,
                status=err.status,
                details=err.details,
                hint="you may not list across namespaces: pass -n NAMESPACE",
            ) from None
        raise
    out = [Deployed(Inventory.from_configmap(cm), cm) for cm in items]
    return sorted(out, key=lambda d: (d.namespace, d.agent))


def find_agent(client: KubeClient, name: str, namespace: str | None) -> Deployed:
    """The one deployed agent called ``name`` (searching every namespace when none is given).

    Raises NotDeployed (exit 2) naming where it looked and what is deployed there.
    """
    if namespace is not None:
        cm = client.get(well_known("", "ConfigMap"), namespace, parent_name(name))
        if cm is None:
            raise kerr.NotDeployed(
                f"no agent {name} deployed by agentctl in namespace {namespace}"
                + _others(client, name, namespace),
                hint="list deployed agents with `agentctl status -n NAMESPACE`, or pass -n",
            )
        return Deployed(Inventory.from_configmap(cm), cm)
    found = find_inventories(client, None, name)
    if not found:
        raise kerr.NotDeployed(
            f"no agent {name} deployed by agentctl in any namespace" + _others(client, name, None),
            hint="list deployed agents with `agentctl status -A`; deploy it with `agentctl deploy`",
        )
    if len(found) > 1:
        where = ", ".join(d.namespace for d in found)
        raise UsageError(
            f"agent {name} is deployed in several namespaces ({where})",
            hint="pick one with -n NAMESPACE",
        )
    return found[0]


def _others(client: KubeClient, name: str, namespace: str | None) -> str:
    """A deployed agent with a similar name, where we looked (empty when none is
    similar, or the agents cannot be listed): a suggestion, never a listing."""
    try:
        names = sorted({d.agent for d in find_inventories(client, namespace, None)})
    except ClusterError:
        return ""
    close = similar_name(name, names)
    return f"; did you mean {close}?" if close else ""


def similar_name(name: str, names: list[str]) -> str | None:
    """The one of ``names`` that ``name`` is probably a typo of, if any."""
    import difflib

    close = difflib.get_close_matches(name, names, n=1)
    return close[0] if close else None


def resolve_namespace(
    client: KubeClient,
    explicit: str | None,
    name: str | None,
    project: Path,
    platform_file: str | None,
) -> str | None:
    """-n > the agent project here (when it is that agent) > the context's namespace > None (search)."""
    if explicit:
        return explicit
    from_project = project_namespace(name, project, platform_file)
    if from_project:
        return from_project
    ns = client.target.namespace
    return ns if ns and ns != "default" else None  # agents never live in default
