"""deploy's render cache: a hit is the render a fresh deploy makes; any changed input misses."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from tests.fakes.kube_fixtures import project

import agentctl
from agentctl.deploy.source import AgentBundle, from_spec
from agentctl.policy import gate
from agentctl.policy.gate import GateRefused
from agentctl.spec import imagelock
from agentctl.usecases import render_cache
from agentctl.usecases.sources import sources

KUBE = "v1.31.2"
EXAMPLES_DIR = Path(__file__).resolve().parents[3] / "examples"
EXAMPLES = ["currency-converter", "research-assistant", "daily-report", "deep-research"]


@pytest.fixture
def gates(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The agents the policy gate ran on, in order."""
    ran: list[str] = []
    real = gate.enforce

    def counting(command: str, loaded: list[Any], *args: Any, **kw: Any) -> Any:
        ran.extend(a.name for a in loaded)
        return real(command, loaded, *args, **kw)

    monkeypatch.setattr(gate, "enforce", counting)
    return ran


def deploy(
    proj: Path, *, env: str | None = None, platform: str | None = None, crds: tuple[str, ...] = ()
) -> tuple[AgentBundle, Any]:
    """What deploy does before applying: the gated source, rendered for the cluster."""
    found, report = sources(proj, None, env, platform, gate="deploy", crd_dirs=crds)
    return found[0].render(KUBE), report


def as_json(bundle: AgentBundle) -> str:
    return json.dumps(dataclasses.asdict(bundle))  # key order included


def same_types(a: Any, b: Any) -> bool:
    """Equal down to the Python types (a tuple is not a list, 1.0 is not 1)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same_types(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same_types(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def entries() -> list[Path]:
    root = render_cache.cache_dir()
    return sorted(root.glob("*.json")) if root.is_dir() else []


@pytest.mark.parametrize("example", EXAMPLES)
def test_a_hit_is_what_a_fresh_render_gives(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, gates: list[str], example: str
) -> None:
    proj = project(tmp_path, example)
    monkeypatch.chdir(proj)
    first, report = deploy(proj)
    assert report is not None and gates == [example]
    again, report = deploy(proj)
    assert report is None and gates == [example]  # neither loaded nor gated again
    fresh = from_spec(proj).render(KUBE)
    assert as_json(again) == as_json(first) == as_json(fresh)
    assert same_types(dataclasses.asdict(again), dataclasses.asdict(fresh))
    assert len(entries()) == 1


def test_a_hit_loads_no_spec(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from agentctl.spec import loader

    proj = project(tmp_path, "currency-converter")
    deploy(proj)

    def refuse(*_: Any, **__: Any) -> Any:
        raise AssertionError("loaded on a hit")

    monkeypatch.setattr(loader, "load_agent", refuse)
    monkeypatch.setattr(loader, "load_platform", refuse)
    bundle, _ = deploy(proj)
    assert bundle.agent == "currency-converter" and bundle.objects


def _edit_agent(proj: Path, tmp_path: Path) -> None:
    with (proj / "agent.yaml").open("a") as fh:
        fh.write("# edited\n")


def _edit_platform(proj: Path, tmp_path: Path) -> None:
    with (tmp_path / "plat" / "platform.yaml").open("a") as fh:
        fh.write("# edited\n")


def _lock_image(proj: Path, tmp_path: Path) -> None:
    image = yaml.safe_load((proj / "agent.yaml").read_text())["spec"]["image"]
    imagelock.write(proj, imagelock.LockedImage(image, "sha256:" + "a" * 64))


def _platform_appears(proj: Path, tmp_path: Path) -> None:
    # with no --platform, the search now finds the project's own
    (proj / "platform.yaml").write_bytes((tmp_path / "plat" / "platform.yaml").read_bytes())


def _new_file(proj: Path, tmp_path: Path) -> None:
    (proj / "NOTES.md").write_text("a file the loaders do not read\n")


def _chdir(proj: Path, tmp_path: Path) -> None:
    other = tmp_path / "elsewhere"
    other.mkdir()
    os.chdir(other)


def _crd(proj: Path, tmp_path: Path) -> None:
    (tmp_path / "crds" / "one.yaml").write_text("# another CRD file\n")


def _tomorrow(proj: Path, tmp_path: Path) -> None:
    render_cache._today = lambda: dt.date.today() + dt.timedelta(days=1)  # type: ignore[attr-defined]


def _version(proj: Path, tmp_path: Path) -> None:
    agentctl.__version__ = agentctl.__version__ + ".post1"


def _package(proj: Path, tmp_path: Path) -> None:
    render_cache._package_fingerprint = lambda root=None: "changed"  # type: ignore[attr-defined]


CHANGES: dict[str, Callable[[Path, Path], None]] = {
    "agent.yaml's bytes": _edit_agent,
    "platform.yaml's bytes": _edit_platform,
    "image.lock.json appears": _lock_image,
    "the platform file found": _platform_appears,
    "a file in the project appears": _new_file,
    "the working directory": _chdir,
    "a CRD file": _crd,
    "the date": _tomorrow,
    "agentctl's version": _version,
    "agentctl's files": _package,
}


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_each_input_changed_is_a_miss(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, gates: list[str], change: str
) -> None:
    proj = project(tmp_path, "research-assistant", platform=False)
    (tmp_path / "plat").mkdir()
    (tmp_path / "plat" / "platform.yaml").write_bytes((EXAMPLES_DIR / "platform.yaml").read_bytes())
    # the platform given elsewhere, so a change in the project's directory is seen as such
    platform = (
        None if change == "the platform file found" else str(tmp_path / "plat" / "platform.yaml")
    )
    (tmp_path / "crds").mkdir()
    (tmp_path / "crds" / "none.yaml").write_text("# no CRD yet\n")
    monkeypatch.chdir(proj)
    crds = (str(tmp_path / "crds"),)
    deploy(proj, platform=platform, crds=crds)
    deploy(proj, platform=platform, crds=crds)
    assert len(gates) == 1  # unchanged: a hit
    monkeypatch.setattr(render_cache, "_today", render_cache._today)
    monkeypatch.setattr(render_cache, "_package_fingerprint", render_cache._package_fingerprint)
    monkeypatch.setattr(agentctl, "__version__", agentctl.__version__)
    CHANGES[change](proj, tmp_path)
    bundle, report = deploy(proj, platform=platform, crds=crds)
    assert len(gates) == 2 and report is not None, f"{change}: not a miss"
    fresh = from_spec(proj, platform_file=platform).render(KUBE)
    assert as_json(bundle) == as_json(fresh)
    deploy(proj, platform=platform, crds=crds)
    assert len(gates) == 2  # the changed input is kept in turn


@pytest.mark.parametrize(
    "options",
    [{"env": "prod"}, {"platform": "other"}, {"command": "build"}],
    ids=["--env", "--platform", "the command"],
)
def test_each_option_is_part_of_the_key(
    tmp_path: Path, gates: list[str], options: dict[str, str]
) -> None:
    proj = project(tmp_path, "research-assistant")
    deploy(proj)
    platform = None
    if options.get("platform"):
        other = tmp_path / "other"
        other.mkdir()
        platform = str(other / "platform.yaml")
        (other / "platform.yaml").write_bytes((proj / "platform.yaml").read_bytes())
    found, report = sources(
        proj, None, options.get("env"), platform, gate=options.get("command", "deploy")
    )
    found[0].render(KUBE)
    assert len(gates) == 2 and report is not None


def test_a_recorded_input_changed_is_a_miss(tmp_path: Path) -> None:
    data = tmp_path / "schema.json"
    data.write_text("{}")
    listed = tmp_path / "listed"
    listed.mkdir()
    with render_cache.Recorder(skip=tmp_path / "cache") as rec:
        os.listdir(listed)
        data.read_text()
        (tmp_path / "absent.txt").exists()  # a stat: not a read
        (tmp_path / "written.txt").write_text("x")  # written, not read
    (listed / "new").touch()
    data.write_text("{ }")
    # fingerprinted when read: what changed after the read is seen as changed
    inputs = rec.inputs()
    assert [(k, Path(p).name) for k, p, _ in inputs] == [("file", "schema.json"), ("dir", "listed")]
    assert [render_cache._fingerprint(k, p) != d for k, p, d in inputs] == [True, True]
    data.unlink()
    assert render_cache._fingerprint("file", str(data)) == "absent"


def test_a_fifo_read_is_named_never_read(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    assert render_cache._fingerprint("file", str(fifo)).startswith("special ")  # did not block
    assert render_cache._fingerprint("file", str(tmp_path)) == "directory"


def test_the_package_fingerprint_follows_every_file(tmp_path: Path) -> None:
    (tmp_path / "pkg" / "sub").mkdir(parents=True)
    module = tmp_path / "pkg" / "sub" / "mod.py"
    module.write_text("x = 1\n")
    before = render_cache._package_fingerprint(str(tmp_path / "pkg"))
    module.write_text("x = 22\n")
    assert render_cache._package_fingerprint(str(tmp_path / "pkg")) != before


def test_the_gate_runs_on_changed_input(tmp_path: Path) -> None:
    proj = project(tmp_path, "currency-converter")
    deploy(proj)
    spec = yaml.safe_load((proj / "agent.yaml").read_text())
    spec["spec"].setdefault("env", {})["OPENAI_API_KEY"] = "sk-proj-" + "A1b2C3d4E5f6G7h8I9j0K1l2"
    (proj / "agent.yaml").write_text(yaml.safe_dump(spec))
    with pytest.raises(GateRefused):
        deploy(proj)


def test_a_kube_version_not_rendered_yet_renders_and_joins_the_entry(
    tmp_path: Path, gates: list[str]
) -> None:
    proj = project(tmp_path, "deep-research")
    deploy(proj)
    found, report = sources(proj, None, None, None, gate="deploy")
    assert report is None  # a hit
    older = found[0].render("v1.30.4")
    assert len(gates) == 2  # rendered for 1.30 through the loaders and the gate
    assert as_json(older) == as_json(from_spec(proj).render("v1.30.4"))
    kept = json.loads(entries()[0].read_text())["renders"]
    assert sorted(kept) == ["1.30", "1.31"]
    for version in ("v1.30.9", KUBE):
        sources(proj, None, None, None, gate="deploy")[0][0].render(version)
    assert len(gates) == 2


CORRUPT = {
    "empty": b"",
    "truncated": None,
    "not UTF-8": b"\xff\xfe\x00garbage",
    "a list": b"[]",
    "another format": None,
    "inputs of the wrong shape": None,
    "objects not a list": None,
    "a bundle field missing": None,
}


def _corrupt(entry: Path, how: str) -> None:
    text = entry.read_bytes()
    data = json.loads(text)
    minor = next(iter(data["renders"]))
    if CORRUPT[how] is not None:
        entry.write_bytes(CORRUPT[how])  # type: ignore[arg-type]
        return
    if how == "truncated":
        entry.write_bytes(text[: len(text) // 2])
        return
    if how == "another format":
        data["format"] = 0
    elif how == "inputs of the wrong shape":
        data["inputs"] = [["file"]]
    elif how == "objects not a list":
        data["renders"][minor]["objects"] = {"kind": "ConfigMap"}
    elif how == "a bundle field missing":
        del data["renders"][minor]["namespace"]
    entry.write_text(json.dumps(data))


def test_an_entry_others_may_write_is_a_miss(tmp_path: Path, gates: list[str]) -> None:
    proj = project(tmp_path, "currency-converter")
    deploy(proj)
    [entry] = entries()
    entry.chmod(0o666)
    deploy(proj)
    assert len(gates) == 2 and entry.stat().st_mode & 0o077 == 0  # replaced, the owner's only


@pytest.mark.parametrize("how", sorted(CORRUPT))
def test_a_corrupt_entry_is_a_miss(tmp_path: Path, gates: list[str], how: str) -> None:
    proj = project(tmp_path, "currency-converter")
    good, _ = deploy(proj)
    [entry] = entries()
    _corrupt(entry, how)
    bundle, report = deploy(proj)
    assert report is not None and len(gates) == 2
    assert as_json(bundle) == as_json(good)
    json.loads(entry.read_text())  # written again, whole
    deploy(proj)
    assert len(gates) == 2


def test_the_cache_is_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(render_cache, "MAX_ENTRIES", 2)
    for example in EXAMPLES[:3]:
        deploy(project(tmp_path, example))
    assert len(entries()) == 2
    # what an interrupted write left: removed once it is old, never while a write may be on
    root = render_cache.cache_dir()
    old, recent = root / ".old.1.tmp", root / ".recent.2.tmp"
    old.write_text("{")
    recent.write_text("{")
    os.utime(old, (0, 0))
    deploy(project(tmp_path, EXAMPLES[3]))
    assert not old.exists() and recent.exists() and len(entries()) == 2
    monkeypatch.setattr(render_cache, "MAX_ENTRY_BYTES", 100)
    for entry in entries():
        entry.unlink()
    deploy(project(tmp_path / "big", "deep-research"))
    assert entries() == []


def test_an_unwritable_cache_is_only_slower(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, gates: list[str]
) -> None:
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the directory would be")
    monkeypatch.setattr(render_cache, "cache_dir", lambda: blocked / "deploy-renders")
    proj = project(tmp_path, "currency-converter")
    deploy(proj)
    bundle, _ = deploy(proj)
    assert len(gates) == 2 and bundle.objects


def test_with_a_check_plugin_nothing_is_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from agentctl.policy import catalogue

    monkeypatch.setattr(catalogue, "declared", lambda group: True)
    monkeypatch.setattr("agentctl.policy.registry.entry_point_checks", lambda: [])
    deploy(project(tmp_path, "currency-converter"))
    assert entries() == []


def test_no_gate_is_never_cached(tmp_path: Path, gates: list[str]) -> None:
    proj = project(tmp_path, "currency-converter")
    platform = yaml.safe_load((proj / "platform.yaml").read_text())
    platform.setdefault("policy", {})["allowNoGate"] = True
    (proj / "platform.yaml").write_text(yaml.safe_dump(platform))
    for _ in range(2):
        sources(proj, None, None, None, gate="deploy", no_gate=True)[0][0].render(KUBE)
    assert entries() == [] and len(gates) == 2


def test_an_entry_holds_no_secret_and_only_its_owner_reads_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AGENTCTL_SOURCE_TOKEN", "tok-" + "Zq9" * 8)
    deploy(project(tmp_path, "research-assistant"))
    [entry] = entries()
    text = entry.read_text()
    assert "Zq9Zq9" not in text
    data = json.loads(text)
    for bundle in data["renders"].values():
        for obj in bundle["objects"]:
            assert not (obj["kind"] == "Secret" and (obj.get("data") or obj.get("stringData")))
    assert entry.stat().st_mode & 0o077 == 0
