"""Loading agent.yaml and platform.yaml: examples, overlays, locations, files."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from agentctl.errors import SpecError, UsageError
from agentctl.spec.loader import (
    display_path,
    find_agent_file,
    find_platform_file,
    load_agent,
    load_platform,
)
from agentctl.spec.models import AgentType
from agentctl.spec.yamlsafe import parse_documents

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"

SERVICE = """\
apiVersion: agentctl.dev/v1alpha1
kind: Agent
metadata: {name: demo, team: search}
spec:
  type: service
  image: ghcr.io/acme/demo:1.0.0
  port: 8080
"""


def write(tmp_path: Path, text: str, name: str = "agent.yaml") -> Path:
    f = tmp_path / name
    f.write_text(text)
    return f


def test_every_type_has_a_valid_example():
    types = {load_agent(p).agent.spec.type for p in EXAMPLES.glob("*/agent.yaml")}
    assert types == set(AgentType)


def test_example_platform_is_valid():
    loaded = load_platform(EXAMPLES / "platform.yaml")
    assert not loaded.is_default
    assert loaded.platform.registries == ["ghcr.io/acme/", "europe-docker.pkg.dev/acme/"]
    file, line, _ = loaded.locate(("egress", "mode"))
    assert file.endswith("platform.yaml") and line == 12


def test_no_platform_file_means_safe_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    loaded = load_platform()
    assert loaded.is_default
    assert loaded.platform.namespace == "agents-{team}"


def test_platform_file_is_found_in_a_parent_up_to_the_repo_root(tmp_path: Path):
    (tmp_path / ".git").mkdir()
    (tmp_path / "platform.yaml").write_text("apiVersion: agentctl.dev/v1alpha1\nkind: Platform\n")
    deep = tmp_path / "agents" / "demo"
    deep.mkdir(parents=True)
    assert find_platform_file(None, deep) == tmp_path / "platform.yaml"


@pytest.mark.parametrize("kind", ["directory", "symlink loop", "dangling symlink"])
def test_an_unreadable_nearest_platform_file_is_an_error_not_a_fallback_to_a_parent(
    tmp_path: Path, kind: str
):
    from agentctl.errors import ConfigError

    (tmp_path / "platform.yaml").write_text("apiVersion: agentctl.dev/v1alpha1\nkind: Platform\n")
    own = tmp_path / "agent" / "platform.yaml"
    own.parent.mkdir()
    if kind == "directory":
        own.mkdir()
    else:
        own.symlink_to(own.name if kind == "symlink loop" else "nowhere.yaml")
    with pytest.raises(ConfigError, match=r"agent/platform\.yaml: cannot be read"):
        find_platform_file(None, own.parent)


def test_platform_search_stops_at_the_repo_root(tmp_path: Path):
    (tmp_path / "platform.yaml").write_text("apiVersion: agentctl.dev/v1alpha1\nkind: Platform\n")
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    assert find_platform_file(None, repo) is None


def test_platform_env_var_is_read_once_by_the_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    from agentctl.settings import Settings

    f = write(tmp_path, "apiVersion: agentctl.dev/v1alpha1\nkind: Platform\n", "org.yaml")
    monkeypatch.setenv("AGENTCTL_PLATFORM", str(f))
    # the loader takes what the settings resolved; it reads no environment itself
    assert find_platform_file(None, tmp_path) is None
    assert find_platform_file(Settings.resolve().platform_file, tmp_path) == f


def test_overlay_merges_and_locates_into_the_overlay():
    prod = load_agent(EXAMPLES / "research-assistant", env="prod")
    assert prod.env == "prod"
    assert prod.agent.spec.resources.cpu == "1"
    assert prod.agent.spec.scaling is not None
    assert prod.agent.spec.scaling.max_replicas == 6
    assert prod.agent.spec.scaling.min_replicas == 1  # kept from the base
    text = (EXAMPLES / "research-assistant" / "agent.yaml").read_text().splitlines()
    _, line, _ = prod.locate(("spec", "resources", "cpu"))
    assert "resources: {cpu:" in text[line - 1] and line > 50  # the overlay's line
    _, line, _ = prod.locate(("spec", "scaling", "minReplicas"))
    assert text[line - 1].strip().startswith("scaling: {minReplicas")  # the base's line


def test_base_without_env_locates_into_the_base():
    base = load_agent(EXAMPLES / "research-assistant")
    assert base.env is None and base.agent.spec.resources.cpu == "500m"
    file, line, col = base.locate(("spec", "image"))
    assert (file, line, col) == (
        display_path(EXAMPLES / "research-assistant" / "agent.yaml"),
        11,
        10,
    )


def test_unknown_env_is_a_usage_error(tmp_path: Path):
    f = write(tmp_path, SERVICE + "  environments:\n    prod: {}\n")
    with pytest.raises(UsageError, match=r"no environment 'staging' .*known: prod"):
        load_agent(f, env="staging")


def test_every_overlay_is_validated_even_without_env(tmp_path: Path):
    f = write(
        tmp_path,
        SERVICE
        + "  environments:\n    dev: {port: 0}\n    prod:\n      resources: {memroy: 1Gi}\n",
    )
    with pytest.raises(SpecError) as info:
        load_agent(f)
    lines = info.value.lines()
    assert any(":9:" in ln and "spec.environments.dev.port" in ln for ln in lines)
    assert any(":11:" in ln and "did you mean 'memory'" in ln for ln in lines)


def test_overlays_cannot_nest(tmp_path: Path):
    f = write(tmp_path, SERVICE + "  environments:\n    prod:\n      environments: {x: {}}\n")
    with pytest.raises(SpecError, match="overlays cannot nest"):
        load_agent(f)


def test_missing_file_and_directory_without_agent_yaml(tmp_path: Path):
    with pytest.raises(UsageError, match="no such file or directory"):
        load_agent(tmp_path / "nope.yaml")
    with pytest.raises(UsageError, match=r"no agent\.yaml in this directory"):
        load_agent(tmp_path)


def test_directory_finds_agent_yaml_or_yml(tmp_path: Path):
    write(tmp_path, SERVICE, "agent.yml")
    assert find_agent_file(tmp_path) == tmp_path / "agent.yml"
    assert load_agent(tmp_path).name == "demo"


def test_display_path_is_relative_inside_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)
    assert display_path(tmp_path / "a" / "agent.yaml") == os.path.join("a", "agent.yaml")
    outside = tmp_path.parent / "elsewhere.yaml"
    assert display_path(outside) == str(outside)


def test_several_problems_are_all_reported_sorted(tmp_path: Path):
    f = write(
        tmp_path,
        "apiVersion: agentctl.dev/v1alpha1\nkind: Agent\nmetadata: {name: Demo, team: t}\n"
        "spec:\n  type: service\n  image: ghcr.io/acme/demo:1\n  port: 99999\n  resources: {cpu: x}\n",
    )
    with pytest.raises(SpecError) as info:
        load_agent(f)
    assert [p.line for p in info.value.problems] == [3, 7, 8]
    assert "(and 2 more)" in info.value.message


def test_merge_keys_follow_the_yaml_merge_spec():
    text = "base: &b {cpu: 1, memory: 2}\nx:\n  <<: *b\n  cpu: 2\ny:\n  <<: [*b, {cpu: 5, z: 1}]\n"
    doc = parse_documents(text, "f.yaml")[0]
    assert doc.data["x"] == {"cpu": 2, "memory": 2}  # explicit key wins, no duplicate error
    assert doc.data["y"] == {"cpu": 1, "memory": 2, "z": 1}  # first merged mapping wins
    assert doc.position(("x", "memory")) == (1, 27)  # located in the anchored mapping


def test_yaml_1_1_booleans_as_keys_stay_strings():
    doc = parse_documents("on: 1\nyes: 2\n", "f.yaml")[0]
    assert doc.data == {"on": 1, "yes": 2}


def test_dates_become_strings_for_the_models():
    doc = parse_documents("expires: 2027-03-31\n", "f.yaml")[0]
    assert doc.data == {"expires": "2027-03-31"}


def test_control_characters_are_located(tmp_path: Path):
    f = write(tmp_path, SERVICE.replace("port: 8080", "port: 80\x0780"))
    with pytest.raises(
        SpecError, match=r"agent\.yaml:7:11: invalid YAML: control character U\+0007"
    ):
        load_agent(f)


def test_bom_is_accepted(tmp_path: Path):
    f = tmp_path / "agent.yaml"
    f.write_bytes(b"\xef\xbb\xbf" + SERVICE.encode())
    assert load_agent(f).name == "demo"


@pytest.mark.parametrize("loader", ["libyaml", "python"])
@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("a: 1\nb:\n\tc: 2\n", 3, "tab characters are not allowed"),
        ("a: [1, 2\nb: 3\n", 2, "invalid YAML"),
        ("a: *nope\n", 1, "found undefined alias 'nope'"),
        ("a: 1\na: 2\n", 2, "duplicate key 'a'"),
        ("a: " + "[" * 3000 + "]" * 3000 + "\n", 1, "nested too deeply"),
        ("x: !!python/name:os.system\n", 1, "python/name:os.system"),
    ],
)
def test_both_yaml_parsers_report_alike(
    monkeypatch: pytest.MonkeyPatch, loader, text, line, fragment
):
    import yaml

    from agentctl.spec import yamlsafe

    if loader == "libyaml" and not hasattr(yaml, "CSafeLoader"):
        pytest.skip("PyYAML built without libyaml")
    monkeypatch.setattr(
        yamlsafe, "_LOADER", yaml.CSafeLoader if loader == "libyaml" else yaml.SafeLoader
    )
    with pytest.raises(SpecError) as info:
        parse_documents(text, "f.yaml")
    (problem,) = info.value.problems
    assert problem.line == line and fragment in problem.message, problem.format()


def _all_paths(data: object, prefix: tuple = ()) -> list[tuple]:
    out = [prefix]
    if isinstance(data, dict):
        for k, v in data.items():
            out.extend(_all_paths(v, (*prefix, k)))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            out.extend(_all_paths(v, (*prefix, i)))
    return out


@pytest.mark.parametrize("env", [None, "prod"])
def test_locate_reads_one_path_as_the_whole_position_table_did(env: str | None) -> None:
    """Every path of the effective spec is located where its source is, and a path the
    spec lacks at its closest ancestor's (what a table of every path gave)."""
    from agentctl.spec.loader import _deep_merge, _Positions

    loaded = load_agent(EXAMPLES / "research-assistant", env=env)
    data = loaded.doc.data
    if env is not None:
        spec = data["spec"]
        base = {k: v for k, v in spec.items() if k != "environments"}
        merged = {**data, "spec": {**_deep_merge(base, spec["environments"][env])}}
        merged["spec"]["environments"] = spec["environments"]
        data = merged
    positions = _Positions(loaded.doc, env, data["spec"]["environments"].get(env) if env else None)
    table = {p: positions.locate(p)[:3] for p in _all_paths(data)}
    for path, where in table.items():
        if path:
            assert loaded.locate(path) == where, path
            assert loaded.locate((*path, "no-such-field", 3)) == where, path
    assert loaded.locate(()) == (loaded.file, 1, 1)
    assert loaded.locate(("no-such-field",)) == (loaded.file, 1, 1)
