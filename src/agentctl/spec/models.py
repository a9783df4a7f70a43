"""The agent.yaml and platform.yaml contract as Pydantic models.

YAML keys are camelCase (``minReplicas``); Python attributes are snake_case.
Unknown keys are errors everywhere: a typo must never silently drop a guardrail.
See docs/reference/agent-yaml.md and docs/reference/platform-yaml.md.
"""

from __future__ import annotations

import datetime as _dt
import re
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)
from pydantic.alias_generators import to_camel
from pydantic.json_schema import WithJsonSchema

from agentctl.spec import units
from agentctl.spec.errors_map import FieldValueError

API_VERSION = "agentctl.dev/v1alpha1"

# Room for derived names: "<agent>-<tool>", "<agent>-memory-<agent>-<n>" (PVC), CronJob's 11-char job suffix.
MAX_AGENT_NAME = 40


class Model(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        alias_generator=to_camel,
        populate_by_name=True,
        validate_default=True,
        use_enum_values=False,
    )


def _dns_label(value: str) -> str:
    return units.check_dns1123_label(value)


def _agent_name(value: str) -> str:
    return units.check_dns1123_label(value, max_length=MAX_AGENT_NAME)


def _quantity(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError("expected a quantity such as 500m, 1 or 2Gi")
    units.parse_quantity(value)
    return str(value)


def _duration(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValueError("expected a duration such as 30s, 20m or 6h")
    units.parse_duration(value)
    return str(value) if isinstance(value, str) else f"{value}s"


def _image(value: str) -> str:
    units.parse_image(value)
    return value


def _cron(value: str) -> str:
    return units.check_cron(value)


def _coerce_quantity(value: Any) -> Any:
    # Accept YAML numbers for quantities (cpu: 1, cpu: 0.5) as Kubernetes does.
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return value


def _coerce_duration(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value}s"
    return value


DnsLabel = Annotated[str, AfterValidator(_dns_label)]
AgentName = Annotated[str, AfterValidator(_agent_name)]
_QUANTITY_SCHEMA = {
    "anyOf": [
        {
            "type": "string",
            "pattern": r"^[+]?([0-9]+(\.[0-9]+)?|\.[0-9]+)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?$",
        },
        {"type": "number", "minimum": 0},
    ],
    "description": "Kubernetes quantity, e.g. 500m, 1, 2Gi, 512Mi.",
}
_DURATION_SCHEMA = {
    "anyOf": [
        {"type": "string", "pattern": r"^([0-9]+d)?([0-9]+h)?([0-9]+m)?([0-9]+s)?$"},
        {"type": "integer", "minimum": 1},
    ],
    "description": "Duration, e.g. 30s, 20m, 6h, 1h30m, 2d (or seconds).",
}
Quantity = Annotated[
    str,
    BeforeValidator(_coerce_quantity),
    AfterValidator(_quantity),
    WithJsonSchema(_QUANTITY_SCHEMA),
]
Duration = Annotated[
    str,
    BeforeValidator(_coerce_duration),
    AfterValidator(_duration),
    WithJsonSchema(_DURATION_SCHEMA),
]
Image = Annotated[str, AfterValidator(_image)]
Cron = Annotated[str, AfterValidator(_cron)]
Port = Annotated[int, Field(ge=1, le=65535)]
USD = Annotated[Decimal, Field(ge=0, decimal_places=6)]
Ratio = Annotated[float, Field(ge=0, le=1)]


# ---------------------------------------------------------------------------
# agent.yaml
# ---------------------------------------------------------------------------


class AgentType(StrEnum):
    service = "service"
    stateful = "stateful"
    job = "job"
    workflow = "workflow"


class Metadata(Model):
    name: AgentName = Field(
        description="DNS-1123 label, at most 40 characters (room for derived names)."
    )
    team: DnsLabel = Field(
        description="Owning team: cost allocation, namespace and ownership label."
    )
    version: str = Field(
        "0.1.0",
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$",
        description="Agent version (gen_ai.agent.version); the default image tag.",
    )
    description: str | None = None
    labels: dict[str, str] = Field(
        default_factory=dict, description="Extra labels on every object (e.g. cost-center)."
    )
    annotations: dict[str, str] = Field(default_factory=dict)

    @field_validator("labels")
    @classmethod
    def _labels(cls, value: dict[str, str]) -> dict[str, str]:
        for key, val in value.items():
            name = key.rsplit("/", 1)[-1]
            if not re.match(r"^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$", name):
                raise ValueError(f"label key {key!r} is not a valid Kubernetes label name")
            if val and not re.match(r"^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$", val):
                raise ValueError(
                    f"label value {val!r} (key {key!r}) is not a valid Kubernetes label value"
                )
        return value


class ModelSpec(Model):
    provider: str = Field(
        description="OTel gen_ai.provider.name: openai, anthropic, gcp.gemini, ... or offline-demo."
    )
    name: str = Field(min_length=1, description="Pinned model id, e.g. gpt-4.1-mini-2025-04-14.")
    endpoint: str | None = Field(
        None, description="OpenAI-compatible base URL (https://...); default per provider."
    )
    api_key_secret: str | None = Field(
        None, description="Name of an entry in spec.secrets holding the API key."
    )
    temperature: float | None = Field(None, ge=0, le=2)
    max_output_tokens: int | None = Field(None, ge=1)

    @field_validator("endpoint")
    @classmethod
    def _endpoint(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^https?://[^\s/]+", value):
            raise ValueError(f"{value!r} is not an http(s) URL")
        return value


class Memory(Model):
    size: Annotated[Quantity, Field(description="PVC size, e.g. 5Gi.")]
    storage_class: str | None = None
    mount_path: str = Field("/data", pattern=r"^/.*$")
    access_mode: Literal["ReadWriteOnce", "ReadWriteOncePod"] = "ReadWriteOnce"


class ToolBase(Model):
    name: DnsLabel
    description: str | None = None
    executes_code: bool = Field(
        False, description="The tool runs shell or code: needs a sandbox and a reason."
    )
    sandbox: str | None = Field(
        None, description="RuntimeClass (e.g. gvisor) for code-executing tools."
    )
    reason: str | None = Field(
        None, description="Why this tool needs what it needs (reviewed by policy)."
    )


class ServiceTool(ToolBase):
    kind: Literal["service"]
    image: Image
    port: Port = 8080
    command: list[str] | None = None
    args: list[str] | None = None
    resources: Resources | None = None
    scaling: Scaling | None = None
    env: dict[str, str] = Field(default_factory=dict)
    health_path: str = Field("/healthz", pattern=r"^/")


class HttpTool(ToolBase):
    kind: Literal["http"]
    url: str = Field(description="Base URL of the external API.")
    cidrs: list[str] = Field(
        default_factory=list, description="Egress CIDRs (platform egress mode 'cidr')."
    )

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        if not re.match(r"^https?://[A-Za-z0-9.\-\[\]:]+(/.*)?$", value):
            raise ValueError(f"{value!r} is not an http(s) URL")
        return value


class TcpTool(ToolBase):
    kind: Literal["tcp"]
    host: str = Field(min_length=1)
    port: Port
    cidrs: list[str] = Field(default_factory=list)


class PolicyRule(Model):
    api_groups: list[str]
    resources: list[str] = Field(min_length=1)
    verbs: list[str] = Field(min_length=1)
    resource_names: list[str] | None = None


class KubernetesTool(ToolBase):
    kind: Literal["kubernetes"]
    rules: list[PolicyRule] = Field(min_length=1)
    cluster_scoped: bool = False


Tool = Annotated[ServiceTool | HttpTool | TcpTool | KubernetesTool, Field(discriminator="kind")]


class RemoteRef(Model):
    key: str = Field(min_length=1)
    version: str | None = None
    property: str | None = None


class Secret(Model):
    name: DnsLabel
    store: str = Field(
        min_length=1, description="SecretStore/ClusterSecretStore named in platform.yaml."
    )
    remote_ref: RemoteRef
    mount: Literal["file", "env"] = Field(
        "file", description="How the agent receives it: a file (preferred) or an env var."
    )
    env: str | None = Field(
        None, pattern=r"^[A-Za-z_][A-Za-z0-9_]*$", description="Env var name when mount is env."
    )
    refresh_interval: Duration = "1h"


class Resources(Model):
    cpu: Quantity = "250m"
    memory: Quantity = "512Mi"
    cpu_limit: Quantity | None = None
    memory_limit: Quantity | None = None
    ephemeral_storage: Quantity = "1Gi"

    @model_validator(mode="after")
    def _limits(self) -> Resources:
        if self.cpu_limit is not None and units.cpu_cores(self.cpu_limit) < units.cpu_cores(
            self.cpu
        ):
            raise FieldValueError("cpuLimit is below the cpu request", "cpuLimit")
        if self.memory_limit is not None and units.memory_bytes(
            self.memory_limit
        ) < units.memory_bytes(self.memory):
            raise FieldValueError("memoryLimit is below the memory request", "memoryLimit")
        return self


class Scaling(Model):
    min_replicas: int = Field(1, ge=0, le=1000)
    max_replicas: int = Field(3, ge=1, le=1000)
    target_cpu_utilization: int = Field(70, ge=1, le=100, alias="targetCPUUtilization")

    @model_validator(mode="after")
    def _range(self) -> Scaling:
        if self.max_replicas < self.min_replicas:
            raise FieldValueError(
                f"maxReplicas ({self.max_replicas}) is below minReplicas ({self.min_replicas})",
                "maxReplicas",
            )
        return self


class ForEach(Model):
    from_: DnsLabel = Field(
        alias="from", description="Upstream step whose JSON-list output is fanned out over."
    )
    parallelism: int = Field(5, ge=1, le=1000)


class Retry(Model):
    limit: int = Field(2, ge=0, le=20)
    backoff: Duration = "10s"
    factor: int = Field(2, ge=1, le=10)
    max_backoff: Duration | None = None


class Step(Model):
    name: DnsLabel
    args: list[str] = Field(default_factory=list)
    command: list[str] | None = None
    image: Image | None = Field(None, description="Defaults to the agent's image.")
    depends_on: list[DnsLabel] = Field(default_factory=list)
    for_each: ForEach | None = None
    retry: Retry | None = None
    timeout: Duration | None = None
    resources: Resources | None = None
    env: dict[str, str] = Field(default_factory=dict)


class Workflow(Model):
    steps: list[Step] = Field(min_length=1)
    parameters: dict[str, str] = Field(default_factory=dict)
    deadline: Duration = "6h"
    parallelism: int = Field(10, ge=1, le=1000)
    ttl_after_finished: Duration = "1d"

    @field_validator("parameters", mode="before")
    @classmethod
    def _params(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {
                k: (
                    str(v).lower()
                    if isinstance(v, bool)
                    else str(v)
                    if isinstance(v, int | float)
                    else v
                )
                for k, v in value.items()
            }
        return value


class Budget(Model):
    per_run_usd: USD | None = Field(None, alias="perRunUSD")
    daily_usd: USD | None = Field(None, alias="dailyUSD")


class Guardrails(Model):
    budget: Budget = Field(default_factory=lambda: Budget.model_validate({}))
    max_steps: int | None = Field(None, ge=1, le=10_000)
    max_tool_calls: int | None = Field(None, ge=0, le=100_000)
    timeout: Duration | None = None


class Gate(Model):
    min: Ratio | None = None
    max: Ratio | None = None
    min_samples: int = Field(20, ge=1)

    @model_validator(mode="after")
    def _one(self) -> Gate:
        if self.min is None and self.max is None:
            raise ValueError("a gate needs min or max")
        return self


class Evaluation(Model):
    task_success_rate: Gate | None = None
    tool_use_accuracy: Gate | None = None
    hallucination_rate: Gate | None = None
    guardrail_adherence: Gate | None = None


class Observability(Model):
    sample_ratio: Ratio = 1.0
    capture_content: bool = Field(
        False, description="Prompts and outputs in spans only when opted in."
    )
    otlp_endpoint: str | None = Field(
        None, description="Overrides platform telemetry.otlpEndpoint."
    )


class Suppression(Model):
    check: str = Field(pattern=r"^[A-Z]+-[0-9]{3}$")
    reason: str = Field(min_length=3, description="Mandatory: why this finding is accepted.")
    object: str | None = Field(None, description="Kind/name of the object, or a glob.")
    container: str | None = None
    expires: _dt.date | None = None


class AgentSpecBody(Model):
    type: AgentType
    image: Image
    command: list[str] | None = None
    args: list[str] | None = None
    port: Port | None = None
    health_path: str = Field("/healthz", pattern=r"^/")
    ready_path: str = Field("/readyz", pattern=r"^/")
    model: ModelSpec | None = None
    memory: Memory | None = None
    tools: list[Tool] = Field(default_factory=list)
    secrets: list[Secret] = Field(default_factory=list)
    env: dict[str, str] = Field(default_factory=dict, description="Plain, non-secret settings.")
    resources: Resources = Field(default_factory=lambda: Resources.model_validate({}))
    scaling: Scaling | None = None
    schedule: Cron | None = None
    workflow: Workflow | None = None
    guardrails: Guardrails = Field(default_factory=lambda: Guardrails.model_validate({}))
    evaluation: Evaluation | None = None
    observability: Observability = Field(default_factory=lambda: Observability.model_validate({}))
    suppressions: list[Suppression] = Field(default_factory=list)
    environments: dict[DnsLabel, dict[str, Any]] = Field(
        default_factory=dict,
        description="Overlays merged over spec with --env NAME; same keys as spec (except environments).",
    )

    @model_validator(mode="after")
    def _consistency(self) -> AgentSpecBody:
        t = self.type
        if t in (AgentType.service, AgentType.stateful) and self.port is None:
            raise FieldValueError(f"type {t.value} serves requests: set spec.port", "type")
        if t is AgentType.stateful and self.memory is None:
            raise FieldValueError(
                "type stateful needs spec.memory (its long-term memory volume)", "type"
            )
        if t is AgentType.workflow and self.workflow is None:
            raise FieldValueError("type workflow needs spec.workflow.steps", "type")
        if t is not AgentType.workflow and self.workflow is not None:
            raise FieldValueError(
                f"only workflow agents have a workflow (this agent is {t.value})", "workflow"
            )
        if self.schedule is not None and t not in (AgentType.job, AgentType.workflow):
            raise FieldValueError(
                f"only job and workflow agents run on a schedule (this agent is {t.value})",
                "schedule",
            )
        if self.scaling is not None and t in (AgentType.job, AgentType.workflow):
            raise FieldValueError(
                f"only service and stateful agents scale (this agent is {t.value})", "scaling"
            )
        return self


class Agent(Model):
    api_version: Literal["agentctl.dev/v1alpha1"] = Field(alias="apiVersion")
    kind: Literal["Agent"]
    metadata: Metadata
    spec: AgentSpecBody


# Forward references (tools use Resources/Scaling declared later).
ServiceTool.model_rebuild()


# ---------------------------------------------------------------------------
# platform.yaml
# ---------------------------------------------------------------------------


class ModelAllow(Model):
    provider: str
    name: str = Field(description="Model id or glob (gpt-4.1-*).")


class SecretStoreRef(Model):
    kind: Literal["SecretStore", "ClusterSecretStore"] = "ClusterSecretStore"


class EgressProxy(Model):
    service: DnsLabel
    namespace: DnsLabel
    port: Port = 3128


class Egress(Model):
    mode: Literal["proxy", "fqdn", "cidr", "none"] = Field(
        "none",
        description="How external hosts are restricted; 'none' = port-restricted internet minus private ranges.",
    )
    proxy: EgressProxy | None = None
    fqdn_flavor: Literal["cilium", "gke"] = "cilium"

    @model_validator(mode="after")
    def _proxy(self) -> Egress:
        if self.mode == "proxy" and self.proxy is None:
            raise FieldValueError(
                "mode proxy needs egress.proxy (service, namespace, port)", "mode"
            )
        return self


class TraceSource(Model):
    source: Literal["jaeger", "tempo", "local"] = "local"
    url: str | None = None


class Telemetry(Model):
    otlp_endpoint: str = "http://otel-collector.observability:4318"
    collector_namespace: str = "observability"
    collector_labels: dict[str, str] = Field(
        default_factory=lambda: {"app.kubernetes.io/name": "opentelemetry-collector"}
    )
    traces: TraceSource = Field(default_factory=lambda: TraceSource.model_validate({}))
    cost_source: str | None = Field(None, description="OpenCost base URL for compute cost.")


class Limits(Model):
    max_budget_per_run_usd: USD = Field(Decimal("5"), alias="maxBudgetPerRunUSD")
    max_daily_budget_usd: USD = Field(Decimal("100"), alias="maxDailyBudgetUSD")
    max_cpu: Quantity = Field("4", alias="maxCPU")
    max_memory: Quantity = "8Gi"
    max_replicas: int = Field(20, ge=1)


class ComputePricing(Model):
    cpu_hour_usd: float = Field(0.0445, ge=0, alias="cpuHourUSD")
    memory_gib_hour_usd: float = Field(0.0049225, ge=0, alias="memoryGiBHourUSD")
    storage_gib_month_usd: float = Field(0.04, ge=0, alias="storageGiBMonthUSD")
    name: str = "GKE Autopilot general-purpose, us-central1 (on-demand)"


class Pricing(Model):
    compute: ComputePricing = Field(default_factory=lambda: ComputePricing.model_validate({}))


class Exception_(Model):
    check: str = Field(pattern=r"^[A-Z]+-[0-9]{3}$")
    reason: str = Field(min_length=3)
    agent: str | None = None
    object: str | None = None
    container: str | None = None
    expires: _dt.date | None = None


class FieldRule(Model):
    id: str = Field(pattern=r"^[A-Z]+-[0-9]{3}$")
    kinds: list[str] = Field(min_length=1)
    path: str = Field(min_length=1, description="Dotted path; [*] for every list item.")
    match: str | None = None
    not_match: str | None = None
    exists: bool | None = None
    severity: Literal["low", "medium", "high", "critical"] = "medium"
    message: str = ""
    remediation: str = ""


Severity = Literal["low", "medium", "high", "critical"]


class PolicySettings(Model):
    fail_on: Severity = "high"
    severity: dict[str, Severity] = Field(default_factory=dict)
    exceptions: list[Exception_] = Field(default_factory=list)
    allow_inline_suppressions: bool = True
    checks: list[FieldRule] = Field(
        default_factory=list, description="Declarative organisation checks."
    )


class Platform(Model):
    api_version: Literal["agentctl.dev/v1alpha1"] = Field(alias="apiVersion")
    kind: Literal["Platform"]
    namespace: str = Field(
        "agents-{team}", description="Target namespace; {team} and {agent} are substituted."
    )
    registries: list[str] = Field(
        default_factory=list, description="Allowed image registry prefixes."
    )
    models: list[ModelAllow] = Field(default_factory=list)
    secret_stores: dict[str, SecretStoreRef] = Field(default_factory=dict)
    egress: Egress = Field(default_factory=lambda: Egress.model_validate({}))
    telemetry: Telemetry = Field(default_factory=lambda: Telemetry.model_validate({}))
    limits: Limits = Field(default_factory=lambda: Limits.model_validate({}))
    required_labels: list[str] = Field(default_factory=list)
    pricing: Pricing = Field(default_factory=lambda: Pricing.model_validate({}))
    policy: PolicySettings = Field(default_factory=lambda: PolicySettings.model_validate({}))

    @field_validator("namespace")
    @classmethod
    def _ns(cls, value: str) -> str:
        probe = value.replace("{team}", "team").replace("{agent}", "agent")
        units.check_dns1123_label(probe)
        if probe == "default":
            raise ValueError("agents never go to the 'default' namespace")
        return value

    def namespace_for(self, agent: Agent) -> str:
        return self.namespace.replace("{team}", agent.metadata.team).replace(
            "{agent}", agent.metadata.name
        )


DEFAULT_PLATFORM_DOC: dict[str, Any] = {"apiVersion": API_VERSION, "kind": "Platform"}


def default_platform() -> Platform:
    """Safe built-ins used when no platform.yaml is given (and reported as such)."""
    return Platform.model_validate(DEFAULT_PLATFORM_DOC)
