"""The fast YAML emitter reads back exactly what it was given."""

from __future__ import annotations

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from agentctl.render.fastyaml import dump

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53), max_value=2**53)
    | st.floats(allow_nan=False, allow_infinity=False, width=32)
    | st.text(max_size=30)
    | st.sampled_from(
        [
            "yes",
            "No",
            "on",
            "null",
            "~",
            "1.0",
            "0x1F",
            "012",
            "1e3",
            ".inf",
            "2024-01-01",
            "a: b",
            "- x",
            "#c",
            "x:",
            "{{item}}",
            "plan {{workflow.parameters.topic}}",
            "text\n",
            "two\nlines\n",
            " lead\n",
            "tail\n\n",
            "\u2028",
            "ünïcode",
            "*",
            "&a",
            "!tag",
            "@x",
            "`x`",
            "%x",
            "'q'",
            '"q"',
            "",
            " ",
            "<<",
            "=",
        ]
    )
)
keys = st.text(max_size=12) | st.sampled_from(["apiVersion", "kind", "yes", "1", "a.b/c", "on"])
documents = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(keys, children, max_size=4),
    max_leaves=25,
)


@settings(max_examples=150, deadline=None)
@given(documents)
def test_round_trip(doc):
    assert yaml.safe_load(dump(doc)) == doc


def test_kubernetes_shapes_are_readable():
    doc = {
        "metadata": {"name": "x", "labels": {"a": "1", "b": "true"}},
        "data": {"script": "line one\nline two\n", "empty": ""},
        "spec": {
            "containers": [
                {"name": "c", "args": ["--x", "{{inputs.parameters.item}}"], "ports": []}
            ],
            "sel": {},
        },
    }
    text = dump(doc)
    assert text.startswith("metadata:\n  name: x\n  labels:\n    a: '1'\n    b: 'true'\n")
    assert "  script: |\n    line one\n    line two\n" in text
    assert "- name: c\n" in text and "ports: []" in text and "sel: {}" in text
    assert yaml.safe_load(text) == doc


class _Str(str):
    pass


class _Dict(dict):
    pass


class _List(list):
    pass


def _subclassed(doc):
    """The same data through str/dict/list subclasses: the emitter's general path."""
    if isinstance(doc, dict):
        return _Dict({_Str(k) if isinstance(k, str) else k: _subclassed(v) for k, v in doc.items()})
    if isinstance(doc, list):
        return _List(_subclassed(v) for v in doc)
    return _Str(doc) if isinstance(doc, str) else doc


@settings(max_examples=150, deadline=None)
@given(documents)
def test_the_fast_path_for_plain_types_writes_what_the_general_path_writes(doc):
    assert dump(doc) == dump(_subclassed(doc))
    assert dump(doc) == dump(doc)  # the second time from the line cache


def test_nested_sequences_of_mappings_are_indented_as_pyyaml_does():
    doc = {
        "spec": {
            "containers": [
                {"name": "a", "env": [{"name": "X", "value": "1"}], "ports": [{"port": 1}]},
                {"name": "b", "args": ["x", "y"], "sel": {"k": {"v": None}}, "e": {}},
            ]
        }
    }
    expected = yaml.safe_dump(doc, sort_keys=False, default_flow_style=False)
    assert dump(doc) == expected
    assert dump(doc) == expected  # again, from the cached line heads


def test_keys_that_compare_equal_across_types_keep_their_own_spelling():
    # 1 == True == 1.0 as dict keys: a head cached for one must not be written for another
    assert dump({"1": "a"}) == "'1': a\n"
    assert dump({1: "a"}) == "1: a\n"
    assert dump({True: "a"}) == "true: a\n"
    assert dump([{"1": "a"}, {1: "b"}, {True: "c"}]) == "- '1': a\n- 1: b\n- true: c\n"
