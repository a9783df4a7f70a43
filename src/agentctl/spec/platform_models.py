"""The platform.yaml contract: the platform team's golden-path rules and defaults.

docs/reference/platform-yaml.md is generated from these models.
"""

import datetime as _dt
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, field_validator, model_validator
from pydantic.json_schema import WithJsonSchema

from agentctl.spec import shapes
from agentctl.spec.platform_fields import MAX_UNIT_PRICE_USD
from agentctl.spec.types import (
    API_VERSION,
    USD,
    CheckId,
    Cidr,
    DnsLabel,
    DnsSubdomain,
    Model,
    Port,
    Quantity,
    Severity,
    TypeDoc,
    Url,
    new_dict,
    new_list,
)

_KIND_REF_PATTERN = shapes.KIND_REF_PATTERN

KindRef = Annotated[
    str,
    AfterValidator(shapes.kind_ref),
    WithJsonSchema({"type": "string", "pattern": _KIND_REF_PATTERN}),
    TypeDoc(
        "kind",
        "Kind, group/Kind or apiVersion/Kind: Widget, example.com/Widget, example.com/v1/Widget",
    ),
]


class ModelAllow(Model):
    """One allowed model (an entry of the allowlist)."""

    provider: str = Field(min_length=1, description="Provider name, e.g. openai.")
    name: str = Field(min_length=1, description="Model id or glob, e.g. gpt-4.1-*.")


DEFAULT_SECRET_STORE = shapes.DEFAULT_SECRET_STORE


class SecretStoreRef(shapes.SecretStoreRef, Model):
    """An External Secrets Operator store agents may read from."""

    kind: Literal["SecretStore", "ClusterSecretStore"] = Field(
        "ClusterSecretStore", description="Kind of the store object."
    )
    key_prefix: str | None = Field(
        None,
        description="Prefix every remoteRef.key read from this store must start with; {team} and {agent} are substituted (e.g. '{team}-'): an agent cannot name another team's key (SEC-006).",
    )


class WorkloadIdentity(shapes.WorkloadIdentity, Model):
    """The cloud identity each agent's ServiceAccount acts as (annotated on it).

    gke: GKE Workload Identity (iam.gke.io/gcp-service-account); eks: IAM roles
    for service accounts (eks.amazonaws.com/role-arn); azure: Microsoft Entra
    Workload ID (azure.workload.identity/client-id). See
    docs/explanation/workload-identity.md for the IAM binding to create.
    """

    provider: Literal["gke", "eks", "azure"] = Field(description="Which cloud's workload identity.")
    project_id: str | None = Field(
        None,
        pattern=r"^[a-z][a-z0-9-]{4,28}[a-z0-9]$",
        description="gke: the Google Cloud project of the agents' service accounts (<agent>@<projectId>.iam.gserviceaccount.com).",
    )
    role_arn: str | None = Field(
        None,
        pattern=r"^arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/{}-]+$",
        description="eks: the IAM role ARN pattern; {team} and {agent} are substituted (arn:aws:iam::123456789012:role/agents-{team}-{agent}).",
    )
    client_id: str | None = Field(
        None,
        pattern=r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$",
        description="azure: the client id of the user-assigned managed identity (or app registration).",
    )

    _check = model_validator(mode="after")(shapes.WorkloadIdentity._needs)


class EgressProxy(Model):
    """The platform's egress proxy (egress mode proxy)."""

    service: DnsLabel = Field(description="Service name of the proxy.")
    namespace: DnsLabel = Field(description="Namespace of the proxy.")
    port: Port = Field(3128, description="Proxy port.")


class Egress(shapes.Egress, Model):
    """How egress to external hosts (model endpoint, http/tcp tools) is restricted."""

    mode: Literal["proxy", "fqdn", "cidr", "none"] = Field(
        "none",
        description="proxy: only via the egress proxy; fqdn: CNI hostname policies; cidr: declared CIDRs; none: the declared ports to the internet minus private ranges and metadata addresses.",
    )
    proxy: EgressProxy | None = Field(None, description="The proxy (required for mode proxy).")
    fqdn_flavor: Literal["cilium", "gke"] = Field(
        "cilium",
        description="Hostname policy kind for mode fqdn: CiliumNetworkPolicy or GKE FQDNNetworkPolicy.",
    )

    _check = model_validator(mode="after")(shapes.Egress._proxy)


class NetworkSettings(Model):
    """Who may reach agents, and which in-cluster addresses their egress may name exactly."""

    ingress_namespaces: list[DnsLabel] = Field(
        default_factory=new_list,
        description="Namespaces allowed to call every service and stateful agent (e.g. the ingress gateway's); default: none besides the agent's own namespace and its spec.callers.",
    )
    allowed_cidrs: list[Cidr] = Field(
        default_factory=new_list,
        description="Private CIDRs tcp and http tools may name in cidrs (e.g. a database subnet); a private destination outside them is NET-005.",
    )
    api_server_cidrs: list[Cidr] = Field(
        default_factory=new_list,
        description="The Kubernetes API server's addresses (e.g. [172.16.0.2/32]) for kubernetes tools' egress; default: unknown, so the private ranges on 443/6443 (NET-005).",
    )


class TraceSource(Model):
    """Where `agentctl trace` reads traces from."""

    source: Literal["jaeger", "tempo", "local"] = Field(
        "local", description="Backend kind; local is agentctl's own trace store."
    )
    url: Url | None = Field(None, description="Backend query URL (jaeger and tempo).")


class Telemetry(Model):
    """The OpenTelemetry collector agents export to, and where traces are read."""

    otlp_endpoint: Url = Field(
        "http://otel-collector.observability:4318",
        description="OTLP/HTTP endpoint of the collector (OTEL_EXPORTER_OTLP_ENDPOINT).",
    )
    collector_namespace: str = Field(
        "observability", description="Namespace of the collector (for NetworkPolicy egress)."
    )
    collector_labels: dict[str, str] = Field(
        default_factory=shapes.default_collector_labels,
        description="Pod labels of the collector (for NetworkPolicy egress).",
    )
    traces: TraceSource = Field(
        default_factory=shapes.model_defaults,
        description="Where agentctl trace reads.",
    )
    cost_source: Url | None = Field(None, description="OpenCost base URL for compute cost.")
    allow_capture_content: bool = Field(
        False,
        description="Whether agents may set observability.captureContent (prompts and outputs in spans, kept as long as the trace store keeps spans); otherwise OBS-002 is a high finding.",
    )


class Limits(Model):
    """Maximums every agent must stay within (checked by validate)."""

    max_budget_per_run_usd: USD = Field(
        Decimal("5"), alias="maxBudgetPerRunUSD", description="Highest allowed perRunUSD."
    )
    max_daily_budget_usd: USD = Field(
        Decimal("100"), alias="maxDailyBudgetUSD", description="Highest allowed dailyUSD."
    )
    max_cpu: Quantity = Field("4", alias="maxCPU", description="Highest CPU request or limit.")
    max_memory: Quantity = Field("8Gi", description="Highest memory request or limit.")
    max_replicas: int = Field(20, ge=1, description="Highest scaling.maxReplicas.")


class ComputePricing(Model):
    """Rate card for compute cost estimates (each price at most 1,000,000 USD per unit)."""

    cpu_hour_usd: float = Field(
        0.0445,
        ge=0,
        le=MAX_UNIT_PRICE_USD,
        alias="cpuHourUSD",
        description="Price of one vCPU-hour.",
    )
    memory_gib_hour_usd: float = Field(
        0.0049225,
        ge=0,
        le=MAX_UNIT_PRICE_USD,
        alias="memoryGiBHourUSD",
        description="Price of one GiB-hour of memory.",
    )
    storage_gib_month_usd: float = Field(
        0.04,
        ge=0,
        le=MAX_UNIT_PRICE_USD,
        alias="storageGiBMonthUSD",
        description="Price of one GiB-month of storage.",
    )
    name: str = Field(
        "GKE Autopilot general-purpose, us-central1 (on-demand)",
        description="Where the rates come from (shown in cost reports).",
    )


class Pricing(Model):
    """Prices for cost estimates (LLM prices come from genai-prices)."""

    compute: ComputePricing = Field(
        default_factory=shapes.model_defaults,
        description="Compute rate card.",
    )


class Exception_(Model):
    """A platform-granted exception to a policy check."""

    check: CheckId = Field(description="Check id, e.g. NET-003.")
    reason: str = Field(min_length=3, description="Mandatory: why the exception is granted.")
    agent: str | None = Field(None, description="Agent name or glob; default: every agent.")
    object: str | None = Field(None, description="Kind/name of the object, or a glob.")
    container: str | None = Field(None, description="Container name.")
    expires: _dt.date | None = Field(
        None, description="Date (YYYY-MM-DD) after which the exception stops applying."
    )


class FieldRule(Model):
    """A declarative organisation check over rendered objects."""

    id: CheckId = Field(description="Check id, e.g. ORG-001.")
    kinds: list[str] = Field(min_length=1, description="Object kinds the rule applies to.")
    path: str = Field(min_length=1, description="Dotted field path; [*] for every list item.")
    match: str | None = Field(None, description="Regular expression the value must match.")
    not_match: str | None = Field(None, description="Regular expression the value must not match.")
    exists: bool | None = Field(None, description="The field must (true) or must not exist.")
    severity: Severity = Field("medium", description="Severity of a finding.")
    message: str = Field("", description="Finding message.")
    remediation: str = Field("", description="How to fix it.")


class PolicySettings(Model):
    """How validate's policy gate behaves for this organisation."""

    fail_on: Severity = Field("high", description="Default --fail-on severity.")
    severity: dict[str, Severity] = Field(
        default_factory=new_dict,
        description="Severity overrides per check id (validate reports an id no check has).",
    )
    exceptions: list[Exception_] = Field(
        default_factory=new_list,
        description="Granted exceptions, each with a reason (validate reports a check id no check has).",
    )
    allow_inline_suppressions: bool = Field(
        True, description="Whether suppressions in agent.yaml are honoured."
    )
    checks: list[FieldRule] = Field(
        default_factory=new_list, description="Declarative organisation checks."
    )
    allow_no_gate: bool = Field(
        False,
        description="Whether build and deploy accept --no-gate (the gate's findings are then printed, not enforced; literal credentials are refused regardless).",
    )
    allow_kinds: list[KindRef] = Field(
        default_factory=new_list,
        description="Kinds SCH-001 accepts without a schema (as --allow-kind does), e.g. custom resources whose CRD is not at hand.",
    )


class Platform(shapes.Platform, Model):
    """A platform.yaml file."""

    api_version: Literal["agentctl.dev/v1alpha1"] = Field(
        alias="apiVersion", description=f"Always {API_VERSION}."
    )
    kind: Literal["Platform"] = Field(description="Always Platform.")
    namespace: str = Field(
        "agents-{team}",
        description="Target namespace; {team} and {agent} are substituted. Never default.",
    )
    registries: list[Annotated[str, Field(min_length=1)]] = Field(
        default_factory=new_list,
        description="Allowed image registry prefixes (each non-empty: an empty prefix would match every image); empty list: any (reported as a low finding).",
    )
    models: list[ModelAllow] = Field(
        default_factory=new_list,
        description="Allowed models; empty: any (reported as a low finding).",
    )
    secret_stores: dict[DnsSubdomain, SecretStoreRef] = Field(
        default_factory=shapes.default_stores,
        description=f"The only secret stores agents may name in spec.secrets (SEC-005); default: {DEFAULT_SECRET_STORE} (a ClusterSecretStore).",
    )
    egress: Egress = Field(
        default_factory=shapes.model_defaults,
        description="How external egress is restricted.",
    )
    workload_identity: WorkloadIdentity | None = Field(
        None,
        description="The cloud identity agents' ServiceAccounts carry (gke, eks or azure); default: none.",
    )
    telemetry: Telemetry = Field(
        default_factory=shapes.model_defaults,
        description="Collector and trace source.",
    )
    network: NetworkSettings = Field(
        default_factory=shapes.model_defaults,
        description="Ingress to agents and exact in-cluster egress destinations.",
    )
    limits: Limits = Field(
        default_factory=shapes.model_defaults, description="Maximums for every agent."
    )
    required_labels: list[str] = Field(
        default_factory=new_list, description="Labels every agent must set in metadata.labels."
    )
    pricing: Pricing = Field(default_factory=shapes.model_defaults, description="Rate cards.")
    mcp_servers: list[str] = Field(
        default_factory=new_list,
        description="MCP servers agents may use: endpoint URLs (http://rates.tools.svc.cluster.local:80/mcp) or globs (https://mcp.example.com/*). An mcp tool elsewhere is a GRD-006 finding.",
    )
    trusted_templates: list[str] = Field(
        default_factory=new_list,
        description="Templates (git URL or directory, or a prefix ending in /) whose cookiecutter hooks run without asking; others need --trust.",
    )
    policy: PolicySettings = Field(
        default_factory=shapes.model_defaults,
        description="Policy gate settings.",
    )

    _ns = field_validator("namespace")(staticmethod(shapes.platform_namespace))


DEFAULT_PLATFORM_DOC = shapes.DEFAULT_PLATFORM_DOC


def default_platform() -> Platform:
    """Safe built-ins used when no platform.yaml is given (and reported as such)."""
    return Platform.model_validate(DEFAULT_PLATFORM_DOC)
