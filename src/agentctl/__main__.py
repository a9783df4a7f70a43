"""The ``agentctl`` entry point (also ``python -m agentctl``).

Importing the CLI takes a noticeable fraction of a second; a Ctrl-C during it is
an interruption like any other (exit 130, one line), never a traceback.
"""

from __future__ import annotations

import sys


def main() -> None:
    try:
        from agentctl.cli.app import main as run
    except KeyboardInterrupt:
        from agentctl.errors import EXIT_INTERRUPTED

        sys.stderr.write("Interrupted.\n")
        sys.exit(EXIT_INTERRUPTED)
    run()


if __name__ == "__main__":
    main()
