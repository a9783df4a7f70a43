"""The generated CI pipelines: schema-valid, and they really ship.

Validated offline against the GitHub Actions workflow and GitLab CI schemas
that check-jsonschema vendors, for every template; then the jobs that close
the loop: build and push the image with keyless auth, deploy the pinned
digest, SARIF to code scanning, JUnit to GitLab, and the post-deploy gates.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from agentctl.scaffold.generate import InitRequest, generate

TEMPLATES = ["batch-job", "stateful-agent", "tool-service", "workflow-agent"]


def _schema(name: str) -> dict[str, Any]:
    vendor = resources.files("check_jsonschema.builtin_schemas.vendor")
    return json.loads((vendor / name).read_text(encoding="utf-8"))


def _check(doc: Any, schema: dict[str, Any]) -> None:
    cls = jsonschema.validators.validator_for(schema)
    errors = sorted(cls(schema).iter_errors(doc), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:10])


@pytest.fixture(scope="module")
def projects(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("ci")
    return {
        t: generate(InitRequest(template=t, name=None, output_dir=out / t)).path for t in TEMPLATES
    }


def _github(project: Path) -> dict[str, Any]:
    doc = yaml.safe_load((project / ".github/workflows/agent.yml").read_text())
    if True in doc:  # YAML 1.1 reads the key `on` as a boolean; GitHub reads it as "on"
        doc["on"] = doc.pop(True)
    return doc


def _gitlab(project: Path) -> dict[str, Any]:
    return yaml.safe_load((project / ".gitlab-ci.yml").read_text())


def _runs(job: dict[str, Any]) -> str:
    return "\n".join(str(s.get("run", "")) for s in job.get("steps", []))


def _uses(job: dict[str, Any]) -> list[str]:
    return [str(s["uses"]) for s in job.get("steps", []) if "uses" in s]


@pytest.mark.parametrize("template", TEMPLATES)
def test_github_workflow_is_schema_valid(projects, template):
    _check(_github(projects[template]), _schema("github-workflows.json"))


@pytest.mark.parametrize("template", TEMPLATES)
def test_gitlab_ci_is_schema_valid(projects, template):
    _check(_gitlab(projects[template]), _schema("gitlab-ci.json"))


def test_the_schemas_catch_a_broken_pipeline(projects):
    github = _github(projects["tool-service"])
    github["jobs"]["image"]["permissions"]["id-token"] = "always"  # only read, write or none
    with pytest.raises(AssertionError):
        _check(github, _schema("github-workflows.json"))
    gitlab = _gitlab(projects["tool-service"])
    gitlab["image"] = gitlab.pop("push-image")  # `image` is a global keyword, not a job name
    with pytest.raises(AssertionError):
        _check(gitlab, _schema("gitlab-ci.json"))


@pytest.mark.parametrize("template", TEMPLATES)
def test_github_pipeline_builds_pushes_pins_deploys_and_gates(projects, template):
    jobs = _github(projects[template])["jobs"]
    validate = jobs["validate"]
    assert "github/codeql-action/upload-sarif@v4" in _uses(validate)
    assert "--format sarif --output-file agentctl.sarif" in _runs(validate)

    image = jobs["image"]
    assert image["needs"] == ["test", "validate"]
    assert image["permissions"]["id-token"] == "write"
    assert image["permissions"]["packages"] == "write"
    assert {"docker/setup-buildx-action@v3", "docker/login-action@v3"} <= set(_uses(image))
    assert "agentctl image build --builder docker" in _runs(image) and "--push" in _runs(image)
    assert any(s.get("with", {}).get("path") == "image.lock.json" for s in image["steps"])

    build = jobs["build"]
    assert build["needs"] == ["image"]
    assert "agentctl build --out dist/" in _runs(build) and "@sha256:" in _runs(build)

    deploy = jobs["deploy"]
    assert deploy["permissions"]["id-token"] == "write"
    assert "google-github-actions/get-gke-credentials@v2" in _uses(deploy)
    assert "agentctl deploy --from dist/" in _runs(deploy)

    verify = jobs["verify"]
    assert verify["needs"] == ["deploy"]
    assert "agentctl eval --source" in _runs(verify)
    assert "agentctl cost --budget-check" in _runs(verify)


@pytest.mark.parametrize("template", TEMPLATES)
def test_gitlab_pipeline_builds_pushes_pins_deploys_and_gates(projects, template):
    doc = _gitlab(projects[template])
    assert doc["stages"] == ["test", "validate", "image", "build", "deploy", "verify"]
    validate = doc["validate"]
    assert validate["artifacts"]["reports"]["junit"] == "agentctl-junit.xml"
    assert validate["artifacts"]["when"] == "always"
    assert "--format junit --output-file agentctl-junit.xml" in " ".join(validate["script"])

    image = doc["push-image"]
    assert image["variables"] == {"STORAGE_DRIVER": "vfs", "BUILDAH_ISOLATION": "chroot"}
    assert "agentctl image build --builder buildah --push" in image["script"]
    assert image["artifacts"]["paths"] == ["image.lock.json"]

    assert doc["build"]["needs"] == ["push-image"]
    assert any("@sha256:" in line for line in doc["build"]["script"])
    deploy = doc["deploy"]
    assert "AGENTCTL_ID_TOKEN" in deploy["id_tokens"]
    assert "agentctl deploy --from dist/" in deploy["script"]
    verify = " ".join(doc["verify"]["script"])
    assert "agentctl eval --source" in verify and "agentctl cost --budget-check" in verify
