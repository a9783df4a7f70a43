"""The image builders agentctl drives: docker buildx, podman, buildah, nerdctl.

Each is a small table of command lines. The builder's own output streams to
stderr (so ``-o json`` stays clean on stdout); the pushed digest is read
from the file or line the builder writes it to.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from agentctl.errors import ToolFailed, ToolMissing, UsageError

ORDER = ("docker", "podman", "buildah", "nerdctl")
DIGEST_RE = re.compile(r"sha256:[0-9a-f]{64}")
TAIL_LINES = 50


@dataclass(frozen=True)
class BuildRequest:
    context: Path
    dockerfile: Path
    tags: list[str]  # full references; the first is the one agent.yaml names
    build_args: dict[str, str] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    platforms: list[str] = field(default_factory=list)


def _run(argv: Sequence[str]) -> str:
    """Run a builder command, streaming its output to our stderr; ToolFailed on a non-zero exit.

    Returns the tail of the output (where push commands print the digest).
    """
    shown = " ".join(Path(argv[0]).name if i == 0 else a for i, a in enumerate(argv[:2]))
    tail: list[str] = []
    try:
        proc = subprocess.Popen(
            list(argv),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            text=True,
            errors="replace",
        )
    except OSError as exc:
        raise ToolFailed(f"{shown}: {exc.strerror or exc}") from None
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            sys.stderr.write(line)
            tail.append(line)
            del tail[:-TAIL_LINES]
        code = proc.wait()
    except BaseException:
        proc.kill()
        proc.wait()
        raise
    sys.stderr.flush()
    if code != 0:
        raise ToolFailed(f"{shown} failed (exit {code})", hint="its output is above, on stderr")
    return "".join(tail)


def _digest_from(text: str, what: str) -> str:
    found = DIGEST_RE.findall(text)
    if not found:
        raise ToolFailed(f"{what}: the builder did not report the pushed digest")
    return str(found[-1])


class Builder:
    """One builder; ``exe`` is the resolved program path."""

    name = ""
    multi_platform = True

    def __init__(self, exe: str) -> None:
        self.exe = exe
        self.insecure = False  # plain-HTTP or self-signed registry (a loopback test registry)

    def tls(self) -> list[str]:
        return []

    def build(self, req: BuildRequest, *, push: bool) -> str | None:
        raise ToolFailed(f"{self.name} cannot build")

    def push(self, ref: str, tags: Sequence[str] = ()) -> str:
        raise ToolFailed(f"{self.name} cannot push")

    def _common(self, req: BuildRequest) -> list[str]:
        args = ["-f", str(req.dockerfile)]
        for k, v in req.build_args.items():
            args += ["--build-arg", f"{k}={v}"]
        for k, v in req.labels.items():
            args += ["--label", f"{k}={v}"]
        if req.platforms:
            args += ["--platform", ",".join(req.platforms)]
        return args


class Buildah(Builder):
    """buildah and podman share their command lines (podman builds with buildah)."""

    name = "buildah"

    def tls(self) -> list[str]:
        return ["--tls-verify=false"] if self.insecure else []

    def _is_list(self, ref: str) -> bool:
        proc = subprocess.run(
            [self.exe, "manifest", "inspect", ref],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
        )
        return proc.returncode == 0

    def build(self, req: BuildRequest, *, push: bool) -> str | None:
        first = req.tags[0]
        argv = [self.exe, "build", *self._common(req), *self.tls()]
        if len(req.platforms) > 1:
            # A multi-platform build collects its images in a manifest list named like the image.
            if self._is_list(first):
                _run([self.exe, "manifest", "rm", first])
            argv += ["--manifest", first]
        else:
            argv += [arg for t in req.tags for arg in ("-t", t)]
        _run([*argv, str(req.context)])
        # A manifest list keeps one local name; push() sends it to every tag.
        return self.push(first, req.tags[1:]) if push else None

    def push(self, ref: str, tags: Sequence[str] = ()) -> str:
        listed = self._is_list(ref)
        digest = ""
        for target in (ref, *tags):
            with tempfile.TemporaryDirectory(prefix="agentctl-push-") as tmp:
                digest_file = Path(tmp) / "digest"
                argv = [self.exe, "manifest", "push", "--all"] if listed else [self.exe, "push"]
                # buildah 1.28's manifest push can exit 0 after a failed push: the digest file decides.
                argv += [*self.tls(), "--digestfile", str(digest_file), ref, f"docker://{target}"]
                _run(argv)
                text = digest_file.read_text() if digest_file.is_file() else ""
                if target == ref:
                    digest = _digest_from(text, f"{self.name} push {ref}")
        return digest


class Podman(Buildah):
    name = "podman"


class DockerBuildx(Builder):
    name = "docker"

    def build(self, req: BuildRequest, *, push: bool) -> str | None:
        with tempfile.TemporaryDirectory(prefix="agentctl-build-") as tmp:
            meta = Path(tmp) / "metadata.json"
            argv = [self.exe, "buildx", "build", *self._common(req), "--metadata-file", str(meta)]
            argv += [arg for t in req.tags for arg in ("-t", t)]
            if push and self.insecure:
                argv += ["--output", "type=image,push=true,registry.insecure=true"]
            elif push:
                argv.append("--push")
            elif len(req.platforms) <= 1:
                argv.append("--load")
            _run([*argv, str(req.context)])
            if not push:
                return None
            data = json.loads(meta.read_text()) if meta.is_file() else {}
            return _digest_from(str(data.get("containerimage.digest", "")), "docker buildx build")

    def push(self, ref: str, tags: Sequence[str] = ()) -> str:
        digest = ""
        for target in (ref, *tags):
            out = _run([self.exe, "push", target])
            if target == ref:
                digest = _digest_from(out, f"docker push {ref}")
        return digest


class Nerdctl(Builder):
    name = "nerdctl"

    def tls(self) -> list[str]:
        return ["--insecure-registry"] if self.insecure else []

    def build(self, req: BuildRequest, *, push: bool) -> str | None:
        argv = [self.exe, "build", *self._common(req)]
        argv += [arg for t in req.tags for arg in ("-t", t)]
        _run([*argv, str(req.context)])
        return self.push(req.tags[0], req.tags[1:]) if push else None

    def push(self, ref: str, tags: Sequence[str] = ()) -> str:
        digest = ""
        for target in (ref, *tags):
            out = _run([self.exe, *self.tls(), "push", "--all-platforms", target])
            if target == ref:
                digest = _digest_from(out, f"nerdctl push {ref}")
        return digest


KINDS: dict[str, type[Builder]] = {
    "docker": DockerBuildx,
    "podman": Podman,
    "buildah": Buildah,
    "nerdctl": Nerdctl,
}


def _docker_has_buildx(exe: str) -> bool:
    try:
        proc = subprocess.run(
            [exe, "buildx", "version"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=20,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return proc.returncode == 0


def find(name: str | None = None) -> Builder:
    """The builder named by --builder, else the first of ORDER on PATH; ToolMissing (exit 3) if none."""
    if name is not None:
        if name not in KINDS:
            raise UsageError(
                f"--builder {name}: unknown builder", hint=f"one of {', '.join(ORDER)}"
            )
        exe = shutil.which(name)
        if exe is None:
            raise ToolMissing(f"--builder {name}: {name} is not installed (not on PATH)")
        if name == "docker" and not _docker_has_buildx(exe):
            raise ToolMissing("--builder docker: the docker buildx plugin is not installed")
        return KINDS[name](exe)
    for candidate in ORDER:
        exe = shutil.which(candidate)
        if exe is None or (candidate == "docker" and not _docker_has_buildx(exe)):
            continue
        return KINDS[candidate](exe)
    raise ToolMissing(
        "no image builder found: install docker with buildx, podman, buildah or nerdctl"
    )
