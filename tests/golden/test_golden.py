"""Golden tests: rendered files for every example and edge-case spec, compared as parsed YAML.

Regenerate after an intended change with ``AGENTCTL_REGEN_GOLDEN=1 pytest tests/golden``
(refused when ``CI`` is set), then review the diff like code.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
EXPECTED = HERE / "expected"
CASES: dict[str, tuple[Path, Path | None]] = {}
for example in sorted((ROOT / "examples").glob("*/agent.yaml")):
    CASES[f"example-{example.parent.name}"] = (example, ROOT / "examples" / "platform.yaml")
    CASES[f"example-{example.parent.name}-defaults"] = (example, None)
for case in sorted((HERE / "cases").iterdir()):
    platform = case / "platform.yaml"
    CASES[case.name] = (case / "agent.yaml", platform if platform.exists() else None)


def _regen() -> bool:
    if os.environ.get("AGENTCTL_REGEN_GOLDEN") != "1":
        return False
    if os.environ.get("CI"):
        pytest.fail(
            "AGENTCTL_REGEN_GOLDEN is refused when CI is set: regenerate locally and commit the files"
        )
    return True


def _render(agent: Path, platform: Path | None) -> dict[str, str]:
    from agentctl.render import render_agent
    from agentctl.render.output import bundle_files
    from agentctl.spec.loader import LoadedPlatform, load_agent, load_platform
    from agentctl.spec.models import default_platform

    lp = load_platform(platform) if platform else LoadedPlatform(default_platform(), None)
    return bundle_files(render_agent(load_agent(agent), lp))


@pytest.fixture(autouse=True)
def _no_crd_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AGENTCTL_CRD_DIR", raising=False)


@pytest.mark.parametrize("case", list(CASES))
def test_golden(case: str) -> None:
    agent, platform = CASES[case]
    files = _render(agent, platform)
    target = EXPECTED / case
    if _regen():
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
        for name, content in files.items():
            (target / name).write_text(content, encoding="utf-8")
    assert target.is_dir(), f"no golden files for {case}: run with AGENTCTL_REGEN_GOLDEN=1"
    expected_files = sorted(p.name for p in target.iterdir())
    assert sorted(files) == expected_files, f"{case}: rendered files differ"
    for name in expected_files:
        want = list(yaml.safe_load_all((target / name).read_text(encoding="utf-8")))
        got = list(yaml.safe_load_all(files[name]))
        assert got == want, f"{case}/{name} differs from the golden file"


def test_regeneration_is_refused_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGENTCTL_REGEN_GOLDEN", "1")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="refused when CI is set"):
        _regen()


def test_every_golden_directory_has_a_case() -> None:
    assert sorted(p.name for p in EXPECTED.iterdir()) == sorted(CASES)
