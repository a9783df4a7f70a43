"""The fast YAML path (data from libyaml's events, positions on demand) against the
position-tracking builder: the same data, the same positions, the same errors."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agentctl.errors import SpecError
from agentctl.spec import yamlsafe

REPO = Path(__file__).resolve().parents[3]


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def _outcome(parse: Any, text: str, multi: bool) -> tuple[Any, Any]:
    try:
        docs = parse(text, "f.yaml", multi)
    except SpecError as err:
        return None, [str(p) for p in err.problems]
    return docs, None


def assert_same(text: str, multi: bool = True) -> None:
    slow, slow_err = _outcome(yamlsafe._parse_located, text, multi)
    fast, fast_err = _outcome(
        lambda t, f, m: yamlsafe.parse_documents(t, f, allow_multi=m), text, multi
    )
    assert fast_err == slow_err
    if slow is None:
        return
    assert len(fast) == len(slow)
    for f, s in zip(fast, slow, strict=True):
        assert _same(f.data, s.data)
        assert f.positions == s.positions
        assert f.key_positions == s.key_positions


CASES = [
    # YAML 1.1 scalars as PyYAML resolves them; timestamps stay strings
    "a: 1\nb: yes\nc: on\nd: 0o17\ne: 017\nf: 1_000\ng: 1:30\nh: .nan\ni: 2001-12-14\nj: ~\nk:\nl: '1'\n",
    "1: a\ntrue: b\n1.5: c\n",  # non-string keys keep their text
    "~: a\n",  # a null key: refused
    "2001-12-14: x\n",  # a timestamp key: refused
    "a: 1\na: 2\n",  # duplicate keys
    "'a': 1\n\"a\": 2\n",
    "a: &x 1\nb: *x\n",  # anchors and aliases
    "a: &x 1\nb: &x 2\n",
    "<<: {a: 1}\nb: 2\n",  # merge keys
    "a: <<\n",
    "a: =\n",
    "a: !!str 1\n",  # tags
    "a: !foo {b: 1}\n",
    "a: [1, {b: 2}]\n---\n- x\n...\n# c\n---\nz: é\n",
    "x: |\n  line1\n  line2\nz: >-\n  f\n  g\n",
    "[" * 70 + "]" * 70,  # too deep
    "".join("  " * i + f"k{i}:\n" for i in range(70)) + "  " * 70 + "v\n",
    "- " * 70 + "x\n",
    "a: [\n",  # invalid YAML
    "\t- x\n",
    "---\n---\n",
    "",
    "# only a comment\n",
    "  a: 1\n  b:\n    - c\n",
    "{a: 1, ? [b] : 2}\n",  # a complex key
    "a: 1\n...\nb: 2\n",
    "%YAML 1.1\n---\na: 1\n---\nb: 2\n",
    "a:\n" + "".join(f"  - {i}\n" for i in range(yamlsafe.MAX_NODES + 1)),  # too many values
]


@pytest.mark.parametrize("text", CASES)
@pytest.mark.parametrize("multi", [True, False])
def test_edge_cases_match_the_builder(text: str, multi: bool) -> None:
    assert_same(text, multi)


def test_repository_yaml_matches_the_builder() -> None:
    files = [
        p
        for top in ("examples", "scaffolds", "tests/golden", "tests/fixtures")
        for p in sorted((REPO / top).rglob("*.y*ml"))
    ]
    assert len(files) > 50
    for path in files:
        text = path.read_text(encoding="utf-8", errors="replace")
        if not yaml.reader.Reader.NON_PRINTABLE.search(text):
            assert_same(text)


def test_positions_are_read_only_when_asked() -> None:
    text = "a: 1\n---\nkind: Pod\nmetadata:\n  name: x\n  labels: {app: y}\n"
    docs = yamlsafe.parse_documents(text, "f.yaml", allow_multi=True)
    assert docs[1].data == {"kind": "Pod", "metadata": {"name": "x", "labels": {"app": "y"}}}
    assert docs[1]._source is not None  # nothing located yet
    assert docs[1].position(("metadata", "labels", "app")) == (6, 17)
    assert docs[1].position(("metadata", "name"), key=True) == (5, 3)
    assert docs[1]._source is None


scalars = st.one_of(
    st.sampled_from(["yes", "No", "on", "~", "null", "0x1F", "0o7", "1e3", ".inf", "12:30", ""]),
    st.sampled_from(["2001-12-14", "2001-12-14t21:59:43.10-05:00", "<<", "=", "- x", "a: b"]),
    st.text(max_size=8),
    st.integers(),
    st.floats(allow_nan=False),
    st.booleans(),
)
keys = st.one_of(st.text(min_size=1, max_size=6), st.sampled_from(["1", "true", "~", "<<", "a"]))
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(values, min_size=1, max_size=3), st.booleans(), st.booleans())
def test_generated_documents_match_the_builder(docs: list[Any], flow: bool, multi: bool) -> None:
    text = yaml.safe_dump_all(docs, default_flow_style=flow, allow_unicode=True)
    if not yaml.reader.Reader.NON_PRINTABLE.search(text):
        assert_same(text, multi)
