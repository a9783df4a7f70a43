"""The API fake answers every contract scenario as kube-apiserver does: the status and reason
its validation and admission code give (checked against a real server by the cluster tests),
and, for every answer recorded from a real server (tests/contract/recorded/, re-recorded by
`nox -s cluster`), the very same explained error."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.contract import scenarios
from tests.fakes.kube_api import FakeKube
from tests.fakes.kube_fixtures import client_for


@pytest.fixture
def fake(tmp_path: Path) -> Iterator[FakeKube]:
    with FakeKube() as kube:
        kube.write_kubeconfig(tmp_path / "kubeconfig")
        yield kube


def on_fake(fake: FakeKube, scenario: str) -> dict[str, Any]:
    assert fake.kubeconfig is not None
    with client_for(fake.kubeconfig) as client:
        return scenarios.answer(client, scenario, "contract-ns")


def test_every_scenario_has_an_expected_answer() -> None:
    assert sorted(scenarios.EXPECTED) == sorted(scenarios.SCENARIOS)
    assert set(scenarios.recordings()) <= set(scenarios.SCENARIOS)


@pytest.mark.parametrize("scenario", sorted(scenarios.SCENARIOS))
def test_the_fake_answers_as_kubernetes_does(fake: FakeKube, scenario: str) -> None:
    got = on_fake(fake, scenario)
    assert (got["status"], got["reason"]) == scenarios.EXPECTED[scenario], got


@pytest.mark.parametrize("scenario", scenarios.recordings())
def test_the_fake_replays_the_real_servers_answer(fake: FakeKube, scenario: str) -> None:
    real = scenarios.recorded(scenario)
    assert real is not None
    got = on_fake(fake, scenario)
    assert (got["status"], got["reason"], got["lines"]) == (
        real["status"],
        real["reason"],
        real["lines"],
    )
