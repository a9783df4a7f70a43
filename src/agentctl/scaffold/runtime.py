"""Modules of the agent runtime that agentctl itself runs, loaded from the one copy it ships.

The runtime (``scaffolds/_shared/runtime``) is vendored into every generated
project, so that is where its code lives. A few of its modules are
self-contained (standard library only, no relative imports) so agentctl can
run exactly the same code over stored traces: the groundedness check is one.
They are loaded by path from the built-in templates, never copied.
"""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType

from agentctl.errors import UsageError
from agentctl.scaffold.catalog import SHARED_DIR, builtin_root

# The runtime modules that are self-contained and so may be loaded on their own.
STANDALONE = frozenset({"groundedness"})


def runtime_module(name: str) -> ModuleType:
    """The runtime's ``name`` module, loaded once from the built-in templates."""
    if name not in STANDALONE:
        raise UsageError(f"runtime module {name!r} cannot be loaded on its own")
    qualified = f"agentctl._runtime_{name}"
    loaded = sys.modules.get(qualified)
    if loaded is not None:
        return loaded
    path = builtin_root() / SHARED_DIR / "runtime" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(qualified, path)
    if spec is None or spec.loader is None or not path.is_file():
        raise UsageError(
            f"{path}: the runtime's {name} module is missing from this agentctl installation",
            hint="reinstall agentctl; a wheel carries the runtime under agentctl/_scaffolds",
        )
    module = importlib.util.module_from_spec(spec)
    sys.modules[qualified] = module  # dataclasses resolve their module while executing it
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(qualified, None)
        raise
    return module
