"""The policy gate: the check catalogue and the engine that runs it.

Pure logic: reads specs and objects, returns findings; never prints or exits.
Organisation plug-ins build :class:`Check` objects (see docs/reference/checks.md).
"""

from agentctl.policy.model import Check, Finding, Hit, Obj, Severity, Unit

__all__ = ["Check", "Finding", "Hit", "Obj", "Severity", "Unit"]
