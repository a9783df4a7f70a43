"""NetworkPolicy: every pod covered, default deny, no open egress, no orphan policies."""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Iterator
from typing import Any

from agentctl.policy.model import Hit, Obj, PathKey, Severity, Unit
from agentctl.policy.registry import check
from agentctl.policy.workloads import (
    WORKLOAD_KINDS,
    PodView,
    as_dict,
    as_list,
    unit_pods,
)

METADATA_V4 = ipaddress.ip_address("169.254.169.254")
PRIVATE_V4 = [
    ipaddress.ip_network(n)
    for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16")
]
PRIVATE_V6 = [ipaddress.ip_network(n) for n in ("fc00::/7", "fe80::/10")]


def selector_matches(selector: Any, labels: dict[str, str]) -> bool:
    """Kubernetes label-selector semantics; an empty selector matches everything."""
    sel = as_dict(selector)
    for key, value in as_dict(sel.get("matchLabels")).items():
        if labels.get(str(key)) != str(value):
            return False
    for expr in as_list(sel.get("matchExpressions")):
        e = as_dict(expr)
        key, op, values = (
            str(e.get("key", "")),
            e.get("operator"),
            [str(v) for v in as_list(e.get("values"))],
        )
        if op == "In" and labels.get(key) not in values:
            return False
        if op == "NotIn" and key in labels and labels[key] in values:
            return False
        if op == "Exists" and key not in labels:
            return False
        if op == "DoesNotExist" and key in labels:
            return False
    return True


def policy_types(policy: Obj) -> set[str]:
    spec = as_dict(policy.data.get("spec"))
    types = as_list(spec.get("policyTypes"))
    if types:
        return {str(t) for t in types}
    return {"Ingress", *(["Egress"] if "egress" in spec else [])}


class _Selection:
    """Which NetworkPolicies of a unit select a pod, worked out once per namespace and
    set of labels (copies of one workload share the answer) and kept on the unit."""

    def __init__(self, unit: Unit) -> None:
        # by namespace: a pod is matched against its own namespace's policies only
        self.policies: dict[str, list[tuple[int, Obj, Any]]] = {}
        for i, p in enumerate(unit.of_kind("NetworkPolicy")):
            selector = as_dict(p.data.get("spec")).get("podSelector")
            self.policies.setdefault(p.namespace, []).append((i, p, selector))
        self.known: dict[Any, list[Obj]] = {}
        self.types: dict[int, set[str]] = {}
        self.unions: dict[int, tuple[list[Obj], set[str]]] = {}

    def types_of(self, policy: Obj) -> set[str]:
        """``policy_types(policy)``, worked out once per policy."""
        types = self.types.get(id(policy))
        if types is None:
            types = self.types[id(policy)] = policy_types(policy)
        return types

    def types_for(self, view: PodView) -> set[str]:
        """The policy types of every policy that selects ``view``, together (worked out
        once per list of policies; the list is kept with it, so its id stays its own)."""
        policies = self.policies_for(view)
        cached = self.unions.get(id(policies))
        if cached is not None and cached[0] is policies:
            return cached[1]
        types: set[str] = set()
        for p in policies:
            types |= self.types_of(p)
        self.unions[id(policies)] = (policies, types)
        return types

    @classmethod
    def of(cls, unit: Unit) -> _Selection:
        selection = unit.cache.get("network-policy-selection")
        if selection is None:
            selection = unit.cache["network-policy-selection"] = cls(unit)
        return selection

    def policies_for(self, view: PodView) -> list[Obj]:
        labels = view.labels()
        namespace = view.obj.namespace
        try:
            key: Any = (namespace, frozenset(labels.items()))
            known = self.known.get(key)
        except TypeError:  # a label value that is a list or a mapping
            key, known = None, None
        if known is None:
            spaces = self.policies
            if not namespace:  # any namespace (same_namespace)
                candidates = [e for entries in spaces.values() for e in entries]
            else:
                candidates = spaces.get(namespace, []) + spaces.get("", [])
            if len(candidates) > 1:
                candidates.sort(key=_order)  # the order of the unit's objects
            known = [p for _, p, selector in candidates if selector_matches(selector, labels)]
            if key is not None:
                self.known[key] = known
        return known


def _order(entry: tuple[int, Obj, Any]) -> int:
    return entry[0]


def _policies_for(unit: Unit, view: PodView) -> list[Obj]:
    return _Selection.of(unit).policies_for(view)


def _labels_path(view: PodView) -> PathKey:
    return view.labels_paths[-1] if view.labels_paths else ("metadata", "labels")


@check(
    "NET-001",
    "Every pod is covered by a NetworkPolicy",
    "high",
    kinds=WORKLOAD_KINDS,
    description="Every pod is selected by NetworkPolicies that together cover both Ingress and Egress.",
    rationale="A pod no policy selects may talk to anything in the cluster and beyond: the exfiltration path of a prompt-injected agent.",
    remediation="Add a NetworkPolicy selecting the pod's labels with policyTypes [Ingress, Egress] (agentctl build renders one).",
    example="""
kind: NetworkPolicy
spec:
  podSelector: {matchLabels: {app.kubernetes.io/name: research-assistant}}
  policyTypes: [Ingress, Egress]
""",
)
def covered(unit: Unit) -> Iterator[Hit]:
    selection = _Selection.of(unit)
    for view in unit_pods(unit):
        types = selection.types_for(view)
        missing = [t for t in ("Ingress", "Egress") if t not in types]
        if missing:
            what = " and ".join(missing)
            yield Hit(
                f"no NetworkPolicy restricts {what} for these pods", view.obj, _labels_path(view)
            )


def _is_deny(selection: _Selection, policy: Obj, direction: str) -> bool:
    spec = as_dict(policy.data.get("spec"))
    return direction.capitalize() in selection.types_of(policy) and not as_list(spec.get(direction))


@check(
    "NET-002",
    "A default-deny NetworkPolicy",
    "high",
    kinds=WORKLOAD_KINDS,
    description="The bundle has a default-deny policy (no ingress and no egress rules) selecting the agent's pods.",
    rationale="With a deny-all baseline every allowed flow is an explicit, reviewable rule; without one, a new policy can only add holes.",
    remediation="Add a NetworkPolicy with policyTypes [Ingress, Egress] and no rules selecting the agent's pods.",
    example="""
kind: NetworkPolicy
metadata: {name: research-assistant-default-deny}
spec:
  podSelector: {matchLabels: {agentctl.dev/agent: research-assistant}}
  policyTypes: [Ingress, Egress]
""",
)
def default_deny(unit: Unit) -> Iterator[Hit]:
    for view in unit_pods(unit):
        selection = _Selection.of(unit)
        policies = selection.policies_for(view)
        missing = [
            d for d in ("ingress", "egress") if not any(_is_deny(selection, p, d) for p in policies)
        ]
        if missing:
            what = " and ".join(missing)
            yield Hit(
                f"no default-deny {what} policy selects these pods", view.obj, _labels_path(view)
            )


def _all_ports(rule: dict[str, Any]) -> bool:
    ports = as_list(rule.get("ports"))
    return not ports or any(as_dict(p).get("port") is None for p in ports)


def _dns_only(rule: dict[str, Any]) -> bool:
    ports = as_list(rule.get("ports"))
    return bool(ports) and all(
        str(as_dict(p).get("port")) in ("53", "dns", "dns-tcp") for p in ports
    )


def _ip_block(peer: dict[str, Any]) -> tuple[Any, list[Any]] | None:
    block = as_dict(peer.get("ipBlock"))
    if not block.get("cidr"):
        return None
    try:
        net = ipaddress.ip_network(str(block["cidr"]), strict=False)
        excepts = [ipaddress.ip_network(str(e), strict=False) for e in as_list(block.get("except"))]
    except ValueError:
        return None
    return net, excepts


def _excluded(target: Any, excepts: list[Any]) -> bool:
    return any(e.version == target.version and target.subnet_of(e) for e in excepts)


def _egress_hits(policy: Obj, advice: str) -> Iterator[Hit]:
    for i, rule in enumerate(as_list(as_dict(policy.data.get("spec")).get("egress"))):
        rule = as_dict(rule)
        base: PathKey = ("spec", "egress", i)
        peers = as_list(rule.get("to"))
        if not peers:
            if _dns_only(rule):
                yield Hit(
                    f"egress rule {i} allows DNS to any destination; allow DNS only to kube-dns",
                    policy,
                    base,
                    severity=Severity.high,
                )
            else:
                ports = "every port" if _all_ports(rule) else "its ports"
                yield Hit(f"egress rule {i} has no `to`: any destination on {ports}", policy, base)
            continue
        for j, peer in enumerate(peers):
            parsed = _ip_block(as_dict(peer))
            if parsed is None:
                continue
            net, excepts = parsed
            path: PathKey = (*base, "to", j, "ipBlock", "cidr")
            if net.prefixlen == 0 and _all_ports(rule):
                msg = f"egress rule {i} allows {net} on every port: the internet, private ranges and metadata"
                yield Hit(msg, policy, path)
                continue
            if (
                net.version == 4
                and METADATA_V4 in net
                and not _excluded(ipaddress.ip_network("169.254.169.254/32"), excepts)
            ):
                yield Hit(
                    f"egress rule {i} reaches the cloud metadata address 169.254.169.254 ({net})",
                    policy,
                    path,
                )
                continue
            if _dns_only(rule) and net.prefixlen < 16:
                yield Hit(
                    f"egress rule {i} allows DNS to {net}; allow DNS only to kube-dns",
                    policy,
                    path,
                    severity=Severity.high,
                )
                continue
            if net.prefixlen != 0:
                continue
            private = PRIVATE_V4 if net.version == 4 else PRIVATE_V6
            if not all(_excluded(p, excepts) for p in private):
                yield Hit(
                    f"egress rule {i} allows {net} without excluding private ranges", policy, path
                )
                continue
            yield Hit(
                f"egress rule {i} allows the internet ({net}) on its ports; {advice}",
                policy,
                path,
                severity=Severity.medium,
            )


@check(
    "NET-003",
    "No open egress",
    "critical",
    kinds=("NetworkPolicy",),
    description=(
        "No egress to 0.0.0.0/0 or ::/0 on all ports, no rule without `to`, nothing reaching 169.254.169.254, DNS only "
        "to kube-dns. Port-restricted internet egress that excludes private ranges and metadata is reported as medium."
    ),
    rationale=(
        "Open egress is how a prompt-injected agent exfiltrates data or reaches the cloud metadata server for node "
        "credentials; a NetworkPolicy cannot name hostnames, so internet egress must go through a proxy or FQDN policy."
    ),
    remediation=(
        "Allow egress only to the model endpoint and declared tools: set platform.yaml egress.mode to proxy or fqdn, "
        "or give tools explicit CIDRs (mode cidr); route DNS to kube-dns only."
    ),
    example="""
egress:
  - to:
      - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}
        podSelector: {matchLabels: {k8s-app: kube-dns}}
    ports: [{port: 53, protocol: UDP}, {port: 53, protocol: TCP}]
""",
)
def open_egress(unit: Unit) -> Iterator[Hit]:
    mode = unit.platform.platform.egress.mode
    advice = (
        "use the platform's egress proxy or FQDN mode"
        if mode in ("none", "cidr")
        else f"the platform's egress mode is {mode}: send this traffic through it"
    )
    for policy in unit.of_kind("NetworkPolicy"):
        yield from _egress_hits(policy, advice)


@check(
    "NET-004",
    "NetworkPolicies select a workload",
    "low",
    kinds=("NetworkPolicy",),
    description="Every NetworkPolicy's podSelector matches at least one workload in the bundle.",
    rationale="A policy that selects nothing protects nothing, and usually means a label was renamed on one side only.",
    remediation="Fix the podSelector to match the workload's pod template labels, or delete the policy.",
    example="""
podSelector:
  matchLabels: {app.kubernetes.io/name: research-assistant}
""",
    tags=("reliability",),
)
def selects_something(unit: Unit) -> Iterator[Hit]:
    lists = {}  # pods with the same namespace and labels share one list: each walked once
    for view in unit_pods(unit):
        found = _policies_for(unit, view)
        lists[id(found)] = found
    selected = {id(p) for found in lists.values() for p in found}
    for policy in unit.of_kind("NetworkPolicy"):
        if id(policy) not in selected:
            yield Hit(
                "podSelector matches no workload in the bundle", policy, ("spec", "podSelector")
            )


# Private ranges an agent's egress may not open wholesale (RFC 1918 and shared address space).
BROAD_PRIVATE = [
    ipaddress.IPv4Network(n)
    for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10")
]
# The narrowest private block that still counts as a "range" rather than a destination.
EXACT_PREFIX = 24


def _allowed_networks(unit: Unit) -> list[ipaddress.IPv4Network]:
    net = unit.platform.platform.network
    return _ipv4_networks((*net.allowed_cidrs, *net.api_server_cidrs))


@functools.lru_cache(maxsize=64)
def _ipv4_networks(cidrs: tuple[str, ...]) -> list[ipaddress.IPv4Network]:
    out = [ipaddress.ip_network(c) for c in cidrs]
    return [n for n in out if isinstance(n, ipaddress.IPv4Network)]


@functools.lru_cache(maxsize=4096)
def _broad_private(cidr: str) -> ipaddress.IPv4Network | None:
    """``cidr`` as a network when it is a private range wider than an exact destination
    (inside BROAD_PRIVATE, shorter than /EXACT_PREFIX), else None (also when not a network).
    Every agent's policies name the same few blocks: each is parsed once."""
    try:
        net = ipaddress.ip_network(cidr, strict=False)
    except ValueError:
        return None
    # wider than a private range (0.0.0.0/0...) is open egress: NET-003's finding
    if not isinstance(net, ipaddress.IPv4Network) or not any(
        net.subnet_of(b) for b in BROAD_PRIVATE
    ):
        return None
    return net if net.prefixlen < EXACT_PREFIX else None


@check(
    "NET-005",
    "Private egress names an exact destination",
    "high",
    kinds=("NetworkPolicy",),
    description=(
        "No egress rule opens a private range (10/8, 172.16/12, 192.168/16, 100.64/10 or any private block wider than "
        "a /24) unless platform.yaml network.allowedCidrs or network.apiServerCidrs contains it. tcp and http tools "
        "reach in-cluster Services by name (host: NAME.NAMESPACE.svc) or declared cidrs; kubernetes tools (and Argo "
        "executors) reach the API server through network.apiServerCidrs. A rule on the API server's ports only "
        "(443, 6443) is medium: its address is the platform's to give."
    ),
    rationale=(
        "A tcp tool or a kubernetes tool without an exact destination opens its port to every private address: every "
        "database, every node and every other team's pods on that port are one prompt injection away."
    ),
    remediation=(
        "Point the tool at a Service (host: orders-db.data.svc.cluster.local) or give it cidrs inside the platform's "
        "network.allowedCidrs; for kubernetes tools set platform.yaml network.apiServerCidrs to the API server's address."
    ),
    fixes={
        "api": "Set platform.yaml network.apiServerCidrs to the API server's address (kubectl get endpoints kubernetes -n default).",
    },
    example="""
# agent.yaml
tools:
  - {name: orders-db, kind: tcp, host: orders-db.data.svc.cluster.local, port: 5432}
# platform.yaml
network:
  apiServerCidrs: [172.16.0.2/32]
""",
)
def exact_private_egress(unit: Unit) -> Iterator[Hit]:
    allowed = _allowed_networks(unit)
    for policy in unit.of_kind("NetworkPolicy"):
        for i, rule in enumerate(as_list(as_dict(policy.data.get("spec")).get("egress"))):
            ports = sorted(str(as_dict(p).get("port")) for p in as_list(as_dict(rule).get("ports")))
            broad = []
            for peer in as_list(as_dict(rule).get("to")):
                cidr = as_dict(as_dict(peer).get("ipBlock")).get("cidr")
                if cidr is None:  # a selector peer, no ipBlock ("None" is not a network)
                    continue
                net = _broad_private(str(cidr))
                if net is None:
                    continue
                if not any(net.subnet_of(a) for a in allowed):
                    broad.append(str(net))
            if broad:
                # only the API server's ports: its address is the platform's to give
                api = bool(ports) and set(ports) <= {"443", "6443"}
                yield Hit(
                    f"egress on port(s) {', '.join(ports) or 'all'} to private range(s) {', '.join(broad)}: not an exact destination",
                    policy,
                    ("spec", "egress", i),
                    severity=Severity.medium if api else None,
                    fix="api" if api else None,
                )


@check(
    "NET-006",
    "Ingress only from known callers",
    "high",
    kinds=("NetworkPolicy",),
    description=(
        "No ingress rule admits every namespace (`namespaceSelector: {}`) or every source (a rule without `from`): "
        "callers are the agent's own namespace, spec.callers and platform.yaml network.ingressNamespaces."
    ),
    rationale="An agent reachable from every namespace can be driven (and its budget spent) by any workload in the cluster.",
    remediation="Declare who calls the agent in spec.callers, or the gateway's namespace in platform.yaml network.ingressNamespaces.",
    example="""
# agent.yaml
callers:
  - {namespace: web, agent: frontend}
""",
)
def known_callers(unit: Unit) -> Iterator[Hit]:
    for policy in unit.of_kind("NetworkPolicy"):
        for i, rule in enumerate(as_list(as_dict(policy.data.get("spec")).get("ingress"))):
            sources = as_dict(rule).get("from")
            if not sources:
                yield Hit(
                    "an ingress rule without `from` admits every source",
                    policy,
                    ("spec", "ingress", i),
                )
                continue
            for j, peer in enumerate(as_list(sources)):
                p = as_dict(peer)
                if (
                    "namespaceSelector" in p
                    and not as_dict(p["namespaceSelector"])
                    and not as_dict(p.get("podSelector"))
                ):
                    yield Hit(
                        "ingress from every namespace",
                        policy,
                        ("spec", "ingress", i, "from", j, "namespaceSelector"),
                    )
                cidr = as_dict(p.get("ipBlock")).get("cidr")
                if cidr in ("0.0.0.0/0", "::/0"):
                    yield Hit(
                        "ingress from every address",
                        policy,
                        ("spec", "ingress", i, "from", j, "ipBlock"),
                    )
