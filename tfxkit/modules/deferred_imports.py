"""Import `tfx.components` without running its `__init__` until something asks the package itself for a name.

tfxkit takes every TFX component from its own module (`tfx.components.statistics_gen.component`,
...), but Python runs a package's `__init__` before any of its submodules, and
`tfx.components`' imports all sixteen components: InfraValidator's serving clients
(1.0 s here) and the Tuner's KerasTuner (2.0 s) among them, in every run, tuned or not.
Deferred, a run imports the components it has; `from tfx.components import X`
(or any other name asked of the package) still works: it runs the real `__init__` then.
"""

from __future__ import annotations

import importlib.util
import sys
import types

PACKAGE = "tfx.components"


class _DeferredPackage(types.ModuleType):
    """A package whose `__init__` runs at the first name not already set on it (its submodules are)."""

    def __getattr__(self, name: str):
        if not self.__dict__.get("_init_ran"):
            self.__dict__["_init_ran"] = True
            self.__spec__.loader.exec_module(self)
            return getattr(self, name)
        raise AttributeError(f"module {self.__name__!r} has no attribute {name!r}")


def defer_tfx_components() -> None:
    """Put a deferred `tfx.components` in `sys.modules`; nothing if it is already imported."""
    if PACKAGE in sys.modules:
        return
    spec = importlib.util.find_spec(PACKAGE)  # imports the parent `tfx`, which is small
    package = _DeferredPackage(PACKAGE)
    package.__spec__ = spec
    package.__loader__ = spec.loader
    package.__file__ = spec.origin
    package.__path__ = list(spec.submodule_search_locations)
    package.__package__ = PACKAGE
    sys.modules[PACKAGE] = package
    setattr(sys.modules["tfx"], "components", package)
