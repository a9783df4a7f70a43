"""Coerce command-line values without building a pydantic TypeAdapter per parameter.

typer (>= 0.2x) coerces every parameter that has a value, defaults included,
through a pydantic ``TypeAdapter`` built on first use: importing pydantic and
building the adapters costs more than the rest of a trivial command. The
parameters agentctl declares are plain (str, int, float, Path, an Enum or
Literal choice, lists of those, or a value made by a ``parser``), and their
values are mostly defaults of the right type already, so :func:`install` gives
each such parameter a coercion
that handles the plain cases directly and hands everything else (a value that
needs conversion rules or fails) to typer's own pydantic-based coercion, which
then produces exactly the value or error message it always did.

Older typer versions (no ``typer._coercion``) coerce through click types and
never build adapters: there :func:`install` does nothing.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Any

try:
    from typer import _coercion, _param_types
except ImportError:  # pragma: no cover - typer < 0.2x: click types, no adapters
    _coercion = None  # type: ignore[assignment]
    _param_types = None  # type: ignore[assignment]

_MISS = object()


def install(command: Any) -> None:
    """Give ``command``'s parameters (and its subcommands') the direct coercion."""
    if _coercion is None:  # pragma: no cover
        return
    for param in getattr(command, "params", []):
        _install_one(param)
    if not getattr(command, "_direct_coercion", False):
        command._direct_coercion = True
        help_option = command.get_help_option

        def get_help_option(ctx: Any) -> Any:  # made per context, coerced like the rest
            option = help_option(ctx)
            if option is not None:
                _install_one(option)
            return option

        command.get_help_option = get_help_option
    for sub in getattr(command, "commands", {}).values():
        install(sub)


def _install_one(param: Any) -> None:
    descriptor = getattr(param, "type_descriptor", None)
    if descriptor is None or getattr(param, "_runtime_param", _MISS) is not None:
        return
    fast = _direct(descriptor)
    if fast is not None:
        runtime = _runtime_param_class()(
            parameter_info=descriptor.parameter_info, annotation=descriptor.annotation
        )
        object.__setattr__(runtime, "descriptor", descriptor)  # frozen, as typer's own
        object.__setattr__(runtime, "direct", fast)
        param._runtime_param = runtime


def _direct(descriptor: Any) -> Any:
    """A function value -> coerced value (or ``_MISS``) for a plain parameter, else None."""
    info = descriptor.parameter_info
    if descriptor.is_file or getattr(info, "click_type", None):
        return None
    annotation = descriptor.annotation
    if getattr(annotation, "__origin__", None) is list:
        (item,) = annotation.__args__
        leaf = _leaf(item, info)
        if leaf is None:
            return None

        def each(value: Any, ctx: Any, param: Any) -> Any:
            if not isinstance(value, list | tuple):
                return _MISS
            out = [leaf(v, ctx, param) for v in value]
            return _MISS if any(v is _MISS for v in out) else out

        return each
    return _leaf(annotation, info)


def _leaf(annotation: Any, info: Any) -> Any:
    if info.parser is not None:
        if getattr(annotation, "__origin__", None) is tuple:
            # typer parses each of a tuple's values: a given one is left to it
            return lambda value, ctx, param: _MISS
        # typer's adapter for a parameter with a parser calls the parser and keeps what it
        # returns, whatever the annotation; a parser that raises is left to typer (it is
        # called again there, and its error reported or raised exactly as typer does).
        parser = info.parser

        def parsed(value: Any, ctx: Any, param: Any) -> Any:
            try:
                return parser(value)
            except Exception:
                return _MISS

        return parsed
    if annotation is str or annotation is bool:
        return lambda value, ctx, param: value if type(value) is annotation else _MISS
    if annotation is int or annotation is float:
        low, high = info.min, info.max

        def number(value: Any, ctx: Any, param: Any) -> Any:
            if annotation is int and type(value) is str and value.isascii() and value.isdigit():
                value = int(value)
            if type(value) is not annotation:
                return _MISS
            if (low is not None and value < low) or (high is not None and value > high):
                return _MISS  # out of range: typer clamps or reports it
            return value

        return number
    choice = _param_types.choice_coercion_annotation(annotation, info)
    if choice is not None:
        choices, case_sensitive = choice

        def pick(value: Any, ctx: Any, param: Any) -> Any:
            if not isinstance(value, str | Enum):
                return _MISS
            try:
                return _param_types.coerce_cli_choice(
                    value, choices=choices, case_sensitive=case_sensitive, ctx=ctx
                )
            except ValueError as exc:
                if not isinstance(value, str):
                    return _MISS
                # typer's words ("'x' is not one of 'text', 'json'."), as click's Choice
                # (typer < 0.2x) says them, without pydantic's "Value error, " before
                # them, and the value cut as every error line cuts what it echoes
                from agentctl.errors import echoed

                message = str(exc).replace(repr(value), echoed(value), 1)
                raise _coercion.BadParameter(message, ctx=ctx, param=param) from None

        return pick
    if _param_types.routes_to_path(annotation, info):
        path_type = info.path_type
        if path_type is None and isinstance(annotation, type) and issubclass(annotation, Path):
            path_type = annotation
        if path_type not in (None, str, Path):
            return None

        def path(value: Any, ctx: Any, param: Any) -> Any:
            if path_type is Path and type(value) is str and value:
                value = Path(value)
            elif not isinstance(value, str | Path):
                return _MISS
            try:
                return _param_types.coerce_cli_path(
                    value, info, path_type=path_type, param=param, ctx=ctx
                )
            except Exception:  # the full coercion reports it, exactly as typer does
                return _MISS

        return path
    return None


_CLASS: list[type] = []


def _runtime_param_class() -> type:
    """A ``RuntimeParam`` that tries the direct coercion, then typer's own.

    Not a dataclass of its own (generating one costs more than a trivial
    command): ``descriptor`` and ``direct`` are set on each instance.
    """
    if _CLASS:
        return _CLASS[0]

    class DirectRuntimeParam(_coercion.RuntimeParam):
        descriptor: Any
        direct: Any

        def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
            rv = self.direct(value, ctx, param)
            if rv is not _MISS:
                return rv
            full = _coercion.build_runtime_param(self.descriptor)
            return full._coerce_value(value, param=param, ctx=ctx)

    _CLASS.append(DirectRuntimeParam)
    return DirectRuntimeParam


__all__ = ["install"]
