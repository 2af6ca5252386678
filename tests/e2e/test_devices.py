"""Multi-replica and mixed-precision training for real, without a GPU: penguin trained on 2 logical CPU
replicas (`trainer.cpu_replicas=2`), under mixed precision (`trainer.mixed_precision=on`, which is
mixed_bfloat16 on a CPU), and by 2 worker processes under MultiWorkerMirroredStrategy
(`trainer.distribution=multi_worker`, `trainer.workers=2`), whose root then sees a worker killed.

One run per configuration, each into a fresh root. Each asserts the hardware plan recorded with the model
(lineage JSON, the lineage text, the run log and the run report), that a model was pushed with the
accuracy of the session's single-replica float32 run (`penguin_first_run`, shared with other modules),
and a prediction from the pushed SavedModel through its serving signature, whose dtypes are a float32
model's. The training itself (per-replica batch, steps, aggregated metrics, bfloat16 layers) is checked
in tests/modules/test_hardware.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT, run_cli
from tests.e2e.conftest import penguin_rows, printed_metric, printed_path, run_id_of, run_on_first_use

pytestmark = pytest.mark.e2e

SPEC = "pipelines/penguin.yaml"
EPOCHS = 12  # the reference run trains 30; penguin needs far fewer to pass the spec's 0.9
CONFIGS = {
    "replicas": (["--set", "trainer.cpu_replicas=2"],
                 {"summary": "2 replicas (logical CPU), float32", "replicas": 2, "global_batch_size": 32,
                  "precision": "float32", "strategy": "mirrored", "loss_scaling": False}),
    "mixed": (["--set", "trainer.mixed_precision=on"],
              {"summary": "1 replica (CPU), mixed_bfloat16", "replicas": 1, "global_batch_size": 16,
               "precision": "mixed_bfloat16", "strategy": "default", "loss_scaling": False}),
    "workers": (["--set", "trainer.distribution=multi_worker", "--set", "trainer.workers=2"],
                {"summary": "2 replicas (CPU worker processes), float32", "replicas": 2, "global_batch_size": 32,
                 "precision": "float32", "strategy": "multi_worker", "workers": 2}),
}
TOLERANCE = 0.05  # accuracy on penguin's ~86 eval rows: 4 rows


@pytest.fixture(scope="module")
def device_runs(tmp_path_factory) -> dict:
    """{config: (root, result)}, each configuration run once, on first use."""
    return {}


def config_run(device_runs: dict, tmp_path_factory, name: str) -> tuple[str, Path, object]:
    """(name, root, result) of the configuration's run, run on first use."""
    return name, *run_on_first_use(device_runs, name, tmp_path_factory, SPEC, "--set", f"trainer.epochs={EPOCHS}",
                                   *CONFIGS[name][0])


@pytest.fixture(params=sorted(CONFIGS))
def device_run(request, device_runs, tmp_path_factory) -> tuple[str, Path, object]:
    return config_run(device_runs, tmp_path_factory, request.param)


def test_the_hardware_plan_is_recorded_logged_and_shown(device_run):
    name, root, result = device_run
    expected = CONFIGS[name][1]
    run_id = run_id_of(result)
    lineage = json.loads(run_cli("lineage", SPEC, run_id, "--root", str(root), "--format", "json").stdout)
    hardware = lineage["model"]["training"]["hardware"]
    assert {k: hardware[k] for k in expected} == expected, hardware
    assert hardware["batch_size_per_replica"] == 16 and hardware["gpus"] == []
    text = run_cli("lineage", SPEC, run_id, "--root", str(root)).stdout
    assert (f"        hardware {expected['summary']}; global batch {expected['global_batch_size']} (16 per replica)"
            in text), text
    log = (root / "logs" / f"run-{run_id}.log").read_text(encoding="utf-8")
    if name != "workers":  # the workers log these lines in their own output, of which the run log has the end
        assert f"tfxkit trainer: ran policy {expected['precision']} (" in log
        assert f"tfxkit trainer: global batch {expected['global_batch_size']} (16 per replica x " in log
    if name == "mixed":
        assert "mixed_precision on, no GPU trains: bfloat16" in log
    elif name == "replicas":
        assert "CPU split into 2 logical devices (trainer.cpu_replicas)" in log
    else:
        assert "2 worker processes on this host (trainer.workers)" in log
        assert "worker 0 of 2 done" in log and "worker 1 of 2 done" in log
    report = Path(printed_path(result, "report")).read_text(encoding="utf-8")
    assert f'<td id="hardware">{expected["summary"]}; global batch {expected["global_batch_size"]}' in report


def test_a_model_as_accurate_as_the_single_replica_one_is_pushed(device_run, penguin_first_run):
    name, root, result = device_run
    assert "  pushed   " in result.stdout
    reference = penguin_first_run[1]
    assert reference.code == 0, reference.stderr[-2000:]
    accuracy, single = printed_metric(result, "accuracy"), printed_metric(reference, "accuracy")
    assert accuracy >= 0.9 and abs(accuracy - single) <= TOLERANCE, (name, accuracy, single)


def test_the_pushed_saved_model_serves_like_a_float32_model(device_run):
    import tensorflow as tf

    name, root, result = device_run
    versions = sorted(p.name for p in (root / "serving").iterdir() if p.name.isdigit())
    assert len(versions) == 1
    serve = tf.saved_model.load(str(root / "serving" / versions[0])).signatures["serving_default"]
    inputs = serve.structured_input_signature[1]
    assert {k: v.dtype for k, v in inputs.items()} == {"examples": tf.string}
    assert {k: v.dtype for k, v in serve.structured_outputs.items()} == {"outputs": tf.float32}
    rows, species = penguin_rows(30)
    out = serve(examples=tf.constant(rows))["outputs"].numpy()
    assert out.shape == (30, 3) and abs(out.sum(axis=1) - 1).max() < 1e-3
    # The label's vocabulary fixes which output is which species: take each species' most predicted class,
    # which must differ between species, and count the rows predicted as their species' class.
    predicted = [int(p) for p in out.argmax(axis=1)]
    class_of = {s: max(set(predicted), key=[p for p, t in zip(predicted, species) if t == s].count)
                for s in set(species)}
    assert len(set(class_of.values())) == 3, class_of
    agree = sum(class_of[t] == p for p, t in zip(predicted, species))
    assert agree >= 27, (name, agree, class_of)


def test_a_killed_worker_stops_the_run_with_one_line_and_nothing_pushed(device_runs, tmp_path_factory):
    """On the workers run's root, a changed epoch count retrains (everything before the Trainer is cached);
    worker 1 is killed while it runs."""
    import signal
    import subprocess
    import sys

    import psutil

    from tests.e2e.conftest import wait_for

    _, root, _ = config_run(device_runs, tmp_path_factory, "workers")
    served = sorted(p.name for p in (root / "serving").iterdir())
    proc = subprocess.Popen([sys.executable, "-m", "tfxkit", "run", SPEC, "--root", str(root), "--set",
                             f"trainer.epochs={EPOCHS + 1}", *CONFIGS["workers"][0]], cwd=REPO_ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    found: list[psutil.Process] = []

    def worker_one_started() -> bool:
        try:
            found[:] = [c for c in psutil.Process(proc.pid).children(recursive=True)
                        if "tfxkit.modules.multi_worker" in c.cmdline() and c.cmdline()[-1] == "1"]
        except psutil.Error:
            return False
        return bool(found) or proc.poll() is not None

    try:
        wait_for(worker_one_started, "worker 1 of the multi_worker Trainer", timeout=900, every=0.2)
        assert found, "the run ended before worker 1 started"
        job_file = found[0].cmdline()[-2]
        found[0].send_signal(signal.SIGKILL)  # as soon as it exists: the Trainer is running either way
        out, err = proc.communicate(timeout=900)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 1, out[-2000:] + err[-2000:]
    failure = [line for line in (out + err).splitlines() if "run failed in Trainer" in line]
    assert len(failure) == 1, out + err
    assert ("trainer.distribution multi_worker: worker 1 of 2 was killed (SIGKILL); the other workers were stopped "
            "and the Trainer wrote no model") in failure[0]
    assert "nothing was pushed" in out + err
    assert sorted(p.name for p in (root / "serving").iterdir()) == served
    left = []
    for process in psutil.process_iter(["cmdline"]):
        if job_file in (process.info["cmdline"] or []):
            left.append(process.pid)
    assert not left, f"workers of the failed run still running: {left}"  # worker 0 was stopped


def test_the_tuners_trials_train_on_the_trainers_replicas(penguin_tuned_run):
    """The shared tuned run has trainer.cpu_replicas=2: KerasTuner's trials run under the same MirroredStrategy
    and global batch as the Trainer, and the tuned model is recorded with that plan."""
    root, result = penguin_tuned_run
    assert result.code == 0, result.stdout[-2000:] + result.stderr[-3000:]
    run_id = run_id_of(result)
    log = (root / "logs" / f"run-{run_id}.log").read_text(encoding="utf-8")
    tuner = [line for line in log.splitlines() if "tfxkit tuner hardware: " in line]
    assert tuner and "strategy mirrored (2 replica(s))" in tuner[0], tuner
    lineage = json.loads(run_cli("lineage", "pipelines/penguin_tuned.yaml", run_id, "--root", str(root),
                                 "--format", "json").stdout)
    assert lineage["model"]["training"]["hardware"]["summary"] == "2 replicas (logical CPU), float32"
