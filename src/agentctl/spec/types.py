"""Field types shared by the agent.yaml and platform.yaml models.

Each constrained string type carries a ``TypeDoc`` in its metadata: the name
the reference docs and error messages use for it ("quantity", "duration").
"""

from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field
from pydantic.alias_generators import to_camel
from pydantic.json_schema import WithJsonSchema

from agentctl.spec import shapes, units
from agentctl.spec.entry_points import skip_empty_pydantic_plugin_search
from agentctl.spec.platform_fields import API_VERSION as API_VERSION
from agentctl.spec.platform_fields import http_url

skip_empty_pydantic_plugin_search()  # before the first model class below is built


MAX_AGENT_NAME = shapes.MAX_AGENT_NAME
new_dict = shapes.new_dict
new_list = shapes.new_list


class Model(BaseModel):
    """Base of every spec model: camelCase keys, unknown keys are errors."""

    model_config = ConfigDict(
        extra="forbid",
        alias_generator=to_camel,
        populate_by_name=True,
        validate_default=True,
        use_enum_values=False,
    )

    @classmethod
    def spec_new(cls, name: str, data: dict[str, Any]) -> Any:
        """A spec object of model ``name`` (as ``shapes`` methods make one): a model."""
        from agentctl.spec.fast import model_class

        return model_class(name).model_validate(data)


@dataclass(frozen=True)
class TypeDoc:
    """How a constrained type is named and explained in the reference docs."""

    name: str
    doc: str


_DNS_LABEL_PATTERN = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"
# What OpenAI-compatible APIs accept as a function (tool) name.
_FUNCTION_NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_-]{0,63}$"
_QUANTITY_PATTERN = r"^[+]?([0-9]+(\.[0-9]+)?|\.[0-9]+)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?$"
_DURATION_PATTERN = r"^([0-9]+d)?([0-9]+h)?([0-9]+m)?([0-9]+s)?$"

DnsLabel = Annotated[
    str,
    AfterValidator(shapes.dns_label),
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
    AfterValidator(shapes.function_name),
    WithJsonSchema({"type": "string", "pattern": _FUNCTION_NAME_PATTERN}),
    TypeDoc(
        "function name",
        "the name the model calls: letters, digits, '_' and '-', at most 64 characters",
    ),
]
AgentName = Annotated[
    str,
    AfterValidator(shapes.agent_name),
    WithJsonSchema({"type": "string", "pattern": _DNS_LABEL_PATTERN, "maxLength": MAX_AGENT_NAME}),
    TypeDoc("name", f"DNS-1123 label of at most {MAX_AGENT_NAME} characters"),
]
Quantity = Annotated[
    str,
    BeforeValidator(shapes.coerce_quantity),
    AfterValidator(shapes.quantity),
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
    BeforeValidator(shapes.coerce_duration),
    AfterValidator(shapes.duration),
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
    AfterValidator(shapes.image),
    WithJsonSchema({"type": "string", "minLength": 1}),
    TypeDoc("image", "image reference: registry/path:tag or registry/path@sha256:digest"),
]
Cron = Annotated[
    str,
    AfterValidator(shapes.cron),
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
