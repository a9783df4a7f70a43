"""agentctl image build/push against real tools: buildah and a registry on 127.0.0.1.

From a scaffold: build, push to a loopback registry (Debian's docker-registry),
read the digest back from the registry, then ``agentctl build`` renders
image@sha256 and ``deploy --dry-run=server`` accepts it. buildah runs with vfs
storage and chroot isolation in a private storage directory. There is no
emulation here, so the Dockerfiles have no RUN step (FROM scratch builds for
any platform).
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from tests.cli.helpers import run_cli
from tests.conftest import EXAMPLES
from tests.fakes.kube_fixtures import running_fake

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        shutil.which("buildah") is None or shutil.which("docker-registry") is None,
        reason="needs buildah and docker-registry (apt-get install buildah docker-registry)",
    ),
    pytest.mark.skipif(
        hasattr(os, "geteuid") and os.geteuid() != 0,
        reason="buildah with vfs storage and chroot isolation runs as root here",
    ),
]

INDEX_TYPES = (
    "application/vnd.oci.image.index.v1+json, "
    "application/vnd.docker.distribution.manifest.list.v2+json, "
    "application/vnd.oci.image.manifest.v1+json, "
    "application/vnd.docker.distribution.manifest.v2+json"
)


def _get(url: str, accept: str = INDEX_TYPES) -> tuple[dict[str, str], bytes]:
    req = urllib.request.Request(url, headers={"Accept": accept})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return dict(resp.headers), resp.read()


@pytest.fixture
def registry(tmp_path: Path) -> Iterator[str]:
    """docker-registry on a free 127.0.0.1 port with its own config and storage; yields host:port."""
    base = tmp_path / "registry"
    base.mkdir()
    for _ in range(5):
        port = random.randint(20000, 30000)
        config = base / "config.yml"
        config.write_text(
            "version: 0.1\nlog: {level: warn}\n"
            f"storage: {{filesystem: {{rootdirectory: {base / 'data'}}}}}\n"
            f"http: {{addr: 127.0.0.1:{port}, secret: test-only}}\n"
        )
        log = (base / "log").open("wb")
        proc = subprocess.Popen(
            ["docker-registry", "serve", str(config)], stdout=log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 20
        up = False
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                _get(f"http://127.0.0.1:{port}/v2/", "application/json")
                up = True
                break
            except OSError:
                time.sleep(0.1)
        if up:
            try:
                yield f"127.0.0.1:{port}"
            finally:
                proc.terminate()
                proc.wait(timeout=10)
                log.close()
            return
        proc.kill()
        proc.wait(timeout=10)
        log.close()
    pytest.fail(f"docker-registry did not start: {(base / 'log').read_text()[-2000:]}")


@pytest.fixture
def buildah_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Private vfs storage, chroot isolation: nothing shared with other builds on the machine.

    vfs copies every layer whole: the storage is removed afterwards, not left in the temp dirs.
    """
    storage = tmp_path / "containers"
    conf = tmp_path / "storage.conf"
    conf.write_text(
        f'[storage]\ndriver = "vfs"\ngraphroot = "{storage / "graph"}"\nrunroot = "{storage / "run"}"\n'
    )
    monkeypatch.setenv("CONTAINERS_STORAGE_CONF", str(conf))
    monkeypatch.setenv("STORAGE_DRIVER", "vfs")
    monkeypatch.setenv("BUILDAH_ISOLATION", "chroot")
    yield
    shutil.rmtree(storage, ignore_errors=True)


def _git(project: Path) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
    }
    for argv in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "scaffold"]):
        subprocess.run(["git", "-C", str(project), *argv], check=True, env=env, timeout=60)
    out = subprocess.run(
        ["git", "-C", str(project), "rev-parse", "HEAD"],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return out.stdout.strip()


@pytest.fixture
def scaffold(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, registry: str) -> Path:
    """A tool-service scaffold whose image lives in the loopback registry, in a git repository."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("AGENTCTL_CRD_DIR", raising=False)
    assert run_cli("init", "demo", "-t", "tool-service", "--no-input").exit_code == 0
    project = tmp_path / "demo"
    spec = project / "agent.yaml"
    spec.write_text(
        spec.read_text().replace("ghcr.io/acme/demo:0.1.0", f"{registry}/acme/demo:0.1.0")
    )
    platform = (EXAMPLES / "platform.yaml").read_text()
    platform = platform.replace(
        "registries: [ghcr.io/acme/, europe-docker.pkg.dev/acme/]",
        f"registries: [{registry}/acme/]",
    )
    assert f"{registry}/acme/" in platform
    (project / "platform.yaml").write_text(platform)
    # No RUN step: nothing to emulate for a foreign platform.
    (project / "Dockerfile.norun").write_text(
        "FROM scratch\nARG GREETING=unset\nLABEL greeting=$GREETING\nCOPY pyproject.toml /app/\n"
    )
    return project


def _image_of(docs: list[Any], kind: str) -> str:
    for doc in docs:
        if isinstance(doc, dict) and doc.get("kind") == kind:
            return str(doc["spec"]["template"]["spec"]["containers"][0]["image"])
    raise AssertionError(f"no {kind} rendered")


def test_build_push_pin_and_server_dry_run_from_a_scaffold(
    scaffold: Path, registry: str, buildah_env: None, tmp_path: Path, monkeypatch
) -> None:
    commit = _git(scaffold)
    result = run_cli(
        "image", "build", "demo", "-f", "demo/Dockerfile.norun", "--push",
        "--target-platform", "linux/amd64,linux/arm64", "--build-arg", "GREETING=hello",
        "--insecure-registry", "-o", "json",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)["data"]
    repo = f"{registry}/acme/demo"
    assert data["builder"] == "buildah"
    assert data["tags"] == [f"{repo}:0.1.0", f"{repo}:sha-{commit[:12]}"]
    digest = data["digest"]
    assert digest.startswith("sha256:") and data["pinned"] == f"{repo}:0.1.0@{digest}"

    # the registry serves that digest for the tag: an index of both platforms
    headers, body = _get(f"http://{registry}/v2/acme/demo/manifests/0.1.0")
    assert headers["Docker-Content-Digest"] == digest
    index = json.loads(body)
    platforms = {(m["platform"]["os"], m["platform"]["architecture"]) for m in index["manifests"]}
    assert platforms == {("linux", "amd64"), ("linux", "arm64")}
    sha_headers, _ = _get(f"http://{registry}/v2/acme/demo/manifests/sha-{commit[:12]}")
    assert sha_headers["Docker-Content-Digest"] == digest
    # build args and the commit reach the image config
    one = index["manifests"][0]
    _, manifest = _get(
        f"http://{registry}/v2/acme/demo/manifests/{one['digest']}", one["mediaType"]
    )
    config_digest = json.loads(manifest)["config"]["digest"]
    _, config = _get(f"http://{registry}/v2/acme/demo/blobs/{config_digest}", "*/*")
    labels = json.loads(config)["config"]["Labels"]
    assert labels["greeting"] == "hello"
    assert labels["org.opencontainers.image.revision"] == commit

    lock = json.loads((scaffold / "image.lock.json").read_text())
    assert lock["images"][f"{repo}:0.1.0"]["digest"] == digest
    assert lock["images"][f"{repo}:0.1.0"]["commit"] == commit

    built = run_cli("build", "demo", "-o", "yaml")
    assert built.exit_code == 0, built.stderr
    assert (
        _image_of(list(yaml.safe_load_all(built.stdout)), "Deployment") == f"{repo}:0.1.0@{digest}"
    )

    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    with running_fake(tmp_path, monkeypatch) as kube:
        deployed = run_cli("deploy", "demo", "--dry-run=server", "-o", "json")
        assert deployed.exit_code == 0, deployed.stderr
        assert kube.list("Deployment") == []
        applied = [
            o for o in json.loads(deployed.stdout)["data"]["objects"] if o["kind"] == "Deployment"
        ]
        assert applied, deployed.stdout
        real = run_cli("deploy", "demo", "--no-wait")
        assert real.exit_code == 0, real.stderr
        (dep,) = kube.list("Deployment")
        assert dep["spec"]["template"]["spec"]["containers"][0]["image"] == f"{repo}:0.1.0@{digest}"


def test_build_then_push_records_the_single_platform_digest(
    scaffold: Path, registry: str, buildah_env: None
) -> None:
    built = run_cli("image", "build", "demo", "-f", "demo/Dockerfile.norun")
    assert built.exit_code == 0, built.stderr
    assert not (scaffold / "image.lock.json").exists()
    assert "not in a git repository" in built.stderr
    pushed = run_cli("image", "push", "demo", "--insecure-registry", "-o", "json")
    assert pushed.exit_code == 0, pushed.stderr
    digest = json.loads(pushed.stdout)["data"]["digest"]
    headers, _ = _get(f"http://{registry}/v2/acme/demo/manifests/0.1.0")
    assert headers["Docker-Content-Digest"] == digest
    assert json.loads((scaffold / "image.lock.json").read_text())["images"]


def test_a_registry_the_platform_does_not_allow_is_refused_before_building(
    scaffold: Path, registry: str, buildah_env: None
) -> None:
    platform = scaffold / "platform.yaml"
    platform.write_text(platform.read_text().replace(f"{registry}/acme/", "ghcr.io/acme/"))
    result = run_cli("image", "build", "demo", "-f", "demo/Dockerfile.norun", "--push")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: demo/agent.yaml:")
    assert "not in a registry platform.yaml allows" in result.stderr


def test_a_push_that_fails_exits_4_and_records_nothing(
    scaffold: Path, registry: str, buildah_env: None
) -> None:
    # without --insecure-registry buildah speaks HTTPS to a plain-HTTP registry
    result = run_cli("image", "build", "demo", "-f", "demo/Dockerfile.norun", "--push")
    assert result.exit_code == 4, result.stderr
    assert not (scaffold / "image.lock.json").exists()
