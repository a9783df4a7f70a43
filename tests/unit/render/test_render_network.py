"""Egress: default deny, then exactly the destinations the spec implies, per platform egress mode."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from render_helpers import agent_doc, one

PROXY = {
    "egress": {"mode": "proxy", "proxy": {"service": "squid", "namespace": "egress", "port": 3128}}
}
TOOLS = [
    {"name": "search", "kind": "http", "url": "https://api.search.example.com/v1"},
    {"name": "orders", "kind": "tcp", "host": "orders.db.internal", "port": 5432},
    {"name": "calc", "kind": "service", "image": "ghcr.io/acme/calc:1.0.0", "port": 9000},
]


def _egress(bundle, name="demo"):
    return one(bundle, "NetworkPolicy", name)["spec"]["egress"]


def _peers(rule):
    return rule["to"]


def _ports(rule):
    return sorted(p["port"] for p in rule["ports"])


def test_mode_none_opens_only_the_needed_ports_to_the_internet_minus_private_and_metadata(render):
    egress = _egress(render(agent_doc(tools=TOOLS)))
    dns, collector, calc, private, internet = egress
    assert _ports(dns) == [53, 53]
    assert collector["to"][0]["namespaceSelector"] == {
        "matchLabels": {"kubernetes.io/metadata.name": "observability"}
    }
    assert collector["to"][0]["podSelector"] == {
        "matchLabels": {"app.kubernetes.io/name": "opentelemetry-collector"}
    }
    assert _ports(collector) == [4318]
    assert calc["to"] == [
        {
            "podSelector": {
                "matchLabels": {
                    "app.kubernetes.io/name": "calc",
                    "app.kubernetes.io/instance": "demo-calc",
                }
            }
        }
    ]
    assert _ports(calc) == [9000]
    assert [p["ipBlock"]["cidr"] for p in private["to"]] == [
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "100.64.0.0/10",
    ]
    assert _ports(private) == [5432], "*.internal hosts are private: never the internet"
    block = internet["to"][0]["ipBlock"]
    assert block["cidr"] == "0.0.0.0/0"
    assert {"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.169.254/32"} <= set(
        block["except"]
    )
    assert _ports(internet) == [443], "model endpoint and http tool share port 443"


def test_mode_proxy_sends_http_through_the_proxy_and_publishes_the_allowlist(render):
    bundle = render(agent_doc(tools=TOOLS), platform=PROXY)
    egress = _egress(bundle)
    assert not any(p.get("ipBlock", {}).get("cidr") == "0.0.0.0/0" for r in egress for p in r["to"])
    proxy_rules = [
        r
        for r in egress
        if r["to"][0]
        .get("namespaceSelector", {})
        .get("matchLabels", {})
        .get("kubernetes.io/metadata.name")
        == "egress"
    ]
    assert len(proxy_rules) == 1 and _ports(proxy_rules[0]) == [3128]
    allow = one(bundle, "ConfigMap", "demo-egress-allowlist")
    assert allow["metadata"]["labels"]["agentctl.dev/egress-allowlist"] == "true"
    hosts = json.loads(allow["data"]["allowlist.json"])["hosts"]
    assert hosts == [
        {"host": "api.openai.com", "port": 443},
        {"host": "api.search.example.com", "port": 443},
    ]
    assert allow["data"]["hosts.txt"] == "api.openai.com:443\napi.search.example.com:443\n"
    config = one(bundle, "ConfigMap", "demo-config")["data"]
    assert config["HTTPS_PROXY"] == "http://squid.egress:3128" == config["https_proxy"]
    no_proxy = config["NO_PROXY"].split(",")
    assert (
        "demo-calc" in no_proxy
        and "otel-collector.observability" in no_proxy
        and ".svc" in no_proxy
    )


def test_mode_proxy_without_external_http_hosts_needs_no_proxy(render):
    bundle = render(agent_doc(model=None, secrets=[]), platform=PROXY)
    assert not bundle.find("ConfigMap", "demo-egress-allowlist")
    assert "HTTPS_PROXY" not in one(bundle, "ConfigMap", "demo-config")["data"]


def test_mode_fqdn_renders_a_cilium_hostname_policy(render):
    bundle = render(agent_doc(tools=TOOLS), platform={"egress": {"mode": "fqdn"}})
    assert not any(p.get("ipBlock") for r in _egress(bundle) for p in r["to"])
    cnp = one(bundle, "CiliumNetworkPolicy", "demo-fqdn")["spec"]
    assert cnp["endpointSelector"] == {
        "matchLabels": {"app.kubernetes.io/name": "demo", "app.kubernetes.io/instance": "demo"}
    }
    dns, https, pg = cnp["egress"]
    assert dns["toPorts"][0]["rules"] == {"dns": [{"matchPattern": "*"}]}
    assert https["toFQDNs"] == [
        {"matchName": "api.openai.com"},
        {"matchName": "api.search.example.com"},
    ]
    assert pg["toFQDNs"] == [{"matchName": "orders.db.internal"}]
    assert pg["toPorts"] == [{"ports": [{"port": "5432", "protocol": "TCP"}]}]


def test_mode_fqdn_gke_flavor(render):
    bundle = render(
        agent_doc(tools=TOOLS[:1]), platform={"egress": {"mode": "fqdn", "fqdnFlavor": "gke"}}
    )
    spec = one(bundle, "FQDNNetworkPolicy", "demo-fqdn")["spec"]
    assert spec["egress"] == [
        {
            "matches": [{"name": "api.openai.com"}, {"name": "api.search.example.com"}],
            "ports": [{"protocol": "TCP", "port": 443}],
        }
    ]


def test_mode_cidr_uses_declared_cidrs(render):
    tools = [
        {
            "name": "search",
            "kind": "http",
            "url": "https://api.search.example.com",
            "cidrs": ["203.0.113.0/24", "198.51.100.7/32"],
        }
    ]
    egress = _egress(
        render(
            agent_doc(model=None, secrets=[], tools=tools), platform={"egress": {"mode": "cidr"}}
        )
    )
    rule = egress[-1]
    assert rule["to"] == [
        {"ipBlock": {"cidr": "203.0.113.0/24"}},
        {"ipBlock": {"cidr": "198.51.100.7/32"}},
    ]
    assert _ports(rule) == [443]


def test_ip_literal_and_in_cluster_hosts_are_exact(render):
    doc = agent_doc(
        model={
            "provider": "openai",
            "name": "m",
            "endpoint": "http://vllm.models.svc.cluster.local:8000/v1",
        },
        secrets=[],
        tools=[{"name": "cache", "kind": "tcp", "host": "10.1.2.3", "port": 6379}],
    )
    egress = _egress(render(doc))
    assert {
        "to": [{"ipBlock": {"cidr": "10.1.2.3/32"}}],
        "ports": [{"protocol": "TCP", "port": 6379}],
    } in egress
    model = next(r for r in egress if _ports(r) == [8000])
    assert model["to"] == [
        {
            "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "models"}},
            "podSelector": {},
        }
    ]
    assert not any(p.get("ipBlock", {}).get("cidr") == "0.0.0.0/0" for r in egress for p in r["to"])


def test_api_access_only_to_private_ranges(render):
    tools = [
        {
            "name": "k8s",
            "kind": "kubernetes",
            "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]}],
        }
    ]
    egress = _egress(render(agent_doc(model=None, secrets=[], tools=tools)))
    api = egress[-1]
    assert _ports(api) == [443, 6443]
    assert all(not p["ipBlock"]["cidr"].startswith("0.") for p in api["to"])


def test_agent_ingress_on_its_port_and_tools_only_from_their_agent(render):
    bundle = render(agent_doc(tools=TOOLS))
    agent = one(bundle, "NetworkPolicy", "demo")["spec"]
    assert agent["ingress"] == [
        {"from": [{"podSelector": {}}], "ports": [{"protocol": "TCP", "port": 8080}]}
    ]
    tool = one(bundle, "NetworkPolicy", "demo-calc")["spec"]
    assert tool["ingress"] == [
        {
            "from": [
                {
                    "podSelector": {
                        "matchLabels": {
                            "app.kubernetes.io/name": "demo",
                            "app.kubernetes.io/instance": "demo",
                        }
                    }
                }
            ],
            "ports": [{"protocol": "TCP", "port": 9000}],
        }
    ]
    assert [_ports(r) for r in tool["egress"]] == [[53, 53], [4318]], (
        "tools reach DNS and the collector only"
    )


def test_jobs_accept_no_ingress(render):
    bundle = render(agent_doc(type="job", port=None))
    assert one(bundle, "NetworkPolicy", "demo")["spec"]["ingress"] == []


def test_external_collector_is_an_external_destination(render):
    doc = agent_doc(
        model=None,
        secrets=[],
        observability={"otlpEndpoint": "https://otlp.vendor.example.net:4318"},
    )
    egress = _egress(render(doc))
    assert _ports(egress[-1]) == [4318] and egress[-1]["to"][0]["ipBlock"]["cidr"] == "0.0.0.0/0"


def test_unknown_provider_without_endpoint_cannot_render(render):
    import pytest

    from agentctl.errors import RenderError

    with pytest.raises(
        RenderError, match=r"spec\.model\.provider: no default endpoint for provider 'acme-ai'"
    ):
        render(agent_doc(model={"provider": "acme-ai", "name": "m1"}, secrets=[]))


# Port 53 is DNS, to kube-dns only (NET-003): a destination on it renders only when exact.


def _dns_refusal(render, tools, platform=None, **spec):
    import pytest

    from agentctl.errors import RenderError

    doc = agent_doc(model=spec.pop("model", None), secrets=[], tools=tools, **spec)
    with pytest.raises(RenderError) as err:
        render(doc, platform=platform)
    return err.value


def _line_of(message):
    import re

    file, line = re.match(r"(.+?):(\d+):\d+: ", message).groups()
    return Path(file).read_text().splitlines()[int(line) - 1].strip()


def test_tcp_tool_on_port_53_to_the_internet_is_refused_at_its_port(render):
    tools = [{"name": "resolver", "kind": "tcp", "host": "dns.example.com", "port": 53}]
    for platform in (None, {"egress": {"mode": "cidr"}}, PROXY):  # none, cidr, proxy: the internet
        err = _dns_refusal(render, tools, platform)
        assert (
            ": spec.tools[0].port: port 53 egress is DNS; agents resolve through kube-dns only"
            in err.message
        )
        assert "tool resolver (dns.example.com:53) cannot be opened to the internet" in err.message
        assert _line_of(err.message) == "port: 53"
        assert err.hint == "give the tool explicit `cidrs` if it is a real DNS-speaking service"


def test_http_tool_on_port_53_is_refused_at_its_url(render):
    tools = [{"name": "doh", "kind": "http", "url": "https://doh.example.com:53/dns-query"}]
    err = _dns_refusal(render, tools)
    assert ": spec.tools[0].url: port 53 egress is DNS" in err.message
    assert _line_of(err.message).startswith("url: https://doh.example.com:53")


def test_private_host_on_port_53_is_refused_too(render):
    tools = [{"name": "resolver", "kind": "tcp", "host": "ns1.corp.internal", "port": 53}]
    err = _dns_refusal(render, tools)
    assert "cannot be opened to the private ranges" in err.message


def test_broad_cidrs_on_port_53_are_refused(render):
    tools = [{"name": "resolver", "kind": "tcp", "host": "dns.example.com", "port": 53,
              "cidrs": ["198.51.100.53/32", "0.0.0.0/0"]}]  # fmt: skip
    err = _dns_refusal(render, tools)
    assert "cannot be opened to cidrs 0.0.0.0/0 (broader than a /16)" in err.message
    assert err.hint == "narrow `cidrs` to the addresses of the DNS-speaking service"


def test_model_endpoint_on_port_53_names_the_endpoint(render):
    model = {"provider": "openai", "name": "m", "endpoint": "http://llm.example.com:53/v1"}
    err = _dns_refusal(render, [], model=model)
    assert ": spec.model.endpoint: port 53 egress is DNS" in err.message
    assert "reach it by IP address or in-cluster Service name" in (err.hint or "")


def test_exact_destinations_on_port_53_render(render):
    tools = [
        {"name": "resolver", "kind": "tcp", "host": "dns.example.com", "port": 53,
         "cidrs": ["198.51.100.53/32"]},
        {"name": "lab", "kind": "tcp", "host": "10.2.3.4", "port": 53},
        {"name": "coredns", "kind": "tcp", "host": "coredns.infra", "port": 53},
    ]  # fmt: skip
    egress = _egress(render(agent_doc(model=None, secrets=[], tools=tools)))
    on_53 = [r["to"] for r in egress if 53 in _ports(r)][1:]  # after the kube-dns rule
    assert on_53 == [
        [{"ipBlock": {"cidr": "198.51.100.53/32"}}],
        [{"ipBlock": {"cidr": "10.2.3.4/32"}}],
        [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "infra"}}, "podSelector": {}}],
    ]  # fmt: skip
    fqdn = render(
        agent_doc(model=None, secrets=[], tools=[{"name": "r", "kind": "tcp", "host": "dns.example.com", "port": 53}]),
        platform={"egress": {"mode": "fqdn"}},
    )  # fmt: skip
    rules = one(fqdn, "CiliumNetworkPolicy", "demo-fqdn")["spec"]["egress"]
    assert {"toFQDNs": [{"matchName": "dns.example.com"}],
            "toPorts": [{"ports": [{"port": "53", "protocol": "TCP"}]}]} in rules  # fmt: skip


def test_an_mcp_tool_opens_egress_to_its_server_only(render):
    doc = agent_doc(
        model={"provider": "offline-demo", "name": "offline-demo"},
        secrets=[],
        tools=[
            {
                "name": "rates",
                "kind": "mcp",
                "service": {"name": "currency-converter", "namespace": "tools", "port": 8080},
                "tools": ["convert_currency"],
            }
        ],
    )
    bundle = render(doc)
    egress = _egress(bundle)

    to_server = [r for r in egress if _ports(r) == [8080]]
    assert to_server == [
        {
            "to": [
                {
                    "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "tools"}},
                    "podSelector": {},
                }
            ],
            "ports": [{"protocol": "TCP", "port": 8080}],
        }
    ]
    # nothing else but DNS and the collector: no internet, no other port
    assert not any("ipBlock" in p for r in egress for p in r["to"])
    assert sorted({port for r in egress for port in _ports(r)}) == sorted({53, 8080, 4318})
    tools = json.loads(one(bundle, "ConfigMap", "demo-config")["data"]["AGENT_TOOLS"])
    assert tools == [
        {
            "name": "rates",
            "kind": "mcp",
            "url": "http://currency-converter.tools.svc.cluster.local:8080/mcp",
            "tools": ["convert_currency"],
        }
    ]


def test_an_external_mcp_server_is_an_external_destination(render):
    doc = agent_doc(
        model={"provider": "offline-demo", "name": "offline-demo"},
        secrets=[],
        tools=[{"name": "docs", "kind": "mcp", "url": "https://mcp.example.com/mcp"}],
    )
    egress = _egress(render(doc))
    assert [r for r in egress if _ports(r) == [443]]
    assert not [r for r in egress if 80 in _ports(r)]


_HOST = st.fixed_dictionaries({"host": st.text(), "port": st.integers(-(2**70), 2**70)})
_ODD_HOST = st.one_of(
    _HOST,
    st.fixed_dictionaries(
        {"host": st.text(), "port": st.one_of(st.booleans(), st.text(), st.none())}
    ),
    st.fixed_dictionaries({"port": st.integers(), "host": st.text()}),  # keys in another order
    st.fixed_dictionaries({"host": st.text(), "port": st.integers(), "note": st.text()}),
)


@settings(max_examples=300, deadline=None)
@given(
    agent=st.text(),
    namespace=st.one_of(st.text(), st.integers()),
    hosts=st.one_of(st.lists(_HOST, max_size=4), st.lists(_ODD_HOST, max_size=3)),
)
def test_allowlist_json_is_the_standard_librarys_indented_text(agent, namespace, hosts):
    import json

    from agentctl.jsontext import dumps

    doc = {"agent": agent, "namespace": namespace, "hosts": hosts}
    assert dumps(doc, ensure_ascii=True) == json.dumps(doc, indent=2)
    other = {"namespace": namespace, "agent": agent, "hosts": hosts}
    assert dumps(other, ensure_ascii=True) == json.dumps(other, indent=2)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://example.com:99999/", ("https", "example.com", 443)),
        ("https://[::1", ("https", "", 443)),
        ("http://example.com:8080/x", ("http", "example.com", 8080)),
    ],
)
def test_split_url_never_raises_on_a_url_urlsplit_rejects(url, expected):
    from agentctl.render.egress import split_url

    assert split_url(url) == expected
