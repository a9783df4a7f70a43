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
from functools import lru_cache
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from agentctl.render.bundle import SpecPath

if TYPE_CHECKING:
    from agentctl.render.context import Ctx
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

# Port 53 is DNS, which goes to kube-dns only (POLICIES.md NET-003). Another
# destination on it must be one exact service: no network broader than this
# prefix (NET-003's own threshold), never the internet or a private range.
DNS_PORT = 53
DNS_MIN_PREFIX = 16


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

    @property
    def port_origin(self) -> SpecPath:
        """The spec field that sets the port: a tool's ``port`` or ``url``, else the origin."""
        if self.origin[:2] == ("spec", "tools") and len(self.origin) == 3:
            return (*self.origin, "port" if self.scheme == "tcp" else "url")
        return self.origin


def _broader_than_dns_allows(cidr: str) -> bool:
    """Whether ``cidr`` spans more than one service's addresses may on port 53 (unparsable: no)."""
    try:
        return ipaddress.ip_network(cidr, strict=False).prefixlen < DNS_MIN_PREFIX
    except ValueError:
        return False


def refuse_dns_to_a_range(ctx: Ctx, dest: Destination) -> None:
    """Port 53 to the internet, a private range or broad ``cidrs`` would be DNS past kube-dns."""
    if dest.port != DNS_PORT:
        return
    broad = [c for c in dest.cidrs if _broader_than_dns_allows(c)]
    if dest.cidrs and not broad:
        return
    if broad:
        reach = f"cidrs {', '.join(broad)} (broader than a /16)"
        hint = "narrow `cidrs` to the addresses of the DNS-speaking service"
    else:
        reach = "the private ranges" if dest.private else "the internet"
        hint = (
            "give the tool explicit `cidrs` if it is a real DNS-speaking service"
            if dest.origin[:2] == ("spec", "tools")
            else "reach it by IP address or in-cluster Service name, or on another port"
        )
    raise ctx.error(
        dest.port_origin,
        f"port 53 egress is DNS; agents resolve through kube-dns only, "
        f"so {dest.what} ({dest.host}:53) cannot be opened to {reach}",
        hint=hint,
    )


def model_endpoint(model: ModelSpec) -> str | None:
    """The model's base URL (spec or provider default); None for offline models or unknown providers."""
    if model.endpoint:
        return model.endpoint.rstrip("/")
    if model.provider in OFFLINE_PROVIDERS:
        return None
    return MODEL_ENDPOINTS.get(model.provider)


# The same few URLs and hosts (model endpoints, the collector, shared tools) recur in
# every agent of a monorepo: their parses are pure, so each is made once.
@lru_cache(maxsize=4096)
def split_url(url: str) -> tuple[str, str, int]:
    # The spec's URL type rejects what urlsplit cannot parse; a URL that slips past it
    # (a bad port, an unclosed IPv6 bracket) falls back to the scheme's default port.
    try:
        parts = urlsplit(url)
    except ValueError:
        return url.partition(":")[0].lower(), "", 443
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    return scheme, host, port or _DEFAULT_PORTS.get(scheme, 443)


@lru_cache(maxsize=4096)
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


@lru_cache(maxsize=4096)
def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    ip = _ip_cidr(host)
    return ip is not None and ipaddress.ip_network(ip).is_loopback
