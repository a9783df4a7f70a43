"""JSON Schema (Draft 2020-12) for agent.yaml and platform.yaml, from the models."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from agentctl.spec.models import Agent, Platform

SCHEMA_BASE_URL = "https://agentctl.dev/schemas/v1alpha1"


def schema_for(which: str) -> dict[str, Any]:
    model: type[BaseModel] = Agent if which == "agent" else Platform
    schema = model.model_json_schema(by_alias=True, mode="validation")
    out: dict[str, Any] = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"{SCHEMA_BASE_URL}/{which}.json",
    }
    out.update(schema)
    out["title"] = {
        "agent": "agentctl Agent (agent.yaml)",
        "platform": "agentctl Platform (platform.yaml)",
    }[which]
    return out
