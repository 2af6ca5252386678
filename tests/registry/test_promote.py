"""`tfxkit promote` on stores built with MLMD's API (tests/mlmd_store.py): the bytes it copies, what it records,
what `models` then shows per destination, that the pipeline's served model does not move, and each refusal
(one line, exit 2, nothing written)."""

from __future__ import annotations

import json
import shutil
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.mlmd_store import DATA_NODES, PENGUIN, PipelineStore, RecordedRun
from tfxkit.components.atomic_pusher.versions import model_digest
from tfxkit.lineage.models import model_versions, served_push
from tfxkit.lineage.provenance import provenance
from tfxkit.metadata import keys
from tfxkit.registry.promote import plan_promote, promote
from tfxkit.registry.rollback import plan_rollback


@dataclass
class Staged:
    """Two runs pushed to `staging`, the first of push.destinations (the second serves there); `production` empty."""

    pipeline: PipelineStore
    first: RecordedRun
    second: RecordedRun
    staging: Path
    production: Path

    @property
    def destinations(self) -> dict[str, str]:
        return {"staging": str(self.staging), "production": str(self.production)}

    def spec_args(self) -> list[str]:
        """pipelines/penguin.yaml with this store and these destinations (FILE and its --set overrides)."""
        return [str(PENGUIN), "--set", f"pipeline.root={self.pipeline.root}", "--set",
                f"push.destinations={{staging: {self.staging}, production: {self.production}}}"]


@pytest.fixture
def staged(tmp_path):
    staging, production = tmp_path / "serving" / "staging", tmp_path / "serving" / "production"
    pipeline = PipelineStore(tmp_path, overrides={"push.destinations": {"staging": str(staging),
                                                                         "production": str(production)}})
    first = pipeline.run(accuracy=0.95)
    second = pipeline.run(accuracy=0.96, cached=DATA_NODES, overrides={"trainer.learning_rate": 0.005})
    return Staged(pipeline, first, second, staging, production)


def _promote(staged: Staged, model: str, *extra: str):
    return run_cli("promote", *staged.spec_args()[:1], model, *staged.spec_args()[1:], *extra)


def _version(run: RecordedRun) -> int:
    return int(Path(run.pushed_to).name)


def test_the_pipeline_pushes_to_the_first_destination(staged):
    assert Path(staged.first.pushed_to).parent == staged.staging and not staged.production.exists()


def test_a_promotion_copies_the_model_s_bytes_into_the_destination_and_records_it(staged):
    result = _promote(staged, str(_version(staged.first)), "--to", "production", "--reason", "passed the canary",
                      "--format", "json")
    assert result.code == 0, result.stderr
    done = json.loads(result.stdout)
    folder = Path(done["folder"])
    assert folder.parent == staged.production and model_digest(str(folder)) == model_digest(staged.first.pushed_to)
    assert [p.name for p in staged.production.iterdir()] == [folder.name]  # the claim is released

    store = staged.pipeline.store()
    [execution] = store.executions_of_type(keys.PROMOTE_TYPE, "penguin")
    props = execution.properties
    assert execution.node_id == keys.PROMOTE_NODE and execution.state == "COMPLETE"
    assert (props[keys.PROMOTED_TO], props[keys.DESTINATION]) == ("production", str(staged.production))
    assert (props[keys.FROM_VERSION], props[keys.FROM_MODEL]) == (_version(staged.first), staged.first.model_id)
    assert props[keys.REASON] == "passed the canary" and props[keys.USER] and props[keys.TIME].startswith("20")
    links = store.links_of_executions([execution.id])
    assert [(link.key, link.artifact_id) for link in links if not link.is_output] == [("model", staged.first.model_id)]
    [push] = [store.artifact(link.artifact_id) for link in links if link.is_output]
    assert push.properties["pushed"] == 1 and push.properties[keys.PROMOTED_TO] == "production"
    assert push.properties["pushed_destination"] == done["folder"]
    assert store.runs_of_execution(execution.id) == [done["run_id"]]
    runs = json.loads(run_cli("runs", "--metadata", staged.pipeline.url, "--format", "json").stdout)["runs"]
    assert (runs[0]["run_id"], runs[0]["status"], runs[0]["pushed_to"]) == (done["run_id"], "promoted", done["folder"])


def test_models_shows_each_destination_s_serving_version_and_the_pipeline_s_served_model_stays(staged):
    store = staged.pipeline.store()
    served_before = served_push(store, "penguin").id
    done = promote(store, plan_promote(store, "penguin", str(staged.first.model_id), "production",
                                       staged.destinations))
    store = staged.pipeline.store()
    rows = {v.version: (v.destination_name, v.status, v.kind, v.model_id) for v in model_versions(store, "penguin")}
    assert rows == {done.version: ("production", "serving", "promote", staged.first.model_id),
                    _version(staged.second): ("staging", "serving", "push", staged.second.model_id),
                    _version(staged.first): ("staging", "previous", "push", staged.first.model_id)}
    # what the next run's baseline, warm start, drift baseline, `lineage latest` and the up-to-date check read
    assert served_push(store, "penguin").id == served_before
    assert provenance(store, "penguin")["model"]["artifact_id"] == staged.second.model_id
    # rollback stays in the pipeline's own destination: the previous version there, not production's copy
    plan = plan_rollback(store, "penguin", "r")
    assert (plan.serving["version"], plan.target["version"]) == (_version(staged.second), _version(staged.first))
    assert plan.destination == str(staged.staging)
    text = run_cli("models", "--metadata", staged.pipeline.url).stdout
    assert f"production: {done.folder}" in text and "copied to production" in text


def test_a_promoted_version_carries_the_metrics_of_the_version_it_copied(staged):
    store = staged.pipeline.store()
    done = promote(store, plan_promote(store, "penguin", str(_version(staged.second)), "production",
                                       staged.destinations))
    rows = {v.version: v for v in model_versions(staged.pipeline.store(), "penguin")}
    assert rows[done.version].metrics == rows[_version(staged.second)].metrics != {}
    assert rows[done.version].promotion["from_version"] == _version(staged.second)


def _never_blessed(staged: Staged) -> str:
    return str(staged.pipeline.run(accuracy=0.5).model_id)  # below the gate: not blessed, not pushed


def _served_in_production(staged: Staged) -> str:
    store = staged.pipeline.store()
    promote(store, plan_promote(store, "penguin", str(staged.second.model_id), "production", staged.destinations))
    return str(staged.second.model_id)


def _files_gone(staged: Staged) -> str:
    shutil.rmtree(staged.first.pushed_to)
    shutil.rmtree(staged.first.uri("Pusher", "pushed_model"))
    return str(_version(staged.first))


@pytest.mark.parametrize("model, to, extra, message", [
    (_never_blessed, "production", [], "the Evaluator never blessed it and the pipeline never pushed it"),
    (lambda s: "999999", "production", [], "model 999999: pipeline 'penguin' pushed no version 999999 and has no"),
    (lambda s: "v1", "production", [], "model 'v1': expected a version number or a Model id"),
    (lambda s: str(_version(s.first)), "prod", [], "--to prod: no destination 'prod' in push.destinations "
                                                   "(did you mean 'production'?) (destinations: staging, production)"),
    (lambda s: str(_version(s.first)), "staging", [], "'staging' is where the pipeline itself pushes"),
    (_served_in_production, "production", [], "production already serves model"),
    (_files_gone, "production", [], "the files of version"),
    (lambda s: str(_version(s.first)), "production", ["--metadata", "x"], "--metadata: promote reads the destinations"),
])
def test_refusals_are_one_line_exit_2_and_change_nothing(staged, model, to, extra, message):
    named = model(staged)
    before = sorted(p.name for p in staged.production.iterdir()) if staged.production.exists() else []
    promoted = len(staged.pipeline.store().executions_of_type(keys.PROMOTE_TYPE, "penguin"))
    result = _promote(staged, named, "--to", to, *extra)
    assert result.code == 2 and result.stderr.count("\n") == 1 and message in result.stderr, result.stderr
    assert (sorted(p.name for p in staged.production.iterdir()) if staged.production.exists() else []) == before
    assert len(staged.pipeline.store().executions_of_type(keys.PROMOTE_TYPE, "penguin")) == promoted


def test_a_spec_without_push_destinations_is_refused(staged):
    result = run_cli("promote", str(PENGUIN), str(_version(staged.first)), "--set", f"pipeline.root={staged.pipeline.root}",
                     "--to", "production")
    assert result.code == 2 and result.stderr.count("\n") == 1 and "the spec has no push.destinations" in result.stderr
    assert not staged.production.exists()


def test_dry_run_changes_nothing(staged):
    result = _promote(staged, str(_version(staged.first)), "--to", "production", "--dry-run")
    assert result.code == 0 and "would promote model" in result.stdout and "dry run: nothing was changed" in result.stdout
    assert not staged.production.exists()
    assert staged.pipeline.store().executions_of_type(keys.PROMOTE_TYPE, "penguin") == []


def test_two_promotions_at_once_to_one_destination_get_distinct_versions(staged):
    both_copying = threading.Barrier(2, timeout=30)

    def held_copy(src: str, dst: str) -> None:
        shutil.copytree(src, dst)
        both_copying.wait()  # both have claimed a version before either renames it into place

    def run(model: RecordedRun):
        store = staged.pipeline.store()
        plan = plan_promote(store, "penguin", str(model.model_id), "production", staged.destinations, "at once")
        return promote(store, plan, copy=held_copy)

    with ThreadPoolExecutor(2) as pool:
        done = list(pool.map(run, (staged.first, staged.second)))
    assert len({d.version for d in done}) == 2 and len({d.run_id for d in done}) == 2
    assert sorted(p.name for p in staged.production.iterdir()) == sorted(str(d.version) for d in done)
    versions = model_versions(staged.pipeline.store(), "penguin")
    assert [v.version for v in versions if v.status == "serving" and v.destination_name == "production"] == \
        [max(d.version for d in done)]


def test_a_promotion_in_the_second_of_a_version_elsewhere_takes_a_number_no_version_has(staged):
    """A version number names one version: `promote` and `rollback --to` take it. The copy's clock reads the
    second the staging versions were written in (an injected clock; such seconds come with fast commands)."""
    store = staged.pipeline.store()
    newest = max(_version(staged.first), _version(staged.second))
    done = promote(store, plan_promote(store, "penguin", str(staged.first.model_id), "production",
                                       staged.destinations), clock=lambda: float(newest))
    assert done.version == newest + 1
    numbers = [v.version for v in model_versions(staged.pipeline.store(), "penguin")]
    assert len(numbers) == len(set(numbers)) == 3
