"""The pretty JSON writer writes exactly what json.dumps(indent=2, ensure_ascii=...) writes."""

from __future__ import annotations

import enum
import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agentctl.jsontext import dumps

scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=20)
    | st.sampled_from(["", "ünï\u2028code", '"q"\\', "\x00\x1f\x7f", "😀", math.inf, -math.inf])
)
keys = st.text(max_size=8) | st.integers() | st.booleans() | st.none() | st.floats()
documents = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4)
        | st.tuples(children, children)
        | st.dictionaries(keys, children, max_size=4)
    ),
    max_leaves=30,
)


def _same(value: object) -> None:
    assert dumps(value) == json.dumps(value, indent=2, ensure_ascii=False)
    assert dumps(value, ensure_ascii=True) == json.dumps(value, indent=2)


@settings(max_examples=300, deadline=None)
@given(documents)
def test_the_same_text_as_json_dumps(doc):
    _same(doc)


class Color(enum.IntEnum):
    red = 1


class Name(enum.StrEnum):
    a = "a"


class Sub(dict):
    pass


def test_subclasses_and_nested_shapes():
    _same({"a": [{"b": Sub(x=[1, {"y": Color.red}])}, Name.a, (), {}, [[]], 1.5e300]})
    _same({1: {2: [True, None]}, None: "n", 2.5: [], "z": {False: {}}})
    _same(Sub())
    _same("top")
    _same(float("nan"))


def test_what_json_refuses_is_refused():
    with pytest.raises(TypeError):
        dumps({"a": object()})
    with pytest.raises(TypeError):
        dumps({(1, 2): "tuple key"})
