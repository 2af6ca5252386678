"""Beam's DoFn argument introspection, computed once per function instead of at every ask.

Beam's Python SDK reads a DoFn's method arguments (`inspect.signature`, through
`apache_beam.transforms.core.get_function_args_defaults`) for every method the DoFn
has, each time it asks whether the DoFn is stateful: when the ParDo is made, when
the pipeline becomes a proto, when the DirectRunner checks what it supports, and
again when each bundle processor is built. A tf.Transform pipeline has a few hundred
ParDos, so this was 5% of a penguin run (1.4 s of 26 s under py-spy,
bench/README.md). A function's arguments and defaults do not change while it
lives, and a bound method's are its function's less the first, whatever the
instance, so the answer is kept per function. Beam's own change proposing the
same memo (apache/beam#9925) was never merged.

Other callables (callable objects, `functools.partial`, builtins) are asked every
time, as Beam does; the memo holds functions weakly, so it keeps none alive.
"""

from __future__ import annotations

import types
import weakref
from typing import Any, Callable

_ArgsDefaults = tuple[list[str], list[Any]]


def _memoized(ask: Callable[[Any], _ArgsDefaults]) -> Callable[[Any], _ArgsDefaults]:
    plain: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
    bound: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def get_function_args_defaults(f: Any) -> _ArgsDefaults:
        if isinstance(f, types.MethodType) and isinstance(f.__func__, types.FunctionType):
            memo, key = bound, f.__func__
        elif isinstance(f, types.FunctionType):
            memo, key = plain, f
        else:
            return ask(f)
        if key not in memo:
            memo[key] = ask(f)
        args, defaults = memo[key]
        return list(args), list(defaults)  # callers get their own lists, as from Beam's

    get_function_args_defaults.__wrapped__ = ask  # type: ignore[attr-defined]
    return get_function_args_defaults


def memoize_dofn_introspection() -> None:
    """Make Beam's `get_function_args_defaults` ask once per function; a second call changes nothing."""
    from apache_beam.transforms import core

    if not hasattr(core.get_function_args_defaults, "__wrapped__"):
        core.get_function_args_defaults = _memoized(core.get_function_args_defaults)
