"""End to end: the imdb (text classification) and diabetes (regression) example pipelines each train to a
pushed model, as shipped but for the epochs (the fewest that still pass their own evaluation thresholds: the
imdb sample has ~100 reviews, so its 30 epochs cost seconds; diabetes' 200-epoch budget is cut to 40). The imdb
spec sets trainer.seed: its ~24 eval reviews let chance alone move the AUC by 0.1, and a seeded run trains one model.

One run each into a fresh root; what a user checks: the run exits 0, its model passed the spec's threshold
(the printed metric), the serving folder holds that one complete SavedModel, and the audit calls the run
pushed with every planned component complete.
"""

from __future__ import annotations

import json

import pytest

from tests.conftest import run_cli
from tests.e2e.conftest import printed_metric

pytestmark = pytest.mark.e2e

# (spec, overrides, metric, its threshold as the spec states it: (lower_bound, upper_bound))
PIPELINES = {
    "imdb": ("pipelines/imdb.yaml", [], "auc", (0.5, None)),
    "diabetes": ("pipelines/diabetes.yaml", ["--set", "trainer.epochs=40"], "mae", (None, 60.0)),
}


@pytest.mark.parametrize("name", sorted(PIPELINES))
def test_example_pipeline_trains_to_a_pushed_model(name, tmp_path):
    spec, overrides, metric, (lower, upper) = PIPELINES[name]
    root = tmp_path / "root"
    result = run_cli("run", spec, "--root", str(root), *overrides, timeout=1800)
    assert result.code == 0, result.stdout[-2000:] + result.stderr[-3000:]
    assert "  pushed   " in result.stdout
    value = printed_metric(result, metric)
    if lower is not None:
        assert value >= lower, (metric, value)
    if upper is not None:
        assert value <= upper, (metric, value)

    [version] = [p for p in (root / "serving").iterdir() if not p.name.startswith(".")]
    assert (version / "saved_model.pb").is_file() and (version / "variables" / "variables.index").is_file()

    [run] = json.loads(run_cli("runs", spec, "--root", str(root), "--format", "json").stdout)["runs"]
    assert run["status"] == "pushed" and run["pushed_to"]
    assert {run["nodes"][node] for node in run["nodes"]} == {"complete"}, run["nodes"]
