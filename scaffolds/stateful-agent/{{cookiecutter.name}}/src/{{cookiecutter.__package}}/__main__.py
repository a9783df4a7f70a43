"""Entry point: ``python -m {{ cookiecutter.__package }}`` serves the HTTP API.

``python -m {{ cookiecutter.__package }} ask "question"`` runs one request
without the server (handy with AGENT_MODEL_PROVIDER=offline-demo).
"""

from __future__ import annotations

import json
import logging
import sys

from {{ cookiecutter.__package }}._runtime import ConfigError, GuardrailExceeded, ModelCallError, Settings, telemetry
from {{ cookiecutter.__package }}.agent import Assistant
from {{ cookiecutter.__package }}.server import make_server


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        settings = Settings.from_env()
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    telemetry.setup(settings)
    try:
        try:
            assistant = Assistant(settings)
        except ConfigError as exc:  # e.g. a tool agent.yaml does not declare
            print(f"configuration error: {exc}", file=sys.stderr)
            return 2
        if args[:1] == ["ask"]:
            task = " ".join(args[1:]) or settings.task
            if not task:
                print("usage: ask QUESTION", file=sys.stderr)
                return 2
            try:
                print(json.dumps(assistant.ask(task), indent=2))
            except GuardrailExceeded as exc:
                print(f"stopped by guardrail {exc.policy}: {exc}", file=sys.stderr)
                return 1
            except ModelCallError as exc:
                print(exc, file=sys.stderr)
                return 1
            return 0
        make_server(settings, assistant).serve()
        return 0
    finally:
        telemetry.shutdown()


if __name__ == "__main__":
    sys.exit(main())
