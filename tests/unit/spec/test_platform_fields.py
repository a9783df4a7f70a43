"""platform_fields reads what trace and cost need exactly as the full loader does.

Differential: on every platform.yaml of examples/ and the tests, and on
generated variants of the sections it reads, :func:`read_platform_fields`
either gives the values the full loader's ``Platform`` holds, or raises the
full loader's very error. The one difference allowed: a problem in a section
trace and cost do not read is not theirs to report (validate reports it).
"""

from __future__ import annotations

import copy
import typing
from pathlib import Path
from typing import Any

import pytest
import yaml
from tests.conftest import REPO_ROOT

from agentctl.errors import SpecError
from agentctl.spec import platform_fields as pf
from agentctl.spec.loader import load_platform
from agentctl.spec.platform_models import (
    ComputePricing,
    Platform,
    Pricing,
    Telemetry,
    TraceSource,
    default_platform,
)

# Problems in these places are the light reader's to report; elsewhere they are not.
READ = ("apiVersion", "kind", "telemetry", "pricing")

PLATFORM_FILES = sorted(
    {
        *REPO_ROOT.joinpath("examples").rglob("platform*.yaml"),
        *REPO_ROOT.joinpath("tests").rglob("platform*.yaml"),
        *REPO_ROOT.joinpath("tests", "spec_corpus", "platform").glob("*.yaml"),
    }
)


def _aliases(model: Any) -> set[str]:
    return {f.alias or name for name, f in model.model_fields.items()}


def full(path: Path) -> pf.PlatformFields:
    return pf.from_platform(load_platform(path).platform, path)


def _outcome(read: Any, path: Path) -> tuple[str, Any]:
    try:
        return "ok", read(path)
    except SpecError as err:
        return "error", [(p.file, p.line, p.column, p.path, p.message) for p in err.problems]


def _ours(problem: tuple[Any, ...]) -> bool:
    field, message = problem[3], problem[4]
    top = field.split(".")[0].split("[")[0]
    return top in READ or top == "" or (top not in pf.PLATFORM_KEYS and "unknown key" in message)


def assert_same(path: Path) -> None:
    light, whole = _outcome(pf.read_platform_fields, path), _outcome(full, path)
    if light[0] == "error":
        assert whole == light
    elif whole[0] == "ok":
        assert light == whole
    else:  # the full loader refuses something outside the sections read
        assert not [p for p in whole[1] if _ours(p)], whole[1]


def test_the_key_sets_are_the_models():
    assert _aliases(Platform) == pf.PLATFORM_KEYS
    assert _aliases(Telemetry) == pf.TELEMETRY_KEYS
    assert _aliases(TraceSource) == pf.TRACES_KEYS
    assert _aliases(Pricing) == pf.PRICING_KEYS
    assert _aliases(ComputePricing) == pf.COMPUTE_KEYS
    source = TraceSource.model_fields["source"].annotation
    assert typing.get_args(source) == pf.TRACE_SOURCES


def test_the_defaults_are_the_models():
    assert pf.from_platform(default_platform(), None) == pf.PlatformFields()
    doc = {"apiVersion": pf.API_VERSION, "kind": "Platform"}
    assert pf.plain_fields(doc) == pf.PlatformFields()


def test_there_are_platform_files_to_compare():
    assert len(PLATFORM_FILES) >= 25
    assert REPO_ROOT / "examples" / "platform.yaml" in PLATFORM_FILES


@pytest.mark.parametrize("path", PLATFORM_FILES, ids=lambda p: str(p.relative_to(REPO_ROOT)))
def test_every_platform_file_reads_as_the_full_loader_reads_it(path: Path):
    assert_same(path)


def test_valid_files_are_read_without_the_full_loader():
    """The point of it: the example files pass the plain check (no fallback)."""
    for path in PLATFORM_FILES:
        if "spec_corpus" in path.parts:
            continue
        data = yaml.safe_load(path.read_text())
        assert pf.plain_fields(data, path) == full(path), path


BASE = {
    "apiVersion": "agentctl.dev/v1alpha1",
    "kind": "Platform",
    "registries": ["ghcr.io/acme/"],
    "telemetry": {
        "otlpEndpoint": "http://otel-collector.observability:4318",
        "collectorNamespace": "obs",
        "collectorLabels": {"app": "otel"},
        "traces": {"source": "tempo", "url": "http://tempo.obs:3200"},
        "costSource": "http://opencost.obs:9003",
        "allowCaptureContent": False,
    },
    "pricing": {
        "compute": {
            "cpuHourUSD": 0.05,
            "memoryGiBHourUSD": 0.005,
            "storageGiBMonthUSD": 0.1,
            "name": "on-prem",
        }
    },
}

# Values for each place, valid and not, in the forms YAML gives them.
ODD: list[Any] = [
    None,
    True,
    False,
    0,
    1,
    -1,
    2.5,
    -0.5,
    float("inf"),
    float("nan"),
    10**400,
    "",
    "1.5",
    "yes",
    "local",
    "jaeger",
    "Tempo",
    "zipkin",
    "http://x",
    "https://a.b:1/p?q=1",
    "ftp://x",
    "http://",
    "http://x\n",
    "http://bad host",
    "http://x:0",  # the URL check's refusals after the pattern: port 0, a port out of range,
    "http://x:99999",  # no host, a host urlsplit cannot read
    "http://:80/p",
    "http://[::1/p",
    [],
    ["http://x"],
    {},
    {"a": "b"},
    {"a": 1},
    {1: "b"},
]

PLACES: list[tuple[str, ...]] = [
    ("apiVersion",),
    ("kind",),
    ("telemetry",),
    ("telemetry", "otlpEndpoint"),
    ("telemetry", "collectorNamespace"),
    ("telemetry", "collectorLabels"),
    ("telemetry", "traces"),
    ("telemetry", "traces", "source"),
    ("telemetry", "traces", "url"),
    ("telemetry", "costSource"),
    ("telemetry", "allowCaptureContent"),
    ("pricing",),
    ("pricing", "compute"),
    ("pricing", "compute", "cpuHourUSD"),
    ("pricing", "compute", "memoryGiBHourUSD"),
    ("pricing", "compute", "storageGiBMonthUSD"),
    ("pricing", "compute", "name"),
    ("registries",),  # not read: may be anything
]


def _variants() -> list[tuple[str, dict[str, Any]]]:
    out = []
    for place in PLACES:
        for value in ODD:
            doc = copy.deepcopy(BASE)
            node = doc
            for key in place[:-1]:
                node = node[key]
            node[place[-1]] = value
            out.append((f"{'.'.join(place)}={value!r}", doc))
        doc = copy.deepcopy(BASE)  # the place left out: the default applies
        node = doc
        for key in place[:-1]:
            node = node[key]
        del node[place[-1]]
        out.append((f"{'.'.join(place)} absent", doc))
    renames = [
        (("telemetry",), "collectorNamespace", "collector_namespace"),  # populate_by_name
        (("telemetry",), "costSource", "cost_source"),
        (("telemetry",), "traces", "trace"),  # a typo
        (("pricing", "compute"), "cpuHourUSD", "cpu_hour_usd"),
        (("pricing", "compute"), "cpuHourUSD", "cpuHourUsd"),
        ((), "telemetry", "telemtry"),
        ((), "pricing", "Pricing"),
    ]
    for parent, old, new in renames:
        doc = copy.deepcopy(BASE)
        node = doc
        for key in parent:
            node = node[key]
        node[new] = node.pop(old)
        out.append((f"{old} -> {new}", doc))
    return out


@pytest.mark.parametrize(("label", "doc"), _variants(), ids=[v[0] for v in _variants()])
def test_generated_variants_read_as_the_full_loader_reads_them(tmp_path, label, doc):
    path = tmp_path / "platform.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True))
    assert_same(path)


def test_the_url_check_says_why_and_echoes_a_long_value_cut():
    assert pf.http_url("https://a.b:1/p?q=1") == "https://a.b:1/p?q=1"
    with pytest.raises(ValueError, match=r"^'http://x:0' is not an http\(s\) URL: port 0$"):
        pf.http_url("http://x:0")
    long = "ftp://" + "x" * 100
    with pytest.raises(ValueError) as err:
        pf.http_url(long)
    assert str(err.value) == f"{long[:40] + '...'!r} is not an http(s) URL"
