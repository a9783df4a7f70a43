"""The policy gate: the check catalogue and the engine that runs it.

Pure logic: reads specs and objects, returns findings; never prints or exits.
Organisation plug-ins build :class:`Check` objects (see docs/reference/checks.md).
"""

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from agentctl.policy.model import Check, Finding, Hit, Obj, Severity, Unit

__all__ = ["Check", "Finding", "Hit", "Obj", "Severity", "Unit"]


def __getattr__(name: str) -> Any:
    # The model is loaded on first use: `agentctl checks` lists the catalogue
    # (agentctl.policy.catalogue) without it.
    if name in __all__:
        from agentctl.policy import model

        return getattr(model, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
