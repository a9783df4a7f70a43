"""Entry point: ``python -m {{ cookiecutter.__package }}`` serves the tools over HTTP.

``python -m {{ cookiecutter.__package }} call TOOL '{"json": "arguments"}'`` runs one tool;
``python -m {{ cookiecutter.__package }} ask "question"`` asks the agent once.
"""

from __future__ import annotations

import json
import logging
import sys

from {{ cookiecutter.__package }}._runtime import Agent, ConfigError, GuardrailExceeded, Settings, telemetry
from {{ cookiecutter.__package }}.server import SYSTEM_PROMPT, make_server
from {{ cookiecutter.__package }}.tools import build_toolbox


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        settings = Settings.from_env()
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    telemetry.setup(settings)
    toolbox = build_toolbox()
    try:
        if args[:1] == ["call"] and len(args) in (2, 3):
            result = toolbox.execute(args[1], args[2] if len(args) == 3 else "{}")
            print(result.content)
            return 0 if result.ok else 1
        try:
            agent = Agent(settings, toolbox, SYSTEM_PROMPT)
        except ConfigError as exc:  # e.g. a tool agent.yaml does not declare
            print(f"configuration error: {exc}", file=sys.stderr)
            return 2
        if args[:1] == ["ask"]:
            try:
                print(json.dumps(agent.run(" ".join(args[1:]) or settings.task or "").to_dict(), indent=2))
            except GuardrailExceeded as exc:
                print(f"stopped by guardrail {exc.policy}: {exc}", file=sys.stderr)
                return 1
            return 0
        if args:
            print("usage: [call TOOL [JSON] | ask QUESTION]", file=sys.stderr)
            return 2
        make_server(settings, toolbox, agent).serve()
        return 0
    finally:
        telemetry.shutdown()


if __name__ == "__main__":
    sys.exit(main())
