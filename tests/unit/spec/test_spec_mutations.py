"""Random mutations of valid specs never raise anything but our errors.

Starting from every example agent.yaml, hypothesis deletes keys, renames
them, changes value types, inserts garbage and corrupts the raw text; the
loader must either accept the result or raise SpecError/UsageError (exit 2
with a located message), never a KeyError, TypeError, RecursionError, ...
"""

from __future__ import annotations

import copy
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agentctl.errors import Problem, SpecError, UsageError
from agentctl.spec.loader import LoadedAgent, load_agent

EXAMPLES = sorted((Path(__file__).resolve().parents[3] / "examples").glob("*/agent.yaml"))
SEEDS = {p.parent.name: yaml.safe_load(p.read_text()) for p in EXAMPLES}

PathKey = tuple[Any, ...]

garbage = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.lists(st.integers() | st.text(max_size=5), max_size=4),
    st.dictionaries(st.text(max_size=8), st.integers() | st.text(max_size=5), max_size=3),
    st.sampled_from(
        ["500m", "2Gi", "-1", "30s", "0s", "6h", "{{x}}", "*", "", " ", "\t", "~", "null"]
    ),
)


def all_paths(node: Any, prefix: PathKey = ()) -> list[PathKey]:
    out = [prefix]
    if isinstance(node, dict):
        for k, v in node.items():
            out.extend(all_paths(v, (*prefix, k)))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out.extend(all_paths(v, (*prefix, i)))
    return out


def get(node: Any, path: PathKey) -> Any:
    for part in path:
        node = node[part]
    return node


def mutate(doc: Any, data: st.DataObject) -> Any:
    paths = all_paths(doc)
    path = data.draw(st.sampled_from(paths), label="path")
    op = data.draw(
        st.sampled_from(["delete", "retype", "rename", "insert", "wrap", "duplicate-list-item"]),
        label="op",
    )
    if not path:
        return data.draw(garbage, label="root") if op == "retype" else doc
    parent, key = get(doc, path[:-1]), path[-1]
    if op == "delete":
        del parent[key]
    elif op == "retype":
        parent[key] = data.draw(garbage, label="value")
    elif op == "rename" and isinstance(parent, dict):
        name = str(key)
        i = data.draw(st.integers(0, max(len(name) - 1, 0)), label="at")
        new = data.draw(
            st.sampled_from(
                [name[:i] + name[i + 1 :], name[:i] + "x" + name[i:], name.upper(), name + "s"]
            ),
            label="new",
        )
        parent[new] = parent.pop(key)
    elif op == "insert":
        target = get(doc, path)
        if isinstance(target, dict):
            target[data.draw(st.text(min_size=1, max_size=12), label="key")] = data.draw(garbage)
        elif isinstance(target, list):
            target.append(data.draw(garbage))
        else:
            parent[key] = [target]
    elif op == "wrap":
        parent[key] = data.draw(
            st.sampled_from([[parent[key]], {"value": parent[key]}]), label="wrap"
        )
    elif op == "duplicate-list-item" and isinstance(parent, list):
        parent.append(copy.deepcopy(parent[key]))
    return doc


def check(text: str | bytes, env: str | None = None) -> LoadedAgent | None:
    with tempfile.TemporaryDirectory() as tmp:
        f = Path(tmp) / "agent.yaml"
        if isinstance(text, bytes):
            f.write_bytes(text)
        else:
            f.write_text(text, encoding="utf-8")
        try:
            return load_agent(f, env=env)
        except SpecError as err:
            assert err.problems and all(
                isinstance(p, Problem) and p.line >= 1 for p in err.problems
            )
            assert all(p.file.endswith("agent.yaml") for p in err.problems)
            return None
        except UsageError:
            return None


MUTATION_SETTINGS = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.mark.parametrize("seed", sorted(SEEDS))
@MUTATION_SETTINGS
@given(data=st.data())
def test_structural_mutations_raise_only_our_errors(seed: str, data: st.DataObject):
    doc = copy.deepcopy(SEEDS[seed])
    for _ in range(data.draw(st.integers(1, 4), label="mutations")):
        doc = mutate(doc, data)
    try:
        text = yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)
    except (yaml.YAMLError, RecursionError):  # pragma: no cover - only self-referencing data
        return
    check(text)
    envs = (
        doc.get("spec", {}).get("environments")
        if isinstance(doc, dict) and isinstance(doc.get("spec"), dict)
        else None
    )
    if isinstance(envs, dict):
        for name in list(envs)[:2]:
            if isinstance(name, str):
                check(text, env=name)


@pytest.mark.parametrize("seed", sorted(SEEDS))
@MUTATION_SETTINGS
@given(data=st.data())
def test_text_mutations_raise_only_our_errors(seed: str, data: st.DataObject):
    raw = bytearray((EXAMPLES[sorted(SEEDS).index(seed)]).read_bytes())
    for _ in range(data.draw(st.integers(1, 6), label="edits")):
        at = data.draw(st.integers(0, len(raw)), label="at")
        op = data.draw(st.sampled_from(["insert", "delete", "flip"]), label="op")
        if op == "insert":
            chunk = data.draw(
                st.sampled_from(
                    [
                        b"\t",
                        b":",
                        b"- ",
                        b"&a ",
                        b"*a",
                        b"<<: *a\n",
                        b"{",
                        b"]",
                        b"\xff",
                        b"---\n",
                        b"\n  x: 1\n",
                        b"!!python/name:os.system ",
                    ]
                )
                | st.binary(min_size=1, max_size=4),
                label="chunk",
            )
            raw[at:at] = chunk
        elif op == "delete" and raw:
            del raw[at : at + data.draw(st.integers(1, 20), label="len")]
        elif raw:
            raw[min(at, len(raw) - 1)] = data.draw(st.integers(0, 255), label="byte")
    check(bytes(raw))


def test_seeds_are_valid():
    for path in EXAMPLES:
        assert check(path.read_text()) is not None, path
