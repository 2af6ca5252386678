"""A spans spec on Kubeflow: the compiled ExampleGen reads its span from the cluster's data path.

TFX 1.16's V2 compiler takes one channel per input (no union of several spans' Examples), so a compiled
pipeline reads one span: `spans: latest` (nothing excluded) compiles to TFX's RollingRange of one span,
which TFX's driver resolves on the cluster at each run (a schedule picks up new spans); another window
of one span is pinned when compiling; a window of several spans is refused, located, before TFX is
imported. The path is the cluster's (kubeflow.data: a pattern with the same placeholders, a data root
under which data.path's pattern part is kept, or 'baked'), never the local folder.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import run_cli
from tfxkit.config.load import load_spec
from tfxkit.dag.plan import plan_nodes
from tfxkit.deploy.target import resolve_target

CLUSTER = {"image": "registry.example.com/ml/tfxkit:1", "pipeline_root": "gs://bucket/root"}


def spans_spec(tmp_path: Path, window: str = "spans: latest", spans: tuple[int, ...] = (1, 2, 3)) -> Path:
    for span in spans:
        part = tmp_path / "data" / f"span-{span}" / "part-0.csv"
        part.parent.mkdir(parents=True)
        part.write_text("x,y\n" + "".join(f"{i},{2 * i}\n" for i in range(6)), encoding="utf-8")
    spec = tmp_path / "spec.yaml"
    spec.write_text("pipeline: {name: spans, root: runs}\n"
                    f"data: {{path: 'data/span-{{SPAN}}/part-*.csv', {window}, label: y}}\n"
                    "transform: {features: {x: zscore}}\nmodel: {task: regression}\n", encoding="utf-8")
    return spec


def gens(tmp_path: Path, data: str, window: str = "spans: latest") -> dict[str, dict]:
    loaded = load_spec(spans_spec(tmp_path, window), {"kubeflow": {**CLUSTER, "data": data}})
    target = resolve_target(loaded)
    return {n.id: n.params for n in plan_nodes(loaded, target) if n.id.startswith("CsvExampleGen")}


@pytest.mark.parametrize("data", ["gs://bucket/taxi", "gs://bucket/taxi/", "gs://bucket/taxi/span-{SPAN}/part-*.csv"])
def test_latest_is_the_newest_span_on_the_cluster_at_run_time(tmp_path, data):
    found = gens(tmp_path, data)
    assert found == {"CsvExampleGen-latest-span": {"input": "gs://bucket/taxi/span-{SPAN}/part-*.csv",
                                                   "splits": {"train": 2, "eval": 1}, "delimiter": ",",
                                                   "span": "latest"}}


@pytest.mark.parametrize("window, span", [("spans: {from: 2, to: 2}", 2), ("exclude_spans: [3]", 2),
                                          ("spans: {last: 1}, exclude_spans: [1]", 3)])
def test_another_window_of_one_span_is_pinned_when_compiling(tmp_path, window, span):
    found = gens(tmp_path, "gs://bucket/taxi", window)
    assert {k: (v["input"], v["span"]) for k, v in found.items()} == {
        f"CsvExampleGen-span-{span}": ("gs://bucket/taxi/span-{SPAN}/part-*.csv", span)}


def test_baked_spans_are_read_under_the_image_workdir(tmp_path):
    found = gens(tmp_path, "baked")
    assert [v["input"] for v in found.values()] == ["/app/data/span-{SPAN}/part-*.csv"]


def plan_kubeflow(spec: Path, data: str):
    return run_cli("plan", str(spec), "--target", "kubeflow", "--image", CLUSTER["image"], "--pipeline-root",
                   CLUSTER["pipeline_root"], "--set", f"kubeflow.data={data}")


def test_a_window_of_several_spans_is_refused_located(tmp_path):
    spec = spans_spec(tmp_path, "spans: {last: 2}")
    result = plan_kubeflow(spec, "gs://bucket/taxi")
    assert result.code == 2, result.stdout + result.stderr
    located = [line for line in result.stderr.splitlines() if line.startswith(f"{spec}:")]
    assert len(located) == 1 and ": data.spans: a window of 2 spans cannot compile for Kubeflow" in located[0], \
        result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("data, expect", [
    ("gs://bucket/taxi/{YYYY}-{MM}-{DD}/*.csv", "names spans with {DD}, {MM}, {YYYY} but data.path with {SPAN}"),
    ("gs://bucket/taxi/span-{SPAN:2}/*.csv", "names spans with {SPAN:2} but data.path with {SPAN}"),
])
def test_a_cluster_pattern_naming_spans_differently_is_refused(tmp_path, data, expect):
    spec = spans_spec(tmp_path)
    result = plan_kubeflow(spec, data)
    assert result.code == 2, result.stdout + result.stderr
    located = [line for line in result.stderr.splitlines() if ": kubeflow.data: " in line]
    assert len(located) == 1 and expect in located[0] and located[0].startswith(f"{spec}:"), result.stderr


def test_a_cluster_pattern_with_spans_for_a_plain_path_is_refused(tmp_path):
    (tmp_path / "rows.csv").write_text("x,y\n1,2\n", encoding="utf-8")
    spec = tmp_path / "spec.yaml"
    spec.write_text("pipeline: {name: plain, root: runs}\ndata: {path: rows.csv, label: y}\n"
                    "transform: {features: {x: zscore}}\nmodel: {task: regression}\n", encoding="utf-8")
    result = plan_kubeflow(spec, "gs://bucket/span-{SPAN}/rows.csv")
    assert result.code == 2
    assert "kubeflow.data: 'gs://bucket/span-{SPAN}/rows.csv' names spans but data.path 'rows.csv' does not" \
        in result.stderr


def compiled_gen(tmp_path: Path, window: str) -> dict:
    from tfxkit.deploy.compile import compile_job

    loaded = load_spec(spans_spec(tmp_path, window), {"kubeflow": {**CLUSTER, "data": "gs://bucket/taxi"}})
    tasks = compile_job(loaded, resolve_target(loaded))["pipelineSpec"]["root"]["dag"]["tasks"]
    (name,) = [t for t in tasks if t.startswith("CsvExampleGen")]
    params = {k: next(iter(v["runtimeValue"]["constantValue"].values()))
              for k, v in tasks[name]["inputs"]["parameters"].items()}
    return {"task": name, "input_base": params["input_base"],
            "pattern": json.loads(params["input_config"])["splits"][0]["pattern"],
            "range": json.loads(params["range_config"]),
            "feeds": sorted(t for t, task in tasks.items() for a in task.get("inputs", {}).get("artifacts", {}).values()
                            if a["taskOutputArtifact"]["producerTask"] == name)}


def test_compiled_latest_is_a_rolling_range_over_the_cluster_pattern(tmp_path):
    assert compiled_gen(tmp_path, "spans: latest") == {
        "task": "CsvExampleGen-latest-span", "input_base": "gs://bucket/taxi", "pattern": "span-{SPAN}/part-*.csv",
        "range": {"rolling_range": {"num_spans": 1}}, "feeds": ["Evaluator", "StatisticsGen", "Transform"]}


def test_compiled_pinned_span_is_a_static_range(tmp_path):
    found = compiled_gen(tmp_path, "spans: {from: 2, to: 2}")
    assert (found["task"], found["input_base"], found["range"]) == (
        "CsvExampleGen-span-2", "gs://bucket/taxi", {"static_range": {"start_span_number": 2, "end_span_number": 2}})


def test_plan_shows_the_compiled_example_gen_with_its_components_resources(tmp_path):
    spec = spans_spec(tmp_path)
    result = plan_kubeflow(spec, "gs://bucket/taxi")
    assert result.code == 0, result.stderr
    assert " 1. CsvExampleGen-latest-span " in result.stdout and "-span-3" not in result.stdout, result.stdout
    loaded = load_spec(spec, {"kubeflow": {**CLUSTER, "data": "gs://bucket/taxi", "resources": {"cpu": 2},
                                           "components": {"CsvExampleGen": {"memory": "4Gi"}}}})
    resources = resolve_target(loaded).resources
    assert resources["CsvExampleGen-latest-span"] == {"cpu": 2.0, "memory_gb": 4.294967}
    assert resources["Trainer"] == {"cpu": 2.0}
