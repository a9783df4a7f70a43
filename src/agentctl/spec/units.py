"""Kubernetes quantities, durations, names, cron expressions and image references.

Parsers return plain numbers so that render, cost and policy agree on them.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from agentctl.errors import echoed

_BINARY = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}
_DECIMAL = {
    "n": Decimal("1e-9"),
    "u": Decimal("1e-6"),
    "m": Decimal("1e-3"),
    "": Decimal(1),
    "k": Decimal(10**3),
    "M": Decimal(10**6),
    "G": Decimal(10**9),
    "T": Decimal(10**12),
    "P": Decimal(10**15),
    "E": Decimal(10**18),
}
_QUANTITY_RE = re.compile(
    r"^([+]?[0-9]+(?:\.[0-9]+)?|[+]?\.[0-9]+)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?$"
)


def parse_quantity(value: str | int | float) -> Decimal:
    """Parse a Kubernetes resource quantity (``500m``, ``2Gi``, ``1.5``) to a Decimal."""
    if isinstance(value, bool):
        raise ValueError("expected a quantity such as 500m or 2Gi, got a boolean")
    if isinstance(value, int | float):
        if value < 0:
            raise ValueError("a quantity cannot be negative")
        return Decimal(str(value))
    text = str(value).strip()
    m = _QUANTITY_RE.match(text)
    if not m:
        raise ValueError(
            f"{echoed(value)} is not a Kubernetes quantity (examples: 500m, 1, 2Gi, 512Mi)"
        )
    try:
        number = Decimal(m.group(1))
    except InvalidOperation as exc:  # pragma: no cover - regex guarantees a number
        raise ValueError(f"{echoed(value)} is not a number") from exc
    suffix = m.group(2) or ""
    if suffix in _BINARY:
        return number * _BINARY[suffix]
    return number * _DECIMAL[suffix]


# Kubernetes keeps quantities as int64 in milli-units (Quantity.MilliValue): anything
# larger overflows on the server or is silently clamped.
MAX_QUANTITY = Decimal(2**63 - 1) / 1000


def check_quantity_range(value: object, number: Decimal) -> Decimal:
    """A resource quantity must be above zero (0 means "no limit") and fit Kubernetes' int64."""
    if number <= 0:
        raise ValueError(
            f"{echoed(value)} is not above zero: a zero request or limit means none at all; "
            "give a positive quantity such as 250m or 512Mi"
        )
    if number > MAX_QUANTITY:
        raise ValueError(f"{echoed(value)} is larger than Kubernetes can hold (at most 8Ei)")
    return number


def cpu_cores(value: str | int | float) -> float:
    return float(parse_quantity(value))


def memory_bytes(value: str | int | float) -> int:
    return int(parse_quantity(value))


_DURATION_RE = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m(?!s))?(?:(\d+)s)?$")


def parse_duration(value: str | int) -> int:
    """Parse ``30s``, ``20m``, ``6h``, ``1d``, ``1h30m`` (or plain seconds) to seconds."""
    if isinstance(value, bool):
        raise ValueError("expected a duration such as 30s, 20m or 6h, got a boolean")
    if isinstance(value, int):
        if value <= 0:
            raise ValueError("a duration must be positive")
        return _in_range(value, value)
    text = str(value).strip()
    m = _DURATION_RE.match(text)
    if not text or not m or not any(m.groups()):
        raise ValueError(f"{echoed(value)} is not a duration (examples: 30s, 20m, 6h, 1h30m, 2d)")
    d, h, mi, s = (int(g) if g else 0 for g in m.groups())
    total = d * 86400 + h * 3600 + mi * 60 + s
    if total <= 0:
        raise ValueError("a duration must be positive")
    return _in_range(value, total)


# The narrowest field a duration is rendered into is int32 seconds
# (ttlSecondsAfterFinished): about 68 years.
MAX_DURATION_SECONDS = 2**31 - 1


def _in_range(value: object, seconds: int) -> int:
    if seconds > MAX_DURATION_SECONDS:
        raise ValueError(
            f"{echoed(value)} is longer than Kubernetes accepts (at most {MAX_DURATION_SECONDS} seconds, about 68 years)"
        )
    return seconds


def format_duration(seconds: int) -> str:
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if seconds >= size:
            n, seconds = divmod(seconds, size)
            parts.append(f"{n}{unit}")
    return "".join(parts) or "0s"


DNS1123_LABEL_RE = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
DNS1123_SUBDOMAIN_RE = re.compile(
    r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"
)


def check_dns1123_label(value: str, *, max_length: int = 63) -> str:
    if not value:
        raise ValueError("must not be empty")
    if len(value) > max_length:
        raise ValueError(f"must be at most {max_length} characters (got {len(value)})")
    if not DNS1123_LABEL_RE.match(value):
        raise ValueError(
            f"{echoed(value)} is not a DNS-1123 label: lower-case letters, digits and '-', "
            "starting and ending with a letter or digit"
        )
    return value


def check_dns1123_subdomain(value: str) -> str:
    """A Kubernetes object name such as a secret store's: lower-case labels joined by dots."""
    if not value:
        raise ValueError("must not be empty")
    if len(value) > 253:
        raise ValueError(f"must be at most 253 characters (got {len(value)})")
    if not DNS1123_SUBDOMAIN_RE.match(value):
        raise ValueError(
            f"{echoed(value)} is not a Kubernetes object name (DNS-1123 subdomain): lower-case "
            "letters, digits, '-' and '.', starting and ending with a letter or digit"
        )
    return value


# Image reference, after the distribution reference grammar (simplified but strict
# about the parts that matter: lower-case repository path, tag charset, digest).
_IMAGE_RE = re.compile(
    r"^(?:(?P<registry>(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?|\[[0-9a-fA-F:]+\](?::[0-9]+)?)/)?"
    r"(?P<path>[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*)"
    r"(?::(?P<tag>[\w][\w.-]{0,127}))?"
    r"(?:@(?P<digest>[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}))?$"
)


def parse_image(value: str) -> dict[str, str | None]:
    """Split an image reference into registry, path, tag and digest, or raise ValueError."""
    m = _IMAGE_RE.match(value or "")
    if not m:
        raise ValueError(
            f"{echoed(value)} is not a valid image reference (example: ghcr.io/acme/agent:1.2.0 or ...@sha256:<digest>)"
        )
    parts = m.groupdict()
    registry = parts["registry"]
    path = parts["path"]
    # "localhost:5000/x" and "registry.example.com/x" are registries; "acme/x" is a Docker Hub path.
    if registry and "." not in registry and ":" not in registry and registry != "localhost":
        path = f"{registry}/{path}"
        registry = None
    return {
        "registry": registry or "docker.io",
        "path": path,
        "tag": parts["tag"],
        "digest": parts["digest"],
    }


def check_cidr(value: str) -> str:
    """``value`` if it is a CIDR a NetworkPolicy's ipBlock takes: an address with its
    prefix length and no host bits set (``10.20.0.0/24``, ``2001:db8::/64``)."""
    import ipaddress

    try:
        network = ipaddress.ip_network(value, strict=False)
    except ValueError:
        network = None
    if network is None or "/" not in value:
        raise ValueError(
            f"{echoed(value)} is not a CIDR: an IP address and a prefix length, e.g. 10.20.0.0/24"
        )
    try:
        ipaddress.ip_network(value, strict=True)
    except ValueError:
        raise ValueError(f"{echoed(value)} has host bits set: the network is {network}") from None
    return value


# What Kubernetes takes as an environment variable's name and as a ConfigMap key (the
# variables are published in one): letters, digits, '-', '_' and '.'. A server before
# 1.34 also refuses a name that starts with a digit.
ENV_NAME_RE = re.compile(r"^[-._a-zA-Z0-9]+$")


def check_env_name(value: str) -> str:
    """``value`` if Kubernetes takes it as an environment variable's name."""
    if not ENV_NAME_RE.match(value) or len(value) > 253:
        raise ValueError(
            f"{echoed(value)} is not an environment variable name Kubernetes accepts: "
            "letters, digits, '_', '-' and '.', at most 253"
        )
    return value


def check_cron(value: str) -> str:
    """Accept a schedule exactly as Kubernetes' CronJob (robfig/cron v3 ParseStandard) does."""
    from agentctl.spec import cron

    try:
        cron.parse(value)
    except ValueError as exc:
        raise ValueError(f"{echoed(value)} is not a schedule Kubernetes accepts: {exc}") from None
    return value


def env_key(name: str) -> str:
    """``web-search`` -> ``WEB_SEARCH``: a tool or secret name inside an
    environment variable name (the runtime contract's <NAME>)."""
    return name.upper().replace("-", "_").replace(".", "_")
