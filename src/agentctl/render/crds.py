"""CustomResourceDefinition schemas as strict JSON Schemas.

A CRD's ``openAPIV3Schema`` is a structural OpenAPI v3 schema. To validate a
custom resource with a JSON Schema validator we drop the ``x-kubernetes-*``
extension keys (after honouring them: int-or-string accepts both types,
preserve-unknown-fields keeps an object open), turn ``nullable`` into a null
type, close every object that lists its properties (``additionalProperties:
false``, as ``kubectl apply`` with server-side strict field validation
rejects unknown fields) and check ``metadata`` against Kubernetes' ObjectMeta.

Files are parsed lazily: a kind is looked up first in the file named after it
(``<group>_<plural>.yaml``, the controller-gen convention), then in the
group's other files, then in the rest. Parsed CRDs are cached on disk under
the user cache directory.
"""

from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

from agentctl.errors import AgentctlError, ConfigError

_OBJECT_META = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"
_SUFFIXES = (".yaml", ".yml", ".json")
CACHE_VERSION = 2  # 2: files over the manifest bound are refused, even when cached before


def _convert(node: Any) -> Any:
    if isinstance(node, list):
        return [_convert(v) for v in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key.startswith("x-kubernetes-") or key in (
            "nullable",
            "description",
            "example",
            "externalDocs",
        ):
            continue
        if key == "properties" and isinstance(value, dict):
            out[key] = {name: _convert(sub) for name, sub in value.items()}
        elif key in ("items", "additionalProperties", "not") and isinstance(value, dict):
            out[key] = _convert(value)
        elif key in ("allOf", "anyOf", "oneOf") and isinstance(value, list):
            out[key] = [_convert(v) for v in value]
        else:
            out[key] = value
    if node.get("x-kubernetes-int-or-string"):
        out.pop("type", None)
        out["anyOf"] = [{"type": "integer"}, {"type": "string"}]
    if node.get("nullable") and isinstance(out.get("type"), str):
        out["type"] = [out["type"], "null"]
    preserve = bool(node.get("x-kubernetes-preserve-unknown-fields"))
    if (
        out.get("type") == "object"
        and "properties" in out
        and "additionalProperties" not in out
        and not preserve
    ):
        out["additionalProperties"] = False
    return out


def crd_json_schema(
    open_api: dict[str, Any], api_version: str, kind: str, kube_version: str
) -> dict[str, Any]:
    """A strict, self-contained JSON Schema for one version of a CRD."""
    from agentctl.render.schemas import self_contained

    schema = _convert(open_api)
    props = schema.setdefault("properties", {})
    props["apiVersion"] = {"type": "string", "enum": [api_version]}
    props["kind"] = {"type": "string", "enum": [kind]}
    props["metadata"] = {"$ref": f"#/$defs/{_OBJECT_META}"}
    schema["type"] = "object"
    schema["required"] = sorted({*schema.get("required", []), "apiVersion", "kind"})
    schema.setdefault("additionalProperties", False)
    return self_contained(schema, kube_version, {_OBJECT_META})


def _load_docs(path: Path) -> list[Any]:
    """The documents of one CRD file, read as any manifest is: at most
    :data:`~agentctl.spec.yamlsafe.MAX_MANIFEST_BYTES`, UTF-8 (the file, line and column
    of a bad byte named). A ConfigError: the configuration is at fault, not the inputs
    being checked against it."""
    from agentctl.spec.yamlsafe import MAX_MANIFEST_BYTES, read_text

    try:
        text = read_text(path, str(path), max_bytes=MAX_MANIFEST_BYTES, expected="a CRD file")
    except AgentctlError as exc:
        raise ConfigError(exc.message) from None
    if path.suffix == ".json":
        try:
            return [json.loads(text)]
        except json.JSONDecodeError as exc:
            raise ConfigError(f"{path}: not valid JSON ({exc.msg}, line {exc.lineno})") from None
        except RecursionError:
            raise ConfigError(f"{path}: not valid JSON (nested too deeply)") from None
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        docs = list(yaml.load_all(text, Loader=loader))
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML ({exc})") from None
    if _shares_nodes(docs):
        raise ConfigError(
            f"{path}: uses YAML anchors and aliases, which generated CRDs never do "
            "(an alias bomb would expand without end); refused"
        )
    return docs


def _shares_nodes(root: Any) -> bool:
    """Whether a mapping or list is reached twice: what a YAML alias loads as."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, dict | list):
            if id(node) in seen:
                return True
            seen.add(id(node))
            stack.extend(node.values() if isinstance(node, dict) else node)
    return False


def _cache_file(path_str: str, mtime_ns: int, size: int) -> Path:
    from agentctl.render.schemas import cache_entry

    return cache_entry("crd-schemas", str(CACHE_VERSION), path_str, str(mtime_ns), str(size))[0]


@lru_cache(maxsize=64)
def _crd_versions(path_str: str, mtime_ns: int, size: int) -> tuple[tuple[str, str, str], ...]:
    """(apiVersion, kind, openAPIV3Schema JSON) of every CRD version in a file.

    Cached per process and on disk (keyed by path, size and mtime): parsing a
    multi-megabyte CRD takes most of a second, reading the cache milliseconds.
    """
    cache = _cache_file(path_str, mtime_ns, size)
    from agentctl.render.schemas import keep, kept_json

    kept = kept_json(cache)
    # (apiVersion, kind, schema text) triples, or parsed again
    if isinstance(kept, list) and all(
        isinstance(e, list) and len(e) == 3 and all(isinstance(s, str) for s in e) for e in kept
    ):
        return tuple((a, k, s) for a, k, s in kept)
    out = _parse_crd_versions(path_str)
    keep(cache, json.dumps(out))
    return out


def _parse_crd_versions(path_str: str) -> tuple[tuple[str, str, str], ...]:
    out = []
    for doc in _load_docs(Path(path_str)):
        if not isinstance(doc, dict) or doc.get("kind") != "CustomResourceDefinition":
            continue
        spec = _mapping(doc.get("spec"), path_str, "spec")
        names = _mapping(spec.get("names"), path_str, "spec.names")
        group, kind = spec.get("group"), names.get("kind")
        versions = spec.get("versions") or []
        if not isinstance(versions, list):
            raise ConfigError(f"{path_str}: CustomResourceDefinition spec.versions is not a list")
        for i, version in enumerate(versions):
            where = f"spec.versions[{i}]"
            version = _mapping(version, path_str, where)
            schema = _mapping(version.get("schema"), path_str, f"{where}.schema").get(
                "openAPIV3Schema"
            )
            if group and kind and isinstance(schema, dict):
                name = version.get("name")
                if not isinstance(name, str) or not name:
                    raise ConfigError(
                        f"{path_str}: CustomResourceDefinition {where}.name is not a string"
                    )
                out.append((f"{group}/{name}", str(kind), json.dumps(schema)))
    return tuple(out)


def _mapping(value: Any, path_str: str, where: str) -> dict[str, Any]:
    """A CRD field that must be a mapping (absent is empty), or a ConfigError naming the file."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ConfigError(f"{path_str}: CustomResourceDefinition {where} is not a mapping")
    return value


def _crd_files(directory: Path) -> list[Path]:
    """The CRD files below ``directory`` (symbolic links to directories not followed);
    a subdirectory that cannot be listed is a ConfigError naming it."""

    def refuse(exc: OSError) -> None:
        raise ConfigError(
            f"CRD directory {directory}: cannot read {exc.filename} ({exc.strerror})"
        ) from None

    found: list[Path] = []
    for root, dirs, files in os.walk(directory, onerror=refuse):
        dirs.sort()
        for name in files:
            path = Path(root, name)
            if path.suffix in _SUFFIXES and path.is_file():
                found.append(path)
    return sorted(found)


def _not_a_directory(path: Path) -> str:
    try:
        path.stat()
    except OSError as exc:
        return exc.strerror or type(exc).__name__
    return "not a directory or a regular file"


class CrdIndex:
    """CRDs found in a list of directories (or files), parsed on demand."""

    def __init__(self, dirs: list[Path], kube_version: str) -> None:
        self.kube_version = kube_version
        self.files: list[Path] = []
        for d in dirs:
            if d.is_file() and d.suffix in _SUFFIXES:
                self.files.append(d)  # one CRD file named directly
            elif d.is_file():
                raise ConfigError(f"CRD directory {d} is not a directory")
            elif d.is_dir():
                self.files.extend(_crd_files(d))
            elif os.path.lexists(d):
                raise ConfigError(f"CRD directory {d} cannot be read ({_not_a_directory(d)})")
            else:
                raise ConfigError(f"CRD directory {d} does not exist")
        self._found: dict[tuple[str, str], tuple[Path, str]] = {}
        self._parsed: set[Path] = set()
        self._schemas: dict[tuple[str, str], dict[str, Any]] = {}

    def _parse(self, path: Path) -> None:
        if path in self._parsed:
            return
        self._parsed.add(path)
        st = path.stat()
        for api_version, kind, schema in _crd_versions(str(path), st.st_mtime_ns, st.st_size):
            self._found.setdefault((api_version, kind), (path, schema))

    def _lookup(self, api_version: str, kind: str) -> tuple[Path, str] | None:
        key = (api_version, kind)
        if key in self._found:
            return self._found[key]
        group = api_version.split("/", 1)[0] if "/" in api_version else ""
        if not group:
            return None  # the core group has no CRDs
        guess = f"{group}_{kind.lower()}s"
        exact = [p for p in self.files if p.stem == guess]
        likely = [p for p in self.files if p.name.startswith(f"{group}_") and p not in exact]
        rest = [p for p in self.files if p not in exact and p not in likely]
        for path in [*exact, *likely, *rest]:
            self._parse(path)
            if key in self._found:
                return self._found[key]
        return None

    def file_for(self, api_version: str, kind: str) -> str | None:
        found = self._lookup(api_version, kind)
        return str(found[0]) if found else None

    def schema(self, api_version: str, kind: str) -> dict[str, Any] | None:
        key = (api_version, kind)
        if key in self._schemas:
            return self._schemas[key]
        found = self._lookup(api_version, kind)
        if found is None:
            return None
        try:
            schema = crd_json_schema(json.loads(found[1]), api_version, kind, self.kube_version)
        except (TypeError, AttributeError, ValueError) as exc:  # e.g. properties: 5
            raise ConfigError(
                f"{found[0]}: the openAPIV3Schema of {api_version} {kind} is malformed ({exc})"
            ) from None
        self._schemas[key] = schema
        return schema
