"""The build use case: what `agentctl build` and the quickstart's build step both run."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from agentctl.policy.gate import GateRefused
from agentctl.spec.loader import load_agent, load_platform
from agentctl.usecases.build import build

ROOT = Path(__file__).resolve().parents[3]


def _project(tmp_path: Path) -> Path:
    project = tmp_path / "research-assistant"
    shutil.copytree(ROOT / "examples" / "research-assistant", project)
    return project


def test_renders_gates_estimates_and_writes(tmp_path: Path) -> None:
    project = _project(tmp_path)
    loaded = load_agent(project)
    built = build([loaded], load_platform(None, project), out=tmp_path / "dist")
    (bundle,) = built.bundles
    assert built.written == {bundle.name: tmp_path / "dist" / bundle.name}
    assert any(p.suffix == ".yaml" for p in built.written[bundle.name].iterdir())
    assert built.estimates[bundle.name].to_dict()["agent"] == bundle.name
    assert built.report is not None and not built.report.failed


def test_without_out_or_estimate_it_only_renders(tmp_path: Path) -> None:
    project = _project(tmp_path)
    built = build(
        [load_agent(project)], load_platform(None, project), out=None, estimate=False, gate=None
    )
    assert built.bundles and built.written == {} and built.estimates == {}
    assert built.report is None
    assert not (project / "dist").exists()


def test_a_refused_agent_writes_nothing(tmp_path: Path) -> None:
    project = _project(tmp_path)
    spec = yaml.safe_load((project / "agent.yaml").read_text())
    spec["spec"].setdefault("env", {})["OPENAI_API_KEY"] = "sk-proj-" + "A1b2C3d4E5f6G7h8I9j0K1l2"
    (project / "agent.yaml").write_text(yaml.safe_dump(spec))
    with pytest.raises(GateRefused):
        build([load_agent(project)], load_platform(None, project), out=tmp_path / "dist")
    assert not (tmp_path / "dist").exists()


def test_the_gate_checks_the_objects_build_writes(tmp_path: Path, monkeypatch) -> None:
    """build renders each agent once: the gate sees the very objects that get written."""
    import agentctl.render.build as render_build
    from agentctl.render import api

    project = _project(tmp_path)
    renders: list[str] = []
    real_render = api.render_agent

    def counting(loaded, platform, **kw):  # type: ignore[no-untyped-def]
        renders.append(loaded.name)
        return real_render(loaded, platform, **kw)

    monkeypatch.setattr(api, "render_agent", counting)
    loaded = load_agent(project)
    build([loaded], load_platform(None, project), out=tmp_path / "dist")
    assert renders == [loaded.name]

    # a credential slipped into a rendered object (not the spec) is what the gate refuses
    real_build_all = render_build.build_all

    def tampered(*args, **kw):  # type: ignore[no-untyped-def]
        bundles = real_build_all(*args, **kw)
        config = next(o.obj for o in bundles[0].objects if o.obj["kind"] == "ConfigMap")
        config["data"]["OPENAI_API_KEY"] = "sk-proj-" + "A1b2C3d4E5f6G7h8I9j0K1l2"
        return bundles

    monkeypatch.setattr(render_build, "build_all", tampered)
    with pytest.raises(GateRefused):
        build([loaded], load_platform(None, project), out=tmp_path / "dist2")
    assert not (tmp_path / "dist2").exists()


def test_build_and_its_gate_share_one_schema_validator(tmp_path: Path, monkeypatch) -> None:
    """Each schema is compiled once per build: the strict check and SCH-001 use one validator."""
    from agentctl.render import schemas

    made: list[object] = []
    real_init = schemas.SchemaValidator.__init__

    def counting(self, *args, **kw):  # type: ignore[no-untyped-def]
        made.append(self)
        real_init(self, *args, **kw)

    monkeypatch.setattr(schemas.SchemaValidator, "__init__", counting)
    project = _project(tmp_path)
    built = build([load_agent(project)], load_platform(None, project), out=None)
    assert len(made) == 1
    assert built.report is not None and not built.report.failed
