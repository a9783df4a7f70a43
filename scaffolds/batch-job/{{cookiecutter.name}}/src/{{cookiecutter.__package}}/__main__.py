"""Entry point: ``python -m {{ cookiecutter.__package }} report [--date YYYY-MM-DD]``.

Writes the report for the given day to stdout and, with a memory volume, to
``<memory dir>/reports/<date>.md``. The day is ``--date``, else the ``date`` of
``AGENT_PARAMS`` (``agentctl run -p date=...``), else yesterday (UTC); the
``topic`` of ``AGENT_PARAMS`` steers the report. Exit codes: 0 done, 1 stopped
by a guardrail or failed, 2 bad configuration, parameters or arguments.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import sys

from {{ cookiecutter.__package }}._runtime import ConfigError, GuardrailExceeded, ModelCallError, Settings, telemetry
from {{ cookiecutter.__package }}.report import RunParams, write_report

log = logging.getLogger("{{ cookiecutter.__package }}")


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="{{ cookiecutter.__package }}", description=__doc__.splitlines()[0])
    parser.add_argument("command", nargs="?", default="report", choices=["report"])
    parser.add_argument(
        "--date",
        type=dt.date.fromisoformat,
        help="Day to report on (default: the date in AGENT_PARAMS, else yesterday, UTC).",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    try:
        args = _parse(sys.argv[1:] if argv is None else argv)
    except SystemExit as exc:
        return 0 if exc.code == 0 else 2
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        settings = Settings.from_env()
        params = RunParams.from_settings(settings)
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    day = args.date or params.date or (dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1))
    telemetry.setup(settings)
    try:
        outcome = write_report(settings, day, topic=params.topic)
    except GuardrailExceeded as exc:
        print(f"stopped by guardrail {exc.policy}: {exc}", file=sys.stderr)
        return 1
    except ModelCallError as exc:
        print(exc, file=sys.stderr)
        return 1
    except ConfigError as exc:  # e.g. a tool agent.yaml does not declare
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    except Exception:
        log.exception("the report failed")
        return 1
    finally:
        telemetry.shutdown()
    sys.stdout.write(outcome["report"])
    run = outcome["run"]
    log.info(
        "report for %s%s: %d steps, %d tool calls, $%.6f%s",
        outcome["date"],
        f" (topic: {outcome['topic']})" if outcome["topic"] else "",
        run["steps"],
        run["tool_calls"],
        run["cost_usd"],
        f", saved to {outcome['saved']}" if outcome["saved"] else "",
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
