"""The spec models' behaviour without pydantic: their methods, model-level checks and
value checks, in classes both kinds of spec object inherit.

The agent.yaml and platform.yaml contracts are declared once, as pydantic models
(``models``, ``platform_models``). Building those classes and importing pydantic
costs more CPU than a whole deploy of unchanged input, so a spec is loaded through
a validator built from the models' own core schema (``compiled``, generated from the
models), which makes instances of light classes instead. Both kinds inherit the
classes here, so a method, a property or ``isinstance(tool, shapes.ServiceTool)``
behaves the same for either; the checks the models run are these functions too, so
the two validators cannot drift apart.

Nothing here imports pydantic.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from agentctl.errors import echoed
from agentctl.spec import units
from agentctl.spec.platform_fields import API_VERSION

if TYPE_CHECKING:
    from agentctl.spec.models import Agent
    from agentctl.spec.models import Scaling as ScalingModel
    from agentctl.spec.models import Workflow as WorkflowModel


class FieldValueError(ValueError):
    """A model-level check that is about one field: ``field`` (YAML keys) is
    appended to the model's location so the error points at that field."""

    def __init__(self, message: str, *field: str | int) -> None:
        super().__init__(message)
        self.field: tuple[str | int, ...] = field


class AgentType(StrEnum):
    """What the agent becomes on the cluster."""

    service = "service"
    stateful = "stateful"
    job = "job"
    workflow = "workflow"


# Room for derived names: "<agent>-<tool>", "<agent>-memory-<agent>-<n>" (PVC),
# and the 11-character suffix a CronJob adds to its Jobs.
MAX_AGENT_NAME = 40
# What the API server takes in one object's annotations, keys and values together.
MAX_ANNOTATIONS_BYTES = 256 * 1024


# -- value checks (the field types' validators) -------------------------------------


def new_dict() -> dict[Any, Any]:
    """A default factory for an empty mapping. pydantic inspects every default factory's
    signature as it builds a model; a builtin's (``dict``, ``list``) is parsed from its
    text signature with the tokenizer, about 0.4 ms each, a function's is not."""
    return {}


def new_list() -> list[Any]:
    """A default factory for an empty list (see ``new_dict``)."""
    return []


def model_defaults() -> Any:
    """A default factory for a nested model: an empty mapping, which the field validates
    into the model's defaults (so both validators make their own kind of object)."""
    return {}


def dns_label(value: str) -> str:
    return units.check_dns1123_label(value)


def function_name(value: str) -> str:
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]{0,63}", value):
        raise ValueError(
            f"{echoed(value)} is not a function name: a letter or '_' first, then letters, digits, "
            "'_' or '-', at most 64 characters"
        )
    return value


def agent_name(value: str) -> str:
    return units.check_dns1123_label(value, max_length=MAX_AGENT_NAME)


def quantity(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError("expected a quantity such as 500m, 1 or 2Gi")
    units.check_quantity_range(value, units.parse_quantity(value))
    return str(value)


def duration(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValueError("expected a duration such as 30s, 20m or 6h")
    units.parse_duration(value)
    return str(value) if isinstance(value, str) else f"{value}s"


def image(value: str) -> str:
    units.parse_image(value)
    return value


def cron(value: str) -> str:
    return units.check_cron(value)


def coerce_quantity(value: Any) -> Any:
    # Accept YAML numbers for quantities (cpu: 1, cpu: 0.5) as Kubernetes does.
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return value


def coerce_duration(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value}s"
    return value


# Kind, group/Kind or apiVersion/Kind (group/version/Kind; v1/Kind for the core group).
KIND_REF_PATTERN = r"^([a-z0-9]([-a-z0-9.]*[a-z0-9])?/){0,2}[A-Z][A-Za-z0-9]*$"


def kind_ref(value: str) -> str:
    if not re.fullmatch(KIND_REF_PATTERN, value):
        raise ValueError(
            f"{echoed(value)} is not a kind: write Kind, group/Kind or apiVersion/Kind "
            "(e.g. Widget, example.com/Widget, example.com/v1/Widget)"
        )
    return value


_LABEL_RE = re.compile(r"^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$")


def qualified_name(key: str) -> bool:
    """Whether ``key`` is a label or annotation key the API server takes: a name of at
    most 63 characters, optionally behind a DNS-1123 subdomain prefix and '/'."""
    prefix, slash, name = key.rpartition("/")
    if slash and (len(prefix) > 253 or not units.DNS1123_SUBDOMAIN_RE.match(prefix)):
        return False
    return _LABEL_RE.match(name) is not None


def check_labels(value: dict[str, str]) -> dict[str, str]:
    for key, val in value.items():
        if not qualified_name(key):
            raise ValueError(f"label key {echoed(key)} is not a valid Kubernetes label name")
        if val and not _LABEL_RE.match(val):
            raise ValueError(
                f"label value {echoed(val)} (key {echoed(key)}) is not a valid Kubernetes label value"
            )
    return value


def check_annotations(value: dict[str, str]) -> dict[str, str]:
    for key in value:
        if not qualified_name(key):
            raise ValueError(
                f"annotation key {echoed(key)} is not a valid Kubernetes annotation name"
            )
    size = sum(len(k.encode()) + len(v.encode()) for k, v in value.items())
    if size > MAX_ANNOTATIONS_BYTES:
        raise ValueError(
            f"annotations are {size} bytes; Kubernetes takes at most {MAX_ANNOTATIONS_BYTES}"
        )
    return value


def workflow_parameters(value: Any) -> Any:
    """Workflow parameters written as YAML scalars other than strings, as text."""
    if not isinstance(value, dict):
        return value
    out = {}
    for k, v in value.items():
        if isinstance(v, bool):
            v = str(v).lower()
        elif isinstance(v, int | float):
            v = str(v)
        out[k] = v
    return out


def platform_namespace(value: str) -> str:
    probe = value.replace("{team}", "team").replace("{agent}", "agent")
    units.check_dns1123_label(probe)
    if probe == "default":
        raise ValueError("agents never go to the 'default' namespace")
    return value


DEFAULT_SECRET_STORE = "gcp-secret-manager"
DEFAULT_PLATFORM_DOC: dict[str, Any] = {"apiVersion": API_VERSION, "kind": "Platform"}


def default_stores() -> Any:
    # a plain mapping (validated like a written one), so the generated docs can print it
    return {DEFAULT_SECRET_STORE: {"kind": "ClusterSecretStore"}}


def default_collector_labels() -> dict[str, str]:
    return {"app.kubernetes.io/name": "opentelemetry-collector"}


# -- the models' methods and model-level checks ---------------------------------------


class Memory:
    if TYPE_CHECKING:
        access_mode: str

    @property
    def shared(self) -> bool:
        return self.access_mode == "ReadWriteMany"


class Resources:
    if TYPE_CHECKING:
        cpu: str
        memory: str
        cpu_limit: str | None
        memory_limit: str | None

    def _limits(self) -> Any:
        if self.cpu_limit is not None and units.cpu_cores(self.cpu_limit) < units.cpu_cores(
            self.cpu
        ):
            raise FieldValueError("cpuLimit is below the cpu request", "cpuLimit")
        if self.memory_limit is not None and units.memory_bytes(
            self.memory_limit
        ) < units.memory_bytes(self.memory):
            raise FieldValueError("memoryLimit is below the memory request", "memoryLimit")
        return self


class Scaling:
    if TYPE_CHECKING:
        min_replicas: int
        max_replicas: int

    def _range(self) -> Any:
        if self.max_replicas < self.min_replicas:
            raise FieldValueError(
                f"maxReplicas ({self.max_replicas}) is below minReplicas ({self.min_replicas})",
                "maxReplicas",
            )
        return self


class ServiceTool:
    pass


class HttpTool:
    pass


class TcpTool:
    pass


class KubernetesTool:
    pass


class FunctionTool:
    pass


class McpTool:
    if TYPE_CHECKING:
        url: str | None
        service: Any

    def _one_target(self) -> Any:
        if (self.url is None) == (self.service is None):
            raise FieldValueError("an mcp tool needs exactly one of url and service", "url")
        return self


class Gate:
    if TYPE_CHECKING:
        min: float | None
        max: float | None

    def _one(self) -> Any:
        if self.min is None and self.max is None:
            raise ValueError("a gate needs min or max")
        return self


class AgentSpecBody:
    if TYPE_CHECKING:
        type: AgentType
        port: int | None
        memory: Any
        workflow: Any
        schedule: str | None
        scaling: Any

    def _consistency(self) -> Any:
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
        if (
            t is AgentType.stateful
            and self.memory is not None
            and not self.memory.shared
            and self.scaling is not None
            and self.scaling.max_replicas > 1
        ):
            raise FieldValueError(
                f"maxReplicas {self.scaling.max_replicas} would split memory: each replica of a "
                "stateful agent would remember only the conversations it served, on its own "
                f"{self.memory.access_mode} volume; run one replica (scaling: {{minReplicas: 1, "
                "maxReplicas: 1}) or share one volume between replicas (memory.accessMode: "
                "ReadWriteMany)",
                "scaling",
                "maxReplicas",
            )
        if t is AgentType.workflow and self.memory is not None and not self.memory.shared:
            parallel = _parallel_steps(self.workflow)
            if parallel:
                raise FieldValueError(
                    f"memory ({self.memory.access_mode}) is mounted by every step, and "
                    f"{parallel} runs pods in parallel: a {self.memory.access_mode} volume "
                    "attaches to one node at a time, so parallel pods fail to start "
                    "(Multi-Attach); set memory.accessMode: ReadWriteMany",
                    "memory",
                    "accessMode",
                )
        return self

    def effective_scaling(self) -> ScalingModel:
        """The replicas the agent runs with: ``scaling``, or its default (one replica for a
        stateful agent on a volume of its own, else the Scaling defaults)."""
        if self.scaling is not None:
            return self.scaling
        if self.type is AgentType.stateful and self.memory is not None and not self.memory.shared:
            # one replica on one volume: more would split the agent's memory between them
            return self.spec_new("Scaling", {"minReplicas": 1, "maxReplicas": 1})  # type: ignore[attr-defined]
        return self.spec_new("Scaling", {})  # type: ignore[attr-defined]


def _parallel_steps(workflow: WorkflowModel | None) -> str:
    """A description of the steps of a workflow that run pods at the same time ("" if none)."""
    if workflow is None:
        return ""
    fan_out = [
        s.name for s in workflow.steps if s.for_each is not None and s.for_each.parallelism > 1
    ]
    if fan_out:
        return f"step {fan_out[0]} (forEach)"
    by_deps: dict[tuple[str, ...], list[str]] = {}
    for s in workflow.steps:
        by_deps.setdefault(tuple(sorted(s.depends_on)), []).append(s.name)
    siblings = next((names for names in by_deps.values() if len(names) > 1), None)
    return f"steps {' and '.join(siblings[:2])} (same dependencies)" if siblings else ""


class SecretStoreRef:
    if TYPE_CHECKING:
        key_prefix: str | None

    def prefix_for(self, team: str, agent: str) -> str | None:
        if self.key_prefix is None:
            return None
        return self.key_prefix.replace("{team}", team).replace("{agent}", agent)


class WorkloadIdentity:
    if TYPE_CHECKING:
        provider: str
        project_id: str | None
        role_arn: str | None
        client_id: str | None

    def _needs(self) -> Any:
        need = {"gke": "project_id", "eks": "role_arn", "azure": "client_id"}[self.provider]
        if getattr(self, need) is None:
            alias = {"project_id": "projectId", "role_arn": "roleArn", "client_id": "clientId"}[
                need
            ]
            raise FieldValueError(f"provider {self.provider} needs {alias}", "provider")
        return self

    def annotation(self, team: str, agent: str, explicit: str | None) -> tuple[str, str]:
        """(annotation key, value) for one agent's ServiceAccount."""
        if self.provider == "gke":
            return (
                "iam.gke.io/gcp-service-account",
                explicit or f"{agent}@{self.project_id}.iam.gserviceaccount.com",
            )
        if self.provider == "eks":
            pattern = str(self.role_arn)
            return (
                "eks.amazonaws.com/role-arn",
                explicit or pattern.replace("{team}", team).replace("{agent}", agent),
            )
        return ("azure.workload.identity/client-id", explicit or str(self.client_id))


class Egress:
    if TYPE_CHECKING:
        mode: str
        proxy: Any

    def _proxy(self) -> Any:
        if self.mode == "proxy" and self.proxy is None:
            raise FieldValueError(
                "mode proxy needs egress.proxy (service, namespace, port)", "mode"
            )
        return self


class Platform:
    if TYPE_CHECKING:
        namespace: str

    def namespace_for(self, agent: Agent) -> str:
        return self.namespace.replace("{team}", agent.metadata.team).replace(
            "{agent}", agent.metadata.name
        )


# -- the light spec objects ---------------------------------------------------------


class Twin:
    """Base of the light spec classes (``compiled``): a spec object pydantic-core made
    without pydantic. Its fields are attributes (its ``vars()``), as on a model; it
    compares, copies, pickles, prints and takes assignments like one, and dumps through
    one (``model_dump``). Only ``isinstance`` against the model classes tells it apart:
    test against the classes here (``shapes.ServiceTool``)."""

    # as on a model: the fields are the instance's __dict__ (vars()), the rest in slots
    __slots__ = (
        "__dict__",
        "__pydantic_extra__",
        "__pydantic_fields_set__",
        "__pydantic_private__",
    )
    __pydantic_fields_set__: set[str]

    @property
    def model_fields_set(self) -> set[str]:
        return self.__pydantic_fields_set__

    def _fields(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if not k.startswith("__")}

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self._fields() == other._fields()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        body = ", ".join(f"{k}={v!r}" for k, v in self._fields().items())
        return f"{type(self).__name__}({body})"

    def __setattr__(self, name: str, value: Any) -> None:
        # as a model without validate_assignment: a field takes any value and counts as
        # set; any other name is refused
        if name.startswith("__"):
            object.__setattr__(self, name, value)
            return
        if name not in self.__dict__:
            raise ValueError(f'"{type(self).__name__}" object has no field "{name}"')
        self.__dict__[name] = value
        self.__pydantic_fields_set__.add(name)

    def model_copy(self, *, update: dict[str, Any] | None = None, deep: bool = False) -> Any:
        import copy

        new = object.__new__(type(self))
        new.__dict__.update(copy.deepcopy(self.__dict__) if deep else self.__dict__)
        if update:
            new.__dict__.update(update)
        # a copy's fields set is its own, as a model's
        object.__setattr__(
            new, "__pydantic_fields_set__", set(self.__pydantic_fields_set__) | set(update or ())
        )
        object.__setattr__(new, "__pydantic_extra__", None)
        object.__setattr__(new, "__pydantic_private__", None)
        return new

    def __copy__(self) -> Any:
        return self.model_copy()

    def model_dump(self, **kwargs: Any) -> Any:
        """What the model's ``model_dump`` gives (through the model: imports pydantic)."""
        from agentctl.spec import fast

        return fast.as_model(self).model_dump(**kwargs)

    def model_dump_json(self, **kwargs: Any) -> str:
        """What the model's ``model_dump_json`` gives (through the model: imports pydantic)."""
        from agentctl.spec import fast

        result: str = fast.as_model(self).model_dump_json(**kwargs)
        return result

    @classmethod
    def spec_new(cls, name: str, data: dict[str, Any]) -> Any:
        """A spec object of model ``name`` (as the methods above make one), light too."""
        from agentctl.spec import fast

        return fast.validate(name, data)
