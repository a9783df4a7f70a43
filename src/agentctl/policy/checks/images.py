"""Container images: pinned, and from an allowed registry."""

from __future__ import annotations

import functools
from collections.abc import Iterator

from agentctl.policy.model import Hit, Obj, PathKey, Unit
from agentctl.policy.registry import check
from agentctl.policy.workloads import WORKLOAD_KINDS, unit_pods
from agentctl.spec import units

MOVING_TAGS = frozenset({"latest", "main", "master", "nightly", "edge", "dev", "develop", "head"})


def images(unit: Unit) -> Iterator[tuple[Obj, str, PathKey, str]]:
    for view in unit_pods(unit):
        for c in view.containers:
            image = c.data.get("image")
            if isinstance(image, str) and image and "{{" not in image:
                yield view.obj, image, (*c.path, "image"), c.name


def parse(image: str) -> dict[str, str | None] | None:
    """The parts of ``image`` (None: not a reference); not to be changed by the caller."""
    if len(image) > 256:  # longer than a reference: not kept
        return _parse.__wrapped__(image)
    return _parse(image)


@functools.lru_cache(maxsize=1024)
def _parse(image: str) -> dict[str, str | None] | None:
    """Worked out once per image: IMG-001 and IMG-002 ask of every container, and the
    containers of a manifest set repeat their images."""
    try:
        return units.parse_image(image)
    except ValueError:
        return None


@check(
    "IMG-001",
    "Images are pinned",
    "high",
    kinds=WORKLOAD_KINDS,
    description="Every image is pinned by digest or an immutable version tag; never `latest`, another moving tag, or untagged.",
    rationale="A moving tag means the code that runs is not the code that was reviewed, and a rollback does not roll back.",
    remediation="Use a version tag (ghcr.io/acme/agent:1.4.2) or, better, a digest (…@sha256:…).",
    example="""
image: ghcr.io/acme/research-assistant:1.4.2
""",
    tags=("security", "supply-chain"),
)
def pinned(unit: Unit) -> Iterator[Hit]:
    for obj, image, path, container in images(unit):
        ref = parse(image)
        if ref is None:
            yield Hit(f"image {image!r} is not a valid reference", obj, path, container=container)
        elif ref["digest"]:
            continue
        elif not ref["tag"]:
            yield Hit(f"image {image!r} has no tag (means latest)", obj, path, container=container)
        elif ref["tag"].lower() in MOVING_TAGS:
            yield Hit(
                f"image {image!r} uses the moving tag {ref['tag']!r}",
                obj,
                path,
                container=container,
            )


def registry_allowed(image: str, allowed: list[str]) -> bool:
    ref = parse(image)
    if ref is None:
        return False
    full = f"{ref['registry']}/{ref['path']}"
    candidates = {image, full}
    if ref["registry"] == "docker.io":
        candidates |= {f"docker.io/library/{ref['path']}", f"index.docker.io/{ref['path']}"}
    return any(c.startswith(prefix) for prefix in allowed for c in candidates)


@check(
    "IMG-002",
    "Images come from an allowed registry",
    "high",
    kinds=WORKLOAD_KINDS,
    description="Every image starts with one of the registry prefixes in platform.yaml `registries`.",
    rationale="The registry allowlist is where the platform scans, signs and retains images; anything else is unreviewed code.",
    remediation="Push the image to an allowed registry, or ask the platform team to add the registry to platform.yaml.",
    example="""
# platform.yaml
registries: [ghcr.io/acme/, europe-docker.pkg.dev/acme/]
""",
    tags=("security", "supply-chain"),
)
def allowed_registry(unit: Unit) -> Iterator[Hit]:
    allowed = unit.platform.platform.registries
    if not allowed:
        return
    for obj, image, path, container in images(unit):
        if not registry_allowed(image, allowed):
            yield Hit(
                f"image {image!r} is not from an allowed registry ({', '.join(allowed)})",
                obj,
                path,
                container=container,
            )
