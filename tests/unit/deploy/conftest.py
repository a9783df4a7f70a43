"""Connections of these tests go where their kubeconfigs say: no proxy, no in-cluster account."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _no_proxy_no_cluster(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    for name in ("http_proxy", "https_proxy", "all_proxy", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
