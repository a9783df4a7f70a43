"""The day's spend kept in the cluster, where every replica, restart and run of the agent sees it.

A file ledger under the memory directory holds ``dailyUSD`` across the
processes that share that directory. Replicas of a Deployment, Jobs and
workflow steps usually share none, so a deployed agent keeps the day's spend
in one ConfigMap (``AGENT_SPEND_CONFIGMAP``, rendered by agentctl with the
agent) instead: ``data["spend-<YYYY-MM-DD>"]`` is the UTC day's total in USD.

Every addition is a read and a merge patch that carries the ``resourceVersion``
it read: the API server refuses it (409 Conflict) when another replica wrote
in between, and the addition is read and tried again, so no update is lost.
The pod's ServiceAccount may only ``get`` and ``patch`` that one ConfigMap
(the rendered Role names it). Only the last few days are kept.

When the API cannot be read the day's spend is unknown, and a run is refused
(:class:`LedgerUnavailable`) rather than let through unchecked; a cost that
could not be booked is kept and booked with the next one.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import random
import ssl
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote

log = logging.getLogger(__name__)

SA_DIR = Path("/var/run/secrets/kubernetes.io/serviceaccount")
KEEP_DAYS = 7
ATTEMPTS = 20
TIMEOUT_SECONDS = 10.0


class LedgerUnavailable(RuntimeError):
    """The day's spend could not be read from the cluster."""


class ClusterLedger:
    """The ``DailyLedger`` interface (``spent``, ``add``) over one ConfigMap."""

    def __init__(
        self,
        name: str,
        namespace: str,
        api: str,
        token_file: Path,
        ca_file: Path | None,
        *,
        today: Callable[[], dt.date] | None = None,
    ) -> None:
        self.name = name
        self.namespace = namespace
        self._url = f"{api.rstrip('/')}/api/v1/namespaces/{quote(namespace)}/configmaps/{quote(name)}"
        self._token_file = token_file
        self._context = (
            ssl.create_default_context(cafile=str(ca_file)) if ca_file is not None and ca_file.exists() else None
        )
        self._today = today or (lambda: dt.datetime.now(dt.UTC).date())
        self._lock = threading.Lock()
        self._pending = 0.0  # booked here, not yet in the cluster

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> ClusterLedger | None:
        """The ledger ``AGENT_SPEND_CONFIGMAP`` names, in the pod's namespace, through the in-cluster
        API (``AGENT_KUBE_API``, ``AGENT_KUBE_TOKEN_FILE`` and ``AGENT_KUBE_CA_FILE`` override the
        service account's defaults, e.g. outside a pod); None when it is not set."""
        env = os.environ if env is None else env
        name = env.get("AGENT_SPEND_CONFIGMAP", "").strip()
        if not name:
            return None
        namespace = env.get("K8S_NAMESPACE_NAME", "").strip()
        if not namespace and (SA_DIR / "namespace").exists():
            namespace = (SA_DIR / "namespace").read_text(encoding="utf-8").strip()
        api = env.get("AGENT_KUBE_API", "").strip()
        if not api:
            host, port = env.get("KUBERNETES_SERVICE_HOST", ""), env.get("KUBERNETES_SERVICE_PORT", "443")
            api = f"https://{'[' + host + ']' if ':' in host else host}:{port}" if host else ""
        if not namespace or not api:
            raise LedgerUnavailable(
                "AGENT_SPEND_CONFIGMAP is set but the pod's namespace or the API server is unknown "
                "(K8S_NAMESPACE_NAME, KUBERNETES_SERVICE_HOST)"
            )
        token = Path(env.get("AGENT_KUBE_TOKEN_FILE", "").strip() or SA_DIR / "token")
        ca = env.get("AGENT_KUBE_CA_FILE", "").strip()
        return cls(name, namespace, api, token, Path(ca) if ca else SA_DIR / "ca.crt")

    # -- the DailyLedger interface -----------------------------------------

    def spent(self) -> float:
        data, _ = self._read()
        with self._lock:
            return _usd(data.get(_key(self._today()))) + self._pending

    def add(self, usd: float) -> float:
        with self._lock:
            self._pending += usd
            amount = self._pending
        try:
            total = self._book(amount)
        except LedgerUnavailable as exc:
            log.warning("the day's spend stays to be booked: %s", exc)
            return amount
        with self._lock:
            self._pending -= amount
        return total

    # -- the API -------------------------------------------------------------

    def _book(self, usd: float) -> float:
        for attempt in range(ATTEMPTS):
            data, version = self._read()
            key = _key(self._today())
            total = round(_usd(data.get(key)) + usd, 9)
            changes: dict[str, Any] = {key: repr(total)}
            for old in data:
                if old.startswith("spend-") and old < _key(self._today() - dt.timedelta(days=KEEP_DAYS)):
                    changes[old] = None  # merge patch: null removes the key
            patch = {"metadata": {"resourceVersion": version}, "data": changes}
            status, _ = self._call("PATCH", json.dumps(patch).encode(), "application/merge-patch+json")
            if status == 200:
                return total
            if status != 409:
                raise LedgerUnavailable(f"{self._where()}: the API server answered HTTP {status} to the update")
            time.sleep(random.uniform(0, 0.02 * (attempt + 1)))  # another replica wrote in between
        raise LedgerUnavailable(f"{self._where()}: still conflicting after {ATTEMPTS} attempts")

    def _read(self) -> tuple[dict[str, str], str]:
        status, body = self._call("GET")
        if status != 200:
            raise LedgerUnavailable(f"{self._where()}: the API server answered HTTP {status}")
        meta = body.get("metadata") or {}
        data = body.get("data") or {}
        return {str(k): str(v) for k, v in data.items()}, str(meta.get("resourceVersion", ""))

    def _call(self, method: str, body: bytes | None = None, ctype: str = "") -> tuple[int, dict[str, Any]]:
        headers = {"Accept": "application/json"}
        try:
            headers["Authorization"] = "Bearer " + self._token_file.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise LedgerUnavailable(f"the service account token cannot be read ({exc.strerror})") from None
        if ctype:
            headers["Content-Type"] = ctype
        request = urllib.request.Request(self._url, body, headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS, context=self._context) as response:
                return response.status, json.loads(response.read(1 << 20) or b"{}")
        except urllib.error.HTTPError as err:
            return err.code, {}
        except (urllib.error.URLError, TimeoutError, OSError, ValueError) as exc:
            raise LedgerUnavailable(f"{self._where()}: {getattr(exc, 'reason', exc)}") from None

    def _where(self) -> str:
        return f"ConfigMap {self.namespace}/{self.name}"


def _key(day: dt.date) -> str:
    return f"spend-{day.isoformat()}"


def _usd(value: str | None) -> float:
    try:
        return max(float(value), 0.0) if value else 0.0
    except ValueError:
        return 0.0
