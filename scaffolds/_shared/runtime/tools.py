"""Tools the model may call: a JSON schema per tool, argument checks, spans.

Every call runs inside an ``execute_tool {name}`` span (GenAI conventions:
``gen_ai.tool.name``, ``gen_ai.tool.call.id``, ``gen_ai.tool.type``); a failure
sets the span's error status and ``error.type`` and is returned to the model as
``{"error": ...}`` so it can recover. Arguments and results are recorded only
when content capture is on.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from opentelemetry import trace

from . import telemetry
from .config import Settings

_JSON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "number": (int, float),
    "integer": (int,),
    "boolean": (bool,),
    "array": (list,),
    "object": (dict,),
}


class ToolError(Exception):
    """A tool failed in a way worth telling the model (bad input, nothing found...)."""


class ToolArgumentError(ToolError):
    """The model sent arguments that do not match the tool's schema."""


@dataclass(frozen=True)
class Tool:
    name: str
    description: str
    parameters: dict[str, Any]
    func: Callable[..., Any] = field(repr=False)
    type: str = "function"  # gen_ai.tool.type: function (in this process) or extension (a tool service's)
    source: str | None = None  # the declared service tool a remote tool is served by
    attributes: dict[str, str] = field(default_factory=dict)  # extra span attributes of its calls

    def openai_spec(self) -> dict[str, Any]:
        return {
            "type": "function",
            "function": {"name": self.name, "description": self.description, "parameters": self.parameters},
        }

    def describe(self) -> dict[str, Any]:
        """The listing served over HTTP (``inputSchema`` as MCP names it)."""
        return {"name": self.name, "description": self.description, "inputSchema": self.parameters}

    def __call__(self, **kwargs: Any) -> Any:
        return self.func(**kwargs)


def tool(
    *, name: str | None = None, description: str | None = None, parameters: dict[str, Any] | None = None
) -> Callable[[Callable[..., Any]], Tool]:
    """Declare a function as a tool; its docstring's first line is the default description."""

    def wrap(func: Callable[..., Any]) -> Tool:
        doc = (func.__doc__ or "").strip().splitlines()
        return Tool(
            name=name or func.__name__,
            description=description or (doc[0] if doc else func.__name__),
            parameters=parameters or {"type": "object", "properties": {}, "additionalProperties": False},
            func=func,
        )

    return wrap


def validate_arguments(schema: dict[str, Any], args: Any) -> dict[str, Any]:
    """Check ``args`` against the subset of JSON Schema tools use; raise ToolArgumentError."""
    if not isinstance(args, dict):
        raise ToolArgumentError("arguments must be a JSON object")
    props: dict[str, Any] = schema.get("properties") or {}
    for name in schema.get("required", []):
        if name not in args:
            raise ToolArgumentError(f"missing required argument {name!r}")
    if schema.get("additionalProperties") is False:
        extra = sorted(set(args) - set(props))
        if extra:
            raise ToolArgumentError(f"unknown argument {extra[0]!r}")
    for name, value in args.items():
        spec = props.get(name)
        if spec:
            _check_value(name, spec, value)
    return args


def _check_value(name: str, spec: dict[str, Any], value: Any) -> None:
    kind = spec.get("type")
    if kind in _JSON_TYPES:
        ok = isinstance(value, _JSON_TYPES[kind]) and not (kind in ("number", "integer") and isinstance(value, bool))
        if kind == "integer" and isinstance(value, float) and value.is_integer():
            ok = True
        if not ok:
            raise ToolArgumentError(f"argument {name!r} must be of type {kind}")
    if "enum" in spec and value not in spec["enum"]:
        raise ToolArgumentError(f"argument {name!r} must be one of {', '.join(map(str, spec['enum']))}")
    if isinstance(value, int | float) and not isinstance(value, bool):
        if "minimum" in spec and value < spec["minimum"]:
            raise ToolArgumentError(f"argument {name!r} must be >= {spec['minimum']}")
        if "maximum" in spec and value > spec["maximum"]:
            raise ToolArgumentError(f"argument {name!r} must be <= {spec['maximum']}")
    if isinstance(value, str) and "maxLength" in spec and len(value) > spec["maxLength"]:
        raise ToolArgumentError(f"argument {name!r} is longer than {spec['maxLength']} characters")


@dataclass(frozen=True)
class ToolResult:
    ok: bool
    content: str  # what goes back to the model (JSON text)
    value: Any = None
    error_type: str | None = None


class Toolbox:
    """The tools of one agent, by name."""

    def __init__(self, tools: Iterable[Tool] = ()) -> None:
        self._tools: dict[str, Tool] = {}
        for item in tools:
            self.add(item)

    def add(self, item: Tool) -> None:
        if item.name in self._tools:
            raise ValueError(f"duplicate tool name {item.name!r}")
        self._tools[item.name] = item

    def __contains__(self, name: object) -> bool:
        return name in self._tools

    def __len__(self) -> int:
        return len(self._tools)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self._tools.values())

    def get(self, name: str) -> Tool | None:
        return self._tools.get(name)

    def undeclared(self, settings: Settings) -> list[str]:
        """Tools that ``AGENT_TOOLS`` does not declare (none when it is not set).

        A tool is declared by its own name (a ``function`` tool, or the
        in-process client of an ``http`` tool), or, for a tool a tool service
        serves, by the declared ``service`` tool it comes from.
        """
        if not settings.tools_declared:
            return []
        return [t.name for t in self._tools.values() if not settings.declares(t.source or t.name)]

    def openai_specs(self) -> list[dict[str, Any]]:
        return [t.openai_spec() for t in self._tools.values()]

    def describe(self) -> list[dict[str, Any]]:
        return [t.describe() for t in self._tools.values()]

    def execute(
        self,
        name: str,
        arguments: str | dict[str, Any] | None,
        call_id: str | None = None,
        *,
        capture_content: bool = False,
        max_result_chars: int | None = None,
    ) -> ToolResult:
        """Run a tool; a failure, or a result longer than ``max_result_chars``, is an ``{"error"}`` result."""
        found = self._tools.get(name)
        attributes: dict[str, Any] = {
            "gen_ai.operation.name": "execute_tool",
            "gen_ai.tool.name": name,
            "gen_ai.tool.type": found.type if found is not None else "function",
        }
        if call_id:
            attributes["gen_ai.tool.call.id"] = call_id
        if found is not None:
            attributes["gen_ai.tool.description"] = found.description
            if found.source:
                attributes["agentctl.tool.service"] = found.source
            attributes.update(found.attributes)
        with telemetry.tracer().start_as_current_span(
            f"execute_tool {name}", kind=trace.SpanKind.INTERNAL, attributes=attributes
        ) as span:
            if capture_content and arguments is not None:
                span.set_attribute(
                    "gen_ai.tool.call.arguments", arguments if isinstance(arguments, str) else json.dumps(arguments)
                )
            result = self._run(found, name, arguments)
            if result.ok and max_result_chars is not None and len(result.content) > max_result_chars:
                result = _failure(
                    "ToolResultTooLarge",
                    f"{name} answered {len(result.content)} characters, more than the {max_result_chars} "
                    "a tool result may have (AGENT_TOOL_RESULT_MAX_CHARS)",
                )
            if result.ok:
                if capture_content:
                    span.set_attribute("gen_ai.tool.call.result", result.content)
            else:
                telemetry.mark_error(span, result.error_type or "ToolError", result.content)
            return result

    @staticmethod
    def _run(found: Tool | None, name: str, arguments: str | dict[str, Any] | None) -> ToolResult:
        if found is None:
            return _failure("ToolNotFound", f"no tool named {name!r}")
        try:
            args = json.loads(arguments or "{}") if isinstance(arguments, str | type(None)) else arguments
        except json.JSONDecodeError as exc:
            return _failure("ToolArgumentError", f"arguments are not valid JSON: {exc.msg}")
        try:
            value = found.func(**validate_arguments(found.parameters, args))
        except ToolError as exc:
            return _failure(type(exc).__qualname__, str(exc))
        except Exception as exc:
            return _failure(type(exc).__qualname__, f"{name} failed: {exc}")
        content = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
        return ToolResult(True, content, value)


def _failure(error_type: str, message: str) -> ToolResult:
    return ToolResult(False, json.dumps({"error": message}, ensure_ascii=False), None, error_type)
