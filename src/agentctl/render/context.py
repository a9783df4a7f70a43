"""Shared state of one render: the agent, its platform, names, labels and the objects so far."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from agentctl.errors import RenderError
from agentctl.render.bundle import RenderedObject, SpecPath
from agentctl.spec.loader import LoadedAgent, LoadedPlatform
from agentctl.spec.yamlsafe import dotted_path

if TYPE_CHECKING:
    from agentctl.spec.models import Agent, AgentSpecBody, AgentType, Platform

MANAGED_BY = "agentctl"
LABEL_AGENT = "agentctl.dev/agent"
LABEL_TEAM = "agentctl.dev/team"
RESERVED_LABEL_PREFIXES = ("app.kubernetes.io/", "agentctl.dev/", "pod-security.kubernetes.io/")

# The restricted Pod Security profile, and the uid/gid every container runs as.
RUN_AS = 10001
TMP_DIR = "/tmp"
SECRETS_DIR = "/var/run/secrets/agentctl"


@dataclass
class Ctx:
    loaded: LoadedAgent
    lplatform: LoadedPlatform
    namespace: str
    kube_version: str  # the bundled schemas' version the render is checked against
    objects: list[RenderedObject] = field(default_factory=list)
    # the Kubernetes version asked for (--kube-version, the server's), which may be newer
    # than the newest bundled schemas; None: kube_version
    target_version: str | None = None

    # -- shortcuts (read thousands of times per render: each looked up once) ----

    @cached_property
    def agent(self) -> Agent:
        return self.loaded.agent

    @cached_property
    def spec(self) -> AgentSpecBody:
        return self.loaded.agent.spec

    @cached_property
    def platform(self) -> Platform:
        return self.lplatform.platform

    @cached_property
    def name(self) -> str:
        return self.agent.metadata.name

    def image(self, ref: str) -> str:
        """``ref`` pinned to the digest image.lock.json records for it (else ``ref`` as written)."""
        digest = self.loaded.image_digests.get(ref)
        return ref if digest is None or "@" in ref else f"{ref}@{digest}"

    @cached_property
    def team(self) -> str:
        return self.agent.metadata.team

    @property
    def type(self) -> AgentType:
        return self.spec.type

    @property
    def needs_api(self) -> bool:
        """The agent's own pods talk to the Kubernetes API: a ``kubernetes`` tool, or the
        ledger of the day's spend (``dailyUSD``), which every replica reads and updates."""
        return self.spend_ledger or any(t.kind == "kubernetes" for t in self.spec.tools)

    @property
    def spend_ledger(self) -> bool:
        budget = self.spec.guardrails.budget
        return budget.daily_usd is not None and budget.daily_ledger == "cluster"

    @property
    def sandbox(self) -> tuple[str, SpecPath] | None:
        """The RuntimeClass of the agent's own pods: the sandbox of its ``function`` tools, if any.

        A function tool runs in the agent's process, so its sandbox can only be
        the agent pod's; the spec checks allow one sandbox per agent.
        """
        for i, tool in enumerate(self.spec.tools):
            if tool.kind == "function" and tool.sandbox:
                return tool.sandbox, ("spec", "tools", i, "sandbox")
        return None

    # -- errors -----------------------------------------------------------------

    def check_env_name(self, path: SpecPath, name: str) -> None:
        """An environment variable's name the target Kubernetes takes: before 1.34
        (RelaxedEnvironmentVariableValidation) one may not start with a digit."""
        if name[:1].isdigit() and self._kube_minor < (1, 34):
            target = ".".join(map(str, self._kube_minor))
            raise self.error(
                path,
                f"{name} starts with a digit, which Kubernetes takes in a variable's name "
                f"from 1.34 on, not {target}",
                hint="rename the variable, or target Kubernetes 1.34 or later (--kube-version)",
            )

    @cached_property
    def _kube_minor(self) -> tuple[int, ...]:
        version = self.target_version or self.kube_version
        return tuple(int(p) for p in re.findall(r"\d+", version)[:2])

    def error(self, path: SpecPath, message: str, *, hint: str | None = None) -> RenderError:
        file, line, col = self.loaded.locate(path)
        return RenderError.at(file, line, col, dotted_path(path), message, hint=hint)

    # -- labels and metadata ------------------------------------------------------

    def labels(
        self, *, component: str = "agent", app: str | None = None, instance: str | None = None
    ) -> dict[str, str]:
        name = self.name
        out = {
            "app.kubernetes.io/name": app or name,
            "app.kubernetes.io/instance": instance or name,
            "app.kubernetes.io/version": self.agent.metadata.version,
            "app.kubernetes.io/component": component,
            "app.kubernetes.io/part-of": name,
            "app.kubernetes.io/managed-by": MANAGED_BY,
            LABEL_AGENT: name,
            LABEL_TEAM: self.team,
        }
        out.update(self._own_labels)
        return out

    @cached_property
    def _own_labels(self) -> dict[str, str]:
        """``metadata.labels``, checked once: none may take a key agentctl sets."""
        for key in self.agent.metadata.labels:
            if key.startswith(RESERVED_LABEL_PREFIXES):
                raise self.error(
                    ("metadata", "labels", key),
                    f"label {key!r} is set by agentctl; choose another key",
                )
        return dict(self.agent.metadata.labels)

    def stable_labels(self) -> dict[str, str]:
        """Labels for immutable fields (StatefulSet volumeClaimTemplates): no version."""
        out = self.labels()
        del out["app.kubernetes.io/version"]
        return out

    def selector(self, *, app: str | None = None, instance: str | None = None) -> dict[str, str]:
        """Immutable pod selector labels (never the version)."""
        return {
            "app.kubernetes.io/name": app or self.name,
            "app.kubernetes.io/instance": instance or self.name,
        }

    def meta(
        self,
        name: str,
        *,
        component: str = "agent",
        app: str | None = None,
        instance: str | None = None,
        namespaced: bool = True,
        annotations: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        out: dict[str, Any] = {"name": name}
        if namespaced:
            out["namespace"] = self.namespace
        out["labels"] = self.labels(component=component, app=app, instance=instance)
        merged = {**self.agent.metadata.annotations, **(annotations or {})}
        if merged:
            out["annotations"] = merged
        return out

    def add(
        self,
        obj: dict[str, Any],
        group: str,
        origin: SpecPath = ("metadata",),
        field_origins: dict[str, SpecPath] | None = None,
    ) -> RenderedObject:
        rendered = RenderedObject(obj, group, tuple(origin), dict(field_origins or {}))
        self.objects.append(rendered)
        return rendered
