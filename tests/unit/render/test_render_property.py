"""Property: every valid generated spec renders to hardened, schema-valid objects."""

from __future__ import annotations

import ipaddress
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from render_helpers import check_invariants

LETTERS = "abcdefghijklmnopqrstuvwxyz"
label = st.builds(
    lambda head, tail: head + tail,
    st.sampled_from(LETTERS),
    st.text(alphabet=LETTERS + "0123456789-", max_size=10).map(lambda t: t.strip("-")),
)
quantity_cpu = st.sampled_from(["100m", "250m", "500m", "1", "1.5", 2])
quantity_mem = st.sampled_from(["128Mi", "512Mi", "1Gi", "2Gi"])
image = st.sampled_from(
    [
        "ghcr.io/acme/a:1.0.0",
        "europe-docker.pkg.dev/acme/x/y:2",
        "ghcr.io/acme/b@sha256:" + "a" * 64,
    ]
)
hosts = st.sampled_from(
    [
        "api.example.com",
        "db.corp.internal",
        "10.2.3.4",
        "redis.cache",
        "svc.other.svc.cluster.local",
        "search",
    ]
)
ports = st.integers(min_value=1, max_value=65535)
# Port 53 is DNS (NET-003: to kube-dns only), drawn often: a tool on it renders only when
# the rule reaches it exactly, else render refuses it (see dns_refusal).
tool_ports = st.one_of(ports, st.just(53))
# Hosts a NetworkPolicy reaches exactly: IP literals and in-cluster Services.
EXACT_HOSTS = frozenset({"10.2.3.4", "redis.cache", "svc.other.svc.cluster.local", "search"})


@st.composite
def tools(draw: Any) -> list[dict[str, Any]]:
    names = draw(st.lists(label.map(lambda n: "t" + n), unique=True, max_size=4))
    out = []
    for name in names:
        kind = draw(st.sampled_from(["service", "http", "tcp", "kubernetes"]))
        if kind == "service":
            tool: dict[str, Any] = {
                "name": name,
                "kind": kind,
                "image": draw(image),
                "port": draw(ports),
            }
            if draw(st.booleans()):
                lo = draw(st.integers(0, 3))
                tool["scaling"] = {
                    "minReplicas": lo,
                    "maxReplicas": lo + draw(st.integers(0, 3)) or 1,
                }
        elif kind == "http":
            scheme = draw(st.sampled_from(["http", "https"]))
            url = f"{scheme}://{draw(hosts)}:{draw(tool_ports)}/v1"
            tool = {"name": name, "kind": kind, "url": url}
        elif kind == "tcp":
            tool = {"name": name, "kind": kind, "host": draw(hosts), "port": draw(tool_ports)}
        else:
            verbs = draw(
                st.lists(st.sampled_from(["get", "list", "watch"]), min_size=1, unique=True)
            )
            tool = {
                "name": name,
                "kind": kind,
                "clusterScoped": draw(st.booleans()),
                "rules": [{"apiGroups": [""], "resources": ["configmaps"], "verbs": verbs}],
            }
        if kind in ("http", "tcp") and draw(st.booleans()):
            tool["cidrs"] = draw(st.sampled_from([["203.0.113.0/24"], ["0.0.0.0/0"]]))
        out.append(tool)
    return out


@st.composite
def workflow(draw: Any) -> dict[str, Any]:
    n = draw(st.integers(1, 4))
    steps: list[dict[str, Any]] = []
    for i in range(n):
        step: dict[str, Any] = {"name": f"s{i}"}
        deps = (
            draw(st.lists(st.sampled_from([s["name"] for s in steps]), unique=True))
            if steps
            else []
        )
        if deps:
            step["dependsOn"] = deps
            if draw(st.booleans()):
                step["forEach"] = {"from": deps[0], "parallelism": draw(st.integers(1, 20))}
        if draw(st.booleans()):
            step["retry"] = {
                "limit": draw(st.integers(0, 5)),
                "backoff": draw(st.sampled_from(["5s", "1m", "2h"])),
            }
        if draw(st.booleans()):
            step["timeout"] = draw(st.sampled_from(["30s", "10m", "1h30m"]))
        if draw(st.booleans()):
            step["resources"] = {"cpu": draw(quantity_cpu), "memory": draw(quantity_mem)}
        steps.append(step)
    params = draw(st.dictionaries(label, st.text(max_size=5), max_size=2))
    return {
        "steps": steps,
        "parameters": params,
        "deadline": draw(st.sampled_from(["1h", "6h", "1d"])),
    }


@st.composite
def agents(draw: Any) -> dict[str, Any]:
    kind = draw(st.sampled_from(["service", "stateful", "job", "workflow"]))
    spec: dict[str, Any] = {"type": kind, "image": draw(image)}
    if kind in ("service", "stateful"):
        spec["port"] = draw(ports)
        if draw(st.booleans()):
            lo = draw(st.integers(0, 3))
            spec["scaling"] = {
                "minReplicas": lo,
                "maxReplicas": max(lo, 1) + draw(st.integers(0, 5)),
            }
    if kind == "stateful" or (kind in ("job", "workflow") and draw(st.booleans())):
        spec["memory"] = {"size": draw(st.sampled_from(["1Gi", "5Gi"])), "mountPath": "/data"}
        # memory shared by replicas or parallel steps must be ReadWriteMany (the spec says so)
        scaled = (spec.get("scaling") or {}).get("maxReplicas", 1) > 1
        if kind == "workflow" or scaled or draw(st.booleans()):
            spec["memory"]["accessMode"] = "ReadWriteMany"
    if kind in ("job", "workflow") and draw(st.booleans()):
        spec["schedule"] = draw(st.sampled_from(["0 6 * * *", "*/15 * * * *", "@hourly"]))
    if kind == "workflow":
        spec["workflow"] = draw(workflow())
    secret_names = draw(st.lists(label.map(lambda n: "s" + n), unique=True, max_size=3))
    secrets = []
    for i, name in enumerate(secret_names):
        secret: dict[str, Any] = {
            "name": name,
            "store": draw(st.sampled_from(["vault", "gcp-sm"])),
            "remoteRef": {"key": "k"},
        }
        if draw(st.booleans()):
            secret.update(mount="env", env=f"SECRET_VALUE_{i}")
        secrets.append(secret)
    spec["secrets"] = secrets
    model = draw(st.sampled_from(["openai", "anthropic", "offline-demo", "custom", None]))
    if model == "custom":
        spec["model"] = {
            "provider": "openai",
            "name": "m",
            "endpoint": f"http://{draw(hosts)}:8000/v1",
        }
    elif model:
        spec["model"] = {"provider": model, "name": "m-1"}
    if model and secret_names and draw(st.booleans()):
        spec["model"]["apiKeySecret"] = secret_names[0]
    spec["tools"] = draw(tools())
    spec["resources"] = {"cpu": draw(quantity_cpu), "memory": draw(quantity_mem)}
    spec["observability"] = {
        "sampleRatio": draw(st.sampled_from([0, 0.1, 1])),
        "captureContent": draw(st.booleans()),
    }
    spec["guardrails"] = {
        "maxSteps": draw(st.integers(1, 50)),
        "timeout": draw(st.sampled_from(["30s", "10m", "2h"])),
    }
    spec["env"] = draw(
        st.dictionaries(
            st.sampled_from(["LOG_LEVEL", "FEATURE_X", "REGION"]), st.text(max_size=8), max_size=2
        )
    )
    return {
        "apiVersion": "agentctl.dev/v1alpha1",
        "kind": "Agent",
        "metadata": {
            "name": draw(label),
            "team": draw(label),
            "version": "1.2.3",
            "labels": {"cost-center": "cc-9"},
        },
        "spec": spec,
    }


PLATFORMS = st.sampled_from(
    [
        {"egress": {"mode": "none"}},
        {"egress": {"mode": "proxy", "proxy": {"service": "squid", "namespace": "egress"}}},
        {"egress": {"mode": "fqdn"}},
        {"egress": {"mode": "fqdn", "fqdnFlavor": "gke"}},
        {
            "egress": {"mode": "cidr"},
            "namespace": "ai-{agent}",
            "secretStores": {"vault": {"kind": "SecretStore"}},
        },
    ]
)


def dns_refusal(doc: dict[str, Any], platform: dict[str, Any]) -> str | None:
    """The spec field render must refuse, if any: the first tool on port 53 only a range reaches.

    Exact destinations render: an IP literal or in-cluster host, an HTTP host behind the
    proxy, an FQDN-policy host, cidrs no broader than a /16. The internet, the private
    ranges (what a host falls back to) or a broad cidr on port 53 would be DNS past kube-dns.
    """
    mode = platform["egress"]["mode"]
    for i, tool in enumerate(doc["spec"]["tools"]):
        if tool["kind"] == "http":
            parts = urlsplit(tool["url"])
            host, port, field = parts.hostname, parts.port, "url"
        elif tool["kind"] == "tcp":
            host, port, field = tool["host"], tool["port"], "port"
        else:
            continue
        if port != 53 or host in EXACT_HOSTS or (mode == "proxy" and tool["kind"] == "http"):
            continue
        cidrs = tool.get("cidrs", [])
        if cidrs and all(ipaddress.ip_network(c).prefixlen >= 16 for c in cidrs):
            continue
        if not cidrs and mode == "fqdn":
            continue
        return f"spec.tools[{i}].{field}"
    return None


@st.composite
def agents_with_a_port_53_tool(draw: Any) -> dict[str, Any]:
    """A generated agent plus one http or tcp tool on port 53, anywhere among its tools."""
    doc = draw(agents())
    host = draw(hosts)
    if draw(st.booleans()):
        tool: dict[str, Any] = {"name": "zdns", "kind": "http", "url": f"https://{host}:53/v1"}
    else:
        tool = {"name": "zdns", "kind": "tcp", "host": host, "port": 53}
    if draw(st.booleans()):
        tool["cidrs"] = draw(st.sampled_from([["203.0.113.0/24"], ["0.0.0.0/0"]]))
    tools = doc["spec"]["tools"]
    tools.insert(draw(st.integers(0, len(tools))), tool)
    return doc


def _render_or_refuse(doc: dict[str, Any], platform: dict[str, Any], crd_validator: Any) -> None:
    """Render the spec: refused exactly when dns_refusal says so, else hardened and schema-valid."""
    from agentctl.errors import RenderError
    from agentctl.render import render_agent
    from agentctl.spec.loader import load_agent, load_platform

    refused = dns_refusal(doc, platform)
    with tempfile.TemporaryDirectory() as tmp:
        agent_file = Path(tmp) / "agent.yaml"
        agent_file.write_text(yaml.safe_dump(doc, sort_keys=False))
        platform_file = Path(tmp) / "platform.yaml"
        platform_file.write_text(
            yaml.safe_dump({"apiVersion": "agentctl.dev/v1alpha1", "kind": "Platform", **platform})
        )
        loaded = (load_agent(agent_file), load_platform(platform_file))
        if refused is not None:
            with pytest.raises(RenderError) as err:
                render_agent(*loaded)
            assert f": {refused}: port 53 egress is DNS; agents resolve through kube-dns only" in (
                err.value.message
            )
            return
        bundle = render_agent(*loaded)
    check_invariants(bundle)
    for obj in bundle.objects:
        assert crd_validator.validate(obj.obj) == [], (obj.ref, crd_validator.validate(obj.obj)[:3])


SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@SETTINGS
@given(doc=agents(), platform=PLATFORMS)
def test_generated_specs_render_to_schema_valid_objects(doc, platform, crd_validator):
    _render_or_refuse(doc, platform, crd_validator)


@SETTINGS
@given(doc=agents_with_a_port_53_tool(), platform=PLATFORMS)
def test_port_53_egress_renders_exactly_or_is_refused(doc, platform, crd_validator):
    """DNS only to kube-dns: a tool on port 53 renders to one exact destination, or not at all."""
    _render_or_refuse(doc, platform, crd_validator)
