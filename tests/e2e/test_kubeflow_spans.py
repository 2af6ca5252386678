"""End to end: a compiled spans pipeline picks up a new span on the (stand-in) remote root, as a schedule would.

The spec reads `data/span-{SPAN}/part-*.csv` with `spans: latest`, which compiles to TFX's RollingRange of
one span (TFX's V2 compiler takes no union of several spans' Examples; see docs/kubeflow.md). Span 1 is on
disk: `compile --smoke-run` ingests span 1 and pushes. Span 2 arrives: the same command, into the same folder,
compiles byte-identical pipeline JSON and its ExampleGen's driver resolves span 2 at run time. The smoke run's
artifact registry (its stand-in for KFP's MLMD) then holds one Examples artifact per span, span number and
row count each, and the second run's Evaluator compared against the first run's model. Two smoke runs of about
eight compiled tasks each (a minute apiece, mostly imports): about 10-16 minutes on two cores.
"""

from __future__ import annotations

import gzip
import json
import shutil
import struct
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT, run_cli

pytestmark = pytest.mark.e2e

DATA = REPO_ROOT / "data/penguins/penguins.csv"
CLUSTER = ["--image", "registry.example.com/ml/tfxkit:1", "--pipeline-root", "gs://tfxkit-test/root",
           "--set", "kubeflow.data=baked"]
GEN = "CsvExampleGen-latest-span"


def write_span(folder: Path, span: int, lines: list[str]) -> Path:
    path = folder / "data" / f"span-{span}" / "part-0.csv"
    path.parent.mkdir(parents=True)
    path.write_text("\n".join([lines[0], *lines[1:][span - 1::4]]) + "\n", encoding="utf-8")
    return path


def records(folder: Path) -> int:
    """TFRecords in ExampleGen's gzipped output files (length, crc, payload, crc), read without TensorFlow."""
    count = 0
    for part in folder.rglob("*.gz"):
        data = gzip.decompress(part.read_bytes())
        at = 0
        while at < len(data):
            (length,) = struct.unpack("<Q", data[at:at + 8])
            at += 12 + length + 4
            count += 1
    return count


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    base = tmp_path_factory.mktemp("kfp-spans")
    lines = DATA.read_text(encoding="utf-8").splitlines()
    shutil.copy(REPO_ROOT / "schemas/penguin.pbtxt", base / "penguin.pbtxt")
    text = (REPO_ROOT / "pipelines/penguin.yaml").read_text(encoding="utf-8")
    text = text.replace("../data/penguins/penguins.csv", "data/span-{SPAN}/part-*.csv")
    text = text.replace("../schemas/penguin.pbtxt", "penguin.pbtxt").replace("../runs/penguin", "runs")
    text = text.replace("epochs: 30", "epochs: 3").replace("lower_bound: 0.9", "lower_bound: 0.0")
    text = text.replace("min_improvement: -0.02", "min_improvement: -1.0")
    spec = base / "spans.yaml"
    spec.write_text(text + "validation: {drift: {enabled: false}}\n", encoding="utf-8")
    smoke = base / "smoke"
    files = [write_span(base, 1, lines)]
    first = run_cli("compile", str(spec), "--smoke-run", str(smoke), *CLUSTER, timeout=1800)
    compiled_first = (smoke / "pipeline.json").read_text() if first.code == 0 else None
    files.append(write_span(base, 2, lines))
    second = run_cli("compile", str(spec), "--smoke-run", str(smoke), *CLUSTER, timeout=1800) \
        if first.code == 0 else None
    return {"smoke": smoke, "runs": [first, second], "compiled_first": compiled_first, "files": files}


def registry(smoke: Path) -> list[dict]:
    return json.loads((smoke / "artifacts.json").read_text())


def test_both_smoke_runs_push(two_runs):
    for result in two_runs["runs"]:
        assert result is not None and result.code == 0, (result.stderr[-3000:] + result.stdout[-2000:]) \
            if result else "the first run failed"
        assert "smoke run ok" in result.stdout and "pushed nothing" not in result.stdout, result.stdout


def test_the_same_compiled_pipeline_ingests_each_new_span(two_runs):
    smoke = two_runs["smoke"]
    assert (smoke / "pipeline.json").read_text() == two_runs["compiled_first"], "the compiled pipeline changed"
    examples = [a for a in registry(smoke) if a["schema_title"] == "tfx.Examples" and
                a["name"].split("/")[-2] == GEN]  # not Transform's transformed_examples
    assert len({a["name"].split("/")[1] for a in examples}) == 2, examples  # one per smoke run
    assert [int(a["metadata"]["custom:span"]) for a in examples] == [1, 2]  # as TFX's driver records it
    for artifact, source in zip(examples, two_runs["files"]):
        rows = len(source.read_text().splitlines()) - 1
        assert records(Path(artifact["uri"])) == rows, (artifact["uri"], rows)
    second = sorted((smoke / "logs").iterdir())[-1]
    driver = (second / f"{GEN}.driver.log").read_text()
    assert "Calculated span: 2" in driver, driver[-2000:]


def test_the_second_run_is_compared_with_the_first_runs_model(two_runs):
    entries = registry(two_runs["smoke"])
    models = [a for a in entries if a["schema_title"] == "tfx.Model"]
    evaluations = [a for a in entries if a["schema_title"] == "tfx.ModelBlessing"]
    assert len(models) == 2 and len(evaluations) == 2
    second_run = sorted((two_runs["smoke"] / "logs").iterdir())[-1]
    evaluator = (second_run / "Evaluator.executor.log").read_text()
    assert models[0]["uri"] in evaluator, "the first run's model was not the second run's baseline"
