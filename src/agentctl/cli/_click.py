"""The click that typer runs on: bundled (typer >= 0.20) or the click package."""

from __future__ import annotations

try:  # typer bundles its own click fork since 0.20
    from typer._click import exceptions as exceptions
    from typer._click.core import Context as Context
    from typer._click.formatting import HelpFormatter as HelpFormatter
    from typer._click.globals import get_current_context as get_current_context
except ImportError:  # pragma: no cover - older typer on top of click
    from click import exceptions as exceptions  # type: ignore[no-redef]
    from click.core import Context as Context  # type: ignore[assignment]
    from click.formatting import HelpFormatter as HelpFormatter  # type: ignore[assignment]
    from click.globals import get_current_context as get_current_context  # type: ignore[no-redef]

__all__ = ["Context", "HelpFormatter", "exceptions", "get_current_context"]
