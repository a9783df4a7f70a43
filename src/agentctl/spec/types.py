"""Field types shared by the agent.yaml and platform.yaml models.

Each constrained string type carries a ``TypeDoc`` in its metadata: the name
the reference docs and error messages use for it ("quantity", "duration").
"""

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field
from pydantic.alias_generators import to_camel
from pydantic.json_schema import WithJsonSchema

from agentctl.errors import echoed
from agentctl.spec import units
from agentctl.spec.entry_points import skip_empty_pydantic_plugin_search
from agentctl.spec.platform_fields import API_VERSION as API_VERSION
from agentctl.spec.platform_fields import http_url

skip_empty_pydantic_plugin_search()  # before the first model class below is built


# Room for derived names: "<agent>-<tool>", "<agent>-memory-<agent>-<n>" (PVC),
# and the 11-character suffix a CronJob adds to its Jobs.
MAX_AGENT_NAME = 40


class Model(BaseModel):
    """Base of every spec model: camelCase keys, unknown keys are errors."""

    model_config = ConfigDict(
        extra="forbid",
        alias_generator=to_camel,
        populate_by_name=True,
        validate_default=True,
        use_enum_values=False,
    )


def new_dict() -> dict[Any, Any]:
    """A default factory for an empty mapping. pydantic inspects every default factory's
    signature as it builds a model; a builtin's (``dict``, ``list``) is parsed from its
    text signature with the tokenizer, about 0.4 ms each, a function's is not."""
    return {}


def new_list() -> list[Any]:
    """A default factory for an empty list (see ``new_dict``)."""
    return []


@dataclass(frozen=True)
class TypeDoc:
    """How a constrained type is named and explained in the reference docs."""

    name: str
    doc: str


def _dns_label(value: str) -> str:
    return units.check_dns1123_label(value)


def _function_name(value: str) -> str:
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]{0,63}", value):
        raise ValueError(
            f"{echoed(value)} is not a function name: a letter or '_' first, then letters, digits, "
            "'_' or '-', at most 64 characters"
        )
    return value


def _agent_name(value: str) -> str:
    return units.check_dns1123_label(value, max_length=MAX_AGENT_NAME)


def _quantity(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError("expected a quantity such as 500m, 1 or 2Gi")
    units.check_quantity_range(value, units.parse_quantity(value))
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


_DNS_LABEL_PATTERN = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"
# What OpenAI-compatible APIs accept as a function (tool) name.
_FUNCTION_NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_-]{0,63}$"
_QUANTITY_PATTERN = r"^[+]?([0-9]+(\.[0-9]+)?|\.[0-9]+)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?$"
_DURATION_PATTERN = r"^([0-9]+d)?([0-9]+h)?([0-9]+m)?([0-9]+s)?$"

DnsLabel = Annotated[
    str,
    AfterValidator(_dns_label),
    WithJsonSchema({"type": "string", "pattern": _DNS_LABEL_PATTERN, "maxLength": 63}),
    TypeDoc("name", "DNS-1123 label: lower-case letters, digits and '-', at most 63 characters"),
]
DnsSubdomain = Annotated[
    str,
    AfterValidator(units.check_dns1123_subdomain),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": units.DNS1123_SUBDOMAIN_RE.pattern,
            "maxLength": 253,
        }
    ),
    TypeDoc("object name", "DNS-1123 subdomain: lower-case letters, digits, '-' and '.'"),
]
FunctionName = Annotated[
    str,
    AfterValidator(_function_name),
    WithJsonSchema({"type": "string", "pattern": _FUNCTION_NAME_PATTERN}),
    TypeDoc(
        "function name",
        "the name the model calls: letters, digits, '_' and '-', at most 64 characters",
    ),
]
AgentName = Annotated[
    str,
    AfterValidator(_agent_name),
    WithJsonSchema({"type": "string", "pattern": _DNS_LABEL_PATTERN, "maxLength": MAX_AGENT_NAME}),
    TypeDoc("name", f"DNS-1123 label of at most {MAX_AGENT_NAME} characters"),
]
Quantity = Annotated[
    str,
    BeforeValidator(_coerce_quantity),
    AfterValidator(_quantity),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "pattern": _QUANTITY_PATTERN},
                {"type": "number", "exclusiveMinimum": 0},
            ]
        }
    ),
    TypeDoc("quantity", "Kubernetes quantity: 500m, 1, 2Gi, 512Mi"),
]
Duration = Annotated[
    str,
    BeforeValidator(_coerce_duration),
    AfterValidator(_duration),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "pattern": _DURATION_PATTERN, "minLength": 2},
                {"type": "integer", "minimum": 1},
            ]
        }
    ),
    TypeDoc("duration", "30s, 20m, 6h, 1h30m, 2d (a bare number is seconds)"),
]
Image = Annotated[
    str,
    AfterValidator(_image),
    WithJsonSchema({"type": "string", "minLength": 1}),
    TypeDoc("image", "image reference: registry/path:tag or registry/path@sha256:digest"),
]
Cron = Annotated[
    str,
    AfterValidator(_cron),
    WithJsonSchema({"type": "string", "minLength": 1}),
    TypeDoc("cron", "five-field cron expression (minute hour day month weekday) or @daily"),
]
Url = Annotated[
    str,
    AfterValidator(http_url),
    WithJsonSchema({"type": "string", "pattern": "^https?://"}),
    TypeDoc("URL", "http:// or https:// URL"),
]
Port = Annotated[int, Field(ge=1, le=65535), TypeDoc("port", "1-65535")]
# A budget above a billion dollars is a typo; unbounded, 1e999999999 overflowed the
# decimal context when the budget was written out for the agent.
MAX_USD = 1_000_000_000
USD = Annotated[
    Decimal,
    Field(ge=0, le=MAX_USD, decimal_places=6),
    TypeDoc("USD", "amount in US dollars, at most 1,000,000,000"),
]
Ratio = Annotated[float, Field(ge=0, le=1), TypeDoc("ratio", "0.0-1.0")]
CheckId = Annotated[
    str,
    Field(pattern=r"^[A-Z]+-[0-9]{3}$"),
    TypeDoc("check id", "a policy check id such as NET-003"),
]
Severity = Literal["low", "medium", "high", "critical"]
Cidr = Annotated[
    str,
    AfterValidator(units.check_cidr),
    TypeDoc("CIDR", "an IP address and a prefix length, no host bits set, e.g. 10.20.0.0/24"),
]
EnvName = Annotated[
    str,
    AfterValidator(units.check_env_name),
    TypeDoc("variable name", "letters, digits, '_', '-' and '.'"),
]
