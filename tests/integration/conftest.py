"""Fixtures shared by the integration tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.fakes.kube_api import FakeKube
from tests.fakes.kube_fixtures import running_fake


@pytest.fixture
def kube(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeKube]:
    """The Kubernetes API fake on loopback, with a kubeconfig naming it (in-cluster
    configuration switched off, so a CI runner inside a pod does not leak in)."""
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    with running_fake(tmp_path, monkeypatch) as fake:
        yield fake
