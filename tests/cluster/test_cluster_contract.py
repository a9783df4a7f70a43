"""Contract scenarios against the real control plane; their answers are recorded for the fake's
replay (tests/contract/test_contract_fake.py) when AGENTCTL_RECORD_CONTRACTS=1 (nox -s cluster)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import pytest
from tests.contract import scenarios
from tests.fakes.kube_fixtures import client_for

pytestmark = [pytest.mark.cluster]


@pytest.mark.parametrize("scenario", sorted(scenarios.SCENARIOS))
def test_contract_scenario_on_the_real_server(cluster_kubeconfig: Path, scenario: str) -> None:
    ns = f"agentctl-contract-{secrets.token_hex(4)}"
    with client_for(cluster_kubeconfig) as client:
        try:
            got = scenarios.answer(client, scenario, ns)
            version = client.version()
        finally:
            client.delete(scenarios.NS, None, ns)
    assert (got["status"], got["reason"]) == scenarios.EXPECTED[scenario], got
    if os.environ.get("AGENTCTL_RECORD_CONTRACTS") == "1":
        scenarios.record(scenario, got, version)
    real = scenarios.recorded(scenario)
    if real is not None:  # the recording in the repository still describes this server
        assert (got["status"], got["reason"], got["lines"]) == (
            real["status"],
            real["reason"],
            real["lines"],
        )
