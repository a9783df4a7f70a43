"""Quantities, durations, names, cron, image references and the step graph."""

from __future__ import annotations

from decimal import Decimal

import pytest

from agentctl.spec import graph, units
from agentctl.spec.models import Step


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("500m", Decimal("0.5")),
        ("1", Decimal(1)),
        ("1.5", Decimal("1.5")),
        (".5", Decimal("0.5")),
        ("2Gi", Decimal(2 * 2**30)),
        ("512Mi", Decimal(512 * 2**20)),
        ("1k", Decimal(1000)),
        ("1M", Decimal(10**6)),
        (2, Decimal(2)),
        (0.25, Decimal("0.25")),
    ],
)
def test_quantities(text, value):
    assert units.parse_quantity(text) == value


@pytest.mark.parametrize("bad", ["", "1GB", "2 cores", "-1", "1e3", "Gi", "1.2.3", "1gi", True])
def test_bad_quantities(bad):
    with pytest.raises(ValueError):
        units.parse_quantity(bad)


def test_cpu_and_memory_helpers():
    assert units.cpu_cores("250m") == 0.25
    assert units.memory_bytes("1Gi") == 2**30


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("30s", 30),
        ("20m", 1200),
        ("6h", 21600),
        ("1h30m", 5400),
        ("2d", 172800),
        ("1d2h3m4s", 93784),
        (45, 45),
    ],
)
def test_durations(text, seconds):
    assert units.parse_duration(text) == seconds


@pytest.mark.parametrize(
    "bad", ["", "0s", "5 minutes", "1w", "30sec", "1m1h", "-5s", "ms", 0, -1, True, "1.5h"]
)
def test_bad_durations(bad):
    with pytest.raises(ValueError):
        units.parse_duration(bad)


def test_format_duration_round_trips():
    for seconds in (1, 59, 60, 3601, 93784):
        assert units.parse_duration(units.format_duration(seconds)) == seconds


@pytest.mark.parametrize("name", ["a", "demo", "demo-agent-2", "a" * 63])
def test_dns_labels(name):
    assert units.check_dns1123_label(name) == name


@pytest.mark.parametrize(
    "name", ["", "Demo", "demo_agent", "-demo", "demo-", "a" * 64, "demo.agent", "démo"]
)
def test_bad_dns_labels(name):
    with pytest.raises(ValueError):
        units.check_dns1123_label(name)


@pytest.mark.parametrize("expr", ["0 6 * * *", "*/15 * * * 1-5", "@daily", "@hourly", "0 0 1 1 *"])
def test_cron(expr):
    assert units.check_cron(expr) == expr


@pytest.mark.parametrize(
    "expr", ["", "every day", "61 * * * *", "0 25 * * *", "0 0 * * * *", "@fortnightly"]
)
def test_bad_cron(expr):
    with pytest.raises(ValueError):
        units.check_cron(expr)


@pytest.mark.parametrize(
    ("ref", "registry", "path", "tag", "digest"),
    [
        ("nginx", "docker.io", "nginx", None, None),
        ("acme/agent:1.0", "docker.io", "acme/agent", "1.0", None),
        ("ghcr.io/acme/agent:1.4.2", "ghcr.io", "acme/agent", "1.4.2", None),
        ("localhost:5000/agent:dev", "localhost:5000", "agent", "dev", None),
        ("localhost/agent", "localhost", "agent", None, None),
        (
            "ghcr.io/acme/agent@sha256:" + "a" * 64,
            "ghcr.io",
            "acme/agent",
            None,
            "sha256:" + "a" * 64,
        ),
        (
            "europe-docker.pkg.dev/acme/agents/research:1@sha256:" + "b" * 64,
            "europe-docker.pkg.dev",
            "acme/agents/research",
            "1",
            "sha256:" + "b" * 64,
        ),
    ],
)
def test_image_references(ref, registry, path, tag, digest):
    assert units.parse_image(ref) == {
        "registry": registry,
        "path": path,
        "tag": tag,
        "digest": digest,
    }


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "Ghcr.io/Acme/Agent",
        "ghcr.io/acme/agent:",
        "ghcr.io/acme/agent@sha256:xyz",
        "a b",
        "ghcr.io//x",
    ],
)
def test_bad_image_references(bad):
    with pytest.raises(ValueError):
        units.parse_image(bad)


def steps(*spec: tuple[str, list[str]]) -> list[Step]:
    return [Step.model_validate({"name": n, "dependsOn": d}) for n, d in spec]


def test_topological_levels():
    s = steps(("plan", []), ("a", ["plan"]), ("b", ["plan"]), ("write", ["a", "b"]))
    assert graph.topological_order(s) == [["plan"], ["a", "b"], ["write"]]


def test_cycle_detection_names_the_cycle():
    s = steps(("a", ["c"]), ("b", ["a"]), ("c", ["b"]))
    cycle = graph.find_cycle(s)
    assert cycle is not None and sorted(cycle) == ["a", "b", "c"]
    with pytest.raises(ValueError):
        graph.topological_order(s)
    problems = list(graph.check_steps(s))
    assert any("dependency cycle" in msg for _, msg in problems)


def test_for_each_from_must_be_an_ancestor():
    s = [
        Step.model_validate({"name": "plan"}),
        Step.model_validate({"name": "mid", "dependsOn": ["plan"]}),
        Step.model_validate({"name": "fan", "dependsOn": ["mid"], "forEach": {"from": "plan"}}),
        Step.model_validate({"name": "other", "forEach": {"from": "mid"}}),
    ]
    problems = list(graph.check_steps(s))
    assert problems == [
        (
            ("spec", "workflow", "steps", 3, "forEach", "from"),
            "'mid' must run before 'other': add it (or a step after it) to dependsOn",
        )
    ]


def test_a_cycle_does_not_hide_for_each_problems():
    def step(name: str, deps: list[str], src: str | None = None) -> Step:
        doc: dict = {"name": name, "dependsOn": deps}
        if src is not None:
            doc["forEach"] = {"from": src}
        return Step.model_validate(doc)

    s = [
        step("plan", []),
        step("a", ["b"], src="b"),  # a and b: a cycle; forEach inside it is left to the cycle
        step("b", ["a", "plan"]),
        step("c", ["d"]),
        step("d", ["c"]),  # a second, separate cycle
        step("fan", ["a"], src="plan"),  # plan runs before fan only through the cycle: upstream
        step("lost", [], src="nowhere"),
        step("early", [], src="plan"),
    ]
    base = ("spec", "workflow", "steps")
    assert list(graph.check_steps(s)) == [
        ((*base, 1, "dependsOn"), "dependency cycle: a -> b -> a (-> reads: depends on)"),
        ((*base, 3, "dependsOn"), "dependency cycle: c -> d -> c (-> reads: depends on)"),
        (
            (*base, 6, "forEach", "from"),
            "unknown step 'nowhere' (steps: plan, a, b, c, d, fan, lost, early)",
        ),
        (
            (*base, 7, "forEach", "from"),
            "'plan' must run before 'early': add it (or a step after it) to dependsOn",
        ),
    ]
    assert [sorted(c) for c in graph.find_cycles(s)] == [["a", "b"], ["c", "d"]]


def _chain(n: int, *, close: bool = False) -> list[Step]:
    deps = [[f"s{n - 1}"] if close else []] + [[f"s{i - 1}"] for i in range(1, n)]
    return [
        Step.model_validate(
            {"name": f"s{i}", "dependsOn": d, **({"forEach": {"from": "s0"}} if i == n - 1 else {})}
        )
        for i, d in enumerate(deps)
    ]


def test_a_long_chain_is_checked_and_ordered_without_recursion_or_quadratic_work():
    n = 5000
    chain = _chain(n)
    assert list(graph.check_steps(chain)) == []
    assert graph.topological_order(chain) == [[f"s{i}"] for i in range(n)]
    assert graph.ancestors(chain, f"s{n - 1}") == {f"s{i}" for i in range(n - 1)}


def test_a_long_cycle_is_reported_once_with_every_step():
    n = 5000
    ring = _chain(n, close=True)
    cycles = graph.find_cycles(ring)
    assert len(cycles) == 1 and sorted(cycles[0]) == sorted(f"s{i}" for i in range(n))
    problems = list(graph.check_steps(ring))
    assert [p for p, _ in problems] == [("spec", "workflow", "steps", 0, "dependsOn")]
