"""From an agent project to a build: which tags, which registry, which commit; the lock afterwards."""

from __future__ import annotations

import datetime as dt
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agentctl.errors import UsageError
from agentctl.image.builders import Builder, BuildRequest
from agentctl.spec import imagelock
from agentctl.spec.files import display_path
from agentctl.spec.loader import LoadedAgent, LoadedPlatform


@dataclass
class ImagePlan:
    agent: str
    image: str  # as agent.yaml names it: the lock's key
    tags: list[str]
    commit: str | None
    request: BuildRequest
    project_dir: Path
    notes: list[str] = field(default_factory=list)


@dataclass
class ImageResult:
    plan: ImagePlan
    builder: str
    digest: str | None = None
    lock_file: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "agent": self.plan.agent,
            "image": self.plan.image,
            "tags": self.plan.tags,
            "commit": self.plan.commit,
            "platforms": self.plan.request.platforms,
            "builder": self.builder,
            "pushed": self.digest is not None,
            "digest": self.digest,
            "pinned": imagelock.pin_reference(self.plan.image, self.digest)
            if self.digest
            else None,
            "lockFile": self.lock_file,
        }


def git_commit(directory: Path) -> str | None:
    """HEAD of the repository holding ``directory`` (None outside git, or without git)."""
    try:
        proc = subprocess.run(
            ["git", "-C", str(directory), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=20,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    out = proc.stdout.strip()
    return out if proc.returncode == 0 and len(out) == 40 else None


def _repository(loaded: LoadedAgent) -> tuple[str, str]:
    """(repository, tag) of spec.image; a usage error when it has no tag or is pinned already."""
    from agentctl.spec.units import parse_image

    image = loaded.agent.spec.image
    where = "{}:{}".format(*loaded.locate(("spec", "image"))[:2])
    ref = parse_image(image)
    if ref["digest"]:
        raise UsageError(
            f"{where}: spec.image {image!r} is pinned by digest: there is no tag to build",
            hint="write the image by tag (the digest goes to image.lock.json when it is pushed)",
        )
    if not ref["tag"]:
        raise UsageError(f"{where}: spec.image {image!r} has no tag to build")
    return image[: -len(ref["tag"]) - 1], ref["tag"]


def check_registry(loaded: LoadedAgent, platform: LoadedPlatform) -> None:
    """spec.image must be in a registry platform.yaml allows (when it names any)."""
    from agentctl.policy.checks.images import registry_allowed

    allowed = list(platform.platform.registries)
    image = loaded.agent.spec.image
    if allowed and not registry_allowed(image, allowed):
        line = loaded.locate(("spec", "image"))
        raise UsageError(
            f"{line[0]}:{line[1]}: spec.image {image!r} is not in a registry platform.yaml allows"
            f" ({', '.join(allowed)})",
            hint="push to an allowed registry, or ask the platform team to add this one",
        )


def plan(
    loaded: LoadedAgent,
    platform: LoadedPlatform,
    *,
    dockerfile: Path | None = None,
    build_args: dict[str, str] | None = None,
    platforms: list[str] | None = None,
) -> ImagePlan:
    check_registry(loaded, platform)
    repo, tag = _repository(loaded)
    project = loaded.project_dir
    docker_file = dockerfile or project / "Dockerfile"
    if not docker_file.is_file():
        raise UsageError(f"{display_path(docker_file)}: no such Dockerfile")
    commit = git_commit(project)
    tags = [loaded.agent.spec.image]
    version = loaded.agent.metadata.version
    if version and version != tag:
        tags.append(f"{repo}:{version}")
    notes = []
    if commit:
        tags.append(f"{repo}:sha-{commit[:12]}")
    else:
        notes.append("not in a git repository: no commit tag")
    labels = {"org.opencontainers.image.version": version or tag}
    if commit:
        labels["org.opencontainers.image.revision"] = commit
    request = BuildRequest(
        project, docker_file, tags, dict(build_args or {}), labels, list(platforms or [])
    )
    return ImagePlan(loaded.name, loaded.agent.spec.image, tags, commit, request, project, notes)


def record(plan: ImagePlan, digest: str) -> Path:
    """Write the pushed digest to image.lock.json beside agent.yaml."""
    now = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    entry = imagelock.LockedImage(
        plan.image, digest, plan.commit, tuple(plan.request.platforms), now
    )
    return imagelock.write(plan.project_dir, entry)


def build(plan: ImagePlan, builder: Builder, *, push: bool) -> ImageResult:
    if len(plan.request.platforms) > 1 and not builder.multi_platform:
        raise UsageError(f"{builder.name} cannot build several platforms at once")
    digest = builder.build(plan.request, push=push)
    result = ImageResult(plan, builder.name, digest)
    if digest is not None:
        result.lock_file = display_path(record(plan, digest))
    return result


def push(plan: ImagePlan, builder: Builder) -> ImageResult:
    digest = builder.push(plan.tags[0])  # the other tags may name a newer commit than was built
    result = ImageResult(plan, builder.name, digest)
    result.lock_file = display_path(record(plan, digest))
    return result
