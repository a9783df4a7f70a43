"""Turn inputs into units: plain manifests (-f) and agents rendered from agent.yaml."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agentctl.bulk import gc_paused
from agentctl.errors import Problem, SpecError, UsageError
from agentctl.policy.model import Obj, PathKey, RunOptions, Unit, parse_dotted
from agentctl.spec.yamlsafe import MAX_MANIFEST_BYTES, dotted_path

if TYPE_CHECKING:
    from agentctl.render.bundle import Bundle
    from agentctl.spec.loader import LoadedAgent, LoadedPlatform
    from agentctl.spec.yamlsafe import Located

MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
SKIP_DIRS = {".git", "node_modules", ".venv", "venv", "__pycache__", ".tox", ".nox"}
# kustomize's own configuration (the kustomization.yaml that `build` writes next to
# the manifests, a Component): read by kustomize, never sent to a cluster.
KUSTOMIZE_API_GROUP = "kustomize.config.k8s.io/"


def _is_kustomize_config(data: Any) -> bool:
    return isinstance(data, dict) and str(data.get("apiVersion", "")).startswith(
        KUSTOMIZE_API_GROUP
    )


def _manifest_files(target: Path) -> list[Path]:
    if target.is_dir():
        out: list[Path] = []
        for root, dirs, files in os.walk(target):
            dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.startswith("."))
            out.extend(Path(root) / f for f in sorted(files) if f.endswith(MANIFEST_SUFFIXES))
        return out
    return [target]


class _DocLocator:
    """Where a field of an object in a parsed document is (``base``: the object's path
    in the document); ``locate_all`` works out many fields' positions together."""

    __slots__ = ("base", "doc")

    def __init__(self, doc: Located, base: PathKey) -> None:
        self.doc, self.base = doc, base

    def __call__(self, path: PathKey) -> tuple[str, int, int]:
        line, col = self.doc.position((*self.base, *path))
        return self.doc.file, line, col

    def locate_all(self, paths: Iterable[PathKey]) -> None:
        self.doc.locate_all([(*self.base, *path) for path in paths])


def _problem(doc: Located, path: tuple[str | int, ...], message: str) -> SpecError:
    line, col = doc.position(path)
    return SpecError([Problem(doc.file, line, col, dotted_path(path), message)])


def _doc_objects(doc: Located, index: int) -> list[Obj]:
    """The Kubernetes objects of one parsed document (none for kustomize's own
    configuration, the items of a ``*List``)."""
    data = doc.data
    if data.__class__ is dict:  # what the YAML readers make; anything else is checked below
        api_version, kind = data.get("apiVersion"), data.get("kind")
        if (
            api_version.__class__ is str
            and kind.__class__ is str
            and api_version
            and kind
            and not kind.endswith("List")
        ):  # one object, as nearly every document is
            if api_version.startswith(KUSTOMIZE_API_GROUP):
                return []
            return [Obj(data, doc.file, _DocLocator(doc, ()), _label_agent(data), index)]
    if _is_kustomize_config(data):
        return []
    if not isinstance(data, dict):
        raise SpecError(
            [Problem(doc.file, doc.position(())[0], 1, "", "a manifest must be a YAML mapping")]
        )

    api_version, kind = data.get("apiVersion"), data.get("kind")
    if api_version and not isinstance(api_version, str):
        raise _problem(doc, ("apiVersion",), "not a Kubernetes object: not a string")
    if kind and not isinstance(kind, str):
        raise _problem(doc, ("kind",), "not a Kubernetes object: not a string")
    if kind and kind.endswith("List") and "items" in data:
        items = data["items"]
        if items is None:
            return []
        if not isinstance(items, list):
            raise _problem(doc, ("items",), f"{kind}: items is not a list")
        out = []
        for i, item in enumerate(items):
            if not isinstance(item, dict):
                raise _problem(doc, ("items", i), f"{kind} item is not a mapping")
            out.append(
                Obj(item, doc.file, _DocLocator(doc, ("items", i)), _label_agent(item), index)
            )
        return out
    if not api_version or not kind:
        missing = [k for k, v in (("apiVersion", api_version), ("kind", kind)) if not v]
        raise _problem(doc, (), f"not a Kubernetes object: no {' and no '.join(missing)}")
    return [Obj(data, doc.file, _DocLocator(doc, ()), _label_agent(data), index)]


def _label_agent(data: dict[str, Any]) -> str | None:
    meta = data.get("metadata")
    labels = meta.get("labels") if isinstance(meta, dict) else None
    value = labels.get("agentctl.dev/agent") if isinstance(labels, dict) else None
    return str(value) if value else None


def load_manifests(targets: Iterable[str | Path]) -> list[Obj]:
    """Objects of every manifest file given (files, directories searched recursively, or ``-`` for stdin).

    Raises UsageError for an input that does not exist or cannot be read, and
    SpecError with every problem of every file that is not YAML or not a
    Kubernetes object."""
    objects, problems = read_manifests(targets, keep_going=False)
    if problems:
        raise SpecError(problems)
    return objects


@gc_paused  # bulk work (see agentctl.bulk); the gate pauses the collector already
def read_manifests(
    targets: Iterable[str | Path], *, keep_going: bool = True
) -> tuple[list[Obj], list[Problem]]:
    """The objects of every manifest input that could be read, and the problems of the
    others (as kubectl and kube-linter do, a broken input does not stop the rest).

    With ``keep_going`` an input that is missing or cannot be read is one more
    problem (at line 1 of that input); without it, it raises UsageError there."""
    from agentctl.spec.loader import display_path
    from agentctl.spec.yamlsafe import parse_documents, read_stdin, read_text

    objects: list[Obj] = []
    problems: list[Problem] = []

    def unreadable(err: UsageError, shown: str) -> None:
        if not keep_going:
            raise err
        message = err.message.removeprefix(f"{shown}: ")
        problems.append(Problem(shown, 1, 1, "", message))

    for target in targets:
        sources: list[tuple[str, str | None, Path | None]] = []
        if str(target) == "-":
            try:
                sources.append(("<stdin>", read_stdin(MAX_MANIFEST_BYTES), None))
            except SpecError as err:
                problems.extend(err.problems)
                continue
        else:
            path = Path(target)
            if not path.exists():
                unreadable(UsageError(f"{target}: no such file or directory"), str(target))
                continue
            files = _manifest_files(path)
            if path.is_dir() and not files:
                shown = display_path(path)
                unreadable(UsageError(f"{shown}: no .yaml, .yml or .json files here"), shown)
                continue
            sources.extend((display_path(f), None, f) for f in files)
        for shown, text, source in sources:
            try:
                if text is None and source is not None:
                    text = read_text(source, shown, max_bytes=MAX_MANIFEST_BYTES)
                for i, doc in enumerate(
                    parse_documents(text or "", shown, allow_multi=True, native=True)
                ):
                    if doc.data is not None:
                        objects.extend(_doc_objects(doc, i))
            except SpecError as err:
                problems.extend(err.problems)
            except UsageError as err:  # a file of a directory that cannot be read
                unreadable(err, shown)
    return objects, problems


class _RenderedLocator:
    """Place an object field on the agent.yaml line that caused it (field_origins, then origin)."""

    def __init__(
        self, loaded: LoadedAgent, origin: Any, field_origins: dict[str, Any] | None
    ) -> None:
        self.loaded = loaded
        self.origin = tuple(origin) if origin else ()
        self.raw = field_origins or {}
        self.table: dict[PathKey, PathKey] | None = None

    def __call__(self, path: PathKey) -> tuple[str, int, int]:
        if self.table is None:
            self.table = {parse_dotted(k): tuple(v) for k, v in self.raw.items()}
        p = tuple(path)
        while p:
            if p in self.table:
                return self.loaded.locate(self.table[p])
            p = p[:-1]
        if () in self.table:
            return self.loaded.locate(self.table[()])
        return self.loaded.locate(self.origin or ("metadata", "name"))


def agent_unit(
    loaded: LoadedAgent,
    platform: LoadedPlatform,
    options: RunOptions,
    bundle: Bundle | None = None,
) -> Unit:
    """Render an agent (unless ``bundle`` is its rendering already) and wrap its objects for the checks."""
    if bundle is None:
        from agentctl.render import render_agent

        bundle = render_agent(loaded, platform, kube_version=options.kube_version)
    objects = [
        Obj(
            r.obj,
            loaded.file,
            _RenderedLocator(loaded, r.origin, getattr(r, "field_origins", None)),
            loaded.name,
            i,
        )
        for i, r in enumerate(bundle.objects)
    ]
    return Unit(objects, platform, loaded, loaded.file, options)


def manifest_unit(objects: list[Obj], platform: LoadedPlatform, options: RunOptions) -> Unit:
    return Unit(objects, platform, None, "manifests", options)
