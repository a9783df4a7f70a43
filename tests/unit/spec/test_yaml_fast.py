"""The fast YAML path (data from libyaml's events, positions on demand) against the
position-tracking builder: the same data, the same positions, the same errors."""

from __future__ import annotations

import math
import re
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


def assert_same(text: str, multi: bool = True, native: bool = False) -> None:
    slow, slow_err = _outcome(yamlsafe._parse_located, text, multi)
    fast, fast_err = _outcome(
        lambda t, f, m: yamlsafe.parse_documents(t, f, allow_multi=m, native=native), text, multi
    )
    assert fast_err == slow_err
    if slow is None:
        return
    assert len(fast) == len(slow)
    for f, s in zip(fast, slow, strict=True):
        assert _same(f.data, s.data)
    # Positions asked one path at a time (read only as far as each needs), in an
    # order that jumps back and forth, and for paths that are not there.
    asked = yamlsafe.parse_documents(text, "f.yaml", allow_multi=multi, native=native)
    for f, s in zip(asked, slow, strict=True):
        paths = sorted(s.positions, key=lambda p: (len(p) % 3, repr(p)))
        for path in paths[:40]:
            for probe in (path, (*path, "absent"), (*path, 0, "x")):
                assert f.position(probe) == s.position(probe), probe
                assert f.position(probe, key=True) == s.position(probe, key=True), probe
    # The same paths asked together first, a few at a time (as the gate asks the
    # findings of one document), then one by one.
    together = yamlsafe.parse_documents(text, "f.yaml", allow_multi=multi, native=native)
    for f, s in zip(together, slow, strict=True):
        paths = sorted(s.positions, key=lambda p: (len(p) % 3, repr(p)))[:40]
        probes = [q for p in paths for q in (p, (*p, "absent"), (*p, 0, "x"))]
        for n in range(0, len(probes), 4):
            f.locate_all(probes[n : n + 4])
        for probe in probes:
            assert f.position(probe) == s.position(probe), probe
            assert f.position(probe, key=True) == s.position(probe, key=True), probe
    for f, s in zip(fast, slow, strict=True):
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
    # scalars YAML 1.1 resolves that PyYAML's constructor cannot build
    "a: 0b_\nb: 0x_\n",
    "a: 2001-13-45\n",
    "0b_: 1\n",
    "a: [1, 2001-02-30 10:00:00]\n",
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
    assert docs[1]._positions == {}
    assert docs[1].position(("metadata", "name"), key=True) == (5, 3)
    assert ("metadata", "labels") not in docs[1]._positions  # read only as far as asked
    assert docs[1].position(("metadata", "labels", "app")) == (6, 17)
    assert docs[1].position(("metadata", "labels", "tier")) == (6, 3)  # absent: its mapping
    assert docs[1]._source is not None
    assert docs[1].positions[("kind",)] == (3, 7)
    assert docs[1]._source is None  # read to the end


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


# The native parser (validate -f): the same data, positions and errors as the
# builder, whatever the text; it is trusted only where that is provable.
NATIVE_CASES = [
    *CASES,
    # numbers it reads as YAML 1.2 (and its own way) where YAML 1.1 differs
    "a: [017, 0o17, 0O17, 0X1F, 0x1f, 0b101, -0b1, 1_000, 1e3, 1E3, 1e+3, 1.5e3, 1.5e+3]\n",
    "a: [-.5, +.5, .5, 5., .nAn, .NaN, .Inf, -.inf, +.inf, 1e400, -1e400, 0e0, 00, 00.5]\n",
    "a: [99999999999999999999999, -0, +12, 12:30, 1:30.5, 190:20:30, 0x_1F, 1__0]\n",
    "- 017\n- 1e3\n- .nAn\n",
    "k: 017\n",
    "k:\n  017\n",
    "k: \"017\"\nj: '1e3'\n",
    # words YAML 1.1 types and it does not, plain and quoted
    "a: yes\nb: 'yes'\nc: \"on\"\nd: Off\ne: NO\nf: y\ng: n\n",
    "on: push\n'yes': 1\n",
    "a: [yes, no, on, off, True, tRue, Null, nUll, ~, '']\n",
    "2001-12-14 : x\n",  # a timestamp key: refused by the builder
    "'2001-12-14': x\n",
    "'~': a\n\"null\": b\n",
    "~: a\n",
    "null: a\n",
    "1: a\n'1': b\n",
    "? a\n: b\n",
    # number-like keys: the ':' that ends them is the mapping's
    "_k0: 1\n-x: 2\n0.5x: 3\n",
    "8080: x\n",
    "a:\n  017: x\n",
    "a: 017:\n",
    "1e3: x\n",
    "a: 12::\n",
    "a: [017:, 1]\n",
    "{017: 1}\n",
    "a: 017#x\n",
    # anchors, aliases, tags, merges: only "* " is content
    "schedule: 0 6 * * *\nb: '*x'\nc: a *b\n",
    "a: *x\n",
    "a: &x 1\n",
    "a: [&x 1, *x]\n",
    "{a: &x 1, b: *x}\n",
    "a: !!int '1'\n",
    "a: ! x\n",
    "a: b!c\n",
    "a: {<<: {b: 1}}\n",
    # document markers, directives, line breaks
    "---\na: 1\n",
    "# c\n---\na: 1\n---\nb: 2\n",
    "a: 1\n---\n",
    "a: 1\n--- # c\nb: 2\n",
    "---\n---\na: 1\n",
    "a: 1\n---x: 2\n",
    "a: 1\n--- {b: 2}\n",
    "a: 1\n...\n---\nb: 2\n",
    "---\n~\n---\na: 1\n",
    "---\n- a\n- b\n",
    "%TAG ! tag:example.com,2000:\n---\na: 1\n",
    "a: 1\r\nb: 2\r\n",
    "a: x\x85y\n",
    "a: x\u2028y\n",
    "a:\n\tb: 1\n",
    "a: 'x\n\n  y'\nb: \"\\x41\\u00e9\"\nc: |\n  l1\n\n  l2\nd: >\n  f\n   g\n",
    "a: 1\na: 2\n",
    "a: {b: 1, b: 2}\n",
    "a: [b, c]]\n",
    "a: b: c\n",
    "'a':1\n",
    '{"a":1, "b":017}\n',
    "a: - b\n",
    "a: 'x" + "y" * 100_000 + "'\n",  # a huge scalar
    "".join(" " * i + f"k{i}:\n" for i in range(300)) + " " * 300 + "v\n",  # deep block nesting
    "".join(" " * i + "k:\n" for i in range(20_000)),  # would exhaust the native stack
    "- " * 20_000 + "x\n",
    "{a: " * 2_000 + "1" + "}" * 2_000 + "\n",
    # escapes: an escaped surrogate pair is one character to it, an error to libyaml
    'a: "\\ud83d\\ude00"\n',
    'a: "\\uDC00"\n',
    'a: "x\\q\\%"\n',
    'a: "x\\\n  y"\n',
    'a: "\\x80\\xff\\u0000\\uFFFE\\u0085\\U0001F600\\U00110000"\n',
    "a: '\\q'\nb: x\\q\n",
    # a final block scalar with no line break after it, or empty: it adds one
    "a: |\n  x",
    "a: >\n  x\n  y",
    "k: >+  \n",
    "k: |\n\n\n",
    "k: > # c\n",
    "k: >\n  \n---\nb: 1\n",
    "- >\n",
    "? >+\n",
    "k: >\n# c\n",
    "k: |+\n\n",
    "k: |\n  x\n# c\n",
    # quoting, folding, chomping, comments, flow and block forms
    'a: "x\\N y\\_z\\L\\P\\e\\/\\t\\0\\a\\b\\v\\f\\ \\x41\\u00e9\\U0001F600"\n',
    'a: "\\ud83d\\ude00"\n',
    "a: 'it''s'\n",
    'a: "multi\n  line\n\n  folded"\n',
    "a: plain\n  multi\n  # not a comment? \n  line\n",
    "a: x # comment\nb: 'y' # c\n",
    "a: |+\n  x\n\n\n---\nb: 1\n",
    "a: |+\n  x\n\n",
    "a: |-\n  x\n",
    "a: |2\n   x\n  y\n",
    "a: >+\n  x\n\n---\nb: 2\n",
    "a: |\n  x",
    "url: http://a:b@c/d?e=f&g=h\n",
    "a: {b: c, d: [e, f: g]}\n",
    "a: [b: c]\n",
    "a: [b, {c: d}, [e]]\n",
    "'a:b': 1\n\"c d\": 2\n",
    "a:\n- 1\n- 2\nb: 3\n",
    "- a: 1\n  b: 2\n- c\n",
    "a: b\n\n\n# trailing comment\n",
    "---\n# only comment\n---\na: 1\n",
    "a: ''\nb: \"\"\nc:\nd: ~\n",
    "a: -1\nb: +1\nc: 1.0\nd: -1.5\ne: 0\nf: 0.0\ng: -0.0\n",
    "a: 1.0e+3\nb: 1.0E-3\nc: 6.8523015e+5\n",
    "a: 0x1F\nb: 0xff\n",
    "a: 685230\nb: 1000000000000\nc: 9223372036854775807\nd: 9223372036854775808\n",
    "a: true\nb: False\nc: TRUE\nd: null\ne: NULL\n",
    "a: 2001-12-14t21:59:43.10-05:00\nb: 2001-12-14 21:59:43.10 -5\nc: 2002-12-14\n",
    "a: 'x'\n---\n\n---\nb: 1\n",
    "a: 1\n--- \nb: 2\n",
    "a: 1\n---   # c\nb: 2\n",
    'a: é\nb: 中文\nc: "\\u4e2d"\n',
    "a: \xa0b\n",
    "a:    b   \n",
    "a: b:c\n",
    "a: :b\n",
    "a: -b\n",
    "a: ?b\n",
    "a: b - c\n",
    "a: [a, b, ]\n",
    "a: {b: 1, }\n",
    "? - a\n: b\n",
    "a: !!binary aGVsbG8=\n",
    "a: %x\n",
    "a: @x\n",
    "a: `x\n",
    "a: b\n c: d\n",
    "a:\n  b: 1\n c: 2\n",
    "a: 'unterminated\n",
    "a: [1, 2\n",
    "a: 1\n  b: 2\n",
    "key with spaces: v\n",
    "a: 1 # c\n#c\nb: [1, # c\n 2]\n",
    'a: "x" y\n',
    "a: 'x' 'y'\n",
    "- - - a\n",
    "a: - b\n",
    "[a, b]: c\n",
    "{a: b}: c\n",
    "a: *\n",
    "a: & x\n",
    "a: x&y\n",
    "a: x*y\n",
    "a: 'x&y *z !w'\n",
    "a: <<x\n",
    "a: x<<\n",
    # '|' or '>' starting a scalar inside a flow collection: libyaml refuses it, the
    # native parser read a string (found by the generated fragments: '{|}')
    "{|}\n",
    "{a: |}\n",
    "a: [|x]\n",
    "a: {b: >}\n",
    "a: [x, |]\n",
    "{? |}\n",
    "a: {\n  b: |\n}\n",
    "x: [1]\nb: |\n  t\n",
    "a: x > y\nb: |\n  t\n",
]


@pytest.mark.parametrize("multi", [True, False])
@pytest.mark.parametrize("text", NATIVE_CASES)
def test_native_edge_cases_match_the_builder(text: str, multi: bool) -> None:
    assert_same(text, multi, native=True)


def test_native_parser_reads_plain_manifests() -> None:
    # Not a vacuous comparison: the build output of the examples is what it reads.
    files = sorted((REPO / "tests" / "golden" / "expected").rglob("0*.yaml"))
    assert len(files) > 20
    read = [f for f in files if yamlsafe._native_documents(f.read_text()) is not None]
    assert len(read) >= 0.9 * len(files)
    for path in read:
        assert_same(path.read_text(), True, native=True)


def test_native_parser_reads_agent_and_platform_files() -> None:
    # agent.yaml and platform.yaml are read natively (load_one): one document each.
    files = sorted(
        p
        for pattern in ("agent.yaml", "platform.yaml")
        for p in (*(REPO / "examples").rglob(pattern), *(REPO / "tests").rglob(pattern))
    )
    assert len(files) > 20
    read = [f for f in files if yamlsafe._native_documents(f.read_text()) is not None]
    assert len(read) >= 0.8 * len(files)
    for path in files:
        assert_same(path.read_text(), False, native=True)


def test_without_the_native_parser_manifests_take_the_libyaml_way(monkeypatch) -> None:
    """An install without yaml-rs (pip --no-deps) reads manifests the libyaml way: no traceback."""
    import sys

    text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  n: '1'\n"
    assert yamlsafe._native_documents(text) is not None
    monkeypatch.setitem(sys.modules, "yaml_rs", None)  # import raises ImportError
    assert yamlsafe._native_documents(text) is None
    assert_same(text, True, native=True)


@pytest.mark.usefixtures("no_clean_lines")  # the scalars' lines not seen before
def test_native_parser_leaves_doubtful_text_to_libyaml() -> None:
    # 'yes' quoted is the same string to it as yes plain: which one was it?
    doubtful = ("a: yes\n", "a: 'yes'\n", "a: 017\n", "a: .nAn\n", "a: *x\n", "a: 1\n...\n")
    many = "".join(f"- {i}\n" for i in range(yamlsafe._NATIVE_MAX_TOKENS + 1))
    for text in (*doubtful, "a:\n" + many.replace("- ", "  - ")):
        assert yamlsafe._native_documents(text) is None, text[:20]
    for text in (
        "_k: 1\n",
        "a: 'true'\n",
        "a: '017'\n",
        "a: 17\n",
        "s: 0 6 * * *\n",
        "---\na: 1\n",
    ):
        assert yamlsafe._native_documents(text) is not None, text


def test_repository_yaml_matches_the_builder_natively() -> None:
    files = [
        p
        for top in ("examples", "scaffolds", "tests/golden", "tests/fixtures", "tests/policy")
        for p in sorted((REPO / top).rglob("*.y*ml"))
    ]
    for path in files:
        text = path.read_text(encoding="utf-8", errors="replace")
        if not yaml.reader.Reader.NON_PRINTABLE.search(text):
            assert_same(text, True, native=True)


tricky = st.sampled_from(
    [
        "yes",
        "On",
        "NO",
        "y",
        "~",
        "null",
        "Null",
        "",
        "017",
        "0o7",
        "0O7",
        "0x1F",
        "0X1F",
        "0b11",
        "1_0",
        "1e3",
        "1.5e3",
        "1.5e+3",
        "-.5",
        "+.5",
        ".5",
        ".nAn",
        ".NaN",
        ".inf",
        "-.Inf",
        "1e400",
        "12:30",
        "2001-12-14",
        "2001-12-14 21:59:43.10 -5",
        "=",
        "<<",
        "* *",
        "a *b",
        "x!y",
        "---",
        "...",
        "- x",
        "a: b",
        "#c",
        "'q'",
        '"d"',
        "0",
        "-0",
        "+1",
        "1.",
        "99999999999999999999",
        "true",
        "TRUE",
        "tRue",
        "0.5",
        "00.5",
    ]
)
tricky_text = st.one_of(
    tricky, st.text(alphabet="ab01789.-+:eE_oOxXbB~nNaAiIfF*&!'\" #", max_size=6)
)
hostile = st.recursive(
    tricky_text,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.one_of(tricky_text, keys), inner, max_size=3)
    ),
    max_leaves=12,
)


def _emit(value: Any, indent: int, style: int) -> str:
    """Hand-written YAML of ``value`` with scalars left plain (hostile on purpose)."""
    pad = " " * indent
    if isinstance(value, dict):
        if not value:
            return "{}"
        return "\n" + "".join(
            f"{pad}{k}:{' ' if not isinstance(v, dict | list) or not v else ''}"
            f"{_emit(v, indent + 2, style)}\n".replace(":\n\n", ":\n")
            for k, v in value.items()
        ).rstrip("\n")
    if isinstance(value, list):
        if not value or style:
            return "[" + ", ".join(_emit(v, indent, 1) for v in value) + "]"
        return "\n" + "\n".join(f"{pad}- {_emit(v, indent + 2, style)}" for v in value)
    return str(value)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(hostile, min_size=1, max_size=3), st.integers(0, 1), st.booleans())
def test_generated_hostile_text_matches_the_builder_natively(
    docs: list[Any], style: int, marker: bool
) -> None:
    text = ("---\n" if marker else "") + "\n---\n".join(
        f"root:{_emit(d, 2, style)}\n" for d in docs
    )
    if not yaml.reader.Reader.NON_PRINTABLE.search(text):  # refused before any parser
        assert_same(text, True, native=True)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(values, min_size=1, max_size=3), st.booleans())
def test_generated_documents_match_the_builder_natively(docs: list[Any], flow: bool) -> None:
    text = yaml.safe_dump_all(
        [{"root": d} for d in docs], default_flow_style=flow, allow_unicode=True
    )
    if not yaml.reader.Reader.NON_PRINTABLE.search(text):
        assert_same(text, True, native=True)


fragments = st.sampled_from(
    [
        *("a", "b", "x y", "1", "0", "-", "- ", ": ", ":", " ", "  ", "\n", "\n  ", "\n- "),
        *('"', "'", "[", "]", "{", "}", ", ", "#", " #", "|", ">", "|-", ">+", "? ", "\\"),
        *("\\n", "k: ", "key: v\n", "---\n", "- a\n", "  b: c\n", "e", ".", "+", "_", "~"),
        *("null", "true", "yes", "%", "@", "`", "=", "é"),
    ]
)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(fragments, min_size=1, max_size=25))
def test_generated_fragments_match_the_builder_natively(parts: list[str]) -> None:
    # Text glued from YAML's punctuation, most of it invalid: the native parser must
    # accept nothing libyaml refuses, and read the rest alike (this found empty
    # block scalars at the end of a document).
    text = "".join(parts).rstrip(" ") + "\n"
    assert_same(text, True, native=True)
    assert_same(text, False, native=True)  # agent.yaml and platform.yaml: one document


def test_scalars_pyyaml_cannot_build_are_located_problems() -> None:
    # PyYAML's own safe_load raises ValueError on these: a located problem here.
    for text, what in (("a: 0b_\n", "integer"), ("a: 2001-13-45\n", "date")):
        for native in (False, True):
            with pytest.raises(SpecError) as err:
                yamlsafe.parse_documents(text, "f.yaml", allow_multi=True, native=native)
            (problem,) = err.value.problems
            assert (problem.line, problem.column, problem.path) == (1, 4, "a")
            assert f"reads as a YAML {what} but is not a valid one" in problem.message


def assert_each_question_alike(text: str) -> int:
    """Each position asked on its own, of a freshly parsed document (the line reader
    skipping what the question does not need), against the builder's; the number of
    documents the line reader read without falling back to libyaml's events."""
    slow = yamlsafe._parse_located(text, "f.yaml", True)
    plain = 0
    for i, s in enumerate(slow):
        paths = list(s.positions)
        for path in paths[:: max(1, len(paths) // 30)]:
            for probe in (path, (*path, "absent"), (*path, 0, "x"), path[:-1]):
                for key in (False, True):
                    fresh = yamlsafe.parse_documents(text, "f.yaml", allow_multi=True)[i]
                    assert fresh.position(probe, key=key) == s.position(probe, key=key), probe
        # A few asked together, in one pass over the lines (as the gate asks the
        # findings of one document).
        probes = [
            probe
            for path in paths[:: max(1, len(paths) // 30)]
            for probe in (path, (*path, "absent"), (*path, 0, "x"), path[:-1])
        ]
        for n in range(0, len(probes), 5):
            together = yamlsafe.parse_documents(text, "f.yaml", allow_multi=True)[i]
            together.locate_all(probes[n : n + 5])
            for probe in probes[n : n + 5]:
                for key in (False, True):
                    assert together.position(probe, key=key) == s.position(probe, key=key), probe
        doc = yamlsafe.parse_documents(text, "f.yaml", allow_multi=True)[i]
        scan = doc._source
        if scan is not None:
            try:
                yamlsafe._BlockLines(scan._text, scan._span).locate(None, {}, {})
                plain += 1
            except yamlsafe._NotPlain:
                pass
    return plain


def test_built_manifests_are_located_from_their_lines() -> None:
    # What `build` writes (and kubectl, helm, yaml.safe_dump) is read by the line
    # reader, not libyaml's events; every answer is the builder's.
    files = sorted((REPO / "tests/golden/expected").rglob("*.yaml"))
    docs = plain = 0
    for path in files:
        text = path.read_text(encoding="utf-8")
        docs += len(yamlsafe._parse_located(text, "f.yaml", True))
        plain += assert_each_question_alike(text)
    assert docs > 100 and plain >= docs - 2, (plain, docs)


LINE_CASES = [
    # quoted scalars going on to other lines, at any indentation (a subtree holding
    # one is read, not skipped)
    'a:\n  b: "x\ny: 1"\n  c: 2\nd:\n  e: 3\n',
    "a:\n  b: 'x\n\n  z: 1'\n  c:\n  - 'p\nq'\n  - r\nd: {}\n",
    'a:\n- "x\\\n  y"\n- b: "1\\"\n  c: 2"\n  d: 3\n',
    # flow collections going on to other lines
    "a:\n  b: [1,\n2]\n  c: 3\nd:\n  e: {x: 1,\n y: 2}\n",
    "a:\n  ? 'p\nq'\n  : [1,\n2]\n  ? r\n  : 'x\ny'\nb:\n  c: 1\n",
    # block scalars, comments, blank lines, plain scalars going on
    "a: |\n  k: v\n  - x\n\n  # not a comment\nb:\n  # c\n  c: >-\n    x\n\n    y\n  d: p\n    q\n",
    "a:\n- - x\n  - - y\n    - z\n- - - w\n-   k: v\n    l:\n    - 1\n",
    "k:\n  - a: 1\n    b:\n      c: 2\n  - a: 3\nl: x # c\nm: 'q' # c\n",
    # what the line reader leaves to the events
    "a:\n  b:\n  c: 1\n",
    "a:\n  'b': 1\n  c d: 2\n  ? e\n  : 3\n",
    "- a: 1\n  b: 2\n- c\n-\n  d: 4\n",
    "a: &x 1\nb: !!str 2\n",
    "--- # c\na:\n  b: 1\n...\n",
]


@pytest.mark.parametrize("text", LINE_CASES)
def test_line_reader_edge_cases_match_the_builder(text: str) -> None:
    assert_same(text)
    assert_each_question_alike(text)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(values, min_size=1, max_size=3), st.integers(0, 2))
def test_generated_questions_match_the_builder(docs: list[Any], width: int) -> None:
    text = yaml.safe_dump_all(
        [{"root": d, "after": {"k": d}} for d in docs],
        default_flow_style=False,
        allow_unicode=True,
        width=(10, 40, 200)[width],  # narrow: scalars folded onto several lines
    )
    if not yaml.reader.Reader.NON_PRINTABLE.search(text):
        assert_each_question_alike(text)


@pytest.mark.parametrize("char", [*map(chr, [*range(0x20), 0x7F, 0x80, 0x9F, 0xFFFE])])
def test_non_printable_characters_are_found_as_pyyaml_finds_them(char: str) -> None:
    text = f"a: x{char}y\n"
    expected = yaml.reader.Reader.NON_PRINTABLE.search(text)
    found = yamlsafe._non_printable(text)
    assert (found and found.start()) == (expected and expected.start()), repr(char)
    assert yamlsafe._non_printable("a: é\n") is None


# The expression that found number-like scalars before it started at their first
# character: the oracle for the faster one.
_NUMBERISH_BEFORE = re.compile(r"[ \n\[{,:](?:[-+._~][^\s,\[\]{}#]|[0-9])[^\s,\[\]{}#]*")


def _numberish_before(text: str) -> set[str]:
    return {t[1:-1] if t.endswith(":") else t[1:] for t in _NUMBERISH_BEFORE.findall("\n" + text)}


def test_number_like_scalars_are_found_as_before_in_the_repository() -> None:
    for top in ("examples", "scaffolds", "tests/golden", "tests/fixtures", "tests/policy"):
        for path in sorted((REPO / top).rglob("*.y*ml")):
            text = path.read_text(encoding="utf-8", errors="replace")
            assert yamlsafe._numberish(text) == _numberish_before(text), path
    for text in CASES:
        assert yamlsafe._numberish(text) == _numberish_before(text), text


@settings(max_examples=1000, deadline=None)
@given(st.text(alphabet=" \n[]{},:#-+._~0123456789aeEx'\"\t", max_size=40))
def test_number_like_scalars_are_found_as_before(text: str) -> None:
    assert yamlsafe._numberish(text) == _numberish_before(text)


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="<%\n. ab", max_size=200), st.sampled_from(["<<", "\n%", "\n...", "a<"]))
def test_a_string_found_by_a_rare_character_is_found_as_str_finds_it(
    text: str, needle: str
) -> None:
    for at in range(len(needle)):
        assert yamlsafe._holds(text, needle, at) == (needle in text)


def test_a_string_found_by_a_common_character_is_found_as_str_finds_it() -> None:
    text = "<" * 100 + " <<"  # more than the character searches it tries
    assert yamlsafe._holds(text, " <<", 1)
    assert not yamlsafe._holds(text, " <<<", 1)


# What the native parser's text checks found in a whole file before they were made
# line by line (with lines found clean kept): the oracle for _lines_agree.
def _whole_text_agrees(text: str) -> bool:
    if yamlsafe._SURROGATE.search(text) or yamlsafe._DEEP.search("\n" + text):
        return False
    tokens = yamlsafe._numberish(text)
    if len(tokens) > yamlsafe._NATIVE_MAX_TOKENS:
        return False
    return all(yamlsafe._token_agrees(token) for token in tokens)


DEEP_LINE = "- " * (yamlsafe._NATIVE_COLUMNS // 2) + "x"
# Lines that each refuse a file, whatever clean lines around them were seen before.
REFUSING_LINES = [
    "a: 017",
    "a: 1e3",
    "  - 0o7",
    "k: [1, .nAn]",
    "_0: x",
    'a: "\\ud83d\\ude00"',
    'a: "x\\U0000D800"',
    DEEP_LINE,
    " " * yamlsafe._NATIVE_COLUMNS + "a: 1",
]


@pytest.fixture
def no_clean_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(yamlsafe, "_CLEAN_LINES", set())
    monkeypatch.setattr(yamlsafe, "_clean_chars", 0)


@pytest.mark.usefixtures("no_clean_lines")
def test_a_refusing_line_refuses_among_lines_seen_clean() -> None:
    manifests = sorted((REPO / "tests" / "golden" / "expected").rglob("0*.yaml"))
    clean = [p.read_text() for p in manifests]
    clean = [t for t in clean if yamlsafe._lines_agree(t)]
    assert len(clean) > 20
    assert yamlsafe._CLEAN_LINES
    for text in clean[:5]:
        assert yamlsafe._lines_agree(text)  # nothing new: nothing searched
        assert _whole_text_agrees(text)
        lines = text.splitlines(keepends=True)
        for bad in REFUSING_LINES:
            for at in (0, len(lines) // 2, len(lines)):
                glued = "".join([*lines[:at], bad + "\n", *lines[at:]])
                assert not _whole_text_agrees(glued), bad
                assert not yamlsafe._lines_agree(glued), (bad, at)
                assert yamlsafe._native_documents(glued) is None, (bad, at)
    for bad in REFUSING_LINES:
        assert bad not in yamlsafe._CLEAN_LINES


@pytest.mark.usefixtures("no_clean_lines")
def test_lines_are_judged_alone_across_line_breaks() -> None:
    # A scalar (plain, quoted, folded) spread over lines is judged in its pieces: each
    # piece on its own line is what the whole-text search found too.
    for text in (
        "a: 0\n  17\n",
        "a: 1\n  e3\n",
        'a: "\\ud83d\\\n  \\ude00"\n',
        "a: >\n  017\n",
        "a: '\n  0o7'\n",
        "- a\n" + "  " * 120 + "b\n",
        "a:\n" + DEEP_LINE.replace("x", "") + "\n",
    ):
        assert yamlsafe._lines_agree(text) == _whole_text_agrees(text), text
        assert yamlsafe._lines_agree(text) == _whole_text_agrees(text), text  # lines kept
        assert_same(text, True, native=True)


@settings(max_examples=600, deadline=None)
@given(
    st.lists(
        st.text(alphabet=" \n[]{},:#-+._~0123456789aeExou'\"\\dD8U", max_size=30),
        min_size=1,
        max_size=4,
    )
)
def test_lines_kept_clean_change_no_answer(texts: list[str]) -> None:
    saved = set(yamlsafe._CLEAN_LINES), yamlsafe._clean_chars
    yamlsafe._CLEAN_LINES.clear()
    try:
        for text in texts:  # each one after the lines of the ones before were kept
            assert yamlsafe._lines_agree(text) == _whole_text_agrees(text), text
        whole = "\n".join(texts)
        assert yamlsafe._lines_agree(whole) == _whole_text_agrees(whole), whole
    finally:
        yamlsafe._CLEAN_LINES.clear()
        yamlsafe._CLEAN_LINES.update(saved[0])
        yamlsafe._clean_chars = saved[1]


@pytest.mark.usefixtures("no_clean_lines")
def test_lines_kept_clean_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(yamlsafe, "_CLEAN_LINES_MAX", 10)
    monkeypatch.setattr(yamlsafe, "_CLEAN_CHARS_MAX", 200)
    texts = [f"a{i}: {i}\nb: x{i % 3}\n" for i in range(50)]
    texts.append("".join(f"k{i}: {i}\n" for i in range(30)))  # more than the bounds alone
    texts.append("k: " + "x" * 300 + "\n")
    for text in [*texts, *texts]:
        assert yamlsafe._lines_agree(text)
        assert len(yamlsafe._CLEAN_LINES) <= 10
        assert yamlsafe._clean_chars <= 200
    assert not yamlsafe._lines_agree("a0: 0\nb: x0\nc: 017\n")  # kept lines or not


@pytest.mark.usefixtures("no_clean_lines")
def test_too_many_new_number_like_scalars_still_refuse() -> None:
    many = "".join(f"  - {i}\n" for i in range(yamlsafe._NATIVE_MAX_TOKENS + 1))
    assert yamlsafe._native_documents("a:\n" + many) is None
    half = "".join(f"  - {i}\n" for i in range(yamlsafe._NATIVE_MAX_TOKENS // 2))
    assert yamlsafe._native_documents("a:\n" + half) is not None
    # The same scalars seen before are not new: each has had its parse.
    assert yamlsafe._native_documents("b:\n" + half + half.replace("- ", "- -")) is not None
