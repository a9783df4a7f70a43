"""Where an agent's traffic goes: the destinations its spec implies.

Each destination is classified once: an in-cluster Service (``name``,
``name.namespace``, ``*.svc[.cluster.local]``: reachable by namespace and pod
selectors), an IP literal (an exact ``ipBlock``) or an external host (which a
NetworkPolicy cannot name: see docs/explanation/rendering.md and the platform
egress modes in ``network``).
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from agentctl.render.bundle import SpecPath
from agentctl.spec.models import ModelSpec

# OpenAI-compatible base URLs of providers when spec.model.endpoint is unset.
MODEL_ENDPOINTS: dict[str, str] = {
    "openai": "https://api.openai.com/v1",
    "anthropic": "https://api.anthropic.com/v1",
    "gcp.gemini": "https://generativelanguage.googleapis.com/v1beta/openai",
    "mistral_ai": "https://api.mistral.ai/v1",
    "groq": "https://api.groq.com/openai/v1",
    "deepseek": "https://api.deepseek.com/v1",
    "x_ai": "https://api.x.ai/v1",
    "perplexity": "https://api.perplexity.ai",
    "cohere": "https://api.cohere.ai/compatibility/v1",
}
OFFLINE_PROVIDERS = frozenset({"offline-demo"})

# Two-label hosts ending in one of these are outside the cluster (not "service.namespace").
_EXTERNAL_SUFFIXES = frozenset(
    [
        "com",
        "net",
        "org",
        "io",
        "ai",
        "dev",
        "app",
        "co",
        "info",
        "biz",
        "us",
        "uk",
        "de",
        "eu",
        "fr",
        "nl",
        "ch",
        "jp",
        "cn",
        "in",
        "cloud",
        "tech",
        "site",
        "xyz",
        "me",
        "gov",
        "edu",
        "mil",
        "int",
        "internal",
        "local",
        "lan",
        "corp",
        "home",
        "example",
        "test",
        "localhost",
    ]
)
_DEFAULT_PORTS = {"http": 80, "https": 443}
# Private-use names (RFC 6762 .local, ICANN's .internal, common intranet suffixes): private addresses.
PRIVATE_SUFFIXES = (".internal", ".local", ".lan", ".corp", ".home.arpa", ".intranet", ".private")

PRIVATE_RANGES = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "127.0.0.0/8")
LINK_LOCAL = ("169.254.0.0/16", "169.254.169.254/32")
INTERNET_EXCEPT = (*PRIVATE_RANGES, *LINK_LOCAL)


@dataclass(frozen=True)
class Destination:
    what: str  # human description: "model endpoint", "tool web-search", "OTLP collector"
    origin: SpecPath
    host: str
    port: int
    scheme: str  # http | https | tcp
    cidrs: tuple[str, ...] = ()
    cluster_namespace: str | None = None  # in-cluster Service: its namespace
    ip_cidr: str | None = None  # IP literal host as a /32 or /128

    @property
    def external(self) -> bool:
        return self.cluster_namespace is None and self.ip_cidr is None

    @property
    def private(self) -> bool:
        """An external host with a private-use name: it resolves to a private address."""
        return self.external and self.host.rstrip(".").endswith(PRIVATE_SUFFIXES)

    @property
    def http(self) -> bool:
        return self.scheme in ("http", "https")


def model_endpoint(model: ModelSpec) -> str | None:
    """The model's base URL (spec or provider default); None for offline models or unknown providers."""
    if model.endpoint:
        return model.endpoint.rstrip("/")
    if model.provider in OFFLINE_PROVIDERS:
        return None
    return MODEL_ENDPOINTS.get(model.provider)


def split_url(url: str) -> tuple[str, str, int]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    port = parts.port or _DEFAULT_PORTS.get(scheme, 443)
    return scheme, host, port


def _ip_cidr(host: str) -> str | None:
    try:
        ip = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None
    return f"{ip}/{32 if ip.version == 4 else 128}"


def cluster_namespace(host: str, own_namespace: str) -> str | None:
    """The namespace of an in-cluster Service host, or None for hosts outside the cluster."""
    labels = host.rstrip(".").split(".")
    if len(labels) == 1:
        return own_namespace
    if "svc" in labels[2:3]:  # name.namespace.svc[.cluster.local]
        return labels[1]
    if (
        len(labels) == 2
        and labels[1] not in _EXTERNAL_SUFFIXES
        and re.fullmatch(r"[a-z0-9-]+", labels[1])
    ):
        return labels[1]
    return None


def destination(
    what: str,
    origin: SpecPath,
    host: str,
    port: int,
    scheme: str,
    own_namespace: str,
    cidrs: list[str] | None = None,
) -> Destination:
    ip = _ip_cidr(host)
    ns = None if ip else cluster_namespace(host, own_namespace)
    return Destination(what, origin, host, port, scheme, tuple(cidrs or ()), ns, ip)


def url_destination(
    what: str, origin: SpecPath, url: str, own_namespace: str, cidrs: list[str] | None = None
) -> Destination:
    scheme, host, port = split_url(url)
    return destination(what, origin, host, port, scheme, own_namespace, cidrs)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    ip = _ip_cidr(host)
    return ip is not None and ipaddress.ip_network(ip).is_loopback
