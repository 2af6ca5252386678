"""Modules whose code runs at the first name something asks of them, not when they are imported.

Python runs a module's code when it is imported, and the TFX stack imports much that a
run never uses:
- `tfx.components`' `__init__` imports all sixteen components: InfraValidator's serving
  clients (1.0 s here) and the Tuner's KerasTuner (2.0 s) among them, in every run, tuned
  or not. tfxkit takes each component from its own module
  (`tfx.components.statistics_gen.component`, ...), so a run imports the components it has.
- `apache_beam.io`'s `__init__` imports Beam's BigQuery and Pub/Sub connectors, which
  import Google's BigQuery, BigQuery Storage and Pub/Sub clients; TensorFlow's GCE cluster
  resolver imports Google's API discovery client. Their libraries touch these modules only
  inside functions (a BigQuery read or write, a Pub/Sub message, a GCE cluster lookup), so
  deferred, the first such use runs the module's code and everything still works. Together
  they were 0.7-1.3 s of what a penguin run imports (bench/README.md).
Modules a library uses at import time (a base class, an annotation) cannot be deferred:
nltk (TFMA's ROUGE metric) and IPython (TFMA's notebook widget) are among them.
A deferred package runs its `__init__` before any of its submodules, as it would have;
only `tfx.components`' submodules import without it.
"""

from __future__ import annotations

import importlib.util
import sys
import threading
import types

COMPONENTS = "tfx.components"  # tfxkit imports each component's own module, never the package's names
DEFERRED = (
    COMPONENTS,
    "google.cloud.bigquery",
    "google.cloud.bigquery_storage_v1",
    "google.cloud.pubsub",
    "googleapiclient.discovery",
)


class _DeferredModule(types.ModuleType):
    """A module whose code runs at the first name asked of it that is not already set on it.

    For a package, the import system asking for `__path__` (to import a submodule) is such a
    name, so the package's code runs first as it would have, unless the package was deferred
    with `submodules_first`: then its submodules import without it.
    """

    def __getattr__(self, name: str):
        if name == "__path__" and "_tfxkit_path" not in self.__dict__:
            raise AttributeError(name)  # asked by the import system of a module that is not a package
        with self.__dict__["_tfxkit_lock"]:  # one thread runs the code; another asking meanwhile waits for it
            if not self.__dict__.get("_tfxkit_ran"):
                self.__dict__["_tfxkit_ran"] = True
                path = self.__dict__.pop("_tfxkit_path", None)
                if path is not None:
                    self.__path__ = path
                try:
                    self.__spec__.loader.exec_module(self)
                except BaseException:  # as a failed import leaves no module: the next name asked tries again
                    self.__dict__["_tfxkit_ran"] = False
                    if path is not None:
                        self.__dict__["_tfxkit_path"] = self.__dict__.pop("__path__")
                    raise
                return getattr(self, name)
        raise AttributeError(f"module {self.__name__!r} has no attribute {name!r}")


def defer(name: str, *, submodules_first: bool = False) -> None:
    """Put a deferred `name` in `sys.modules`; nothing if it is already imported or not installed."""
    if name in sys.modules:
        return
    parent, _, child = name.rpartition(".")
    try:
        spec = importlib.util.find_spec(name)  # imports the parents, which are small
    except ImportError:
        return
    if spec is None or spec.loader is None:
        return
    module = _DeferredModule(name)
    module._tfxkit_lock = threading.RLock()
    module.__spec__ = spec
    module.__loader__ = spec.loader
    module.__file__ = spec.origin
    package = spec.submodule_search_locations is not None
    module.__package__ = name if package else parent
    if package and submodules_first:
        module.__path__ = list(spec.submodule_search_locations)
    elif package:
        module._tfxkit_path = list(spec.submodule_search_locations)
    sys.modules[name] = module
    if parent:
        setattr(sys.modules[parent], child, module)


def defer_imports() -> None:
    """Defer every module in `DEFERRED`; call it before anything imports them."""
    for name in DEFERRED:
        defer(name, submodules_first=name == COMPONENTS)
