"""End to end: pipelines/digits.yaml — CNN, cosine schedule with warm-up, early stopping — trained on one
replica and on 2 logical CPU replicas under MirroredStrategy (`trainer.cpu_replicas=2`): both reach 95%,
within a tolerance of each other, and the 2-replica model serves from its pushed SavedModel.

Also: a Trainer killed mid-training on 2 replicas resumes from its last epoch checkpoint when the run is
retried.
"""

from __future__ import annotations

import glob
import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT, run_cli
from tests.e2e.conftest import executions_in_state, printed_metric, run_id_of, run_on_first_use, wait_for
from tfxkit.config.metadata_url import MetadataUrl
from tfxkit.metadata.connection import connection_config
from tfxkit.metadata.runs import latest_run_id, node_runs
from tfxkit.metadata.store import Store

pytestmark = pytest.mark.e2e
SPEC = "pipelines/digits.yaml"
REPLICAS = {1: [], 2: ["--set", "trainer.cpu_replicas=2"]}
TOLERANCE = 0.03  # accuracy on digits' ~360 eval rows: 11 rows


def nodes_of(root: Path):
    store = Store(connection_config(MetadataUrl("sqlite", path=str(root / "metadata.sqlite"))))
    return node_runs(store, "digits", latest_run_id(store, "digits"))


def epochs_logged(log_text: str) -> list[int]:
    return [int(n) for n in re.findall(r"INFO absl: epoch (\d+): ", log_text)]


@pytest.fixture(scope="module")
def digits_runs(tmp_path_factory) -> dict:
    """{replicas: (root, result)}, each run once, on first use."""
    return {}


def digits_run_of(digits_runs: dict, tmp_path_factory, replicas: int) -> tuple[int, Path, object]:
    """(replicas, root, result) of the digits run on that many replicas, run on first use."""
    return replicas, *run_on_first_use(digits_runs, f"{replicas}-replicas", tmp_path_factory, SPEC,
                                       *REPLICAS[replicas])


@pytest.fixture(params=sorted(REPLICAS))
def digits_run(request, digits_runs, tmp_path_factory) -> tuple[int, Path, object]:
    return digits_run_of(digits_runs, tmp_path_factory, request.param)


def test_digits_cnn_reaches_95_percent_and_logs_the_learning_rate(digits_run):
    import tensorflow as tf

    replicas, root, result = digits_run
    assert printed_metric(result, "accuracy") >= 0.95

    nodes = nodes_of(root)
    assert nodes["Trainer"].state == "COMPLETE"
    model_run = nodes["Trainer"].output("model_run").uri
    rates = []
    for path in glob.glob(os.path.join(model_run, "train", "events.out.tfevents.*")):
        for event in tf.compat.v1.train.summary_iterator(path):
            for value in event.summary.value:
                if value.tag == "epoch_learning_rate":
                    rates.append(float(tf.make_ndarray(value.tensor)))
    assert len(rates) >= 3  # else the pairwise check below compares nothing
    # Cosine decay after warm-up: the rate falls from epoch to epoch, below the initial 0.003.
    assert all(b < a for a, b in zip(rates[1:], rates[2:]))
    assert max(rates) <= 0.003 + 1e-9


def test_two_replicas_train_a_model_as_accurate_that_serves(digits_runs, tmp_path_factory):
    import tensorflow as tf

    single = digits_run_of(digits_runs, tmp_path_factory, 1)[2]
    _, root, result = digits_run_of(digits_runs, tmp_path_factory, 2)
    accuracy, reference = printed_metric(result, "accuracy"), printed_metric(single, "accuracy")
    assert abs(accuracy - reference) <= TOLERANCE, (accuracy, reference)

    run_id = run_id_of(result)
    lineage = json.loads(run_cli("lineage", SPEC, run_id, "--root", str(root), "--format", "json").stdout)
    hardware = lineage["model"]["training"]["hardware"]
    assert (hardware["summary"], hardware["replicas"], hardware["global_batch_size"]) == \
        ("2 replicas (logical CPU), float32", 2, 64), hardware

    [version] = [p for p in (root / "serving").iterdir() if p.name.isdigit()]
    serve = tf.saved_model.load(str(version)).signatures["serving_default"]
    rows, labels = digits_rows(200)
    predicted = serve(examples=tf.constant(rows))["outputs"].numpy().argmax(axis=1)
    assert sum(int(p) == y for p, y in zip(predicted, labels)) >= 190


def digits_rows(count: int) -> tuple[list[bytes], list[int]]:
    """The first `count` examples of the digits data, serialized without their label, and their labels."""
    import tensorflow as tf

    rows, labels = [], []
    for record in tf.data.TFRecordDataset(str(REPO_ROOT / "data/digits/digits.tfrecord.gz"),
                                          compression_type="GZIP").take(count):
        example = tf.train.Example.FromString(record.numpy())
        labels.append(int(example.features.feature["label"].int64_list.value[0]))
        del example.features.feature["label"]
        rows.append(example.SerializeToString())
    return rows, labels


def test_killed_trainer_resumes_from_its_last_epoch(tmp_path):
    overrides = [*REPLICAS[2], "--set", "trainer.epochs=60", "--set", "trainer.early_stopping=null",
                 "--set", "trainer.batch_size=8", "--set", "evaluation.thresholds.accuracy.lower_bound=0.5"]
    cmd = [sys.executable, "-m", "tfxkit", "run", SPEC, "--root", str(tmp_path), *overrides]
    proc = subprocess.Popen(cmd, cwd=REPO_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    logs = tmp_path / "logs"

    def logged() -> str:
        return "".join(p.read_text(errors="replace") for p in logs.glob("*.log")) if logs.exists() else ""

    try:  # the Trainer RUNNING in MLMD, then its third epoch logged (and backed up) before the kill
        wait_for(lambda: proc.poll() is not None or executions_in_state(tmp_path, "Trainer") > 0,
                 "the Trainer RUNNING in MLMD", timeout=600, every=0.2)
        wait_for(lambda: proc.poll() is not None or max(epochs_logged(logged()), default=0) >= 3,
                 "the Trainer's third epoch", timeout=600, every=0.2)
        assert proc.poll() is None, "the run finished before it could be killed"
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    first_log = next(logs.glob("*.log")).read_text(errors="replace")
    killed_at = max(epochs_logged(first_log))
    assert 3 <= killed_at < 60

    retry = run_cli("run", SPEC, "--root", str(tmp_path), *overrides)
    assert retry.code == 0, retry.stderr[-3000:]
    retry_log = max(logs.glob("*.log"), key=os.path.getmtime).read_text(errors="replace")
    resumed = epochs_logged(retry_log)
    # BackupAndRestore saved every epoch; the retry starts after the last saved one, not at epoch 1.
    assert resumed[0] > 1
    assert resumed[0] <= killed_at + 1
    assert resumed[-1] == 60
    assert nodes_of(tmp_path)["Trainer"].state == "COMPLETE"
