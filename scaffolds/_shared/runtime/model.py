"""The chat model client: any OpenAI-compatible endpoint, or the offline demo."""

from __future__ import annotations

import logging
from typing import Any

from . import demo_model
from .config import Settings

log = logging.getLogger("agent_runtime")


def make_client(settings: Settings) -> Any:
    """An ``openai.OpenAI`` client for ``AGENT_MODEL_*`` (in-process for ``offline-demo``)."""
    import openai

    if settings.offline:
        return demo_model.client()
    key = settings.model_api_key
    if not key:
        log.warning(
            "no API key: AGENT_MODEL_API_KEY_FILE and AGENT_MODEL_API_KEY are unset; "
            "endpoints that need one will answer 401"
        )
    return openai.OpenAI(api_key=key or "unset", base_url=settings.model_base_url, max_retries=2)
