"""image.lock.json: the digest each image of a project was pushed with.

``agentctl image build --push`` (or ``image push``) writes it beside
agent.yaml; ``build`` and ``deploy`` read it and run ``image@sha256:...``
wherever the spec names a locked image, so what CI tested is what runs.
The file is keyed by the image reference exactly as agent.yaml writes it::

    {
      "apiVersion": "agentctl.dev/v1",
      "kind": "ImageLock",
      "images": {
        "ghcr.io/acme/research-assistant:1.4.2": {
          "digest": "sha256:<64 hex>",
          "commit": "<git commit or null>",
          "platforms": ["linux/amd64"],
          "pushedAt": "2026-01-01T00:00:00Z"
        }
      }
    }

A reference that already carries a digest is left alone; an image not in the
file runs by its tag, as before.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from agentctl.errors import Problem, SpecError, echoed
from agentctl.files import write_text_atomic

LOCK_FILENAME = "image.lock.json"
API_VERSION = "agentctl.dev/v1"
KIND = "ImageLock"
DIGEST_RE = re.compile(r"^sha256:[0-9a-f]{64}$")
MAX_LOCK_BYTES = 256 * 1024


@dataclass(frozen=True)
class LockedImage:
    image: str
    digest: str
    commit: str | None = None
    platforms: tuple[str, ...] = ()
    pushed_at: str | None = None

    @property
    def pinned(self) -> str:
        return pin_reference(self.image, self.digest)

    def to_dict(self) -> dict[str, object]:
        return {
            "digest": self.digest,
            "commit": self.commit,
            "platforms": list(self.platforms),
            "pushedAt": self.pushed_at,
        }


def pin_reference(image: str, digest: str) -> str:
    """``repo:tag`` -> ``repo:tag@sha256:...`` (the tag stays for people; the digest decides)."""
    return image if "@" in image else f"{image}@{digest}"


def lock_path(project_dir: Path) -> Path:
    return project_dir / LOCK_FILENAME


def read(project_dir: Path, display: str | None = None) -> dict[str, LockedImage]:
    """The locked images of a project ({} when it has no lock file); SpecError naming file, line and field."""
    from agentctl.spec.yamlsafe import parse_documents, read_text

    path = lock_path(project_dir)
    if not path.is_file():
        return {}
    name = display or str(path)
    docs = parse_documents(read_text(path, name, max_bytes=MAX_LOCK_BYTES), name)
    doc = docs[0] if docs else None
    data = doc.data if doc is not None else None
    if doc is None or not isinstance(data, dict):
        raise SpecError([Problem(name, 1, 1, "", "expected a JSON object (kind ImageLock)")])
    problems: list[Problem] = []
    kind = data.get("kind")
    if kind != KIND:
        problems.append(doc.problem(("kind",), f"expected kind {KIND}, got {echoed(kind)}"))
    images = data.get("images", {})
    if not isinstance(images, dict):
        problems.append(doc.problem(("images",), "expected an object of image -> entry"))
        images = {}
    out: dict[str, LockedImage] = {}
    for image, entry in images.items():
        if not isinstance(entry, dict):
            problems.append(doc.problem(("images", image), "expected an object with a digest"))
            continue
        digest = entry.get("digest")
        if not isinstance(digest, str) or not DIGEST_RE.match(digest):
            problems.append(
                doc.problem(
                    ("images", image, "digest"),
                    f"digest {echoed(digest)} is not sha256:<64 lowercase hex digits>",
                )
            )
            continue
        platforms = entry.get("platforms") or []
        commit = entry.get("commit")
        pushed = entry.get("pushedAt")
        wrong = [
            doc.problem(("images", image, key), f"expected {what}")
            for key, value, what in (
                ("commit", commit, "a string (a git commit) or null"),
                ("pushedAt", pushed, "a string (a time) or null"),
            )
            if value is not None and not isinstance(value, str)
        ]
        if not isinstance(platforms, list) or not all(isinstance(p, str) for p in platforms):
            wrong.append(
                doc.problem(("images", image, "platforms"), "expected a list of platform strings")
            )
        if wrong:
            problems.extend(wrong)
            continue
        out[str(image)] = LockedImage(
            str(image), digest, commit or None, tuple(platforms), pushed or None
        )
    if problems:
        raise SpecError(problems)
    return out


def write(project_dir: Path, entry: LockedImage) -> Path:
    """Record one image's digest, keeping the others; atomic, readable by everyone (0644)."""
    path = lock_path(project_dir)
    current = read(project_dir) if path.is_file() else {}
    current[entry.image] = entry
    doc = {
        "apiVersion": API_VERSION,
        "kind": KIND,
        "images": {k: current[k].to_dict() for k in sorted(current)},
    }
    write_text_atomic(path, json.dumps(doc, indent=2) + "\n")
    return path
