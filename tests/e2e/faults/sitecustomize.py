"""Test harness, loaded by `python` when this folder is on PYTHONPATH, so that an e2e test can stop a run
at a chosen moment:
- TFXKIT_TEST_SLOW_PUSH=SECONDS: the Pusher's copy inside its hidden `.<version>.push` claim stops half-way (one file
  written) for that long, to kill -9 the run mid-push and check that no partial model is ever visible.
- TFXKIT_TEST_HOLD=NODE and TFXKIT_TEST_HOLD_FILE=PATH: once NODE's execution is registered RUNNING in MLMD, the
  run writes PATH and waits there (an hour at most) instead of running NODE's executor (for a resolver: instead of
  publishing what it resolved), so that the test can signal the run while NODE is surely running, however quick
  NODE is. Any node the launcher runs: a component's executor, a custom component's, a Tuner's, a resolver.
- TFXKIT_TEST_HOLD_EPOCH=N and TFXKIT_TEST_HOLD_FILE=PATH: the Trainer, once it has logged epoch N or a later epoch
  after which its EarlyStopping is waiting (an epoch or more without improvement), writes PATH and waits there: a
  kill then interrupts a training whose early-stopping and learning-rate-plateau counters are under way, with every
  epoch it finished logged and backed up.
- TFXKIT_TEST_HOLD_DOFN=1 and TFXKIT_TEST_HOLD_FILE=PATH: Transform's analysis, in the first batch tf.Transform's
  graph-running DoFn processes, writes PATH and waits there: a Ctrl-C then lands inside a Beam DoFn, whose runner
  catches it and raises a RuntimeError of its own in its place.
- TFXKIT_TEST_HOLD_EVALUATION=1 and TFXKIT_TEST_HOLD_FILE=PATH: the Evaluator's in-process path, once it has written
  its metrics file and before its validation result and blessing, writes PATH and waits there: a kill then leaves
  a partial evaluation behind."""

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


class _AfterImport(importlib.abc.MetaPathFinder):
    """Calls patch(module) once `name` is imported (by its real loader)."""

    def __init__(self, name, patch):
        self.name, self.patch = name, patch

    def find_spec(self, name, path, target=None):
        if name != self.name:
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        load = spec.loader.exec_module

        def exec_module(module):
            load(module)
            self.patch(module)

        spec.loader.exec_module = exec_module
        return spec


def _hold_here(what):
    with open(os.environ["TFXKIT_TEST_HOLD_FILE"], "w") as fh:
        fh.write(f"{what} {os.getpid()}\n")
    time.sleep(3600)  # the test kills the run long before


def _hold(node):
    if node == os.environ.get("TFXKIT_TEST_HOLD"):
        _hold_here(node)


def _hold_executors(module):
    run_executor = module.Launcher._run_executor  # every executor operator's (Python, Beam, ...) way in

    def held(self, execution_info, *args, **kwargs):
        _hold(execution_info.pipeline_node.node_info.id)
        return run_executor(self, execution_info, *args, **kwargs)

    module.Launcher._run_executor = held


def _hold_resolvers(module):
    publish = module.execution_publish_utils.publish_internal_execution

    def held(*args, **kwargs):
        for context in kwargs.get("contexts", ()):  # the node's context is named `<pipeline>.<node>`
            _hold(context.name.rsplit(".", 1)[-1])
        return publish(*args, **kwargs)

    module.execution_publish_utils.publish_internal_execution = held


if os.environ.get("TFXKIT_TEST_HOLD"):
    sys.meta_path.insert(0, _AfterImport("tfx.orchestration.portable.launcher", _hold_executors))
    sys.meta_path.insert(0, _AfterImport("tfx.orchestration.portable.resolver_node_handler", _hold_resolvers))


def _hold_trainer(module):
    stateful = []  # the EarlyStopping and ReduceLROnPlateau callbacks of the training under way
    init = module.ResumeCallbackState.__init__

    def remember(self, backup_dir, callbacks, *args, **kwargs):
        init(self, backup_dir, callbacks, *args, **kwargs)
        stateful[:] = callbacks

    module.ResumeCallbackState.__init__ = remember
    log_epoch = module.LogEpochs.on_epoch_end  # the last of tfxkit's callbacks: every other one saved by then

    def held(self, epoch, logs=None):
        log_epoch(self, epoch, logs)
        if epoch + 1 >= int(os.environ["TFXKIT_TEST_HOLD_EPOCH"]) and any(
                type(c).__name__ == "EarlyStopping" and c.wait > 0 for c in stateful):
            _hold_here(f"Trainer after epoch {epoch + 1}")

    module.LogEpochs.on_epoch_end = held


if os.environ.get("TFXKIT_TEST_HOLD_EPOCH"):
    sys.meta_path.insert(0, _AfterImport("tfxkit.modules.callbacks", _hold_trainer))


def _hold_dofn(module):
    process = module._RunMetaGraphDoFn.process

    def held(self, *args, **kwargs):
        _hold_here("Transform in a Beam DoFn")
        yield from process(self, *args, **kwargs)

    module._RunMetaGraphDoFn.process = held


if os.environ.get("TFXKIT_TEST_HOLD_DOFN"):
    sys.meta_path.insert(0, _AfterImport("tensorflow_transform.beam.impl", _hold_dofn))


def _hold_evaluation(module):
    write_records = module._write_records

    def held(path, records):
        write_records(path, records)
        if os.path.basename(path).startswith("metrics"):
            _hold_here(f"Evaluator after {path}")

    module._write_records = held


if os.environ.get("TFXKIT_TEST_HOLD_EVALUATION"):
    sys.meta_path.insert(0, _AfterImport("tfxkit.components.evaluator.in_process", _hold_evaluation))
