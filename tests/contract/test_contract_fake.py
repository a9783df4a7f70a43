"""The API fake answers every contract scenario the way kube-apiserver did when recorded
(tests/contract/recorded/, re-recorded by `nox -s cluster`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.contract import scenarios
from tests.fakes.kube_api import FakeKube
from tests.fakes.kube_fixtures import client_for


@pytest.fixture
def fake(tmp_path: Path) -> Iterator[FakeKube]:
    with FakeKube() as kube:
        kube.write_kubeconfig(tmp_path / "kubeconfig")
        yield kube


def test_every_scenario_has_a_recording() -> None:
    assert sorted(p.stem for p in scenarios.RECORDED.glob("*.json")) == sorted(scenarios.SCENARIOS)


@pytest.mark.parametrize("scenario", sorted(scenarios.SCENARIOS))
def test_the_fake_answers_as_the_real_server_did(fake: FakeKube, scenario: str) -> None:
    real = scenarios.recorded(scenario)
    assert real is not None, f"no recording of {scenario}: run `nox -s cluster`"
    assert fake.kubeconfig is not None
    with client_for(fake.kubeconfig) as client:
        got = scenarios.answer(client, scenario, "contract-ns")
    assert (got["status"], got["reason"]) == (real["status"], real["reason"])
    assert got["lines"] == real["lines"]
