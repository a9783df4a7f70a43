"""The scaffold's real Dockerfile, built with buildah on a base made with debootstrap.

The platform's base image (``--build-arg BASE_IMAGE``) is made here from
Debian's archive (debootstrap, minimal variant, with python3) and imported into
a loopback registry. Like a company base image pointing pip at an internal
mirror, it sets ``PIP_FIND_LINKS`` to a wheel directory served on 127.0.0.1
(with ``PIP_NO_INDEX``), so the build itself talks to 127.0.0.1 only. The
rootfs tarball and the wheels are fetched once and kept in the user cache
directory (``AGENTCTL_TEST_CACHE``, default ``~/.cache/agentctl-tests``):
debootstrap takes minutes. Then: image build --push, agentctl build pins the
digest, deploy --dry-run=server accepts it, and the built image runs its
package (buildah run, chroot isolation).
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from tests.cli.helpers import run_cli
from tests.conftest import EXAMPLES
from tests.fakes.kube_fixtures import running_fake
from tests.integration.test_image_buildah import buildah_env, registry  # noqa: F401 (fixtures)

CACHE = Path(os.environ.get("AGENTCTL_TEST_CACHE") or Path.home() / ".cache" / "agentctl-tests")
SUITE = "bookworm"
MIRROR = os.environ.get("AGENTCTL_TEST_DEBIAN_MIRROR", "http://deb.debian.org/debian")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.timeout(1800),
    pytest.mark.skipif(
        any(shutil.which(t) is None for t in ("buildah", "docker-registry", "debootstrap")),
        reason="needs buildah, docker-registry and debootstrap (apt-get install buildah docker-registry debootstrap)",
    ),
    pytest.mark.skipif(
        hasattr(os, "geteuid") and os.geteuid() != 0,
        reason="debootstrap and buildah with vfs storage and chroot isolation run as root here",
    ),
]


def _run(*argv: str, timeout: float = 1200) -> str:
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)
    assert proc.returncode == 0, f"{' '.join(argv[:3])}: {proc.stderr[-3000:]}"
    return proc.stdout


def _rootfs_tarball() -> Path:
    """debootstrap --variant=minbase with python3, as a tarball (made once, then cached)."""
    tarball = CACHE / f"debootstrap-{SUITE}-python3.tar.gz"
    if tarball.is_file():
        return tarball
    CACHE.mkdir(parents=True, exist_ok=True)
    work = CACHE / f".rootfs-{os.getpid()}"
    try:
        _run(
            "debootstrap", "--variant=minbase",
            "--include=python3,python3-venv,python-is-python3",
            SUITE, str(work), MIRROR,
        )  # fmt: skip
        partial = tarball.with_suffix(f".{os.getpid()}.tmp")
        _run("tar", "-C", str(work), "-czf", str(partial), ".")
        partial.replace(tarball)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return tarball


def _wheels(project: Path) -> Path:
    """The project's dependencies and its build backend as wheels (fetched once, then cached)."""
    import hashlib
    import tomllib

    deps = sorted(
        tomllib.loads((project / "pyproject.toml").read_text())["project"]["dependencies"]
    )
    key = hashlib.sha256("\n".join(deps).encode()).hexdigest()[:12]
    wheels = CACHE / f"wheels-{key}"
    if (wheels / ".complete").is_file():
        return wheels
    wheels.mkdir(parents=True, exist_ok=True)
    _run(
        sys.executable, "-m", "pip", "download", "--quiet", "--only-binary=:all:",
        "--python-version", "3.11", "-d", str(wheels), "hatchling", *deps,
    )  # fmt: skip
    (wheels / ".complete").touch()
    return wheels


@pytest.fixture
def wheel_server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A loopback HTTP server over a directory (the wheels), as pip's --find-links."""
    root = tmp_path / "wheels"
    root.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/", root
    finally:
        server.shutdown()
        server.server_close()


def _base_image(registry: str, tarball: Path, find_links: str) -> str:  # noqa: F811
    ref = f"{registry}/base/python:{SUITE}"
    ctr = _run("buildah", "from", "scratch").strip()
    try:
        _run("buildah", "add", ctr, str(tarball), "/")
        _run(
            "buildah", "config",
            "--env", f"PIP_FIND_LINKS={find_links}", "--env", "PIP_NO_INDEX=1",
            "--env", "PIP_DISABLE_PIP_VERSION_CHECK=1", ctr,
        )  # fmt: skip
        _run("buildah", "commit", "--quiet", ctr, ref)
    finally:
        subprocess.run(["buildah", "rm", ctr], capture_output=True, check=False, timeout=120)
    _run("buildah", "push", "--tls-verify=false", ref, f"docker://{ref}")
    return ref


def test_the_scaffold_dockerfile_builds_pushes_pins_and_deploys(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    registry: str,  # noqa: F811
    buildah_env: None,  # noqa: F811
    wheel_server: tuple[str, Path],
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("AGENTCTL_CRD_DIR", raising=False)
    assert run_cli("init", "demo", "-t", "tool-service", "--no-input").exit_code == 0
    project = tmp_path / "demo"
    spec = project / "agent.yaml"
    spec.write_text(
        spec.read_text().replace("ghcr.io/acme/demo:0.1.0", f"{registry}/acme/demo:0.1.0")
    )
    platform = (
        (EXAMPLES / "platform.yaml")
        .read_text()
        .replace(
            "registries: [ghcr.io/acme/, europe-docker.pkg.dev/acme/]", f"registries: [{registry}/]"
        )
    )
    (project / "platform.yaml").write_text(platform)

    find_links, served = wheel_server
    for wheel in _wheels(project).glob("*.whl"):
        (served / wheel.name).symlink_to(wheel)
    base = _base_image(registry, _rootfs_tarball(), find_links)

    built = run_cli(
        "image", "build", "demo", "--push", "--insecure-registry",
        "--build-arg", f"BASE_IMAGE={base}", "-o", "json",
    )  # fmt: skip
    assert built.exit_code == 0, built.stderr[-4000:]
    data = json.loads(built.stdout)["data"]
    pinned = data["pinned"]
    assert pinned == f"{registry}/acme/demo:0.1.0@{data['digest']}"

    # the image runs its package, as the non-root user the Dockerfile sets
    ctr = _run("buildah", "from", "--tls-verify=false", pinned).strip()
    try:
        out = _run(
            "buildah", "run", ctr, "--", "python", "-c", "import demo, os; print(os.getuid())"
        )
        assert out.strip() == "10001"
    finally:
        subprocess.run(["buildah", "rm", ctr], capture_output=True, check=False, timeout=120)

    rendered = run_cli("build", "demo", "-o", "yaml")
    assert rendered.exit_code == 0, rendered.stderr
    images = [
        c["image"]
        for doc in yaml.safe_load_all(rendered.stdout)
        if isinstance(doc, dict) and doc.get("kind") == "Deployment"
        for c in doc["spec"]["template"]["spec"]["containers"]
    ]
    assert images == [pinned]
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    with running_fake(tmp_path, monkeypatch) as kube:
        dry = run_cli("deploy", "demo", "--dry-run=server")
        assert dry.exit_code == 0, dry.stderr
        assert kube.list("Deployment") == []
