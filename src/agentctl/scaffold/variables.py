"""Checks on the project name and on template variables.

Values end up in file names, YAML, TOML, Dockerfiles and CI scripts, and
cookiecutter renders values given on the command line as Jinja. So every value
is held to a conservative character set (no Jinja delimiters, no shell
metacharacters, no ``..``), variables used in file names may not contain path
separators, and known variables have their own stricter pattern. A template can
declare patterns for its own variables in ``_agentctl.variables``.
"""

from __future__ import annotations

import keyword
import re
import sys
from collections.abc import Iterable, Mapping
from typing import Any

from agentctl.errors import UsageError, echoed

MAX_NAME = 40  # agent names leave room for derived object names (see agent.yaml reference)
MAX_VALUE = 200
_DNS1123 = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_SAFE_VALUE = re.compile(r"^[\w .,:()!?@#%+=/*-]*$")
_JINJA = ("{{", "}}", "{%", "%}", "{#", "#}")

# Patterns for the variables of agentctl's built-in templates (and any template that uses these names).
KNOWN_PATTERNS: dict[str, str] = {
    "name": r"^[a-z0-9]([-a-z0-9]{0,38}[a-z0-9])?$",
    "team": r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$",
    "cost_center": r"^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$",
    "version": r"^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$",
    "image_registry": r"^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]{1,5})?(/[a-z0-9]([a-z0-9._-]*[a-z0-9])?)*$",
    "model_provider": r"^[a-z][a-z0-9._-]{0,62}$",
    "model_name": r"^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$",
    "model_endpoint": r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[A-Za-z0-9._~-]+)*/?$",
    "secret_store": r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$",
    "api_key_remote_key": r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,254}$",
    "memory_size": r"^[0-9]+(Mi|Gi|Ti)$",
    "tool_service": r"^([a-z0-9]([-a-z0-9]{0,38}[a-z0-9])?)?$",
    "mcp_server": r"^([a-z0-9]([-a-z0-9]{0,38}[a-z0-9])?)?$",
    # a pip requirement without spaces: a git URL with a tag, name==version, an index URL's wheel
    "agentctl_pip_spec": r"^[A-Za-z0-9][A-Za-z0-9._+:/@=#%-]{0,199}$",
    "schedule": r"^([0-9*/,-]+ ){4}[0-9*/,A-Za-z-]+$|^$",
    "topic": r"^[\w .,:()!?+-]{1,100}$",
    "description": r"^[\w .,:()!?@#%+=-]{0,200}$",
}


def check_name(name: str) -> str:
    """NAME of ``agentctl init``: a DNS-1123 label short enough for derived names; never a path."""
    if not name:
        raise UsageError("NAME must not be empty")
    if "/" in name or "\\" in name or ".." in name or name in (".", "~") or name.startswith("~"):
        raise UsageError(
            f"NAME {name!r} must be a plain name, not a path",
            hint="use --output-dir to choose where it goes",
        )
    if len(name) > MAX_NAME:
        raise UsageError(f"NAME {echoed(name, MAX_NAME)} is longer than {MAX_NAME} characters")
    if not _DNS1123.match(name):
        raise UsageError(
            f"NAME {name!r} is not a DNS-1123 label",
            hint="lower-case letters, digits and '-', starting and ending with a letter or digit (e.g. my-agent)",
        )
    return name


# Agent types whose NAME also names a Kubernetes Service (a DNS-1035 label: starts with a letter).
_SERVICE_TYPES = ("service", "stateful")


def check_project_name(values: Mapping[str, Any], meta: Mapping[str, Any]) -> None:
    """A new project's NAME must make a working project: a Service name for agents that
    serve, and an importable Python package (``__package``) that hides no standard
    library module (``json``, ``abc``: the project's own imports would break)."""
    name = str(values.get("name", ""))
    if meta.get("type") in _SERVICE_TYPES and not name[:1].isalpha():
        raise UsageError(
            f"NAME {name!r} must start with a letter: a {meta['type']} agent's Service is named after it (a DNS-1035 label)"
        )
    package = values.get("__package")
    if not isinstance(package, str):
        return
    if not package.isidentifier():
        raise UsageError(
            f"NAME {name!r} must start with a letter: the project's Python package is named after it ({package})"
        )
    if keyword.iskeyword(package):
        raise UsageError(
            f"NAME {name!r} is a Python keyword, and the project's Python package is named after it"
        )
    if package in sys.stdlib_module_names:
        raise UsageError(
            f"NAME {name!r} would name the project's Python package {package!r}, hiding the standard library module of that name",
            hint=f"choose another NAME (e.g. {name}-agent)",
        )


def parse_sets(pairs: Iterable[str]) -> dict[str, str]:
    """``--set key=value`` pairs into a dict (later wins)."""
    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key = key.strip()
        if not sep or not key:
            raise UsageError(f"--set {pair!r}: expected key=value")
        if not _KEY.match(key):
            raise UsageError(f"--set {pair!r}: {key!r} is not a template variable name")
        out[key] = value
    return out


def check_value(key: str, value: Any, patterns: Mapping[str, str], path_vars: set[str]) -> None:
    """Raise UsageError unless ``value`` is safe for variable ``key``."""
    if isinstance(value, bool) or value is None:
        return
    if isinstance(value, int | float):
        value = str(value)
    if isinstance(value, list | dict):
        items = value.values() if isinstance(value, dict) else value
        for item in items:
            check_value(key, item, patterns, path_vars)
        return
    if not isinstance(value, str):
        raise UsageError(f"variable {key!r}: unsupported value type {type(value).__name__}")
    where = f"variable {key}={value!r}"
    if len(value) > MAX_VALUE:
        raise UsageError(f"variable {key!r}: longer than {MAX_VALUE} characters")
    if any(ch in value for ch in "\r\n\t\x00") or any(ord(ch) < 32 for ch in value):
        raise UsageError(f"{where}: control characters are not allowed")
    if any(token in value for token in _JINJA):
        raise UsageError(f"{where}: template syntax ({{{{ }}}}, {{% %}}) is not allowed in values")
    if ".." in value:
        raise UsageError(f"{where}: '..' is not allowed")
    if not _SAFE_VALUE.match(value):
        bad = sorted({ch for ch in value if not _SAFE_VALUE.match(ch)})
        raise UsageError(
            f"{where}: character(s) {' '.join(bad)} are not allowed (no quotes, shell or path tricks)"
        )
    if value.startswith("-"):
        raise UsageError(f"{where}: must not start with '-'")
    if key in path_vars and ("/" in value or "\\" in value or not value.strip()):
        raise UsageError(f"{where}: used in file names, so it must be a non-empty plain name")
    pattern = patterns.get(key.lstrip("_"))
    if pattern and not re.fullmatch(pattern, value):
        raise UsageError(f"{where}: does not match {pattern}")


def check_yaml_text(values: Mapping[str, Any]) -> None:
    """The built-in templates write the known variables into YAML unquoted
    (``version: {{ ... }}``), so a value YAML reads as something other than text (``yes``,
    ``null``, ``1.10``, a date) would make an agent.yaml that does not validate; it is
    refused before anything is written."""
    for key, value in values.items():
        if key in KNOWN_PATTERNS and isinstance(value, str) and value:
            _check_yaml_text(key, value)


def _check_yaml_text(key: str, value: str) -> None:
    import yaml

    tag = yaml.resolver.Resolver().resolve(yaml.ScalarNode, value, (True, False))
    if tag != "tag:yaml.org,2002:str":
        kind = _YAML_KINDS.get(tag.rsplit(":", 1)[-1], "something other than text")
        what, better = (
            ("NAME ", f"{value}-agent") if key == "name" else (f"variable {key}=", f"v{value}")
        )
        raise UsageError(
            f"{what}{value!r}: YAML reads it as {kind}, not text, so agent.yaml would not be valid",
            hint=f"choose another value (e.g. {better})",
        )


_YAML_KINDS = {"bool": "a boolean", "null": "null", "int": "a number", "float": "a number",
               "timestamp": "a date"}  # fmt: skip


def patterns_for(meta: Mapping[str, Any]) -> dict[str, str]:
    declared = meta.get("variables") if isinstance(meta.get("variables"), dict) else {}
    patterns = dict(KNOWN_PATTERNS)
    for key, pattern in (declared or {}).items():
        if isinstance(pattern, str):
            try:
                re.compile(pattern)
            except re.error as exc:
                raise UsageError(
                    f"template variable pattern for {key!r} is not a valid regex: {exc}"
                ) from None
            patterns[key] = pattern
    return patterns


def check_context(
    values: Mapping[str, Any], patterns: Mapping[str, str], path_vars: set[str]
) -> None:
    """Check every public and derived (``__x``) variable; private ``_x`` data is the template's own."""
    for key, value in values.items():
        if key.startswith("_") and not key.startswith("__"):
            continue
        check_value(key, value, patterns, path_vars)
