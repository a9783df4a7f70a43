"""Derived names must be valid Kubernetes names and must not clash.

Errors point at the agent.yaml line whose value produced the name: a tool's or
secret's ``name``, else ``metadata.name``.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from agentctl.errors import RenderError
from agentctl.render.bundle import Bundle, RenderedObject, SpecPath, namespace_owned
from agentctl.render.context import Ctx
from agentctl.spec.yamlsafe import dotted_path

_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_DNS1035 = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_LABEL_VALUE = re.compile(r"^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$")

# kind -> (max length, pattern, what)
_NAME_RULES: dict[str, tuple[int, re.Pattern[str], str]] = {
    "Namespace": (63, _LABEL, "a DNS-1123 label"),
    "Service": (63, _DNS1035, "a DNS-1035 label (starting with a letter)"),
    "StatefulSet": (
        52,
        _LABEL,
        "a DNS-1123 label of at most 52 characters (pod and revision names add suffixes)",
    ),
    "CronJob": (52, _LABEL, "at most 52 characters (Jobs add an 11-character suffix)"),
    "CronWorkflow": (52, _LABEL, "at most 52 characters (Argo adds a timestamp suffix)"),
}
_CLUSTER_ROLE_NAME = re.compile(r"^[a-z0-9:.-]+$")


def _blame(obj: RenderedObject) -> SpecPath:
    origin = obj.origin
    if len(origin) >= 3 and origin[:2] in (("spec", "tools"), ("spec", "secrets")):
        return (*origin[:3], "name")
    return ("metadata", "name")


def _blame_item(ctx: Ctx, obj: RenderedObject, name: str) -> SpecPath:
    """The spec entry a container or volume name comes from (a tool, a secret), else the object's."""
    for i, secret in enumerate(ctx.spec.secrets):
        if name == f"secret-{secret.name}":
            return ("spec", "secrets", i, "name")
    for i, tool in enumerate(ctx.spec.tools):
        if name == tool.name:
            return ("spec", "tools", i, "name")
    return _blame(obj)


def _check_name(ctx: Ctx, obj: RenderedObject, kind: str, name: str) -> None:
    max_len, pattern, what = _NAME_RULES.get(kind, (253, _SUBDOMAIN, "a DNS-1123 subdomain"))
    if kind in ("ClusterRole", "ClusterRoleBinding"):
        pattern = _CLUSTER_ROLE_NAME
    if len(name) > max_len or not pattern.fullmatch(name):
        raise ctx.error(
            _blame(obj),
            f"derived {kind} name {name!r} ({len(name)} characters) must be {what}, at most {max_len} characters",
            hint="shorten the name this comes from",
        )


# Valid label values seen so far: the same few recur on every object of an agent.
_GOOD_LABEL_VALUES: set[str] = set()


def _label_value_ok(value: str) -> bool:
    """A valid label value."""
    if len(value) > 63 or _LABEL_VALUE.fullmatch(value) is None:
        return False
    if len(_GOOD_LABEL_VALUES) >= 65536:
        _GOOD_LABEL_VALUES.clear()
    _GOOD_LABEL_VALUES.add(value)
    return True


@lru_cache(maxsize=4096)
def _dns_label_ok(name: str) -> bool:
    return len(name) <= 63 and _LABEL.fullmatch(name) is not None


def _check_labels(ctx: Ctx, obj: RenderedObject, labels: dict[str, Any], where: str) -> None:
    for key, value in labels.items():
        if type(value) is str and value in _GOOD_LABEL_VALUES:
            continue
        if not isinstance(value, str) or not _label_value_ok(value):
            raise ctx.error(
                _blame(obj),
                f"derived label {key}={value!r} on {obj.kind} {obj.name!r} ({where}) is not a valid label value "
                "(at most 63 characters)",
                hint="shorten the name this comes from",
            )


def _pod_parts(obj: dict[str, Any]) -> list[dict[str, Any]]:
    """The pod-shaped parts of an object: pod specs, and Argo's workflow spec and templates."""
    spec = obj.get("spec")
    if not isinstance(spec, dict):
        return []
    kind = obj.get("kind")
    if kind in ("Deployment", "StatefulSet", "Job"):
        return [spec["template"]["spec"]]
    if kind == "CronJob":
        return [spec["jobTemplate"]["spec"]["template"]["spec"]]
    if kind in ("WorkflowTemplate", "CronWorkflow"):
        wf = spec.get("workflowSpec", spec)
        return [
            wf,
            *(
                t["container"] | {"name": t["name"]}
                for t in wf.get("templates", [])
                if "container" in t
            ),
        ]
    return []


def _check_pod_names(ctx: Ctx, obj: RenderedObject) -> None:
    """Container, volume and mount names are DNS-1123 labels (63 characters)."""
    for part in _pod_parts(obj.obj):
        mounted = part.get("containers", [part])  # an Argo template is its own container
        for what, items in (
            ("container", part.get("containers", [])),
            ("volume", part.get("volumes", [])),
            ("volumeMount", [m for c in mounted for m in c.get("volumeMounts", [])]),
        ):
            for item in items:
                name = item.get("name")
                if isinstance(name, str) and not _dns_label_ok(name):
                    raise ctx.error(
                        _blame_item(ctx, obj, name),
                        f"derived {what} name {name!r} must be a DNS-1123 label of at most 63 characters",
                    )


def check_objects(ctx: Ctx) -> None:
    seen: dict[tuple[str, str, str | None, str], RenderedObject] = {}
    for obj in ctx.objects:
        data = obj.obj
        meta = data["metadata"]
        kind, name = str(data.get("kind", "")), str(meta.get("name", ""))
        _check_name(ctx, obj, kind, name)
        _check_labels(ctx, obj, meta.get("labels", {}), "labels")
        _check_pod_names(ctx, obj)
        api_version = data["apiVersion"]
        group = api_version.rsplit("/", 1)[0] if "/" in api_version else ""
        key = (group, kind, meta.get("namespace"), name)
        other = seen.get(key)
        if other is not None:
            blame = _blame(obj) if _blame(obj) != ("metadata", "name") else _blame(other)
            raise ctx.error(
                blame,
                f"{obj.kind} {obj.name!r} (from {dotted_path(obj.origin)}) clashes with the {other.kind} "
                f"agentctl derives from {dotted_path(other.origin)}",
                hint="rename the tool or secret",
            )
        seen[key] = obj


def check_across(bundles: list[Bundle]) -> None:
    """Agents of one build have distinct names and never render the same object (shared Namespaces aside)."""
    by_name: dict[str, Bundle] = {}
    for bundle in bundles:
        first = by_name.setdefault(bundle.name, bundle)
        if first is not bundle:
            file, line, col = bundle.loaded.locate(("metadata", "name"))
            raise RenderError.at(
                file,
                line,
                col,
                "metadata.name",
                f"agent {bundle.name!r} is also defined in {first.loaded.file}; "
                f"both would be written to <out>/{bundle.name}/",
                hint="agent names must be unique in one build",
            )
    owners: dict[tuple[str, str | None, str], Bundle] = {}
    for bundle in bundles:
        for obj in bundle.objects:
            if namespace_owned(obj.kind, obj.name):
                continue
            key = (obj.kind, obj.namespace, obj.name)
            other = owners.get(key)
            if other is not None and other is not bundle:
                file, line, col = bundle.loaded.locate(("metadata", "name"))
                raise RenderError.at(
                    file,
                    line,
                    col,
                    "metadata.name",
                    f"{obj.kind} {obj.name!r} in namespace {obj.namespace} "
                    f"is also rendered by {other.loaded.file}",
                    hint="agent names must be unique per namespace",
                )
            owners[key] = bundle
