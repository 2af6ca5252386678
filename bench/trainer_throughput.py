"""Trainer throughput: tfxkit's input pipeline and fit loop against plain Keras on in-memory data.

Run from the repository root:

    .venv/bin/python bench/trainer_throughput.py [--examples 50000] [--repeats 3] [--keep] [--smoke]

--smoke (or TFXKIT_BENCH_SMOKE=1): 512 examples, 1 timed epoch, 1 repetition, so
CI runs every code path of the benchmark in about a minute; its figures mean nothing.

Setup (not timed):

1. synthetic data: N examples, 20 float features with assorted means and
   scales, a 3-class integer label from a noisy linear rule;
2. a real tf.Transform run (tensorflow_transform.beam, DirectRunner) with
   tfxkit's own `preprocessing_fn` (every feature `zscore`, the label as class
   ids): it writes the transform_fn/transformed metadata and the transformed
   examples as gzipped TFRecord tf.Examples, as the Transform component does;
3. the same transformed examples read back once into numpy arrays for the
   plain Keras side.

Timed, per repetition, interleaved (order alternating between repetitions):

- tfxkit: what `tfxkit.modules.trainer.run_fn` does: `plan_hardware` /
  `make_strategy`, `fit_inputs` over the TFRecords (one parse pass into
  memory when the split fits in 1 GiB, as here, else streamed with
  `make_dataset`; the parse pass is timed and printed separately),
  `build_model` under the strategy, `model.fit` with
  `training_callbacks` (BackupAndRestore checkpoint every epoch, LogLearningRate,
  LogEpochs, TensorBoard);
- keras numpy: a model from the same `build_model` (same architecture,
  optimizer, loss and metrics), `model.fit(numpy dict, labels, batch_size,
  shuffle=True)`, no callbacks;
- keras tf.data: the same, fed `tf.data.Dataset.from_tensor_slices((x, y))`
  shuffled per example over the whole data set, batched, prefetched.

Each fit runs 1 warm-up epoch (tracing, first-iterator costs) plus E timed
epochs; the clock runs from the end of the warm-up epoch to the end of the
last epoch (every callback of those epochs included). No validation on either
side. Throughput = training examples / timed seconds; the medians over the
repetitions are compared (target: tfxkit >= 0.8x plain Keras). The
input pipeline alone (`make_dataset` consumed by `Dataset.reduce`, two passes
after a warm-up pass) is reported too, to show where the time goes.

Hardware rows, side by side in the same run: the tfxkit side again under each
of 1 and R replicas x float32 and mixed precision (`--replicas R`, default 2),
at the same global batch (R replicas get `batch / R` each), so a row differs
from the first only by the strategy or the policy. `--devices cpu` (default)
splits the CPU into R logical devices before TensorFlow initialises
(`trainer.cpu_replicas`; the 1-replica rows run on the first of them) and mixed
means mixed_bfloat16; on 2 cores expect no speed-up: the point is the overhead
figure and that nothing breaks. `--devices gpu` mirrors over the visible GPUs
(R = their count) with mixed_float16; the run ends by printing that command.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

# KerasTuner picks its Keras once, when first imported, and `tfx.components` imports it (through the Tuner
# component): select tf_keras for it before any TFX import below, as `tfxkit run` does before building.
from tfxkit.modules.keras_setup import use_tf_keras_in_keras_tuner  # noqa: E402

use_tf_keras_in_keras_tuner()

import apache_beam as beam  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import tensorflow_transform as tft  # noqa: E402
import tensorflow_transform.beam as tft_beam  # noqa: E402
import tf_keras as keras  # noqa: E402
from absl import logging as absl_logging  # noqa: E402
from tensorflow_transform.tf_metadata import schema_utils  # noqa: E402
from tfx_bsl.coders import example_coder  # noqa: E402
from tfx_bsl.public import tfxio  # noqa: E402

from tfxkit.config.spec import PipelineSpec  # noqa: E402
from tfxkit.modules import preprocessing  # noqa: E402
from tfxkit.modules.callbacks import training_callbacks  # noqa: E402
from tfxkit.modules.devices import split_cpu  # noqa: E402
from tfxkit.modules.hardware import HardwarePlan, make_strategy, plan_hardware, visible_gpus  # noqa: E402
from tfxkit.modules.model_builder import build_model  # noqa: E402
from tfxkit.modules.training_data import fit_inputs, make_dataset  # noqa: E402

NUM_FEATURES = 20
NUM_CLASSES = 3
LABEL = "species"
TARGET_RATIO = 0.95  # issue 20: at least 0.95x plain Keras on numpy


def spec_configs(batch_size: int, epochs: int) -> tuple[dict, dict]:
    """Transform and Trainer custom_config, shaped as tfxkit.dag.plan makes them from a validated spec."""
    spec = PipelineSpec.model_validate({
        "pipeline": {"name": "bench", "root": "/tmp/bench"},
        "data": {"path": "synthetic.tfrecord", "label": LABEL},
        "transform": {"features": {f"f{i:02d}": "zscore" for i in range(NUM_FEATURES)}},
        "model": {"task": "multiclass", "hidden_units": [64, 32]},
        "trainer": {"epochs": epochs, "batch_size": batch_size, "optimizer": "adam", "learning_rate": 0.001},
    })
    transform = {"label": spec.data.label, "task": spec.model.task,
                 "features": {n: f.model_dump() for n, f in spec.transform.features.items()}}
    trainer = {"label": spec.data.label, "task": spec.model.task, "model": spec.model.model_dump(),
               "trainer": spec.trainer.model_dump(), "metrics": spec.metric_names()}
    return transform, trainer


def write_raw_examples(n: int, path: Path, seed: int = 0) -> None:
    """Synthetic raw data as gzipped tf.Examples (what ExampleGen would have written)."""
    rng = np.random.default_rng(seed)
    means = rng.uniform(-50, 50, NUM_FEATURES)
    scales = rng.uniform(0.1, 20, NUM_FEATURES)
    x = rng.normal(size=(n, NUM_FEATURES))
    logits = x @ rng.normal(size=(NUM_FEATURES, NUM_CLASSES)) + rng.normal(scale=0.5, size=(n, NUM_CLASSES))
    labels = logits.argmax(axis=1)
    raw = (x * scales + means).astype(np.float32)
    path.parent.mkdir(parents=True, exist_ok=True)
    with tf.io.TFRecordWriter(str(path), options="GZIP") as writer:
        for row, label in zip(raw, labels):
            feature = {f"f{i:02d}": tf.train.Feature(float_list=tf.train.FloatList(value=[row[i]]))
                       for i in range(NUM_FEATURES)}
            feature[LABEL] = tf.train.Feature(int64_list=tf.train.Int64List(value=[int(label)]))
            writer.write(tf.train.Example(features=tf.train.Features(feature=feature)).SerializeToString())


def run_transform(raw_pattern: str, transform_config: dict, work: Path) -> tuple[str, str]:
    """tf.Transform with tfxkit's preprocessing_fn, reading and writing gzipped tf.Examples through TFXIO
    as the Transform component does; returns (transform_output dir, transformed files pattern)."""
    feature_spec = {f"f{i:02d}": tf.io.FixedLenFeature([], tf.float32) for i in range(NUM_FEATURES)}
    feature_spec[LABEL] = tf.io.FixedLenFeature([], tf.int64)
    raw_schema = schema_utils.schema_from_feature_spec(feature_spec)
    transform_dir = work / "transform_graph"
    examples_dir = work / "transformed_examples" / "Split-train"

    def preprocessing_fn(inputs):
        return preprocessing.preprocessing_fn(inputs, transform_config)

    raw_io = tfxio.TFExampleRecord(raw_pattern, schema=raw_schema)
    with beam.Pipeline() as pipeline, tft_beam.Context(temp_dir=str(work / "tft_tmp")):
        raw = pipeline | "Read" >> raw_io.BeamSource()
        (transformed, transformed_metadata), transform_fn = (
            (raw, raw_io.TensorAdapterConfig())
            | tft_beam.AnalyzeAndTransformDataset(preprocessing_fn, output_record_batches=True))
        encoder = example_coder.RecordBatchToExamplesEncoder(transformed_metadata.schema)
        _ = (transformed
             | "Encode" >> beam.FlatMapTuple(lambda batch, _: encoder.encode(batch))
             | "Write" >> beam.io.WriteToTFRecord(str(examples_dir / "transformed_examples"),
                                                  file_name_suffix=".gz"))
        _ = transform_fn | tft_beam.WriteTransformFn(str(transform_dir))
    # The Trainer's train_files: io_utils.all_files_pattern(split uri).
    return str(transform_dir), str(examples_dir / "*")


class EpochClock(keras.callbacks.Callback):
    """Seconds from the end of the warm-up epoch to the end of the last one (the last callback in the list)."""

    def __init__(self, warmup_epochs: int):
        super().__init__()
        self.warmup_epochs = warmup_epochs
        self.start: float | None = None
        self.end: float | None = None

    def on_train_begin(self, logs=None):
        if self.warmup_epochs == 0:  # no warm-up: every epoch is timed
            self.start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        if epoch == self.warmup_epochs - 1:
            self.start = time.perf_counter()
        self.end = time.perf_counter()

    @property
    def seconds(self) -> float:
        return self.end - self.start


def measure_tfxkit(files: str, tft_output, config: dict, work: Path, rep: int,
                   warmup: int, n: int, plan: HardwarePlan | None = None) -> float:
    """run_fn's training path, timed after the warm-up epoch; returns examples per second.

    `plan`: the hardware to train on (a hardware row), else what run_fn would pick here; `batch_size` in
    `config` is per replica, as in the spec.
    """
    trainer = config["trainer"]
    label_key = f"{config['label']}_xf"
    if plan is None:
        plan = plan_hardware(trainer["distribution"], trainer["mixed_precision"], visible_gpus())
    strategy = make_strategy(plan)
    batch_size = trainer["batch_size"] * strategy.num_replicas_in_sync
    started = time.monotonic()
    data = fit_inputs([files], [files], tft_output, label_key, batch_size)
    print(f"  tfxkit fit_inputs (parse into memory, once per Trainer run): {time.monotonic() - started:.1f} s"
          f"{f' [{plan.short()}]' if plan.replicas > 1 or plan.precision != 'float32' else ''}", flush=True)
    data.pop("validation_data")  # the Keras side runs without validation too
    with strategy.scope():
        model = build_model(tft_output, config)
    clock = EpochClock(warmup)
    run_dir = work / "runs" / f"tfxkit-{rep}"
    callbacks = training_callbacks(trainer, str(run_dir / "model_run"), str(run_dir / ".resume")) + [clock]
    history = model.fit(**data, epochs=warmup + trainer["epochs"], callbacks=callbacks, verbose=0)
    assert len(history.epoch) == warmup + trainer["epochs"]
    assert model.dtype_policy.name == plan.precision and strategy.num_replicas_in_sync == plan.replicas
    keras.mixed_precision.set_global_policy("float32")
    return n * trainer["epochs"] / clock.seconds


def hardware_plans(devices: str, replicas: int, gpus: list[str]) -> list[HardwarePlan]:
    """The hardware rows: 1 and `replicas` replicas, each in float32 and mixed precision."""
    plans = []
    for precision in ("off", "on"):
        for count in sorted({1, replicas}):
            if devices == "gpu":
                plans.append(plan_hardware("default" if count == 1 else "mirrored", precision, gpus[:count]))
            else:
                plans.append(plan_hardware("default", precision, []) if count == 1 else
                             plan_hardware("mirrored", precision, [], cpu_replicas=count))
    return plans


def with_batch(config: dict, batch_size: int) -> dict:
    return {**config, "trainer": {**config["trainer"], "batch_size": batch_size}}


def measure_hardware(plans: list[HardwarePlan], files: str, tft_output, config: dict,
                     work: Path, repeats: int, warmup: int, n: int) -> dict[str, list[float]]:
    """{plan summary: examples per second per repetition}, interleaved, at the same global batch."""
    rates: dict[str, list[float]] = {plan.short(): [] for plan in plans}
    global_batch = config["trainer"]["batch_size"]
    for rep in range(repeats):
        for plan in plans if rep % 2 == 0 else plans[::-1]:
            keras.backend.clear_session()
            per_replica = with_batch(config, max(1, global_batch // plan.replicas))
            rates[plan.short()].append(measure_tfxkit(files, tft_output, per_replica, work,
                                                      100 + rep, warmup, n, plan))
        print(f"  rep {rep + 1}: " + "   ".join(f"{k} {v[-1]:,.0f}" for k, v in rates.items()) + "  (ex/s)",
              flush=True)
    return rates


def measure_keras(x: dict, y: np.ndarray, tft_output, config: dict, warmup: int, source: str,
                  validation_data: tuple[dict, np.ndarray] | None = None) -> float:
    """Plain model.fit on in-memory data, same model and batch size; returns examples per second.

    source "numpy": fit(x=dict of numpy arrays, y, batch_size, shuffle=True) (Keras shuffles indices and
    gathers whole batches); "tensors": tf.data.Dataset.from_tensor_slices((x, y)), shuffled per example
    over the whole data set, batched, prefetched. `validation_data` (in memory): evaluated after every epoch,
    as tfxkit's Trainer does (bench/floors.py); none here.
    """
    trainer = config["trainer"]
    model = build_model(tft_output, config)
    clock = EpochClock(warmup)
    epochs = warmup + trainer["epochs"]
    if source == "numpy":
        history = model.fit(x, y, batch_size=trainer["batch_size"], epochs=epochs, shuffle=True, callbacks=[clock],
                            validation_data=validation_data, verbose=0)
    else:
        data = (tf.data.Dataset.from_tensor_slices((x, y)).shuffle(len(y)).batch(trainer["batch_size"])
                .prefetch(tf.data.AUTOTUNE))
        history = model.fit(data, epochs=epochs, callbacks=[clock], validation_data=validation_data, verbose=0)
    assert len(history.epoch) == epochs
    return len(y) * trainer["epochs"] / clock.seconds


def measure_input_only(files: str, tft_output, config: dict) -> float:
    """tfxkit's make_dataset alone, consumed inside TensorFlow (Dataset.reduce, no Python per batch):
    two full passes after one warm-up pass, examples per second."""
    label_key = f"{config['label']}_xf"
    dataset = make_dataset([files], tft_output, label_key, config["trainer"]["batch_size"], True)

    def count() -> int:
        return int(dataset.reduce(tf.constant(0, tf.int64),
                                  lambda total, batch: total + tf.shape(batch[1], out_type=tf.int64)[0]))

    count()
    start = time.perf_counter()
    examples = count() + count()
    return examples / (time.perf_counter() - start)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=50_000)
    parser.add_argument("--epochs", type=int, default=3, help="timed epochs per fit")
    parser.add_argument("--warmup-epochs", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    parser.add_argument("--smoke", action="store_true", default=os.environ.get("TFXKIT_BENCH_SMOKE") == "1",
                        help="tiny sizes: check that the benchmark runs (figures mean nothing)")
    parser.add_argument("--devices", choices=["cpu", "gpu"], default="cpu",
                        help="hardware rows: replicas on logical CPUs (bfloat16) or on the visible GPUs (float16)")
    parser.add_argument("--replicas", type=int, default=2, help="logical CPU replicas of the hardware rows")
    args = parser.parse_args()
    if args.smoke:
        args.examples, args.epochs, args.warmup_epochs, args.repeats = 512, 1, 1, 1
    gpus = visible_gpus()
    if args.devices == "gpu" and not gpus:
        parser.error("--devices gpu: TensorFlow sees no GPU here")
    if args.devices == "cpu":
        split_cpu(args.replicas)  # before anything below initialises TensorFlow's devices
    replicas = len(gpus) if args.devices == "gpu" else args.replicas

    absl_logging.set_verbosity(absl_logging.WARNING)
    tf.get_logger().setLevel("ERROR")
    keras.utils.set_random_seed(0)
    work = Path(tempfile.mkdtemp(prefix="tfxkit-trainer-bench-"))
    print(f"bench: work folder {work}")
    print(f"bench: TensorFlow {tf.__version__}, tf_keras {keras.__version__}, {os.cpu_count()} CPUs, "
          f"GPUs: {visible_gpus() or 'none'}")

    transform_config, config = spec_configs(args.batch_size, args.epochs)
    started = time.perf_counter()
    raw_path = work / "raw_examples" / "data.tfrecord.gz"
    write_raw_examples(args.examples, raw_path)
    transform_dir, files = run_transform(str(raw_path), transform_config, work)
    print(f"bench: setup: {args.examples} examples, {NUM_FEATURES} float features, {NUM_CLASSES} classes; "
          f"tf.Transform (tfxkit preprocessing_fn, zscore) wrote gzipped TFRecords in "
          f"{time.perf_counter() - started:.1f} s (not timed below)")

    tft_output = tft.TFTransformOutput(transform_dir)
    label_key = f"{LABEL}_xf"
    # The same transformed examples, in memory, for plain Keras.
    parts = list(make_dataset([files], tft_output, label_key, 4096, False).as_numpy_iterator())
    x = {k: np.concatenate([p[0][k] for p in parts]) for k in parts[0][0]}
    y = np.concatenate([p[1] for p in parts])
    assert len(y) == args.examples, len(y)
    probe = build_model(tft_output, config)
    print(f"bench: model: tfxkit build_model, dnn {config['model']['hidden_units']}, "
          f"{probe.count_params()} parameters, inputs {len(probe.inputs)} x {tuple(probe.inputs[0].shape)}, "
          f"softmax over {probe.output_shape[-1]} classes, adam 1e-3; batch {args.batch_size}")
    print(f"bench: each fit = {args.warmup_epochs} warm-up epoch(s) (not timed) + {args.epochs} timed epochs "
          f"x {args.examples} examples; no validation; {args.repeats} interleaved repetitions")
    del probe

    sides = ["tfxkit", "numpy", "tensors"]
    rates: dict[str, list[float]] = {side: [] for side in sides + ["input"]}
    for rep in range(args.repeats):
        order = sides if rep % 2 == 0 else sides[::-1]
        for side in order:
            keras.backend.clear_session()
            if side == "tfxkit":
                rate = measure_tfxkit(files, tft_output, config, work, rep, args.warmup_epochs,
                                      args.examples)
            else:
                rate = measure_keras(x, y, tft_output, config, args.warmup_epochs, side)
            rates[side].append(rate)
        rates["input"].append(measure_input_only(files, tft_output, config))
        print(f"  rep {rep + 1} (order {', '.join(order)}): tfxkit {rates['tfxkit'][-1]:,.0f}   "
              f"keras numpy {rates['numpy'][-1]:,.0f}   keras tf.data {rates['tensors'][-1]:,.0f}   "
              f"tfxkit input alone {rates['input'][-1]:,.0f}  (ex/s)")
    keras.mixed_precision.set_global_policy("float32")
    print(f"bench: hardware rows ({args.devices}, {replicas} replicas, global batch {args.batch_size}):", flush=True)
    plans = hardware_plans(args.devices, replicas, gpus)
    hardware = measure_hardware(plans, files, tft_output, config, work, args.repeats,
                                args.warmup_epochs, args.examples)

    median = {side: statistics.median(values) for side, values in rates.items()}
    smoke = " -- smoke mode: these figures mean nothing" if args.smoke else ""
    print(f"result (medians, training examples per second){smoke}:")
    rows = [
        ("tfxkit Trainer: fit_inputs (gzipped TFRecords -> memory) + fit + training_callbacks", "tfxkit"),
        ("plain Keras: fit(numpy arrays in memory, shuffle=True)", "numpy"),
        ("plain Keras: fit(tf.data.from_tensor_slices in memory, shuffle, batch)", "tensors"),
        ("tfxkit input pipeline alone (make_dataset consumed by Dataset.reduce, no training)", "input"),
    ]
    for text, side in rows:
        print(f"  {text:<84} {median[side]:>9,.0f}")
    for text, side in (("numpy", "numpy"), ("tf.data from tensors", "tensors")):
        ratio = median["tfxkit"] / median[side]
        print(f"  ratio tfxkit / plain Keras ({text}) = {ratio:.2f}  (target >= {TARGET_RATIO}: "
              f"{'met' if ratio >= TARGET_RATIO else 'NOT met'})")

    print(f"hardware (medians, training examples per second, global batch {args.batch_size}; 1-replica "
          f"float32 = 1.00){smoke}:")
    base = statistics.median(hardware[plans[0].short()])
    print(f"  {'':<34} " + "   ".join(f"{c:>30}" for c in ("float32", "mixed")))
    for count in sorted({plan.replicas for plan in plans}):
        cells = []
        for plan in (p for p in plans if p.replicas == count):
            rate = statistics.median(hardware[plan.short()])
            cells.append(f"{plan.precision} {rate:>9,.0f} ({rate / base:.2f}x)")
        kind = next(p.device_kind for p in plans if p.replicas == count)
        print(f"  {f'{count} replica(s) ({kind})':<34} " + "   ".join(f"{c:>30}" for c in cells))
    print("  the same on a GPU host: python bench/trainer_throughput.py --devices gpu "
          f"--examples {args.examples} --epochs {args.epochs} --batch-size {args.batch_size} --repeats {args.repeats}")

    if args.keep:
        print(f"bench: kept {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
