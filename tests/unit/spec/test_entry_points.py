"""declared() against importlib.metadata, and pydantic plug-ins with the search skipped."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from importlib.metadata import distributions, entry_points
from pathlib import Path

import pytest

from agentctl.spec.entry_points import declared


def test_every_group_importlib_metadata_finds_is_declared() -> None:
    groups = {ep.group for dist in distributions() for ep in dist.entry_points}
    assert groups  # pytest's own plug-ins at least
    for group in groups:
        assert declared(group), group
    assert not declared("agentctl.test.no-such-group")


def _dist(root: Path, dirname: str, text: str) -> None:
    (root / dirname).mkdir(parents=True)
    (root / dirname / "entry_points.txt").write_text(text, encoding="utf-8")
    name = dirname.split("-")[0]
    (root / dirname / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n", encoding="utf-8"
    )


@pytest.mark.parametrize(
    "dirname", ["demo-1.0.dist-info", "Demo-1.0.DIST-INFO", "demo.egg-info", "demo.Egg-Info"]
)
def test_a_declared_group_is_found_as_importlib_metadata_finds_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, dirname: str
) -> None:
    _dist(tmp_path, dirname, "[agentctl.test.group]\nx = os:getcwd\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    found = [ep.name for ep in entry_points(group="agentctl.test.group")]
    assert found == ["x"]
    assert declared("agentctl.test.group")
    assert not declared("agentctl.test.other")


def test_what_it_cannot_read_counts_as_declared(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    egg = tmp_path / "demo-1.0.egg"
    egg.mkdir()
    monkeypatch.syspath_prepend(str(egg))
    assert declared("agentctl.test.group")
    monkeypatch.syspath_prepend(str(tmp_path / "bundle.zip"))
    (tmp_path / "bundle.zip").write_bytes(b"PK\x05\x06" + bytes(18))
    assert declared("agentctl.test.group")


def test_an_unreadable_file_counts_as_declared(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "bad-1.0.dist-info").mkdir()
    (tmp_path / "bad-1.0.dist-info" / "entry_points.txt").write_bytes(b"[x]\n\xff\xfe\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert declared("agentctl.test.group")


def test_another_distribution_finder_counts_as_declared(monkeypatch: pytest.MonkeyPatch) -> None:
    class Finder:
        def find_spec(self, *args: object) -> None:
            return None

        def find_distributions(self, *args: object) -> list[object]:
            return []

    monkeypatch.setattr(sys, "meta_path", [*sys.meta_path, Finder()])
    assert declared("agentctl.test.group")


_PROBE = """
import importlib.metadata, sys, types
from pydantic.plugin import _loader
searches = []
if hasattr(_loader, "entry_points"):  # pydantic asks for the group's entry points
    search = _loader.entry_points
    _loader.entry_points = lambda **kw: searches.append(kw) or search(**kw)
else:  # older pydantic walks every distribution
    walk = _loader.importlib_metadata.distributions
    _loader.importlib_metadata = types.SimpleNamespace(
        distributions=lambda: searches.append(1) or walk()
    )
import agentctl.spec.models
plugins = list(_loader.get_plugins())
found = list(importlib.metadata.entry_points(group="pydantic"))
print(len(searches), len(plugins), len(found), sorted(getattr(sys, "seen_models", set())))
"""

_PLUGIN = """
import sys

class Plugin:
    def new_schema_validator(self, schema, schema_type, schema_type_path, schema_kind, config, plugin_settings):
        if not hasattr(sys, "seen_models"):
            sys.seen_models = set()
        sys.seen_models.add(schema_type.__name__)
        return None, None, None

plugin = Plugin()
"""


def _probe(pythonpath: list[Path]) -> list[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([*map(str, pythonpath), *sys.path])}
    env.pop("PYDANTIC_DISABLE_PLUGINS", None)
    out = subprocess.run(
        [sys.executable, "-c", _PROBE], env=env, capture_output=True, text=True, check=True
    )
    return out.stdout.strip().split(maxsplit=3)


def test_without_a_pydantic_plug_in_pydantic_does_not_search_and_has_none() -> None:
    searches, plugins, found, seen = _probe([])
    assert (searches, plugins, found, seen) == ("0", "0", "0", "[]")


def test_a_pydantic_plug_in_still_sees_the_spec_models(tmp_path: Path) -> None:
    _dist(tmp_path, "demo_plugin-1.0.dist-info", "[pydantic]\ndemo = demo_plugin:plugin\n")
    (tmp_path / "demo_plugin.py").write_text(textwrap.dedent(_PLUGIN), encoding="utf-8")
    searches, plugins, found, seen = _probe([tmp_path])
    assert (searches, plugins, found) == ("1", "1", "1")
    assert "'Agent'" in seen and "'Platform'" in seen


def test_a_pydantic_without_its_plug_in_loader_module_is_left_to_search(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The hand-over uses pydantic's private loader; a pydantic that moved it must not
    # stop the spec models from importing.
    from agentctl.spec.entry_points import skip_empty_pydantic_plugin_search

    monkeypatch.setitem(sys.modules, "pydantic.plugin._loader", None)  # import raises ImportError
    skip_empty_pydantic_plugin_search()
