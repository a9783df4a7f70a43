"""validate explains why memory would split across replicas or fail to attach to parallel steps."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from tests.cli.helpers import run_cli

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def example(tmp_path: Path, name: str, **spec: object) -> Path:
    proj = tmp_path / name
    proj.mkdir()
    shutil.copy(EXAMPLES / "platform.yaml", proj / "platform.yaml")
    doc = yaml.safe_load((EXAMPLES / name / "agent.yaml").read_text())
    for key, value in spec.items():
        doc["spec"][key] = value
    (proj / "agent.yaml").write_text(yaml.safe_dump(doc, sort_keys=False))
    (proj / ".git").mkdir()
    return proj


def test_scaling_a_stateful_agent_on_one_volume_each_is_refused(tmp_path: Path) -> None:
    proj = example(tmp_path, "research-assistant", memory={"size": "5Gi"})
    res = run_cli("validate", str(proj))
    assert res.exit_code == 2
    assert "spec.scaling.maxReplicas: maxReplicas 3 would split memory" in res.stderr
    assert "memory.accessMode: ReadWriteMany" in res.stderr
    assert "agent.yaml:" in res.stderr


def test_a_stateful_agent_without_scaling_runs_one_replica(tmp_path: Path) -> None:
    proj = example(tmp_path, "research-assistant", memory={"size": "5Gi"}, scaling=None)
    doc = yaml.safe_load((proj / "agent.yaml").read_text())
    del doc["spec"]["scaling"]
    del doc["spec"]["environments"]
    (proj / "agent.yaml").write_text(yaml.safe_dump(doc))
    res = run_cli("build", str(proj), "--out", str(tmp_path / "dist"))
    assert res.exit_code == 0, res.stderr
    docs = list(
        yaml.safe_load_all(
            (tmp_path / "dist" / "research-assistant" / "07-workloads.yaml").read_text()
        )
    )
    sts = next(d for d in docs if d["kind"] == "StatefulSet")
    assert sts["spec"]["replicas"] == 1 and sts["spec"]["volumeClaimTemplates"]
    assert not any(d["kind"] == "HorizontalPodAutoscaler" for d in docs)


def test_shared_memory_lets_replicas_scale_on_one_claim(tmp_path: Path) -> None:
    res = run_cli(
        "build",
        str(EXAMPLES / "research-assistant"),
        "--out",
        str(tmp_path / "dist"),
        "--platform",
        str(EXAMPLES / "platform.yaml"),
    )
    assert res.exit_code == 0, res.stderr
    out = tmp_path / "dist" / "research-assistant"
    sts = next(
        d
        for d in yaml.safe_load_all((out / "07-workloads.yaml").read_text())
        if d["kind"] == "StatefulSet"
    )
    assert "volumeClaimTemplates" not in sts["spec"]
    volumes = {v["name"]: v for v in sts["spec"]["template"]["spec"]["volumes"]}
    assert volumes["memory"]["persistentVolumeClaim"]["claimName"] == "research-assistant-memory"
    claim = yaml.safe_load((out / "04-storage.yaml").read_text())
    assert claim["spec"]["accessModes"] == ["ReadWriteMany"]


def test_parallel_steps_need_shared_memory(tmp_path: Path) -> None:
    proj = example(tmp_path, "deep-research", memory={"size": "2Gi", "mountPath": "/data"})
    res = run_cli("validate", str(proj))
    assert res.exit_code == 2
    assert "spec.memory.accessMode" in res.stderr
    assert "step research (forEach) runs pods in parallel" in res.stderr
    assert "Multi-Attach" in res.stderr
