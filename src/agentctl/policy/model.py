"""The vocabulary of the policy gate: severities, checks, objects, hits and findings.

A *check* is a function over a :class:`Unit` (one agent's spec and rendered
objects, or a set of plain manifests) that yields :class:`Hit` s. The engine
turns hits into located :class:`Finding` s, applies severity overrides,
exceptions and suppressions, and decides the exit code.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import IntEnum
from typing import TYPE_CHECKING, Any, Generic, TypeVar, overload

if TYPE_CHECKING:
    from agentctl.spec.loader import LoadedAgent, LoadedPlatform

PathKey = tuple[str | int, ...]
T = TypeVar("T")
CHECK_ID_RE = re.compile(r"^[A-Z][A-Z0-9]*-[0-9]{3}$")


class Severity(IntEnum):
    low = 1
    medium = 2
    high = 3
    critical = 4

    @classmethod
    def parse(cls, value: str | Severity) -> Severity:
        if isinstance(value, Severity):
            return value
        try:
            return cls[str(value).strip().lower()]
        except KeyError:
            raise ValueError(f"unknown severity {value!r} (low, medium, high, critical)") from None

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class Check:
    """One entry of the catalogue.

    ``fn(unit)`` yields hits for one unit; with ``scope="run"`` it is called
    once as ``fn(units)`` with every unit of the run (for cross-agent checks).
    ``kinds`` names the object kinds the check looks at (``()`` = the agent
    spec itself); it only shapes reports (JUnit test cases, the catalogue).
    ``fixes`` are remediations for particular cases, as (case, text) pairs: a
    hit naming a case (``Hit.fix``) gets that text instead of ``remediation``,
    so a finding's fix speaks of what was found.
    """

    id: str
    title: str
    severity: Severity
    description: str
    rationale: str
    remediation: str
    example: str
    fn: Callable[..., Iterable[Hit]]
    kinds: tuple[str, ...] = ()
    scope: str = "unit"  # unit | run
    source: str = "built-in"
    tags: tuple[str, ...] = ("security",)
    fixes: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        if not CHECK_ID_RE.match(self.id):
            raise ValueError(f"check id {self.id!r} must look like ABC-123")
        if self.scope not in ("unit", "run"):
            raise ValueError(f"check {self.id}: scope must be 'unit' or 'run'")

    def remediation_for(self, case: str | None) -> str:
        """The fix of ``case`` (see ``fixes``), else the check's remediation."""
        if case is not None:
            for name, text in self.fixes:
                if name == case:
                    return text
        return self.remediation

    def summary(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "severity": self.severity.name,
            "description": self.description,
            "rationale": self.rationale,
            "remediation": self.remediation,
            "fixes": dict(self.fixes),
            "example": self.example,
            "kinds": list(self.kinds),
            "source": self.source,
        }


Locator = Callable[[PathKey], tuple[str, int, int]]


class _Kept(Generic[T]):
    """A value of an object worked out on first use and kept, as
    ``functools.cached_property`` does, without the lock Python 3.11's takes on each
    first use: the checks ask every object of the input its kind and namespace, and
    an object's data do not change while it is checked."""

    def __init__(self, fn: Callable[[Any], T]) -> None:
        self.fn, self.name = fn, fn.__name__

    @overload
    def __get__(self, obj: None, owner: type | None = None) -> _Kept[T]: ...
    @overload
    def __get__(self, obj: object, owner: type | None = None) -> T: ...
    def __get__(self, obj: object | None, owner: type | None = None) -> T | _Kept[T]:
        if obj is None:
            return self
        value = obj.__dict__[self.name] = self.fn(obj)
        return value


@dataclass
class Obj:
    """A Kubernetes object under check, with a way to place a field path in a source file."""

    data: dict[str, Any]
    file: str  # the file reports group by (agent.yaml or the manifest file)
    locator: Locator
    agent: str | None = None  # the agent it was rendered from (or labelled with)
    index: int = 0
    cache: dict[str, Any] = field(
        default_factory=dict, repr=False, compare=False
    )  # derived views (pods)

    @_Kept
    def kind(self) -> str:
        return str(self.data.get("kind") or "")

    @property
    def api_version(self) -> str:
        return str(self.data.get("apiVersion") or "")

    @property
    def meta(self) -> dict[str, Any]:
        m = self.data.get("metadata")
        return m if isinstance(m, dict) else {}

    @property
    def name(self) -> str:
        return str(self.meta.get("name") or self.meta.get("generateName") or "")

    @_Kept
    def namespace(self) -> str:
        return str(self.meta.get("namespace") or "")

    @_Kept
    def labels(self) -> dict[str, str]:
        labels = self.meta.get("labels")
        return labels if isinstance(labels, dict) else {}

    @property
    def ref(self) -> str:
        """``Kind/namespace/name`` (``Kind/name`` when cluster-scoped or unset)."""
        ns = self.namespace
        return f"{self.kind}/{ns}/{self.name}" if ns else f"{self.kind}/{self.name}"

    def locate(self, path: PathKey) -> tuple[str, int, int]:
        return self.locator(tuple(path))


@dataclass
class RunOptions:
    """Settings shared by every unit of one run (and a cache for expensive helpers)."""

    kube_version: str | None = None
    crd_dirs: tuple[str, ...] = ()
    # Kind, group/Kind or apiVersion/Kind that SCH-001 accepts without a schema
    # (--allow-kind; platform.yaml policy.allowKinds is read from the unit's platform)
    allow_kinds: tuple[str, ...] = ()
    cache: dict[str, Any] = field(default_factory=dict)


@dataclass
class Unit:
    """What one check invocation sees: one agent (spec + rendered objects) or a manifest set."""

    objects: list[Obj]
    platform: LoadedPlatform
    agent: LoadedAgent | None = None
    label: str = ""  # shown in reports: the agent file or "manifests"
    options: RunOptions = field(default_factory=RunOptions)
    # The environment this unit gates in addition to the agent's base spec (validate
    # without --env gates every overlay): its findings say so, and repeat none of the base's.
    overlay: str | None = None
    # what checks derive from the whole unit once (which policies select which pods)
    cache: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def of_kind(self, *kinds: str) -> Iterable[Obj]:
        """The objects of these kinds, in input order (indexed by kind once per unit)."""
        index = self._by_kind()
        if len(kinds) == 1:
            return [self.objects[i] for i in index.get(kinds[0], ())]
        return [self.objects[i] for i in sorted(i for k in kinds for i in index.get(k, ()))]

    def _by_kind(self) -> dict[str, list[int]]:
        key = (id(self.objects), len(self.objects))  # a list replaced or grown: indexed again
        cached = self.cache.get("by-kind")
        if cached is None or cached[0] != key:
            index: dict[str, list[int]] = {}
            for i, o in enumerate(self.objects):
                index.setdefault(o.kind, []).append(i)
            cached = self.cache["by-kind"] = (key, index)
        return cached[1]


@dataclass
class Hit:
    """What a check reports: a message about an object field or a spec field.

    ``obj=None`` means the hit is about the agent spec and ``path`` is a
    spec path such as ``('spec', 'guardrails', 'budget')``. ``spec_path``
    overrides where a hit about a rendered object is located in agent.yaml.
    """

    message: str
    obj: Obj | None = None
    path: PathKey = ()
    severity: Severity | None = None
    container: str | None = None
    spec_path: PathKey | None = None
    location: tuple[str, int, int] | None = None  # explicit (file, line, col)
    object_ref: str | None = None  # explicit object shown when obj is None
    fix: str | None = None  # a case of Check.fixes: the remediation for what was found


@dataclass
class Suppression:
    """Why a finding does not count: a platform exception or an inline suppression."""

    kind: str  # "platform" | "inline"
    reason: str
    file: str
    line: int
    expires: str | None = None


@dataclass
class Finding:
    check: str
    severity: Severity
    title: str
    message: str
    remediation: str
    object: str  # Kind/namespace/name, or Agent/name for spec findings
    kind: str
    namespace: str
    name: str
    field: str  # dotted field path in the object (or the spec)
    file: str
    line: int
    column: int
    agent: str | None = None
    container: str | None = None
    group: str = ""  # the file reports group by
    suppressed: Suppression | None = None
    extra: dict[str, Any] = dataclasses.field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "check": self.check,
            "severity": self.severity.name,
            "title": self.title,
            "message": self.message,
            "remediation": self.remediation,
            "object": self.object,
            "kind": self.kind,
            "namespace": self.namespace,
            "name": self.name,
            "field": self.field,
            "location": {"file": self.file, "line": self.line, "column": self.column},
            "agent": self.agent,
            "container": self.container,
        }
        if self.suppressed is not None:
            out["suppressed"] = {
                "by": self.suppressed.kind,
                "reason": self.suppressed.reason,
                "file": self.suppressed.file,
                "line": self.suppressed.line,
                "expires": self.suppressed.expires,
            }
        return out


_DOTTED_RE = re.compile(r"([^.\[\]]+)|\[(\d+|\*)\]")


def parse_dotted(text: str) -> PathKey:
    """``spec.containers[0].image`` -> ``('spec', 'containers', 0, 'image')``.

    Numeric segments written with dots (``containers.0``) are list indexes too;
    ``[*]`` stays ``'*'`` (a wildcard for declarative checks).
    """
    out: list[str | int] = []
    for name, index in _DOTTED_RE.findall(text):
        if index:
            out.append(int(index) if index.isdigit() else "*")
        elif name.isdigit():
            out.append(int(name))
        else:
            out.append(name)
    return tuple(out)
