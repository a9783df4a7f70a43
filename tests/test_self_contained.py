"""Everything a test, benchmark or CI step reads lives in the repository.

A clone with nothing beside it must test alone, so no test, script or CI step
may name a path outside the repository root. Two nets: a static scan of the
code that runs in CI (paths built with ``parents[N]`` or ``.parent`` past the
root, ``..`` path literals leaving the root), and the audit hook installed by
``tests/conftest.py`` that records any file the test process opens or lists
beside the repository.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests import conftest
from tests.conftest import REPO_ROOT

# What CI runs: the tests and their fakes, the benchmarks, the sessions, the CI script, docs tools.
SCANNED_GLOBS = ("tests/**/*.py", "benchmarks/**/*.py", "noxfile.py", ".ci/*", "docs/*.py")
PARENTS = re.compile(r"Path\(__file__\)(?:\.resolve\(\))?\.parents\[(\d+)\]((?:\.parent\b)*)")
PARENT_OF_ROOT = re.compile(r"\b(?:ROOT|REPO|REPO_ROOT)\.parent\b")
FENCE = "# the fence"  # a line that names the outside only to refuse reads there
DOTDOT_LITERAL = re.compile(r"""["'](?:\.\./)+[A-Za-z_]""")
ABSOLUTE_WORK = re.compile(r"""["']/work/""")
# assembled in conftest, so this file itself names no directory beside the repository
SIBLING = conftest.BESIDE_NAME


def _scanned() -> list[Path]:
    files: set[Path] = set()
    for pattern in SCANNED_GLOBS:
        files.update(p for p in REPO_ROOT.glob(pattern) if p.is_file())
    # Golden copies of scaffolded projects are data compared byte for byte, not code CI runs.
    return sorted(
        p
        for p in files
        if "golden" not in p.relative_to(REPO_ROOT).parts and p != Path(__file__).resolve()
    )


def escapes(rel: Path, text: str) -> list[str]:
    """Every place in ``text`` (the file at ``rel`` in the repository) that reaches outside the root."""
    found = []
    text = "\n".join(line for line in text.splitlines() if FENCE not in line)
    depth = len(rel.parts)  # parents[depth - 1] is the repository root
    for m in PARENTS.finditer(text):
        up = int(m.group(1)) + 1 + m.group(2).count(".parent")
        if up > depth:
            found.append(m.group(0))
    for pattern in (PARENT_OF_ROOT, ABSOLUTE_WORK):
        found.extend(m.group(0) for m in pattern.finditer(text))
    for m in DOTDOT_LITERAL.finditer(text):
        line = text[text.rfind("\n", 0, m.start()) + 1 : text.find("\n", m.end())]
        # ".." in a test of path handling is input data (a rejected "../evil"), not a path read
        if SIBLING in line or "fixtures" in line:
            found.append(m.group(0))
    return found


def test_no_test_or_script_reaches_outside_the_repository():
    files = _scanned()
    assert any(p.name == "run" for p in files), "the CI script is scanned"
    offenders = {}
    for path in files:
        rel = path.relative_to(REPO_ROOT)
        hits = escapes(rel, path.read_text(errors="replace"))
        if rel.as_posix() == ".ci/run":
            hits += re.findall(r"\.\./shared|\.\./\.\.", path.read_text())
        if hits:
            offenders[rel.as_posix()] = hits
    assert offenders == {}


@pytest.mark.parametrize(
    ("rel", "text"),
    [
        ("tests/unit/x/test_a.py", f'ROOT = Path(__file__).resolve().parents[4] / "{SIBLING}"'),
        ("tests/test_a.py", "X = Path(__file__).resolve().parents[1].parent"),
        ("tests/conftest.py", f'OUT = REPO_ROOT.parent / "{SIBLING}"'),
        ("benchmarks/b.py", f'CRDS = "../{SIBLING}/fixtures/crds"'),
        ("noxfile.py", f'open("/work/{SIBLING}/design/POLICIES.md")'),
    ],
)
def test_the_scan_sees_an_escape(rel: str, text: str):
    assert escapes(Path(rel), text)


@pytest.mark.parametrize(
    ("rel", "text"),
    [
        ("tests/unit/x/test_a.py", 'ROOT = Path(__file__).resolve().parents[3] / "examples"'),
        ("tests/conftest.py", "REPO_ROOT = Path(__file__).resolve().parents[1]"),
        ("tests/unit/scaffold/test_v.py", '("../evil", "not a path"),'),
    ],
)
def test_the_scan_allows_paths_inside(rel: str, text: str):
    assert escapes(Path(rel), text) == []


def test_the_audit_hook_records_reads_beside_the_repository(tmp_path: Path):
    beside = REPO_ROOT.parent / SIBLING
    outside = beside / "fixtures" / "README.md"
    with pytest.raises(PermissionError, match="outside the repository"):
        outside.read_text()
    with pytest.raises(PermissionError):
        list(beside.iterdir())
    recorded = conftest.take_outside_reads()
    assert [p for p, _ in recorded] == [str(outside), str(beside)]
    (tmp_path / "inside").write_text("x")
    assert (tmp_path / "inside").read_text() == "x"
    assert (REPO_ROOT / "README.md").read_text()
    assert conftest.take_outside_reads() == []


# The prose speaks of the project alone: a doc that names the machine's checkout or the directory
# beside it points a reader at a path they do not have.
PROSE_OUTSIDE = re.compile(r"/wo" + r"rk/|\.\./" + re.escape(SIBLING) + r"/")


def test_no_doc_names_a_path_outside_the_repository():
    docs = [
        REPO_ROOT / "README.md",
        *REPO_ROOT.glob("docs/**/*.md"),
        *REPO_ROOT.glob("src/**/*.py"),
    ]
    offenders = {
        p.relative_to(REPO_ROOT).as_posix(): PROSE_OUTSIDE.findall(p.read_text(errors="replace"))
        for p in docs
        if PROSE_OUTSIDE.search(p.read_text(errors="replace"))
    }
    assert offenders == {}


@pytest.mark.parametrize(
    "text", ["the old tree (`/wo" + "rk/main`)", f"CRDs from `../{SIBLING}/fixtures`"]
)
def test_the_prose_scan_sees_an_outside_path(text: str):
    assert PROSE_OUTSIDE.search(text)
