"""The agent.yaml contract as Pydantic models (platform.yaml: ``platform_models``).

YAML keys are camelCase (``minReplicas``); Python attributes are snake_case.
Unknown keys are errors everywhere: a typo must never silently drop a guardrail.
Every field has a description: docs/reference/agent-yaml.md is generated from
these models by docs/gen_reference.py.
"""

import datetime as _dt
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator

from agentctl.spec import shapes
from agentctl.spec.types import (
    API_VERSION,
    MAX_AGENT_NAME,
    USD,
    AgentName,
    CheckId,
    Cidr,
    Cron,
    DnsLabel,
    DnsSubdomain,
    Duration,
    EnvName,
    FunctionName,
    Image,
    Model,
    Port,
    Quantity,
    Ratio,
    Severity,
    TypeDoc,
    Url,
    new_dict,
    new_list,
)

AgentType = shapes.AgentType
MAX_ANNOTATIONS_BYTES = shapes.MAX_ANNOTATIONS_BYTES


class Metadata(Model):
    """Who the agent is: its name, owning team, version and labels."""

    name: AgentName = Field(
        description="The agent's name: a DNS-1123 label of at most 40 characters (room for derived names such as <name>-tools)."
    )
    team: DnsLabel = Field(
        description="Owning team: cost allocation, the default namespace (agents-{team}) and the agentctl.dev/team label."
    )
    version: str = Field(
        "0.1.0",
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$",
        description="Agent version (gen_ai.agent.version, app.kubernetes.io/version); the default image tag.",
    )
    description: str | None = Field(None, description="One line about what the agent does.")
    labels: dict[str, str] = Field(
        default_factory=new_dict,
        description="Extra labels on every rendered object (e.g. cost-center); values must be valid label values.",
    )
    annotations: dict[str, str] = Field(
        default_factory=new_dict, description="Extra annotations on every rendered object."
    )

    _labels = field_validator("labels")(staticmethod(shapes.check_labels))
    _annotations = field_validator("annotations")(staticmethod(shapes.check_annotations))


class ModelSpec(Model):
    """The LLM the agent calls."""

    provider: str = Field(
        min_length=1,
        description="OTel gen_ai.provider.name: openai, anthropic, gcp.gemini, ... or offline-demo (a deterministic local model).",
    )
    name: str = Field(
        min_length=1, description="Pinned model id, e.g. gpt-4.1-mini-2025-04-14 (not an alias)."
    )
    endpoint: Url | None = Field(
        None, description="OpenAI-compatible base URL; default: the provider's public endpoint."
    )
    api_key_secret: str | None = Field(
        None, description="Name of the entry in spec.secrets holding the API key."
    )
    temperature: float | None = Field(
        None, ge=0, le=2, description="Sampling temperature passed to the agent."
    )
    max_output_tokens: int | None = Field(
        None, ge=1, description="Upper bound on output tokens per model call."
    )


class Memory(shapes.Memory, Model):
    """Long-term memory: one persistent volume (stateful agents run one replica on it), or one
    ReadWriteMany volume shared by every replica or parallel step."""

    size: Quantity = Field(description="Volume size, e.g. 5Gi.")
    storage_class: DnsSubdomain | None = Field(
        None, description="StorageClass of the volume; default: the cluster's default class."
    )
    mount_path: str = Field(
        "/data", pattern=r"^/.*$", description="Where the volume is mounted in the agent."
    )
    access_mode: Literal["ReadWriteOnce", "ReadWriteOncePod", "ReadWriteMany"] = Field(
        "ReadWriteOnce",
        description="Volume access mode. ReadWriteMany shares one volume between the replicas of "
        "a stateful agent (which may then scale) or the parallel steps of a workflow; it needs "
        "a StorageClass that supports it (NFS, CephFS, EFS, Filestore, Azure Files).",
    )


class Resources(shapes.Resources, Model):
    """CPU and memory requests (and optional limits) of a container."""

    cpu: Quantity = Field("250m", description="CPU request.")
    memory: Quantity = Field("512Mi", description="Memory request (also the memory limit).")
    cpu_limit: Quantity | None = Field(None, description="CPU limit; default: no CPU limit.")
    memory_limit: Quantity | None = Field(
        None, description="Memory limit; default: the memory request."
    )
    ephemeral_storage: Quantity = Field("1Gi", description="Ephemeral storage request.")

    _check = model_validator(mode="after")(shapes.Resources._limits)


class Scaling(shapes.Scaling, Model):
    """Horizontal autoscaling (service and stateful agents)."""

    min_replicas: int = Field(1, ge=0, le=1000, description="Fewest replicas.")
    max_replicas: int = Field(3, ge=1, le=1000, description="Most replicas.")
    target_cpu_utilization: int = Field(
        70,
        ge=1,
        le=100,
        alias="targetCPUUtilization",
        description="Average CPU utilisation (% of the request) the autoscaler aims for.",
    )

    _check = model_validator(mode="after")(shapes.Scaling._range)


class ToolBase(Model):
    name: DnsLabel = Field(description="Tool name, unique in the agent.")
    description: str | None = Field(None, description="What the tool is for.")
    executes_code: bool = Field(
        False, description="The tool runs shell commands or code: needs sandbox and reason."
    )
    sandbox: DnsSubdomain | None = Field(
        None, description="RuntimeClass (e.g. gvisor) that isolates a code-executing tool."
    )
    reason: str | None = Field(
        None, description="Why the tool needs what it needs (read by reviewers and policy)."
    )


class ServiceTool(shapes.ServiceTool, ToolBase):
    """A stateless tool this project deploys: its own Deployment, Service and NetworkPolicy."""

    kind: Literal["service"] = Field(description="service")
    image: Image = Field(description="The tool's container image.")
    port: Port = Field(8080, description="Port the tool serves on.")
    command: list[str] | None = Field(None, description="Container entrypoint override.")
    args: list[str] | None = Field(None, description="Container arguments.")
    resources: Resources | None = Field(
        None, description="Requests/limits; default: the Resources defaults."
    )
    scaling: Scaling | None = Field(None, description="Autoscaling; default: one replica.")
    env: dict[EnvName, str] = Field(
        default_factory=new_dict, description="Plain environment variables."
    )
    health_path: str = Field(
        "/healthz", pattern=r"^/", description="HTTP path of the liveness and readiness probes."
    )


class HttpTool(shapes.HttpTool, ToolBase):
    """An external HTTP API the agent may call (egress to its host and port)."""

    kind: Literal["http"] = Field(description="http")
    url: Url = Field(description="Base URL of the API.")
    cidrs: list[Cidr] = Field(
        default_factory=new_list,
        description="Destination CIDRs (used when the platform's egress mode is cidr).",
    )


class TcpTool(shapes.TcpTool, ToolBase):
    """A database or other TCP endpoint the agent may reach."""

    kind: Literal["tcp"] = Field(description="tcp")
    host: str = Field(min_length=1, description="Host name or IP address.")
    port: Port = Field(description="TCP port.")
    cidrs: list[Cidr] = Field(
        default_factory=new_list,
        description="Destination CIDRs (used when the platform's egress mode is cidr).",
    )


class McpService(Model):
    """An MCP server in the cluster, by its Service."""

    name: DnsLabel = Field(description="Service name.")
    namespace: DnsLabel | None = Field(None, description="Its namespace; default: the agent's.")
    port: Port = Field(80, description="Service port.")
    path: str = Field(
        "/mcp", pattern=r"^/[A-Za-z0-9._~/-]*$", description="Path of the MCP endpoint."
    )


class McpTool(shapes.McpTool, ToolBase):
    """A remote MCP server (Streamable HTTP) whose tools the model may call; egress to it only."""

    kind: Literal["mcp"] = Field(description="mcp")
    url: Url | None = Field(None, description="The MCP endpoint, e.g. https://mcp.example.com/mcp.")
    service: McpService | None = Field(
        None, description="Or: an in-cluster Service serving MCP (exactly one of url and service)."
    )
    tools: list[str] = Field(
        default_factory=new_list,
        description="The server's tools the model may call (an allowlist); empty: every tool it lists.",
    )
    auth_secret: str | None = Field(
        None,
        description="A secret in spec.secrets whose value is sent as a bearer token (Authorization header).",
    )
    cidrs: list[Cidr] = Field(
        default_factory=new_list,
        description="Destination CIDRs (used when the platform's egress mode is cidr).",
    )

    _check = model_validator(mode="after")(shapes.McpTool._one_target)


class PolicyRule(Model):
    """One Kubernetes RBAC rule."""

    api_groups: list[str] = Field(description='API groups ("" is the core group).')
    resources: list[str] = Field(min_length=1, description="Resource types, e.g. configmaps.")
    verbs: list[str] = Field(min_length=1, description="Verbs, e.g. get, list, watch.")
    resource_names: list[str] | None = Field(
        None, description="Restrict the rule to these object names."
    )


class KubernetesTool(shapes.KubernetesTool, ToolBase):
    """The agent acts on the Kubernetes API: a Role/RoleBinding with exactly these rules."""

    kind: Literal["kubernetes"] = Field(description="kubernetes")
    rules: list[PolicyRule] = Field(min_length=1, description="RBAC rules granted to the agent.")
    cluster_scoped: bool = Field(
        False, description="Grant through a ClusterRole instead of a namespaced Role."
    )


class FunctionTool(shapes.FunctionTool, ToolBase):
    """A function in the agent's own code that the model may call: no network, renders no objects.

    Declaring it makes it visible to review and policy; the scaffolded runtime
    refuses to offer the model a tool that agent.yaml does not declare. When it
    executes code, its sandbox is the RuntimeClass of the agent's own pods.
    """

    kind: Literal["function"] = Field(description="function")
    name: FunctionName = Field(
        description="The name the model calls it by (the @tool name in code), unique in the agent; '-' and '_' count as the same."
    )


Tool = Annotated[
    ServiceTool | HttpTool | TcpTool | KubernetesTool | FunctionTool | McpTool,
    Field(discriminator="kind"),
    TypeDoc("tool", "one of the tool kinds below, chosen by kind"),
]


class Caller(Model):
    """Who may call a service or stateful agent, besides the pods of its own namespace."""

    namespace: DnsLabel = Field(description="Namespace of the callers.")
    agent: AgentName | None = Field(
        None,
        description="Only the pods of this agent (agentctl.dev/agent); default: every pod of the namespace.",
    )


class RemoteRef(Model):
    """Where the value lives in the external secret store."""

    key: str = Field(min_length=1, description="Key (name) of the secret in the store.")
    version: str | None = Field(None, description="Version to read; default: the latest.")
    property: str | None = Field(None, description="A property inside a structured secret.")


class Secret(Model):
    """A secret synced from an external store (External Secrets Operator); never in a manifest."""

    name: DnsLabel = Field(description="Secret name, referenced by e.g. model.apiKeySecret.")
    store: DnsSubdomain = Field(
        description="SecretStore/ClusterSecretStore to read from (named in platform.yaml secretStores).",
    )
    remote_ref: RemoteRef = Field(description="Where the value lives in the store.")
    mount: Literal["file", "env"] = Field(
        "file", description="How the agent receives it: a file (preferred) or an env var."
    )
    env: str | None = Field(
        None,
        pattern=r"^[A-Za-z_][A-Za-z0-9_]*$",
        description="Environment variable name when mount is env.",
    )
    refresh_interval: Duration = Field("1h", description="How often the value is re-synced.")


class ForEach(Model):
    """Fan-out: one pod per item of an upstream step's JSON-list output."""

    from_: DnsLabel = Field(
        alias="from", description="Upstream step whose JSON-list output is fanned out over."
    )
    parallelism: int = Field(5, ge=1, le=1000, description="Most items processed at once.")


class Retry(Model):
    """Retries of a failed step with exponential backoff."""

    limit: int = Field(2, ge=0, le=20, description="Retries after the first attempt.")
    backoff: Duration = Field("10s", description="Wait before the first retry.")
    factor: int = Field(2, ge=1, le=10, description="Backoff multiplier per retry.")
    max_backoff: Duration | None = Field(None, description="Cap on the wait between retries.")


class Step(Model):
    """One step of a workflow; runs the agent's image unless it names another."""

    name: DnsLabel = Field(description="Step name, unique in the workflow.")
    args: list[str] = Field(
        default_factory=new_list,
        description="Arguments; may use {{workflow.parameters.NAME}} and {{item}} (in forEach steps).",
    )
    command: list[str] | None = Field(None, description="Entrypoint override.")
    image: Image | None = Field(None, description="Image; default: the agent's image.")
    depends_on: list[DnsLabel] = Field(
        default_factory=new_list, description="Steps that must succeed before this one starts."
    )
    for_each: ForEach | None = Field(
        None, description="Fan out over an upstream step's output (sub-agents)."
    )
    retry: Retry | None = Field(
        None,
        description="Retry policy; default: 2 retries after the first attempt, 10s then 20s apart.",
    )
    timeout: Duration | None = Field(None, description="Deadline of one attempt.")
    resources: Resources | None = Field(
        None, description="Requests/limits; default: spec.resources."
    )
    env: dict[EnvName, str] = Field(
        default_factory=new_dict, description="Extra plain environment variables."
    )


class Workflow(Model):
    """A multi-step process (type workflow): an Argo WorkflowTemplate."""

    steps: list[Step] = Field(min_length=1, description="The steps; dependsOn forms a DAG.")
    parameters: dict[str, str] = Field(
        default_factory=new_dict, description="Workflow parameters and their default values."
    )
    deadline: Duration = Field("6h", description="Deadline of a whole run.")
    parallelism: int = Field(10, ge=1, le=1000, description="Most pods of one run at once.")
    ttl_after_finished: Duration = Field(
        "1d", description="How long finished runs are kept on the cluster."
    )

    _params = field_validator("parameters", mode="before")(staticmethod(shapes.workflow_parameters))


class Budget(Model):
    """LLM spend limits the agent runtime enforces."""

    per_run_usd: USD | None = Field(
        None, alias="perRunUSD", description="Most a single run may spend."
    )
    daily_usd: USD | None = Field(
        None, alias="dailyUSD", description="Most the agent may spend per day."
    )
    daily_ledger: Literal["memory", "cluster"] = Field(
        "memory",
        alias="dailyLedger",
        description="Where the day's spend is kept: memory (a file under the memory volume; "
        "shared by the processes that share it) or cluster (a ConfigMap every replica, restart "
        "and run reads and patches; the pods get a token for that object alone and egress to "
        "the API server).",
    )


class Guardrails(Model):
    """Limits on one run of the agent (passed to the runtime, checked by policy)."""

    budget: Budget = Field(default_factory=shapes.model_defaults, description="Spend limits.")
    max_steps: int | None = Field(
        None, ge=1, le=10_000, description="Most reasoning steps (model calls) per run."
    )
    max_tool_calls: int | None = Field(
        None, ge=0, le=100_000, description="Most tool calls per run."
    )
    timeout: Duration | None = Field(None, description="Wall-clock limit of a run.")


class Gate(shapes.Gate, Model):
    """A threshold over an evaluation metric computed from traces."""

    min: Ratio | None = Field(None, description="Fail when the metric is below this.")
    max: Ratio | None = Field(None, description="Fail when the metric is above this.")
    min_samples: int = Field(20, ge=1, description="Runs needed before the gate is decided.")

    _check = model_validator(mode="after")(shapes.Gate._one)


class Evaluation(Model):
    """Continuous-evaluation gates over the agent's traces (agentctl eval)."""

    task_success_rate: Gate | None = Field(None, description="Share of runs that succeed.")
    tool_use_accuracy: Gate | None = Field(
        None, description="Share of tool calls that are valid and succeed."
    )
    hallucination_rate: Gate | None = Field(
        None, description="Share of answers flagged as unsupported."
    )
    guardrail_adherence: Gate | None = Field(
        None, description="Share of runs within every guardrail."
    )


class Observability(Model):
    """Tracing of the agent (OpenTelemetry GenAI conventions)."""

    sample_ratio: Ratio = Field(1.0, description="Share of runs traced.")
    capture_content: bool = Field(
        False, description="Put prompts and outputs in spans (only when opted in)."
    )
    otlp_endpoint: Url | None = Field(
        None, description="OTLP/HTTP endpoint; default: the platform's telemetry.otlpEndpoint."
    )


class Suppression(Model):
    """An accepted policy finding, with the reason it is accepted."""

    check: CheckId = Field(description="Check id, e.g. NET-003.")
    reason: str = Field(min_length=3, description="Mandatory: why this finding is accepted.")
    object: str | None = Field(
        None, description="Kind/name of the rendered object, or a glob; default: all."
    )
    container: str | None = Field(None, description="Container name; default: all.")
    expires: _dt.date | None = Field(
        None, description="Date (YYYY-MM-DD) after which the suppression stops applying."
    )


class AgentSpecBody(shapes.AgentSpecBody, Model):
    """What the agent is and needs: everything else is derived from it."""

    type: AgentType = Field(
        description="What the agent becomes: service (Deployment, Service, autoscaler), stateful (StatefulSet with a memory volume per replica), job (Job, or CronJob with schedule) or workflow (Argo WorkflowTemplate, or CronWorkflow with schedule)."
    )
    image: Image = Field(description="Container image, by tag or @sha256 digest.")
    command: list[str] | None = Field(None, description="Container entrypoint override.")
    args: list[str] | None = Field(None, description="Container arguments.")
    port: Port | None = Field(
        None, description="Port the agent serves on (required for service and stateful)."
    )
    health_path: str = Field(
        "/healthz", pattern=r"^/", description="HTTP path of the liveness probe."
    )
    ready_path: str = Field(
        "/readyz", pattern=r"^/", description="HTTP path of the readiness probe."
    )
    model: ModelSpec | None = Field(None, description="The LLM the agent calls.")
    memory: Memory | None = Field(
        None, description="Long-term memory volume (required for stateful)."
    )
    tools: list[Tool] = Field(
        default_factory=new_list, description="Tools the agent may use; nothing else is reachable."
    )
    cloud_identity: str | None = Field(
        None,
        min_length=1,
        description="The cloud identity of the agent's ServiceAccount (GCP service account email, AWS role ARN or Azure client id); default: derived from platform.yaml workloadIdentity.",
    )
    callers: list[Caller] = Field(
        default_factory=new_list,
        description="Namespaces (or agents in them) allowed to call a service or stateful agent, besides its own namespace and the platform's network.ingressNamespaces.",
    )
    secrets: list[Secret] = Field(
        default_factory=new_list, description="Secrets from external stores."
    )
    env: dict[EnvName, str] = Field(
        default_factory=new_dict, description="Plain, non-secret environment variables."
    )
    resources: Resources = Field(
        default_factory=shapes.model_defaults,
        description="Requests and limits of the agent's container.",
    )
    scaling: Scaling | None = Field(
        None, description="Autoscaling (service and stateful); default: one replica."
    )
    schedule: Cron | None = Field(
        None, description="Run on a schedule (job and workflow): a CronJob or CronWorkflow."
    )
    workflow: Workflow | None = Field(None, description="The steps (required for workflow).")
    guardrails: Guardrails = Field(
        default_factory=shapes.model_defaults,
        description="Limits on one run: budget, steps, tool calls, time.",
    )
    evaluation: Evaluation | None = Field(
        None, description="Quality gates over traces (agentctl eval)."
    )
    observability: Observability = Field(
        default_factory=shapes.model_defaults,
        description="Tracing settings.",
    )
    suppressions: list[Suppression] = Field(
        default_factory=new_list, description="Accepted policy findings, each with a reason."
    )
    environments: dict[DnsLabel, dict[str, Any]] = Field(
        default_factory=new_dict,
        description="Overlays merged over spec with --env NAME: any spec keys except environments; mappings merge, lists and values replace. Every overlay is validated.",
    )

    _check = model_validator(mode="after")(shapes.AgentSpecBody._consistency)


class Agent(Model):
    """An agent.yaml file."""

    api_version: Literal["agentctl.dev/v1alpha1"] = Field(
        alias="apiVersion", description=f"Always {API_VERSION}."
    )
    kind: Literal["Agent"] = Field(description="Always Agent.")
    metadata: Metadata = Field(description="Who the agent is.")
    spec: AgentSpecBody = Field(description="What the agent is and needs.")


# The platform.yaml models live in their own module; re-exported for callers
# that import everything from here.
from agentctl.spec.platform_models import (  # noqa: E402
    DEFAULT_PLATFORM_DOC,
    ComputePricing,
    Egress,
    EgressProxy,
    Exception_,
    FieldRule,
    Limits,
    ModelAllow,
    Platform,
    PolicySettings,
    Pricing,
    SecretStoreRef,
    Telemetry,
    TraceSource,
    default_platform,
)

__all__ = [
    "API_VERSION",
    "DEFAULT_PLATFORM_DOC",
    "MAX_AGENT_NAME",
    "USD",
    "Agent",
    "AgentName",
    "AgentSpecBody",
    "AgentType",
    "Budget",
    "Caller",
    "ComputePricing",
    "Cron",
    "DnsLabel",
    "Duration",
    "Egress",
    "EgressProxy",
    "Evaluation",
    "Exception_",
    "FieldRule",
    "ForEach",
    "FunctionTool",
    "Gate",
    "Guardrails",
    "HttpTool",
    "Image",
    "KubernetesTool",
    "Limits",
    "Memory",
    "Metadata",
    "Model",
    "ModelAllow",
    "ModelSpec",
    "Observability",
    "Platform",
    "PolicyRule",
    "PolicySettings",
    "Port",
    "Pricing",
    "Quantity",
    "Ratio",
    "RemoteRef",
    "Resources",
    "Retry",
    "Scaling",
    "Secret",
    "SecretStoreRef",
    "ServiceTool",
    "Severity",
    "Step",
    "Suppression",
    "TcpTool",
    "Telemetry",
    "Tool",
    "ToolBase",
    "TraceSource",
    "Url",
    "Workflow",
    "default_platform",
]
