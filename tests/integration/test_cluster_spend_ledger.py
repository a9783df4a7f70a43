"""dailyUSD across replicas that share no volume: the day's spend in one ConfigMap in the cluster.

The tool-service scaffold with ``dailyLedger: cluster`` is deployed to the fake
API server; then runtime processes (two replicas at once, then a restarted
one) book and read the day's spend through the API with the pod's token, as
they would in the cluster.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.cli.helpers import run_cli
from tests.conftest import EXAMPLES
from tests.fakes.kube_api import DEFAULT_TOKEN, FakeKube
from tests.fakes.kube_fixtures import running_fake
from tests.fakes.ports import refused_port

pytestmark = [pytest.mark.slow, pytest.mark.agent_runtime]

BOOK = """
import sys
from rates._runtime.cluster_ledger import ClusterLedger
ledger = ClusterLedger.from_env()
for _ in range(int(sys.argv[1])):
    ledger.add(0.01)
"""

CHECK = """
from rates._runtime import GuardrailExceeded, Settings
from rates._runtime.cluster_ledger import ClusterLedger
from rates._runtime.guardrails import RunGuard
ledger = ClusterLedger.from_env()
guard = RunGuard(Settings.from_env(), ledger=ledger)
try:
    guard.check_daily()
    print("allowed", ledger.spent())
except GuardrailExceeded as exc:
    print("refused", ledger.spent(), exc.policy)
"""


@pytest.fixture
def kube(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeKube]:
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    monkeypatch.delenv("AGENTCTL_CRD_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    with running_fake(tmp_path, monkeypatch) as fake:
        yield fake


def test_replicas_and_a_restart_share_one_day_of_spend(kube: FakeKube, tmp_path: Path) -> None:
    assert run_cli("init", "rates", "-t", "tool-service", "--no-input").exit_code == 0
    project = tmp_path / "rates"
    spec = project / "agent.yaml"
    spec.write_text(
        spec.read_text().replace("dailyUSD: 5}", "dailyUSD: 0.40, dailyLedger: cluster}")
    )
    shutil.copy(EXAMPLES / "platform.yaml", project / "platform.yaml")
    (project / ".git").mkdir()
    deployed = run_cli("deploy", str(project), "--no-wait")
    assert deployed.exit_code == 0, deployed.stderr
    (config,) = [c for c in kube.list("ConfigMap") if c["metadata"]["name"] == "rates-config"]
    ns = config["metadata"]["namespace"]
    assert kube.get("ConfigMap", ns, "rates-spend") is not None
    role = kube.get("Role", ns, "rates-spend")
    assert role is not None and role["rules"][0]["resourceNames"] == ["rates-spend"]
    token = tmp_path / "token"
    token.write_text(DEFAULT_TOKEN)
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(project / "src"),
        **config["data"],  # the pod's envFrom, with AGENT_SPEND_CONFIGMAP
        "K8S_NAMESPACE_NAME": ns,  # the downward API
        "AGENT_KUBE_API": kube.url,  # in a pod: https://$KUBERNETES_SERVICE_HOST:...
        "AGENT_KUBE_TOKEN_FILE": str(token),
        "AGENT_MODEL_PROVIDER": "offline-demo",
        "AGENT_MODEL_NAME": "offline-demo",
    }
    # two replicas book 20 runs of $0.01 each at the same time: no update is lost
    replicas = [
        subprocess.Popen(
            [sys.executable, "-c", BOOK, "20"],
            env=env,
            cwd=project,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    for proc in replicas:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    day = dt.datetime.now(dt.UTC).date().isoformat()
    ledger = kube.get("ConfigMap", ns, "rates-spend")
    assert ledger is not None and float(ledger["data"][f"spend-{day}"]) == pytest.approx(0.40)
    patches = [r for r in kube.requests if r.method == "PATCH" and r.path.endswith("/rates-spend")]
    assert len([r for r in patches if r.status == 200]) == 40
    # a restarted replica sees the day's spend: the budget is used up
    done = subprocess.run([sys.executable, "-c", CHECK], env=env, cwd=project,
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    verdict, spent, policy = done.stdout.split()
    assert (verdict, float(spent), policy) == ("refused", pytest.approx(0.40), "budget_daily")
    # with the API out of reach the day's spend is unknown: the run is refused, not let through
    with refused_port() as port:
        offline = {**env, "AGENT_KUBE_API": f"http://127.0.0.1:{port}"}
        down = subprocess.run([sys.executable, "-c", CHECK], env=offline, cwd=project,
                              capture_output=True, text=True, timeout=120)  # fmt: skip
    assert down.returncode != 0 and "LedgerUnavailable" in down.stderr
