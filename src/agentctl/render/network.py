"""NetworkPolicies: default deny, then exactly the egress the spec implies.

A NetworkPolicy matches pods, namespaces, IP blocks and ports, never
hostnames. In-cluster destinations (tool services, the collector, an
in-cluster model server) get namespace/pod selectors; IP literals and
declared ``cidrs`` get exact ``ipBlock`` rules; external hosts follow the
platform's egress mode:

- ``proxy``: HTTP(S) hosts go through the platform egress proxy (the only
  external destination in the policy); the host allowlist is published in
  ``<agent>-egress-allowlist`` for the proxy to enforce.
- ``fqdn``: a CNI hostname policy (CiliumNetworkPolicy ``toFQDNs`` or GKE
  FQDNNetworkPolicy) allows exactly those hosts and ports.
- ``cidr``: the destinations' declared ``cidrs``.
- ``none`` (and any external destination the mode cannot carry, such as a TCP
  host without ``cidrs``): the destination's port to the internet, excluding
  private ranges, link-local and the cloud metadata address; for hosts with a
  private-use name (``*.internal``, ``*.local``, ...) the port to the private
  ranges instead, never the internet.

Egress on every port, or with an empty ``to``, is never rendered. Port 53 is
DNS, to kube-dns only: another destination on it renders only when it is exact
(an in-cluster Service, an IP literal, an FQDN-policy host, ``cidrs`` no
broader than a /16); one that would open port 53 to the internet or a private
range is a RenderError at the field that sets the port.
"""

from __future__ import annotations

from typing import Any

from agentctl import jsontext
from agentctl.render.bundle import NAMESPACE_DENY, SpecPath
from agentctl.render.context import Ctx
from agentctl.render.egress import (
    INTERNET_EXCEPT,
    PRIVATE_RANGES,
    Destination,
    destination,
    is_loopback,
    model_endpoint,
    refuse_dns_to_a_range,
    url_destination,
)
from agentctl.render.env import mcp_url, otlp_endpoint, service_tool_name

NS_LABEL = "kubernetes.io/metadata.name"
API_PORTS = (443, 6443)
API_RANGES = tuple(c for c in PRIVATE_RANGES if not c.startswith("127."))


def destinations(ctx: Ctx) -> list[Destination]:
    """External and in-cluster destinations of the agent's own pods (service tools excluded)."""
    out: list[Destination] = []
    ns = ctx.namespace
    model = ctx.spec.model
    if model is not None:
        base = model_endpoint(model)
        if base is None and model.provider not in ("offline-demo",):
            raise ctx.error(
                ("spec", "model", "provider"),
                f"no default endpoint for provider {model.provider!r}: set spec.model.endpoint",
            )
        if base:
            out.append(url_destination("model endpoint", ("spec", "model", "endpoint"), base, ns))
    for i, tool in enumerate(ctx.spec.tools):
        if tool.kind == "http":
            out.append(
                url_destination(f"tool {tool.name}", ("spec", "tools", i), tool.url, ns, tool.cidrs)
            )
        elif tool.kind == "mcp":
            out.append(
                url_destination(
                    f"MCP server {tool.name}",
                    ("spec", "tools", i),
                    mcp_url(ns, tool),
                    ns,
                    tool.cidrs,
                )
            )
        elif tool.kind == "tcp":
            out.append(
                destination(
                    f"tool {tool.name}",
                    ("spec", "tools", i),
                    tool.host,
                    tool.port,
                    "tcp",
                    ns,
                    tool.cidrs,
                )
            )
    return [d for d in out if not is_loopback(d.host)]


def collector_destination(ctx: Ctx) -> Destination:
    origin: SpecPath = (
        ("spec", "observability", "otlpEndpoint")
        if ctx.spec.observability.otlp_endpoint
        else ("metadata",)
    )
    return url_destination("OTLP collector", origin, otlp_endpoint(ctx), ctx.namespace)


def _port(port: int, protocol: str = "TCP") -> dict[str, Any]:
    return {"protocol": protocol, "port": port}


def _dns_rule() -> dict[str, Any]:
    return {
        "to": [
            {
                "namespaceSelector": {"matchLabels": {NS_LABEL: "kube-system"}},
                "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}},
            }
        ],
        "ports": [_port(53, "UDP"), _port(53, "TCP")],
    }


def _cluster_rule(
    ctx: Ctx, dest: Destination, pod_labels: dict[str, str] | None = None
) -> dict[str, Any]:
    peer: dict[str, Any] = {
        "namespaceSelector": {"matchLabels": {NS_LABEL: dest.cluster_namespace}}
    }
    peer["podSelector"] = {"matchLabels": dict(pod_labels)} if pod_labels else {}
    return {"to": [peer], "ports": [_port(dest.port)]}


def _internet_rule(ports: list[int], except_: tuple[str, ...] = INTERNET_EXCEPT) -> dict[str, Any]:
    return {
        "to": [{"ipBlock": {"cidr": "0.0.0.0/0", "except": list(except_)}}],
        "ports": [_port(p) for p in ports],
    }


class EgressPlan:
    """The agent's egress rules, with the spec path of each, plus what the mode publishes."""

    def __init__(self, ctx: Ctx) -> None:
        self.ctx = ctx
        self.rules: list[tuple[dict[str, Any], SpecPath]] = [(_dns_rule(), ("metadata",))]
        self.allowlist: list[Destination] = []  # proxy mode: hosts the proxy must allow
        self.fqdn: list[Destination] = []  # fqdn mode: hosts for the CNI hostname policy
        self.no_proxy: list[str] = []
        self.uses_proxy = False
        internet: dict[int, SpecPath] = {}
        private: dict[int, SpecPath] = {}
        mode = ctx.platform.egress.mode
        collector = collector_destination(ctx)
        dests = [collector, *destinations(ctx)]
        for dest in dests:
            if dest.cluster_namespace is not None:
                labels = ctx.platform.telemetry.collector_labels if dest is collector else None
                if (
                    dest is collector
                    and dest.cluster_namespace != ctx.platform.telemetry.collector_namespace
                ):
                    labels = None
                self.rules.append((_cluster_rule(ctx, dest, labels), dest.origin))
                self.no_proxy.append(dest.host)
            elif dest.ip_cidr is not None:
                self.rules.append(
                    (
                        {"to": [{"ipBlock": {"cidr": dest.ip_cidr}}], "ports": [_port(dest.port)]},
                        dest.origin,
                    )
                )
                self.no_proxy.append(dest.host)
            elif mode == "proxy" and dest.http:
                self.allowlist.append(dest)
            elif dest.cidrs:
                refuse_dns_to_a_range(ctx, dest)
                peers = [{"ipBlock": _cidr_block(c)} for c in dest.cidrs]
                self.rules.append(({"to": peers, "ports": [_port(dest.port)]}, dest.origin))
            elif mode == "fqdn":
                self.fqdn.append(dest)
            else:
                refuse_dns_to_a_range(ctx, dest)
                (private if dest.private else internet).setdefault(dest.port, dest.origin)
        if mode == "proxy" and ctx.platform.egress.proxy is not None and self.allowlist:
            proxy = ctx.platform.egress.proxy
            rule = {
                "to": [{"namespaceSelector": {"matchLabels": {NS_LABEL: proxy.namespace}}}],
                "ports": [_port(proxy.port)],
            }
            self.rules.append((rule, ("metadata",)))
            self.uses_proxy = True
        for i, tool in enumerate(ctx.spec.tools):
            if tool.kind == "service":
                peer = {
                    "podSelector": {
                        "matchLabels": ctx.selector(
                            app=tool.name, instance=service_tool_name(ctx, tool.name)
                        )
                    }
                }
                self.rules.append(
                    ({"to": [peer], "ports": [_port(tool.port)]}, ("spec", "tools", i))
                )
                self.no_proxy.append(service_tool_name(ctx, tool.name))
        if private:
            ports = sorted(private)
            peers = [{"ipBlock": {"cidr": c}} for c in API_RANGES]
            self.rules.append(
                ({"to": peers, "ports": [_port(p) for p in ports]}, private[ports[0]])
            )
        if internet:
            ports = sorted(internet)
            self.rules.append((_internet_rule(ports), internet[ports[0]]))

    def api_rule(self) -> dict[str, Any]:
        """The Kubernetes API server, which a NetworkPolicy cannot name.

        Policies apply after the ``kubernetes`` Service is translated to the API
        server's endpoint address: platform.yaml network.apiServerCidrs names
        it exactly; without it, its ports to the private ranges (reported as
        NET-005), never to the internet.
        """
        exact = self.ctx.platform.network.api_server_cidrs
        return {
            "to": [{"ipBlock": {"cidr": c}} for c in (exact or API_RANGES)],
            "ports": [_port(p) for p in API_PORTS],
        }


def _cidr_block(cidr: str) -> dict[str, Any]:
    if cidr in ("0.0.0.0/0", "::/0"):
        return {
            "cidr": cidr,
            "except": list(INTERNET_EXCEPT) if cidr == "0.0.0.0/0" else ["fc00::/7", "fe80::/10"],
        }
    return {"cidr": cidr}


def _policy(
    ctx: Ctx,
    name: str,
    pod_labels: dict[str, str],
    *,
    component: str,
    app: str | None = None,
    instance: str | None = None,
    ingress: list[dict[str, Any]],
    egress: list[dict[str, Any]],
) -> dict[str, Any]:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": ctx.meta(name, component=component, app=app, instance=instance),
        "spec": {
            "podSelector": {"matchLabels": pod_labels},
            "policyTypes": ["Ingress", "Egress"],
            "ingress": ingress,
            "egress": egress,
        },
    }


def render_default_deny(ctx: Ctx) -> None:
    """Deny all ingress and egress for every pod of the namespace and of the agent (its tools included)."""
    namespace_wide = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": ctx.meta(NAMESPACE_DENY),
        "spec": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]},
    }
    ctx.add(namespace_wide, "network")
    obj = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": ctx.meta(f"{ctx.name}-default-deny"),
        "spec": {
            "podSelector": {"matchLabels": {"agentctl.dev/agent": ctx.name}},
            "policyTypes": ["Ingress", "Egress"],
        },
    }
    ctx.add(obj, "network")


def render_agent_policy(ctx: Ctx, plan: EgressPlan, *, needs_api: bool, serves: bool) -> None:
    ingress: list[dict[str, Any]] = []
    origins: dict[str, SpecPath] = {}
    if serves and ctx.spec.port is not None:
        ingress.append({"from": callers(ctx), "ports": [_port(ctx.spec.port)]})
        origins["spec.ingress[0]"] = ("spec", "callers") if ctx.spec.callers else ("spec", "port")
    egress = []
    for i, (rule, origin) in enumerate(plan.rules):
        egress.append(rule)
        origins[f"spec.egress[{i}]"] = origin
    if needs_api:
        origins[f"spec.egress[{len(egress)}]"] = _api_origin(ctx)
        egress.append(plan.api_rule())
    obj = _policy(ctx, ctx.name, ctx.selector(), component="agent", ingress=ingress, egress=egress)
    ctx.add(obj, "network", ("metadata",), origins)


def callers(ctx: Ctx) -> list[dict[str, Any]]:
    """Who may call the agent: its own namespace, spec.callers and the platform's ingress namespaces."""
    peers: list[dict[str, Any]] = [{"podSelector": {}}]  # every pod of the agent's namespace
    for caller in ctx.spec.callers:
        peer: dict[str, Any] = {"namespaceSelector": {"matchLabels": {NS_LABEL: caller.namespace}}}
        peer["podSelector"] = (
            {"matchLabels": {"agentctl.dev/agent": caller.agent}} if caller.agent else {}
        )
        peers.append(peer)
    for ns in ctx.platform.network.ingress_namespaces:
        peers.append({"namespaceSelector": {"matchLabels": {NS_LABEL: ns}}})
    return peers


def _api_origin(ctx: Ctx) -> SpecPath:
    for i, tool in enumerate(ctx.spec.tools):
        if tool.kind == "kubernetes":
            return ("spec", "tools", i)
    return ("spec", "type")


def render_tool_policy(ctx: Ctx, index: int, tool: Any) -> None:
    name = service_tool_name(ctx, tool.name)
    ingress = [
        {"from": [{"podSelector": {"matchLabels": ctx.selector()}}], "ports": [_port(tool.port)]}
    ]
    collector = collector_destination(ctx)
    egress: list[dict[str, Any]] = [_dns_rule()]
    if collector.cluster_namespace is not None:
        same = collector.cluster_namespace == ctx.platform.telemetry.collector_namespace
        egress.append(
            _cluster_rule(ctx, collector, ctx.platform.telemetry.collector_labels if same else None)
        )
    elif collector.ip_cidr is not None:
        egress.append(
            {"to": [{"ipBlock": {"cidr": collector.ip_cidr}}], "ports": [_port(collector.port)]}
        )
    else:
        refuse_dns_to_a_range(ctx, collector)
        egress.append(_internet_rule([collector.port]))
    obj = _policy(
        ctx,
        name,
        ctx.selector(app=tool.name, instance=name),
        component="tool",
        app=tool.name,
        instance=name,
        ingress=ingress,
        egress=egress,
    )
    ctx.add(obj, "network", ("spec", "tools", index), {"spec.ingress": ("spec", "tools", index)})


def render_allowlist(ctx: Ctx, plan: EgressPlan) -> None:
    """Proxy mode: the hosts this agent may reach, published for the platform's egress proxy."""
    if ctx.platform.egress.mode != "proxy" or not plan.allowlist:
        return
    hosts = sorted({(d.host, d.port) for d in plan.allowlist})
    doc = {
        "agent": ctx.name,
        "namespace": ctx.namespace,
        "hosts": [{"host": h, "port": p} for h, p in hosts],
    }
    meta = ctx.meta(f"{ctx.name}-egress-allowlist")
    meta["labels"]["agentctl.dev/egress-allowlist"] = "true"
    obj = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": meta,
        "data": {
            "allowlist.json": jsontext.dumps(doc, ensure_ascii=True) + "\n",
            "hosts.txt": "".join(f"{h}:{p}\n" for h, p in hosts),
        },
    }
    origins = {"data": plan.allowlist[0].origin}
    ctx.add(obj, "config", ("metadata",), origins)


def render_fqdn_policy(ctx: Ctx, plan: EgressPlan) -> None:
    if ctx.platform.egress.mode != "fqdn" or not plan.fqdn:
        return
    by_port: dict[int, list[str]] = {}
    for d in plan.fqdn:
        by_port.setdefault(d.port, [])
        if d.host not in by_port[d.port]:
            by_port[d.port].append(d.host)
    name = f"{ctx.name}-fqdn"
    if ctx.platform.egress.fqdn_flavor == "gke":
        obj = {
            "apiVersion": "networking.gke.io/v1alpha1",
            "kind": "FQDNNetworkPolicy",
            "metadata": ctx.meta(name),
            "spec": {
                "podSelector": {"matchLabels": ctx.selector()},
                "egress": [
                    {"matches": [{"name": h} for h in hosts], "ports": [_port(p)]}
                    for p, hosts in sorted(by_port.items())
                ],
            },
        }
    else:
        dns = {
            "toEndpoints": [
                {
                    "matchLabels": {
                        "k8s:io.kubernetes.pod.namespace": "kube-system",
                        "k8s:k8s-app": "kube-dns",
                    }
                }
            ],
            "toPorts": [
                {
                    "ports": [{"port": "53", "protocol": "ANY"}],
                    "rules": {"dns": [{"matchPattern": "*"}]},
                }
            ],
        }
        rules = [
            {
                "toFQDNs": [{"matchName": h} for h in hosts],
                "toPorts": [{"ports": [{"port": str(p), "protocol": "TCP"}]}],
            }
            for p, hosts in sorted(by_port.items())
        ]
        obj = {
            "apiVersion": "cilium.io/v2",
            "kind": "CiliumNetworkPolicy",
            "metadata": ctx.meta(name),
            "spec": {"endpointSelector": {"matchLabels": ctx.selector()}, "egress": [dns, *rules]},
        }
    ctx.add(obj, "network", plan.fqdn[0].origin)
