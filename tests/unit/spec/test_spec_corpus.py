"""The bad-file corpus: every file in tests/spec_corpus/ fails with exit 2 and file:line.

Each corpus file starts with comment lines naming what it gets wrong and the
problems it must produce::

    # a typo in resources (the classic memroy)
    # expect: 14: unknown key 'memroy'; did you mean 'memory'?

Files under ``agent/`` are copied to ``<project>/agent.yaml`` and checked with
``agentctl validate <project>``; files under
``platform/`` are used as the platform file (``AGENTCTL_PLATFORM``) while
validating a good example agent. Inputs too big or too odd to store (a 10 MB
file, an alias bomb, an empty file) are generated below.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from tests.cli.helpers import run_cli

CORPUS = Path(__file__).resolve().parents[2] / "spec_corpus"
EXPECT = re.compile(r"^# expect: (\d+): (.+)$")
GOOD_AGENT = Path(__file__).resolve().parents[3] / "examples" / "currency-converter"


def expectations(path: Path) -> list[tuple[int, str]]:
    head = path.read_bytes().decode("utf-8", "replace").splitlines()
    out = []
    for line in head:
        if not line.startswith("#"):
            break
        m = EXPECT.match(line)
        if m:
            out.append((int(m.group(1)), m.group(2)))
    return out


def corpus(kind: str) -> list[Path]:
    return sorted((CORPUS / kind).glob("*.yaml"))


def assert_reported(stderr: str, name: str, line: int, fragment: str) -> None:
    located = [
        ln for ln in stderr.splitlines() if re.search(rf"{re.escape(name)}:{line}:\d+: ", ln)
    ]
    assert located, f"no problem reported at {name}:{line}; stderr was:\n{stderr}"
    assert any(fragment in ln for ln in located), (
        f"{name}:{line}: expected {fragment!r}; got:\n" + "\n".join(located)
    )


def test_corpus_is_large_and_every_file_says_what_it_expects():
    files = corpus("agent") + corpus("platform")
    assert len(files) >= 40
    for f in files:
        assert expectations(f), f"{f.name} has no '# expect: LINE: message' header"


@pytest.mark.parametrize("path", corpus("agent"), ids=lambda p: p.stem)
def test_bad_agent_file_exits_2_with_file_line(path: Path, tmp_path: Path):
    # As a user has it: an agent project directory holding agent.yaml.
    project = tmp_path / path.stem
    project.mkdir()
    (project / "agent.yaml").write_bytes(path.read_bytes())
    result = run_cli("validate", str(project))
    assert result.exit_code == 2, result.stdout + result.stderr
    for line, fragment in expectations(path):
        assert_reported(result.stderr, "agent.yaml", line, fragment)


@pytest.mark.parametrize("path", corpus("platform"), ids=lambda p: p.stem)
def test_bad_platform_file_exits_2_with_file_line(path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("AGENTCTL_PLATFORM", str(path))
    result = run_cli("validate", str(GOOD_AGENT))
    assert result.exit_code == 2, result.stdout + result.stderr
    for line, fragment in expectations(path):
        assert_reported(result.stderr, path.name, line, fragment)


def test_bad_platform_file_via_flag():
    path = CORPUS / "platform" / "typo-top-level.yaml"
    result = run_cli("validate", "--platform", str(path), str(GOOD_AGENT))
    assert result.exit_code == 2
    (line, fragment), *_ = expectations(path)
    assert_reported(result.stderr, path.name, line, fragment)


# --- generated inputs ---------------------------------------------------------


def _validate(tmp_path: Path, content: bytes) -> tuple[int, str]:
    f = tmp_path / "agent.yaml"
    f.write_bytes(content)
    result = run_cli("validate", str(f))
    return result.exit_code, result.stderr


def test_empty_file(tmp_path: Path):
    code, err = _validate(tmp_path, b"")
    assert code == 2
    assert "agent.yaml:1:1: file is empty" in err


def test_ten_megabyte_file_is_refused_without_parsing(tmp_path: Path):
    line = b"# " + b"x" * 98 + b"\n"
    code, err = _validate(tmp_path, line * (10 * 1024 * 1024 // len(line)))
    assert code == 2
    assert re.search(r"agent\.yaml:1:1: file is \d+ bytes; the limit is \d+ bytes", err)


@pytest.mark.timeout(60)  # a hang guard, not a speed assertion
def test_billion_laughs_is_refused(tmp_path: Path):
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    code, err = _validate(tmp_path, ("\n".join(lines) + "\n").encode())
    assert code == 2
    assert re.search(r"agent\.yaml:\d+:\d+: .*alias bomb", err)


@pytest.mark.timeout(60)
def test_merge_key_bomb_is_refused(tmp_path: Path):
    lines = ["a: &a {" + ", ".join(f"k{i}: {i}" for i in range(9)) + "}"]
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} {{<<: [" + ", ".join([f"*{prev}"] * 9) + f"], {name}: 1}}")
    code, err = _validate(tmp_path, ("\n".join(lines) + "\n").encode())
    assert code == 2
    assert re.search(r"agent\.yaml:\d+:\d+: ", err)


def test_deep_nesting_is_refused(tmp_path: Path):
    code, err = _validate(tmp_path, b"a: " + b"[" * 5000 + b"]" * 5000 + b"\n")
    assert code == 2
    assert re.search(r"agent\.yaml:1:\d+: invalid YAML: nested too deeply", err)


def test_utf16_file_is_not_utf8(tmp_path: Path):
    code, err = _validate(tmp_path, "apiVersion: x\n".encode("utf-16"))
    assert code == 2
    assert "agent.yaml:1:1: not valid UTF-8" in err


def test_json_output_lists_every_problem(tmp_path: Path):
    path = CORPUS / "agent" / "several-problems.yaml"
    result = run_cli("validate", str(path), "-o", "json")
    assert result.exit_code == 2
    import json

    doc = json.loads(result.stdout)
    lines = [p["line"] for p in doc["errors"][0]["problems"]]
    assert lines == [line for line, _ in expectations(path)]
