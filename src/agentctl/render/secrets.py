"""One ExternalSecret per declared secret: values live in the secret store, never in a manifest."""

from __future__ import annotations

from typing import Any

from agentctl.render.context import Ctx
from agentctl.render.env import secret_object_name

ESO_API_VERSION = "external-secrets.io/v1"


def render_external_secrets(ctx: Ctx) -> None:
    stores = ctx.platform.secret_stores
    for i, secret in enumerate(ctx.spec.secrets):
        name = secret_object_name(ctx, secret)
        store = stores.get(secret.store)
        remote: dict[str, Any] = {"key": secret.remote_ref.key}
        if secret.remote_ref.version:
            remote["version"] = secret.remote_ref.version
        if secret.remote_ref.property:
            remote["property"] = secret.remote_ref.property
        obj = {
            "apiVersion": ESO_API_VERSION,
            "kind": "ExternalSecret",
            "metadata": ctx.meta(name),
            "spec": {
                "refreshInterval": secret.refresh_interval,
                "secretStoreRef": {
                    "name": secret.store,
                    "kind": store.kind if store else "ClusterSecretStore",
                },
                "target": {"name": name, "creationPolicy": "Owner", "deletionPolicy": "Retain"},
                "data": [{"secretKey": "value", "remoteRef": remote}],
            },
        }
        base = ("spec", "secrets", i)
        ctx.add(
            obj,
            "secrets",
            base,
            {
                "spec.secretStoreRef": (*base, "store"),
                "spec.data": (*base, "remoteRef"),
                "spec.refreshInterval": (*base, "refreshInterval"),
            },
        )
