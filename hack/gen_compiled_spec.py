"""Write src/agentctl/spec/compiled.py: the spec models' core schemas, without pydantic.

The agent.yaml and platform.yaml models (``agentctl.spec.models``) are the contract.
pydantic turns each into a core schema that pydantic-core validates with. This script
writes those schemas out as Python literals, each model's class replaced by a light
class of the same name (``shapes.Twin`` and the model's ``shapes`` mixin), so loading a
spec needs pydantic-core and not pydantic or the model classes (see ``spec/shapes.py``).
What the schemas call (value checks, default factories, model checks) must live in a
module that does not import pydantic; this script refuses anything else.

    python hack/gen_compiled_spec.py           # write the module
    python hack/gen_compiled_spec.py --check   # exit 1 if the written module is stale
"""

from __future__ import annotations

import argparse
import datetime
import decimal
import enum
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "src" / "agentctl" / "spec" / "compiled.py"

# Modules a schema may call into: none of them imports pydantic.
ALLOWED_MODULES = {
    "agentctl.spec.shapes": "shapes",
    "agentctl.spec.units": "units",
    "agentctl.spec.platform_fields": "platform_fields",
}
# Keys of a schema node that only pydantic's JSON schema and serialisation read.
DROPPED_KEYS = {"metadata", "serialization"}


class Writer:
    def __init__(self) -> None:
        self.models: dict[str, str] = {}  # variable name -> its literal
        self.order: list[str] = []
        self.twins: dict[str, str] = {}  # class name -> its class statement
        self.refs: dict[str, str] = {}
        self.classes: dict[str, type] = {}  # class name -> the class its twin stands for
        self.first: dict[str, str] = {}  # class name -> the variable of its first schema
        self.counts: dict[Any, int] | None = None  # the first pass's literal counts
        self.seen: dict[Any, int] = {}
        self.shared_vars: dict[Any, str] = {}

    def shared(self, node: Any, text: str) -> str:
        """A literal of five lines or more written more than once (the same field in several
        models): counted on the first pass, a module variable on the second."""
        if text.count("\n") < 4:
            return text
        key = frozen(node)
        if self.counts is None:
            self.seen[key] = self.seen.get(key, 0) + 1
            return text
        if self.counts.get(key, 0) < 2:
            return text
        var = self.shared_vars.get(key)
        if var is None:
            var = self.shared_vars[key] = f"_shared_{len(self.shared_vars) + 1}"
            self.models[var] = text
            self.order.append(var)
        return var

    def ref(self, ref: str) -> str:
        # "agentctl.spec.models.Step:94808114611216" -> "Step" (the id is an address)
        name = ref.split(":")[0].rsplit(".", 1)[-1]
        if ref not in self.refs and name in self.refs.values():
            raise SystemExit(f"two schemas would be written as {name!r}: rename a model")
        return self.refs.setdefault(ref, name)

    def twin(self, cls: type) -> str:
        import agentctl.spec.shapes as shapes

        name = cls.__name__
        if self.classes.setdefault(name, cls) is not cls:
            raise SystemExit(f"two models are named {name!r}: rename one")
        if name not in self.twins:
            bases = (
                f"shapes.{name}, Twin" if isinstance(getattr(shapes, name, None), type) else "Twin"
            )
            doc = (cls.__doc__ or "").strip().splitlines()
            self.twins[name] = f"class {name}({bases}):\n    {(doc[0] if doc else name)!r}\n"
        return name

    def value(self, x: Any, inline: bool = False) -> str:
        """``x`` as a Python literal, at no indentation (``nested`` indents it where it goes)."""
        if isinstance(x, dict):
            cls = model_class(x)
            if cls is not None and not inline:
                return self.model(x, cls)
            if x.get("type") == "model":
                x = {"cls": self.twin(x["cls"]), **{k: v for k, v in x.items() if k != "cls"}}
            items = []
            for k, v in x.items():
                if k in DROPPED_KEYS and isinstance(x.get("type"), str):
                    continue
                if k in ("ref", "schema_ref") and isinstance(v, str):
                    items.append(f"    {k!r}: {self.ref(v)!r},")
                    continue
                if k == "cls" and x.get("type") == "model":
                    items.append(f"    {k!r}: {v},")
                    continue
                inner = inline and k == "schema" and model_class(v) is not None
                items.append(f"    {k!r}: {nested(self.value(v, inline=inner))},")
            return self.shared(x, "{\n" + "\n".join(items) + "\n}" if items else "{}")
        if isinstance(x, list | tuple):
            inner = [f"    {nested(self.value(v))}," for v in x]
            body = "\n" + "\n".join(inner) + "\n" if inner else ""
            return self.shared(x, f"[{body}]" if isinstance(x, list) else f"({body})")
        if isinstance(x, enum.Enum):
            return f"{self.value(type(x))}.{x.name}"
        if isinstance(x, bool | int | str) or x is None:
            return repr(x)
        if isinstance(x, float):
            if x != x or x in (float("inf"), float("-inf")):
                raise SystemExit(f"a schema holds {x!r}: not written as a literal")
            return repr(x)
        if isinstance(x, decimal.Decimal):
            return f"Decimal({str(x)!r})"
        if isinstance(x, datetime.date | datetime.time | datetime.timedelta):
            return repr(x)  # "datetime.date(2026, 1, 1)", read with the module's import datetime
        if isinstance(x, type) and issubclass(x, enum.Enum):
            return self.callable_ref(x)
        if callable(x):
            return self.callable_ref(x)
        raise SystemExit(f"a schema holds {type(x).__name__} {x!r}: not written as a literal")

    def callable_ref(self, f: Any) -> str:
        module, qualname = getattr(f, "__module__", None), getattr(f, "__qualname__", "")
        if module not in ALLOWED_MODULES or "<" in qualname:
            raise SystemExit(
                f"a schema calls {module}.{qualname}: move it to agentctl.spec.shapes "
                "(a module without pydantic) and name it"
            )
        return f"{ALLOWED_MODULES[module]}.{qualname}"

    def model(self, node: dict[str, Any], cls: type) -> str:
        """A module variable holding ``node``: a model's schema, with the validators
        around it (a model-level check wraps the model), written once."""
        name = self.twin(cls)
        text = self.value(node, inline=True)
        var = f"_{name}"
        n = 1
        while var in self.models and self.models[var] != text:
            n += 1
            var = f"_{name}_{n}"
        if var not in self.models:
            self.models[var] = text
            self.order.append(var)
            self.first.setdefault(name, var)
        return var


def frozen(x: Any) -> Any:
    """``x`` as a hashable value equal for equal schemas (what its literal shows)."""
    if isinstance(x, dict):
        keep = [
            (k, v)
            for k, v in x.items()
            if not (k in DROPPED_KEYS and isinstance(x.get("type"), str))
        ]
        return ("dict", tuple((k, frozen(v)) for k, v in keep))
    if isinstance(x, list | tuple):
        return (type(x).__name__, tuple(frozen(v) for v in x))
    if isinstance(x, type) or callable(x):
        return ("ref", getattr(x, "__module__", ""), getattr(x, "__qualname__", repr(x)))
    return (type(x).__name__, x)


def nested(text: str) -> str:
    """A literal placed one level in: its lines after the first indented."""
    return text.replace("\n", "\n    ")


def model_class(node: Any) -> type | None:
    """The model class whose schema ``node`` is: a model, or validators wrapping one."""
    if not isinstance(node, dict):
        return None
    if node.get("type") == "model" and isinstance(node.get("cls"), type):
        return node["cls"]
    if str(node.get("type", "")).startswith("function-") and "schema" in node:
        return model_class(node["schema"])
    return None


def render() -> str:
    import pydantic
    import pydantic_core

    from agentctl.spec.models import Agent
    from agentctl.spec.platform_models import Platform

    schemas = (Agent.__pydantic_core_schema__, Platform.__pydantic_core_schema__)
    first = Writer()
    for schema in schemas:
        first.value(schema)
    w = Writer()
    w.counts = first.seen
    agent, platform = (w.value(schema) for schema in schemas)
    out = [
        '"""The agent.yaml and platform.yaml core schemas, written from the models by',
        f"hack/gen_compiled_spec.py with pydantic {pydantic.VERSION}. Do not edit: change the",
        'models (agentctl.spec.models) and run it again. See agentctl.spec.shapes."""',
        "",
        "# fmt: off",
        "# ruff: noqa: E501",
        "import datetime  # noqa: F401",
        "from decimal import Decimal  # noqa: F401",
        "",
        "from agentctl.spec import platform_fields, shapes, units  # noqa: F401",
        "from agentctl.spec.shapes import Twin",
        "",
        f"PYDANTIC_VERSION = {pydantic.VERSION!r}",
        "# pydantic-core ignores a key it does not know: another version may read these",
        "# schemas differently without refusing them, so only this one uses them",
        f"PYDANTIC_CORE_VERSION = {pydantic_core.__version__!r}",
        "",
    ]
    for name in sorted(w.twins):
        out += ["", w.twins[name]]
    out.append("")
    for var in w.order:
        out += [f"{var} = {w.models[var]}", ""]
    out += [f"AGENT = {agent}", "", f"PLATFORM = {platform}", ""]
    out.append("MODELS = {")
    out += [f"    {n!r}: {var}," for n, var in sorted(w.first.items())]
    out += ["}", ""]
    return "\n".join(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the module is stale")
    args = parser.parse_args()
    text = render()
    if args.check:
        if not TARGET.exists() or TARGET.read_text() != text:
            print(f"{TARGET.relative_to(ROOT)} is stale: run python hack/gen_compiled_spec.py")
            return 1
        return 0
    TARGET.write_text(text)
    print(f"wrote {TARGET.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
