"""An interrupted run's executions are closed as CANCELED: those left RUNNING, and those TFX marked FAILED
after the Ctrl-C (on the error a library raised in its place), but not a failure from before it."""

from __future__ import annotations

import time

from ml_metadata.proto import metadata_store_pb2 as mlmd

from tfxkit.metadata.store import PIPELINE_RUN, Store


def _execution(store: Store, type_id: int, run: mlmd.Context, state: int) -> int:
    execution = mlmd.Execution(type_id=type_id, last_known_state=state)
    [execution_id] = store._store.put_executions([execution])
    store._store.put_attributions_and_associations([], [mlmd.Association(execution_id=execution_id,
                                                                         context_id=run.id)])
    return execution_id


def _states(store: Store, ids: list[int]) -> list[int]:
    by_id = {e.id: e for e in store._store.get_executions_by_id(ids)}
    return [by_id[i].last_known_state for i in ids]


def test_running_and_failed_after_the_ctrl_c_are_canceled(tmp_path):
    config = mlmd.ConnectionConfig()
    config.sqlite.filename_uri = str(tmp_path / "metadata.sqlite")
    store = Store(config)
    store.start_run("run-1", {})
    other = Store(config)
    other.start_run("run-2", {})
    [run, run2] = [store._store.get_context_by_type_and_name(PIPELINE_RUN, r) for r in ("run-1", "run-2")]
    type_id = store._store.put_execution_type(mlmd.ExecutionType(name="tfx.components.transform.component.Transform"))
    ok = _execution(store, type_id, run, mlmd.Execution.COMPLETE)
    failed_before = _execution(store, type_id, run, mlmd.Execution.FAILED)
    [before] = store._store.get_executions_by_id([failed_before])
    while time.time() * 1000 <= before.last_update_time_since_epoch:  # the Ctrl-C comes a millisecond later
        pass
    ctrl_c_ms = int(time.time() * 1000)
    running = _execution(store, type_id, run, mlmd.Execution.RUNNING)
    failed_after = _execution(store, type_id, run, mlmd.Execution.FAILED)
    elsewhere = _execution(store, type_id, run2, mlmd.Execution.RUNNING)  # another run's: alive

    assert store.cancel_stopped("run-1", since_ms=ctrl_c_ms) == 2
    assert _states(store, [ok, failed_before, running, failed_after, elsewhere]) == [
        mlmd.Execution.COMPLETE, mlmd.Execution.FAILED, mlmd.Execution.CANCELED, mlmd.Execution.CANCELED,
        mlmd.Execution.RUNNING]
    assert store.cancel_stopped("no-such-run", since_ms=ctrl_c_ms) == 0
