"""Fixtures and helpers for tests against the fake Kubernetes API (import the fixtures you use)."""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.fakes.kube_api import FakeKube

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"


def fast_retry():  # type: ignore[no-untyped-def]
    from agentctl.deploy.retry import RetryPolicy

    return RetryPolicy(attempts=10, base=0.001, cap=0.01)


def client_for(kubeconfig: Path, *, workers: int = 16, retry=None, connect_timeout: float = 2.0):  # type: ignore[no-untyped-def]
    from agentctl.deploy.client import ConnectOptions, connect

    return connect(
        ConnectOptions(
            kubeconfig=str(kubeconfig),
            max_workers=workers,
            retry=retry or fast_retry(),
            connect_timeout=connect_timeout,
        )
    )


def project(tmp_path: Path, example: str = "research-assistant", *, platform: bool = True) -> Path:
    """A copy of an example agent project (with the example platform.yaml) that tests may edit."""
    dest = tmp_path / "projects" / example
    dest.mkdir(parents=True)
    shutil.copy(EXAMPLES / example / "agent.yaml", dest / "agent.yaml")
    if platform:
        shutil.copy(EXAMPLES / "platform.yaml", dest / "platform.yaml")
    (dest / ".git").mkdir()  # stop the platform.yaml search at the project
    return dest


@contextlib.contextmanager
def running_fake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, **kw: Any) -> Iterator[FakeKube]:
    """A running fake API server with KUBECONFIG pointing at it (wrap it in a fixture)."""
    fake = FakeKube(**kw).start()
    kubeconfig = fake.write_kubeconfig(tmp_path / "kube" / "config")
    monkeypatch.setenv("KUBECONFIG", str(kubeconfig))
    try:
        yield fake
    finally:
        fake.stop()


def tempo_service(kube: FakeKube, spec: dict[str, Any]) -> None:
    """Namespace observability and its Service tempo of ``spec``."""
    kube.apply_as(
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "observability"}}, "test"
    )
    kube.apply_as(
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "tempo", "namespace": "observability"},
            "spec": spec,
        },
        "test",
    )
