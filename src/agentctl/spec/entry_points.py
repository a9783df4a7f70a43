"""Whether an installed distribution may declare entry points of a group, without
``importlib.metadata``.

Looking for entry points with ``importlib.metadata`` imports it (and the email
package under it) and parses every distribution's ``entry_points.txt``; when no
file names the group, that work finds nothing. ``declared`` reads the same
files as text and answers "maybe" (True) whenever it cannot be sure, so a
caller that skips the search on False skips only a search that would have
found nothing.
"""

import os
import sys
from importlib.machinery import PathFinder

PYDANTIC_GROUP = "pydantic"


def declared(group: str) -> bool:
    """Whether a distribution on ``sys.path`` may declare entry points in ``group``.

    A path entry that is not a directory (a zip), an egg, or a finder other than
    the path finder that can list distributions is left to ``importlib.metadata``
    (True). Distribution directories are matched as it matches them, whatever
    the case of their suffix.
    """
    needle = f"[{group}]"
    for finder in sys.meta_path:
        if finder is not PathFinder and hasattr(finder, "find_distributions"):
            return True
    for entry in sys.path:
        if entry.lower().endswith(".egg"):
            return True
        try:
            with os.scandir(entry or ".") as found:
                dists = [
                    d.path for d in found if d.name.lower().endswith((".dist-info", ".egg-info"))
                ]
        except NotADirectoryError:
            return True
        except OSError:
            continue
        for dist in dists:
            try:
                with open(os.path.join(dist, "entry_points.txt"), encoding="utf-8") as f:
                    if needle in f.read():
                        return True
            except UnicodeDecodeError:
                return True  # importlib.metadata reports what is wrong with it
            except OSError:
                continue
    return False


def skip_empty_pydantic_plugin_search() -> None:
    """Spare pydantic its plug-in search when no distribution declares a plug-in.

    As it builds its first model class, pydantic looks for plug-ins: every
    distribution's entry points, through ``importlib.metadata`` (about 10 ms of
    CPU). When no ``entry_points.txt`` names the ``pydantic`` group, that search
    finds nothing, and its result (no plug-in) is recorded here instead. With a
    plug-in declared, or once pydantic has searched, nothing changes: users'
    plug-ins see agentctl's models as before. A pydantic without this private
    loader state searches as it always does.
    """
    try:
        from pydantic.plugin import _loader
    except ImportError:  # the loader moved: pydantic's own search runs
        return
    if getattr(_loader, "_plugins", False) is None and not declared(PYDANTIC_GROUP):
        _loader._plugins = {}
