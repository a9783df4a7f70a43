"""The baseline `eval run --compare` reads: a damaged record is a usage error naming it."""

from __future__ import annotations

from pathlib import Path

import pytest

from agentctl.errors import UsageError
from agentctl.local.evalrun import load_last_run, save_last_run


def test_a_saved_run_is_read_back(tmp_path: Path) -> None:
    save_last_run(tmp_path, "1.0", {"cases": {"a": {"passed": 1, "runs": 1}}})
    assert load_last_run(tmp_path, "1.0")["cases"] == {"a": {"passed": 1, "runs": 1}}


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("[" * 100_000, "unreadable baseline (JSON nested too deeply)"),
        ("{nope", "unreadable baseline (Expecting property name"),
        ('{"cases": []}', "not an eval-set run record"),
    ],
    ids=["deep", "not-json", "wrong-shape"],
)
def test_a_damaged_baseline_is_a_usage_error_naming_it(
    tmp_path: Path, text: str, said: str
) -> None:
    path = tmp_path / ".agentctl" / "evals" / "1.0.json"
    path.parent.mkdir(parents=True)
    path.write_text(text)
    with pytest.raises(UsageError) as caught:
        load_last_run(tmp_path, "1.0")
    assert caught.value.message.startswith(f"{path}: {said}"), caught.value.message
