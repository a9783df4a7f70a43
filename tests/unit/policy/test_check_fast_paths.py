"""Checks that answer from a per-process or per-run memo find what the plain walk finds.

Each test runs the check on generated objects and compares it with a plain
reading of the rule written out here (the check as it was before the memo).
"""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from agentctl.policy.checks.network import BROAD_PRIVATE, EXACT_PREFIX, exact_private_egress
from agentctl.policy.model import Obj, RunOptions, Unit
from agentctl.spec.loader import LoadedPlatform
from agentctl.spec.models import Platform


def _platform(allowed: list[str], api: list[str]) -> LoadedPlatform:
    doc = {
        "apiVersion": "agentctl.dev/v1alpha1",
        "kind": "Platform",
        "network": {"allowedCidrs": allowed, "apiServerCidrs": api},
    }
    return LoadedPlatform(Platform.model_validate(doc), None)


def _oracle_net005(unit: Unit) -> list[tuple[str, tuple[Any, ...], Any, Any]]:
    """NET-005 read plainly: every peer's cidr parsed, every rule checked."""
    net_cfg = unit.platform.platform.network
    allowed = [
        n
        for n in (
            ipaddress.ip_network(c) for c in (*net_cfg.allowed_cidrs, *net_cfg.api_server_cidrs)
        )
        if isinstance(n, ipaddress.IPv4Network)
    ]
    out = []
    for policy in unit.of_kind("NetworkPolicy"):
        spec = policy.data.get("spec") if isinstance(policy.data.get("spec"), dict) else {}
        rules = spec.get("egress") if isinstance(spec.get("egress"), list) else []
        for i, rule in enumerate(rules):
            rule = rule if isinstance(rule, dict) else {}
            raw_ports = rule.get("ports") if isinstance(rule.get("ports"), list) else []
            ports = sorted(str(p.get("port") if isinstance(p, dict) else None) for p in raw_ports)
            broad = []
            for peer in rule.get("to") if isinstance(rule.get("to"), list) else []:
                block = peer.get("ipBlock") if isinstance(peer, dict) else None
                cidr = block.get("cidr") if isinstance(block, dict) else None
                try:
                    net = ipaddress.ip_network(str(cidr), strict=False)
                except ValueError:
                    continue
                if not isinstance(net, ipaddress.IPv4Network) or not any(
                    net.subnet_of(b) for b in BROAD_PRIVATE
                ):
                    continue
                if net.prefixlen >= EXACT_PREFIX:
                    continue
                if not any(net.subnet_of(a) for a in allowed):
                    broad.append(str(net))
            if broad:
                api = bool(ports) and set(ports) <= {"443", "6443"}
                out.append(
                    (
                        f"egress on port(s) {', '.join(ports) or 'all'} to private range(s) {', '.join(broad)}: not an exact destination",
                        ("spec", "egress", i),
                        "medium" if api else None,
                        "api" if api else None,
                    )
                )
    return out


_EDGES = [
            "10.0.0.0/8", "10.1.0.0/16", "10.1.2.0/24", "10.1.2.3/32", "10.1.2.3", "172.16.0.0/12",
            "172.20.0.0/14", "192.168.0.0/16", "192.168.1.0/23", "100.64.0.0/10", "100.64.0.0/11",
            "0.0.0.0/0", "8.8.8.0/24", "8.0.0.0/7", "fc00::/7", "::/0", "10.0.0.1/8", "not-a-cidr",
            "", "None", "300.1.1.1/8", 167772160, None,
]  # fmt: skip
_CIDRS = st.one_of(st.sampled_from(_EDGES), st.integers(0, 2**32))
_PEER = st.one_of(
    st.builds(lambda c: {"ipBlock": {"cidr": c}}, _CIDRS),
    st.just({"ipBlock": {}}),
    st.just({"podSelector": {"matchLabels": {"app": "db"}}}),
    st.just({"namespaceSelector": {}}),
    st.just("not a mapping"),
)
_RULE = st.fixed_dictionaries(
    {"to": st.lists(_PEER, max_size=4)},
    optional={"ports": st.lists(st.sampled_from([{"port": 443}, {"port": 6443}, {"port": 5432}, {}]), max_size=2)},
)  # fmt: skip


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rules=st.lists(_RULE, max_size=4),
    allowed=st.lists(st.sampled_from(["10.1.0.0/16", "172.16.0.0/12", "192.168.1.0/24", "fc00::/7"]), max_size=2),
    api=st.lists(st.sampled_from(["10.0.0.0/8", "172.20.0.1/32"]), max_size=1),
)  # fmt: skip
@example(
    rules=[{"to": [{"ipBlock": {"cidr": c}} for c in _EDGES], "ports": [{"port": 443}]}],
    allowed=[],
    api=[],
)
@example(
    rules=[{"to": [{"ipBlock": {"cidr": c}}]} for c in _EDGES],
    allowed=["10.1.0.0/16"],
    api=["10.0.0.0/8"],
)
def test_net005_with_parsed_blocks_remembered_finds_what_a_plain_walk_finds(rules, allowed, api):
    policy = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": "p", "namespace": "ns"},
        "spec": {"podSelector": {}, "policyTypes": ["Egress"], "egress": rules},
    }
    unit = Unit(
        [Obj(policy, "f.yaml", lambda p: ("f.yaml", 1, 1))],
        _platform(allowed, api),
        options=RunOptions(),
    )
    got = [
        (h.message, h.path, h.severity.name if h.severity else None, h.fix)
        for h in exact_private_egress(unit)
    ]
    assert got == _oracle_net005(unit)
    # asked again (the blocks now remembered), the same answer
    again = [
        (h.message, h.path, h.severity.name if h.severity else None, h.fix)
        for h in exact_private_egress(unit)
    ]
    assert again == got


_NAMES = st.sampled_from(
    ["OPENAI_API_KEY", "DB_PASSWORD", "LOG_LEVEL", "URL", "my_token", "", "GH_TOKEN"]
)
_VALUES = st.one_of(
    st.sampled_from(
        [
            "sk-" + "a" * 24, "sk-ant-" + "b" * 20, "AKIA" + "A" * 16, "postgres://u:pw@db:5432/x",
            "http://egress-proxy.platform:3128", "$(SECRET)", "/var/run/secret", "hunter2", "info",
            "ghp_" + "c" * 36, "", " ", "hf_" + "d" * 30,
        ]
    ),
    st.integers(-5, 5),
    st.booleans(),
    st.none(),
)  # fmt: skip


def _pod(
    name: str, env: list[tuple[str, Any]], args: list[Any], config: dict[str, Any]
) -> list[dict[str, Any]]:
    return [
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": name},
            "spec": {
                "containers": [
                    {
                        "name": "c",
                        "image": "i",
                        "env": [{"name": n, "value": v} for n, v in env],
                        "args": args,
                    }
                ]
            },
        },
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": config},
    ]


def _hits(unit: Unit) -> list[tuple[str, tuple[Any, ...]]]:
    from agentctl.policy.checks.secrets import literal_credentials

    return [(h.message, h.path) for h in literal_credentials(unit)]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    agents=st.lists(
        st.tuples(
            st.lists(st.tuples(_NAMES, _VALUES), max_size=5),
            st.lists(_VALUES, max_size=3),
            st.dictionaries(_NAMES, _VALUES, max_size=3),
        ),
        min_size=1,
        max_size=5,
    )
)
def test_sec001_answers_shared_by_the_units_of_a_run_are_each_units_own(agents):
    platform = _platform([], [])
    shared = RunOptions()

    def unit(i: int, options: RunOptions) -> Unit:
        env, args, config = agents[i]
        objs = [
            Obj(o, "f.yaml", lambda p: ("f.yaml", 1, 1)) for o in _pod(f"a{i}", env, args, config)
        ]
        return Unit(objs, platform, options=options)

    for i in range(len(agents)):
        assert _hits(unit(i, shared)) == _hits(unit(i, RunOptions()))


def _every_hit(units: list[Unit], checks: list[Any] | None = None) -> list[tuple[Any, ...]]:
    """What each check (all built-in ones by default) finds in ``units``, in order."""
    from agentctl.policy.registry import all_checks

    out: list[tuple[Any, ...]] = []
    for check in all_checks(plugins=False) if checks is None else checks:
        for unit in units:
            hits = check.fn(units) if check.scope == "run" else check.fn(unit)
            for h in hits:
                where = None if h.obj is None else (h.obj.file, h.obj.index, h.obj.kind)
                out.append((check.id, h.message, h.path, where, h.severity, h.container, h.fix))
            if check.scope == "run":
                break
    return out


_FIXTURE_OBJECTS: list[list[Obj]] = []


def _manifest_units(shared: RunOptions | None) -> list[Unit]:
    """A unit per fixture file of the catalogue, each object new (no memo of an earlier unit)."""
    from agentctl.policy.sources import load_manifests

    if not _FIXTURE_OBJECTS:
        fixtures = sorted(
            (Path(__file__).resolve().parents[2] / "policy" / "checks").rglob("*.yaml")
        )
        assert len(fixtures) > 60
        _FIXTURE_OBJECTS.extend(load_manifests([f]) for f in fixtures)
    platform = LoadedPlatform(
        Platform.model_validate({"apiVersion": "agentctl.dev/v1alpha1", "kind": "Platform"}), None
    )
    return [
        Unit(
            [Obj(o.data, o.file, o.locator, o.agent, o.index) for o in objects],
            platform,
            options=shared or RunOptions(),
        )
        for objects in _FIXTURE_OBJECTS
    ]


def test_checks_answer_alike_with_their_memos_shared_across_a_run_or_fresh_for_each_unit():
    # Per-unit and per-run memos (pod labels, ConfigMap variables, SEC-001's answers,
    # parsed blocks): every check over the fixtures of the catalogue, all units of one
    # run sharing them and asked twice, finds what fresh units find one check at a time.
    from agentctl.policy.registry import all_checks

    shared_units = _manifest_units(RunOptions())
    warm = _every_hit(shared_units)
    assert warm == _every_hit(shared_units)
    fresh = []
    for check in all_checks(plugins=False):
        fresh.extend(_every_hit(_manifest_units(None), [check]))
    assert len(warm) > 50
    assert warm == fresh


_OTEL = {
    "OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318",
    "OTEL_SERVICE_NAME": "a",
    "OTEL_RESOURCE_ATTRIBUTES": "gen_ai.agent.name=a",
}


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    refs=st.lists(
        st.lists(st.tuples(st.sampled_from(["full", "partial", "none", "absent"]), st.sampled_from(["", "X_"])), max_size=3),
        min_size=1,
        max_size=5,
    )
)  # fmt: skip
def test_obs001_config_map_variables_made_once_per_unit_are_each_containers_own(refs):
    from agentctl.policy.checks.meta import tracing

    maps = {
        "full": _OTEL,
        "partial": {"OTEL_SERVICE_NAME": "a"},
        "none": {"LOG_LEVEL": "info"},
    }
    config_maps = [
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": n}, "data": d}
        for n, d in maps.items()
    ]
    pods = [
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": f"p{i}"},
            "spec": {
                "containers": [
                    {
                        "name": "c",
                        "image": "i",
                        "envFrom": [
                            {"configMapRef": {"name": n}, "prefix": p} for n, p in pod_refs
                        ],
                    }
                ]
            },
        }
        for i, pod_refs in enumerate(refs)
    ]
    platform = _platform([], [])

    def unit(objs: list[dict[str, Any]]) -> Unit:
        return Unit([Obj(o, "f.yaml", lambda p: ("f.yaml", 1, 1)) for o in objs], platform)

    together = [(h.obj.name, h.message) for h in tracing(unit([*config_maps, *pods]))]
    alone = [(h.obj.name, h.message) for pod in pods for h in tracing(unit([*config_maps, pod]))]
    assert together == alone
