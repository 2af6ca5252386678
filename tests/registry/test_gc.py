"""`tfxkit gc` on stores built with MLMD's API (tests/mlmd_store.py): what it keeps (the last N runs, every model
in the push destination with its lineage, the serving model's whole run), what it removes and marks DELETED,
that the up-to-date check and TFX's cache then re-compute, and each refusal."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.mlmd_store import DATA_NODES, PipelineStore
from tfxkit.lineage.models import SERVING, model_versions
from tfxkit.lineage.provenance import provenance
from tfxkit.registry.gc import collect, plan_gc
from tfxkit.runners.up_to_date import record_outcome, up_to_date_outcome

SPEC = "pipelines/penguin.yaml"
NOT_BLESSED = {"trainer.learning_rate": 0.005, "evaluation.thresholds.accuracy.lower_bound": 0.999}


@pytest.fixture
def history(tmp_path) -> PipelineStore:
    """Run 1 pushes; run 2 trains another model that is not blessed; run 3 trains a third, pushed and serving.
    Each run left its log and report under the root, as tfxkit's runner does."""
    pipeline = PipelineStore(tmp_path)
    pipeline.run(accuracy=0.95)
    pipeline.run(accuracy=0.96, cached=DATA_NODES, overrides=NOT_BLESSED)
    pipeline.run(accuracy=0.97, cached=DATA_NODES, overrides={"trainer.learning_rate": 0.002})
    for run in pipeline.runs:
        for folder, name in (("logs", f"run-{run.run_id}.log"), ("reports", f"run-{run.run_id}.html")):
            (pipeline.root / folder).mkdir(exist_ok=True)
            (pipeline.root / folder / name).write_text("x" * 1000)
    return pipeline


def _ids(run, *nodes: str) -> set[int]:
    return {a.id for (node, _), a in run.outputs.items() if node in nodes}


def test_keep_1_removes_what_no_kept_run_and_no_model_in_the_destination_traces_back_to(history):
    first, second, third = history.runs
    store = history.store()
    plan = plan_gc(store, "penguin", str(history.root), keep=1)
    removed = {r.artifact_id for r in plan.removals if r.artifact_id is not None}
    # Run 2's own work: its model, its evaluation and blessing, its (not pushed) push record.
    assert _ids(second, "Trainer", "Evaluator", "Pusher") <= removed
    # Run 3 is kept whole; run 1's model is still in the destination: its lineage (data, transform, blessing) stays.
    assert not removed & {a.id for a in third.outputs.values()}
    assert not removed & _ids(first, "CsvExampleGen", "Transform", "Trainer", "Evaluator", "Pusher")
    assert plan.kept_runs == [third.run_id]
    files = {Path(r.path).name for r in plan.removals if r.artifact_id is None}
    assert files == {f"run-{run.run_id}.{ext}" for run in (first, second) for ext in ("log", "html")}
    assert plan.bytes >= 4000

    collect(store, plan)
    store = history.store()
    states = {a.id: a.state for a in store.artifacts(removed).values()}
    assert set(states.values()) == {"DELETED"}  # TFX's cache reuses LIVE outputs only: a later run re-computes
    for removal in plan.removals:
        assert not Path(removal.path).exists()
    assert Path(third.uri("Trainer", "model")).is_dir() and Path(first.uri("Trainer", "model")).is_dir()
    assert (history.root / "logs" / f"run-{third.run_id}.log").is_file()
    # Nothing the audit of what serves reads is gone, and the records of the removed artifacts stay.
    versions = model_versions(store, "penguin")
    assert [v.status for v in versions][0] == SERVING and versions[0].model_id == third.model_id
    served = provenance(store, "penguin", "latest")
    assert served["model"]["artifact_id"] == third.model_id
    assert store.artifact(second.model_id).uri == second.uri("Trainer", "model")


def test_a_second_gc_finds_nothing_more_and_a_dry_run_changes_nothing(history):
    store = history.store()
    before = sorted(p.relative_to(history.root) for p in history.root.rglob("*"))
    plan = plan_gc(store, "penguin", str(history.root), keep=1)
    assert plan.removals  # the dry run below would have something to do
    result = run_cli("gc", SPEC, "--root", str(history.root), "--keep", "1", "--dry-run")
    assert result.code == 0, result.stderr
    assert "would remove" in result.stdout and "(dry run: nothing was changed)" in result.stdout
    assert sorted(p.relative_to(history.root) for p in history.root.rglob("*")) == before
    assert {a.state for a in history.store().pipeline_artifacts("penguin").values()} == {"LIVE"}

    done = run_cli("gc", SPEC, "--root", str(history.root), "--keep", "1", "--format", "json")
    assert done.code == 0, done.stderr
    answer = json.loads(done.stdout)
    assert not answer["dry_run"] and answer["bytes"] == plan.bytes
    assert len(answer["removals"]) == len(plan.removals)
    assert plan_gc(history.store(), "penguin", str(history.root), keep=1).removals == []


def test_keeping_every_run_removes_nothing(history):
    assert plan_gc(history.store(), "penguin", str(history.root), keep=3).removals == []


def test_only_the_serving_model_s_run_is_kept_whole_older_versions_keep_their_lineage(history):
    """With keep 1 after a run that pushed nothing, the serving model's run (run 3) stays whole: its statistics
    and evaluation are what the drift baseline and its lineage read."""
    history.run(accuracy=0.5, cached=DATA_NODES, overrides=NOT_BLESSED)
    fourth = history.runs[-1]
    plan = plan_gc(history.store(), "penguin", str(history.root), keep=1)
    removed = {r.artifact_id for r in plan.removals if r.artifact_id is not None}
    assert plan.kept_runs == [fourth.run_id] and plan.serving_runs == [history.runs[2].run_id]
    assert not removed & {a.id for a in history.runs[2].outputs.values()}
    assert not removed & _ids(fourth, "Trainer", "Evaluator", "Pusher")


def test_a_run_whose_outputs_gc_removed_is_not_reused_as_up_to_date(history):
    second = history.runs[1]
    store = history.store()
    record_outcome(store, second.run_id, "fp-2", {"pushed_to": None, "not_pushed_reason": "x", "metrics": {}})
    assert up_to_date_outcome(store, "penguin", "fp-2")["run_id"] == second.run_id
    collect(store, plan_gc(store, "penguin", str(history.root), keep=1))
    assert up_to_date_outcome(history.store(), "penguin", "fp-2") is None  # a run re-computes what gc removed


def test_the_spec_s_keep_runs_is_the_default(history, tmp_path):
    spec = tmp_path / "kept.yaml"
    spec.write_text(Path(SPEC).read_text().replace("  root:", "  keep_runs: 1\n  root:", 1))
    result = run_cli("gc", str(spec), "--root", str(history.root), "--dry-run", "--format", "json")
    assert result.code == 0, result.stderr
    assert json.loads(result.stdout)["keep"] == 1


@pytest.mark.parametrize("args, message", [
    (["--dry-run"], "--keep: say how many of the newest runs to keep (or set pipeline.keep_runs in"),
    (["--keep", "0"], "--keep: expected 1 or more, got 0"),
    (["--keep", "x"], "--keep: expected a whole number"),
])
def test_refusals_are_one_line_exit_2_and_change_nothing(history, args, message):
    before = sorted(p.relative_to(history.root) for p in history.root.rglob("*"))
    result = run_cli("gc", SPEC, "--root", str(history.root), *args)
    assert result.code == 2 and message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert sorted(p.relative_to(history.root) for p in history.root.rglob("*")) == before


def test_a_store_alone_is_refused_gc_needs_the_spec_s_root(history):
    result = run_cli("gc", "--metadata", history.url, "--keep", "1")
    assert result.code == 2 and "--metadata: gc removes files under the pipeline root" in result.stderr


def test_the_model_a_promotion_serves_elsewhere_keeps_its_whole_run(history, tmp_path):
    """Each destination's serving model counts: run 1's model, promoted to production, keeps run 1 whole."""
    from tfxkit.registry.promote import plan_promote, promote

    first = history.runs[0]
    store = history.store()
    destinations = {"staging": str(history.root / "serving"), "production": str(tmp_path / "production")}
    promote(store, plan_promote(store, "penguin", str(first.model_id), "production", destinations))
    plan = plan_gc(history.store(), "penguin", str(history.root), keep=1)
    assert plan.serving_runs == [first.run_id]  # run 3, serving in staging, is the kept run itself
    removed = {r.artifact_id for r in plan.removals if r.artifact_id is not None}
    assert not removed & {a.id for a in first.outputs.values()}
    assert not any(first.run_id in r.path for r in plan.removals)  # its log and report stay too
