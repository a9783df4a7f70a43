"""Strict schema validation of Kubernetes objects and custom resources.

Kubernetes' own kinds are checked against the strict JSON schemas bundled
with ``kubernetes-validate`` (the ``vX.Y.Z-local-strict`` folders). Custom
resources (Argo Workflows, External Secrets, ...) are checked against the
``openAPIV3Schema`` of their CustomResourceDefinition, found in ``crd_dirs``
and ``AGENTCTL_CRD_DIR``; without a CRD, the few custom kinds agentctl itself
renders fall back to built-in structural schemas (see ``builtin_schemas``).

Each schema is made self-contained (only the definitions it reaches are
copied in) and compiled once per (kind, version) with ``jsonschema_rs``; the
compiled validators are cached on the instance, which is what makes
validation fast (thousands of objects per second in one process).
"""

from __future__ import annotations

import contextvars
import importlib.util
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from agentctl.errors import ConfigError, echoed

_REF_PREFIX = "/api/_definitions.json#/$defs/"
_MAX_MESSAGE = 240


@dataclass(frozen=True)
class SchemaIssue:
    path: str  # dotted field path, e.g. spec.template.spec.containers[0].image ("" for the object)
    message: str


def _schema_root() -> Path:
    # found without importing the package, whose __init__ imports jsonschema (~0.1 s)
    spec = importlib.util.find_spec("kubernetes_validate")
    locations = spec.submodule_search_locations if spec is not None else None
    if not locations:
        return Path(str(resources.files("kubernetes_validate").joinpath("kubernetes-json-schema")))
    return Path(next(iter(locations))) / "kubernetes-json-schema"


def _version_key(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in re.findall(r"\d+", text)[:3])


@lru_cache(maxsize=1)
def _bundled_versions() -> tuple[str, ...]:
    """Bundled strict schema versions as ``major.minor``, oldest first."""
    out = []
    for entry in _schema_root().iterdir():
        m = re.match(r"^v(\d+)\.(\d+)\.\d+-local-strict$", entry.name)
        if m:
            out.append(f"{m.group(1)}.{m.group(2)}")
    return tuple(sorted(set(out), key=_version_key))


def default_kube_version() -> str:
    """The newest Kubernetes version whose schemas ``kubernetes-validate`` bundles (e.g. ``1.37``)."""
    return _bundled_versions()[-1]


def resolve_kube_version(requested: str | None) -> str:
    """Normalise ``v1.30``, ``1.30`` or ``1.30.2`` to a bundled ``major.minor``.

    A version between two bundled ones uses the newest bundled schema not newer
    than it, as ``kubernetes-validate`` does.
    """
    versions = _bundled_versions()
    if requested is None:
        return versions[-1]
    m = re.match(r"^v?(\d+)\.(\d+)(\.\d+)?$", requested.strip())
    if not m:
        raise ConfigError(
            f"--kube-version {echoed(requested)}: expected a version such as 1.31 or v1.31.2"
        )
    wanted = (int(m.group(1)), int(m.group(2)))
    usable = [v for v in versions if _version_key(v) <= wanted]
    if not usable or wanted > _version_key(versions[-1]):
        oldest, newest = versions[0], versions[-1]
        if not usable:
            hint = (
                f"{requested} is older than the oldest bundled schemas ({oldest}): "
                f"pass --kube-version {oldest} or newer"
            )
        else:
            hint = (
                f"{requested} is newer than the newest bundled schemas ({newest}): upgrade "
                f"kubernetes-validate for its schemas, or pass --kube-version {newest}"
            )
        raise ConfigError(
            f"--kube-version {requested}: schemas are bundled for {oldest} to {newest}",
            hint=hint,
        )
    return usable[-1]


def _schema_dir(version: str) -> Path:
    for entry in _schema_root().iterdir():
        if entry.name.startswith(f"v{version}.") and entry.name.endswith("-local-strict"):
            return entry
    raise ConfigError(f"no strict schemas bundled for Kubernetes {version}")  # pragma: no cover


def kube_definitions_file(version: str) -> str:
    """The bundled definitions of one Kubernetes version, with their size and mtime."""
    return _stamp(_schema_dir(version) / "_definitions.json")


@lru_cache(maxsize=4)
def kube_definitions(version: str) -> dict[str, Any]:
    """All ``$defs`` of one bundled Kubernetes version."""
    with open(_schema_dir(version) / "_definitions.json", encoding="utf-8") as fh:
        return json.load(fh)["$defs"]


def _rewrite_refs(node: Any, found: set[str]) -> Any:
    """Copy ``node`` with ``/api/_definitions.json#/$defs/X`` refs turned local, noting each X."""
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                name = value.rsplit("/", 1)[-1]
                found.add(name)
                out[key] = f"#/$defs/{name}"
            else:
                out[key] = _rewrite_refs(value, found)
        return out
    if isinstance(node, list):
        return [_rewrite_refs(v, found) for v in node]
    return node


def self_contained(
    schema: dict[str, Any], version: str, extra_refs: set[str] | None = None
) -> dict[str, Any]:
    """``schema`` plus every Kubernetes definition it reaches, under local ``$defs``."""
    defs = kube_definitions(version)
    found: set[str] = set(extra_refs or ())
    root = _rewrite_refs(schema, found)
    local: dict[str, Any] = dict(root.pop("$defs", {}))
    todo = sorted(found - set(local))
    while todo:
        name = todo.pop()
        if name in local or name not in defs:
            continue
        reached: set[str] = set()
        local[name] = _rewrite_refs(defs[name], reached)
        todo.extend(sorted(reached - set(local)))
    root["$defs"] = local
    root.pop("$id", None)
    root["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return root


# 1: the self-contained schemas of bundled and built-in kinds
# 2: each entry names its key ({"key": ..., "schema": ...})
SCHEMA_CACHE_VERSION = 2


def _stamp(path: Path) -> str:
    st = path.stat()
    return f"{path}:{st.st_mtime_ns}:{st.st_size}"


def kept_schema(key: tuple[str, ...], build: Any) -> Any:
    """``build()``: a self-contained schema (or None), kept on disk under ``key``.

    Making one means reading every Kubernetes definition (a 1.8 MB JSON file, about
    15 ms) and copying what the kind reaches, in every process that validates; a
    kept one is read in well under a millisecond. ``key`` names what the schema is
    made from (files with their size and mtime, the built-in schema's text). A
    cache is an optimisation, never a failure: an unreadable entry is made again.
    """
    cache, digest = cache_entry("kube-schemas", str(SCHEMA_CACHE_VERSION), *key)
    if not _MAKE_AGAIN.get():
        kept = kept_json(cache)
        # an entry names its key: one renamed from another name is not this one
        if isinstance(kept, dict) and kept.get("key") == digest:
            schema = kept.get("schema")
            if schema is None or isinstance(schema, dict):
                return schema
    schema = build()
    keep(cache, json.dumps({"key": digest, "schema": schema}))
    return schema


def cache_entry(folder: str, *key: str) -> tuple[Path, str]:
    """Where the user cache keeps the entry made from ``key`` (under ``folder``), and the
    key's digest."""
    import hashlib

    from agentctl.files import user_cache

    digest = hashlib.sha256("\0".join(key).encode()).hexdigest()
    return user_cache(folder, f"{digest[:32]}.json"), digest


# True while a kept schema that does not compile is made again (``SchemaValidator``).
_MAKE_AGAIN = contextvars.ContextVar("make_kept_schemas_again", default=False)


def read_kept(path: Path) -> str:
    """The text of ``path`` if it is a file only this user may have written: a regular
    file, not a symlink or a second hard link, owned by this user, not writable by others (a cache
    directory others can write to never weakens validation); OSError otherwise."""
    import os
    import stat

    # not blocking: a FIFO put where an entry would be is refused, not waited on
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    fd = os.open(path, flags)
    with open(fd, encoding="utf-8") as fh:
        st = os.fstat(fd)
        mine = not hasattr(os, "geteuid") or st.st_uid == os.geteuid()
        if (
            not stat.S_ISREG(st.st_mode)
            or not mine
            or st.st_mode & stat.S_IWOTH
            or st.st_nlink != 1
        ):
            raise OSError(f"{path}: not a file of this user's")
        return fh.read()


def kept_json(path: Path) -> Any:
    """A cache entry's JSON (``read_kept``), None when there is none that can be read."""
    try:
        return json.loads(read_kept(path))
    except (OSError, ValueError, RecursionError):
        return None


def keep(cache: Path, text: str) -> None:
    """Write a cache entry whole or not at all; a cache that cannot be written is no failure."""
    import contextlib

    from agentctl.files import write_text_atomic

    with contextlib.suppress(OSError):
        write_text_atomic(cache, text)


def _kind_file(api_version: str, kind: str) -> str:
    # rbac.authorization.k8s.io/v1 -> rbac-v1 ; v1 -> v1 (kubernetes-validate's naming)
    group_version = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
    return f"{kind.lower()}-{group_version}.json"


def format_path(parts: list[str | int] | tuple[str | int, ...]) -> str:
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _short(message: str) -> str:
    message = " ".join(message.split())
    return message if len(message) <= _MAX_MESSAGE else message[: _MAX_MESSAGE - 3] + "..."


class _UnusableSchema(Exception):
    """A bundled or built-in schema jsonschema_rs does not compile (a damaged kept one)."""


_BUNDLED_VALIDATORS: dict[tuple[str, str, str], Any] = {}  # (Kubernetes version, apiVersion, kind)
_BUILTIN_VALIDATORS: dict[tuple[str, str, str], Any] = {}  # the same, of builtin_schemas


class SchemaValidator:
    """Validate objects against strict schemas; compile each schema once.

    ``kube_version`` picks the bundled Kubernetes schemas (default: newest).
    ``crd_dirs`` hold CRD YAML files for custom resources (the command line
    adds the directories ``AGENTCTL_CRD_DIR`` names to ``--crd-dir``).
    """

    def __init__(self, kube_version: str | None = None, crd_dirs: list[Path] | None = None) -> None:
        from agentctl.render.crds import CrdIndex

        self.kube_version = resolve_kube_version(kube_version)
        dirs = [Path(d) for d in (crd_dirs or [])]
        self.crds = CrdIndex(dirs, self.kube_version)
        self._validators: dict[tuple[str, str], Any] = {}
        self._unknown: set[tuple[str, str]] = set()

    # -- lookup ---------------------------------------------------------------

    def _kube_schema(self, api_version: str, kind: str) -> dict[str, Any] | None:
        folder = _schema_dir(self.kube_version)
        path = folder / _kind_file(api_version, kind)
        if not path.is_file():
            return None

        def build() -> dict[str, Any] | None:
            with open(path, encoding="utf-8") as fh:
                schema = json.load(fh)
            declared = schema.get("properties", {}).get("apiVersion", {}).get("enum")
            if declared and api_version not in declared:
                return None  # e.g. apps.example.com/v1 Deployment is not apps/v1
            return self_contained(schema, self.kube_version)

        key = ("kubernetes", api_version, _stamp(path), kube_definitions_file(self.kube_version))
        return kept_schema(key, build)

    def _validator(self, api_version: str, kind: str) -> Any | None:
        key = (api_version, kind)
        found = self._validators.get(key)
        if found is not None or key in self._unknown:
            return found
        # A bundled Kubernetes schema comes first whatever the CRDs say, and never
        # changes: compiled once per process, not once per run.
        bundled = (self.kube_version, api_version, kind)
        validator = _BUNDLED_VALIDATORS.get(bundled)
        if validator is None:
            schema = self._kube_schema(api_version, kind)
            table = _BUNDLED_VALIDATORS if schema is not None else None
            if schema is None:
                schema = self.crds.schema(api_version, kind)
            if schema is None:  # agentctl's own schema of the kind, as fixed as the bundled ones
                table = _BUILTIN_VALIDATORS
                validator = table.get(bundled)
                if validator is None:
                    from agentctl.render.builtin_schemas import builtin_schema

                    schema = builtin_schema(api_version, kind, self.kube_version)
            if validator is None:
                if schema is None:
                    self._unknown.add(key)
                    return None
                try:
                    validator = self._compile(schema, table is None, api_version, kind)
                except _UnusableSchema:
                    if _MAKE_AGAIN.get():
                        raise
                    # a kept schema that is none (edited, or from a faulty release):
                    # made again, and kept in its place
                    token = _MAKE_AGAIN.set(True)
                    try:
                        return self._validator(api_version, kind)
                    finally:
                        _MAKE_AGAIN.reset(token)
                if table is not None:
                    table[bundled] = validator
        self._validators[key] = validator
        return validator

    def _compile(self, schema: dict[str, Any], from_crd: bool, api_version: str, kind: str) -> Any:
        import jsonschema_rs

        try:
            return jsonschema_rs.Draft202012Validator(schema, validate_formats=False)
        except (jsonschema_rs.ValidationError, ValueError) as exc:
            if not from_crd:
                raise _UnusableSchema(str(exc)) from None
            # A CRD's schema is the user's input: a bad regex, an infinite maximum.
            message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise ConfigError(
                f"{self.crds.file_for(api_version, kind)}: the schema of {api_version} {kind} "
                f"is not a valid JSON Schema: {_short(message)}"
            ) from None

    def knows(self, api_version: str, kind: str) -> bool:
        return self._validator(api_version, kind) is not None

    def source(self, api_version: str, kind: str) -> str:
        """Where the schema of a kind comes from: ``kubernetes``, ``crd:<file>``, ``builtin`` or ``unknown``."""
        if self._kube_schema(api_version, kind) is not None:
            return "kubernetes"
        crd_file = self.crds.file_for(api_version, kind)
        if crd_file is not None:
            return f"crd:{crd_file}"
        from agentctl.render.builtin_schemas import builtin_schema

        return (
            "builtin"
            if builtin_schema(api_version, kind, self.kube_version) is not None
            else "unknown"
        )

    # -- validation -------------------------------------------------------------

    def validate(self, obj: dict[str, Any]) -> list[SchemaIssue]:
        if not isinstance(obj, dict):
            return [SchemaIssue("", "an object must be a mapping")]
        api_version, kind = obj.get("apiVersion"), obj.get("kind")
        if (
            not isinstance(api_version, str)
            or not isinstance(kind, str)
            or not api_version
            or not kind
        ):
            return [SchemaIssue("", "apiVersion and kind are required")]
        validator = self._validator(api_version, kind)
        if validator is None:
            return [
                SchemaIssue(
                    "",
                    f"no schema for {kind} ({api_version}) in Kubernetes {self.kube_version} "
                    "or the CRDs given (--crd-dir / AGENTCTL_CRD_DIR)",
                )
            ]
        meta = obj.get("metadata")
        named = isinstance(meta, dict) and bool(meta.get("name") or meta.get("generateName"))
        if named and validator.is_valid(obj):
            return []  # nearly every object: no error iterator to build
        issues = [
            SchemaIssue(format_path(list(e.instance_path)), _short(e.message))
            for e in validator.iter_errors(obj)
        ]
        if not named:
            issues.append(SchemaIssue("metadata.name", "metadata.name is required"))
        return sorted(set(issues), key=lambda i: (i.path, i.message))
