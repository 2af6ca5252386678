"""Test harness, loaded by `python` when this folder is on PYTHONPATH, so that an e2e test can stop a run
at a chosen moment:
- TFXKIT_TEST_SLOW_PUSH=SECONDS: the Pusher's copy inside its hidden `.<version>.push` claim stops half-way (one file
  written) for that long, to kill -9 the run mid-push and check that no partial model is ever visible.
- TFXKIT_TEST_SLOW_EXAMPLE_GEN=SECONDS: CsvExampleGen's executor waits that long before it reads, so that
  the component is surely RUNNING in MLMD when the signal comes (it takes about a second on the penguins)."""

import importlib.abc
import importlib.util
import os
import shutil
import sys
import time

if os.environ.get("TFXKIT_TEST_SLOW_PUSH"):
    _copytree = shutil.copytree

    def _slow_copytree(src, dst, *args, **kwargs):
        if os.path.basename(os.path.dirname(dst)).endswith(".push"):
            os.makedirs(dst)
            shutil.copy2(os.path.join(src, "saved_model.pb"), dst)
            time.sleep(float(os.environ["TFXKIT_TEST_SLOW_PUSH"]))
            shutil.rmtree(dst)
        return _copytree(src, dst, *args, **kwargs)

    shutil.copytree = _slow_copytree


class _SlowExampleGen(importlib.abc.MetaPathFinder):
    """Wraps the executor's Do() once tfxkit.components.csv_example_gen.executor is imported (by the real loader)."""

    MODULE = "tfxkit.components.csv_example_gen.executor"

    def find_spec(self, name, path, target=None):
        if name != self.MODULE:
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        load = spec.loader.exec_module

        def exec_module(module):
            load(module)
            do = module.CommaExecutor.Do

            def slow_do(self, *args, **kwargs):
                time.sleep(float(os.environ["TFXKIT_TEST_SLOW_EXAMPLE_GEN"]))
                return do(self, *args, **kwargs)

            module.CommaExecutor.Do = slow_do  # every delimiter's executor inherits it

        spec.loader.exec_module = exec_module
        return spec


if os.environ.get("TFXKIT_TEST_SLOW_EXAMPLE_GEN"):
    sys.meta_path.insert(0, _SlowExampleGen())
