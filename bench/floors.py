"""Floors: each heavy component of the taxi pipeline against the same work done the most direct way.

Run from the repository root (the heavy sizes at the lowest CPU priority: others share the cores):

    nice -n 19 .venv/bin/python bench/floors.py [--rows 100000,1000000] [--epochs 1] [--out DIR] [--keep]
    .venv/bin/python bench/floors.py --smoke        # or TFXKIT_BENCH_SMOKE=1: 2,000 rows, figures mean nothing

Per size: taxi-like data from bench/scale.py's `generate`, one real `tfxkit run pipelines/taxi.yaml`
in a fresh root (scale.py's `run_one`, local runner, `--epochs` epochs), and the per-component wall
times it prints. Then, in this process, one after the other on the same machine, each floor, timed
from its first read to its last write, imports excluded (TensorFlow, TFDV, tf.Transform are imported
before the first clock starts; tfxkit's times include whatever its component pays inside the run):

- CsvExampleGen: pyarrow's CSV reader (column types from schemas/taxi.pbtxt, empty cells missing),
  tfx_bsl's C++ RecordBatchToExamplesEncoder, each serialized example hashed into train 4 : eval 1
  as TFX does (sha256 of its bytes), written with a gzipped TFRecord writer per split. The encoder
  writes a row's features in hash-map order, which changes from process to process, so the split
  would too: it encodes column by column and joins a row's features in name order (tfxkit's
  `encode_sorted`, the bytes TFX hashes), and the floor's splits are checked to hold the very
  examples tfxkit's hold.
- StatisticsGen: per split, the examples tfxkit's ExampleGen wrote, read (tf.data's gzipped TFRecord
  reader), decoded to one Arrow RecordBatch by tfx_bsl's decoder (typed by schemas/taxi.pbtxt),
  statistics by TFDV's `stats_impl.generate_statistics_in_memory` (no Beam), the proto written.
- Transform: the analyzers of the taxi spec's `transform.features` computed with numpy/pyarrow on the
  train split (mean and variance for zscore, quantile boundaries for bucketize, frequency-sorted top-k
  vocabularies, the label's max; hash needs none), then tfxkit's transform graph applied to both splits
  in batches of serialized examples (parse_example + the graph's TransformFeaturesLayer in one
  tf.function), encoded by tfx_bsl and written gzipped, as Transform materializes them. The graph
  applied is the run's (its analyzer values baked in); the vocabularies computed here are compared
  with the run's and the result printed.
- Trainer: tfxkit's `build_model` and plain Keras `model.fit` on in-memory numpy arrays (the run's
  transformed examples, read before the clock starts), the same epochs, batch size and validation on
  the eval split that tfxkit's Trainer runs (bench/trainer_throughput.py's `measure_keras`).
- Evaluator: the run's SavedModel loaded once (and the baseline once, if the run had one; a fresh
  root has none, so neither side loads one), its serving signature on the eval split's serialized
  examples in batches, the label and the slice column parsed, accuracy, AUC (10,000 thresholds, as
  TFMA's) and the example count overall and per slice with Keras metrics.

Printed: a table per size, component | tfxkit s | floor s | ratio (tfxkit / floor); with --out also
floors.md and floors.csv there. The issue's target: every ratio at most 3 at 1M rows.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import math
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# bench/ (scale.py's generator and runs, trainer_throughput.py's plain-Keras fit) and this repository importable.
sys.path[:0] = [str(REPO / "bench"), str(REPO)]

from tfxkit.modules.keras_setup import use_tf_keras_in_keras_tuner  # noqa: E402

use_tf_keras_in_keras_tuner()  # tf.keras is tf_keras, as in `tfxkit run`: before TensorFlow or TFX load

import numpy as np  # noqa: E402
import pyarrow as pa  # noqa: E402
import pyarrow.compute as pc  # noqa: E402
import tensorflow as tf  # noqa: E402
import tensorflow_data_validation as tfdv  # noqa: E402
import tensorflow_transform as tft  # noqa: E402
import tf_keras as keras  # noqa: E402
from absl import logging as absl_logging  # noqa: E402
from google.protobuf import text_format  # noqa: E402
from scale import SPEC, child_env, generate, run_one, split_contents  # noqa: E402
from tensorflow_data_validation.statistics import stats_impl  # noqa: E402
from tensorflow_metadata.proto.v0 import schema_pb2  # noqa: E402
from tfx_bsl.coders import example_coder  # noqa: E402
from trainer_throughput import measure_keras  # noqa: E402

from tfxkit.components.csv_example_gen.executor import encode_sorted  # noqa: E402
from tfxkit.config.load import load_spec  # noqa: E402
from tfxkit.dag.plan import trainer_config  # noqa: E402
from tfxkit.modules.training_data import load_in_memory  # noqa: E402

SCHEMA = REPO / "schemas" / "taxi.pbtxt"
COMPONENTS = ("CsvExampleGen", "StatisticsGen", "Transform", "Trainer", "Evaluator")
SPLITS = ("train", "eval")
BATCH = 8192  # examples per batch where a floor works in batches
TARGET = 3.0


# ---------------------------------------------------------------- helpers


def load_schema() -> schema_pb2.Schema:
    return text_format.Parse(SCHEMA.read_text(encoding="utf-8"), schema_pb2.Schema())


def artifact(root: Path, component: str, output: str) -> Path:
    """The one folder of a component's output in a run root (<root>/<component>/<output>/<execution id>)."""
    found = sorted((root / component / output).glob("*"))
    if len(found) != 1:
        raise SystemExit(f"bench: expected one {component}.{output} artifact in {root}, found {len(found)}")
    return found[0]


def record_batches(split_dir: Path, batch: int = BATCH):
    """The serialized examples of a split's gzipped TFRecord files, `batch` at a time (numpy arrays of bytes)."""
    files = sorted(str(p) for p in split_dir.glob("*.gz"))
    dataset = tf.data.TFRecordDataset(files, compression_type="GZIP").batch(batch)
    yield from dataset.as_numpy_iterator()


def decode_split(split_dir: Path, decoder: example_coder.ExamplesToRecordBatchDecoder) -> pa.RecordBatch:
    """A whole split as one Arrow RecordBatch."""
    table = pa.Table.from_batches([decoder.DecodeBatch(list(b)) for b in record_batches(split_dir)])
    return table.combine_chunks().to_batches()[0]


def as_list_array(column: pa.Array) -> pa.ListArray:
    """A scalar column as the list column tf.Example features are (a missing cell: an empty list)."""
    present = np.asarray(column.is_valid().to_numpy(zero_copy_only=False), dtype=np.int32)
    offsets = pa.array(np.concatenate([[0], np.cumsum(present)]).astype(np.int32))
    values = column.drop_null()
    if pa.types.is_string(values.type):
        values = values.cast(pa.binary())
    return pa.ListArray.from_arrays(offsets, values)


def dense(column: pa.Array, fill) -> np.ndarray:
    """A list column with at most one value per row as a numpy array, empty or null rows filled."""
    lengths = pc.fill_null(pc.list_value_length(column), 0).to_numpy(zero_copy_only=False)
    values = pc.list_flatten(column).to_numpy(zero_copy_only=False)
    out = np.full(len(column), fill, dtype=values.dtype if len(values) else object)
    out[lengths > 0] = values
    return out


def write_records(path: Path, records) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with tf.io.TFRecordWriter(str(path), options="GZIP") as writer:
        for record in records:
            writer.write(record)


def tensors_to_record_batch(outputs: dict[str, tf.Tensor]) -> pa.RecordBatch:
    """Transformed tensors ([n] or [n, k]) as list columns for tfx_bsl's encoder."""
    arrays, names = [], []
    for name, tensor in sorted(outputs.items()):
        values = tensor.numpy()
        n = values.shape[0]
        width = int(np.prod(values.shape[1:])) if values.ndim > 1 else 1
        offsets = pa.array((np.arange(n + 1) * width).astype(np.int32))
        arrays.append(pa.ListArray.from_arrays(offsets, pa.array(values.reshape(-1))))
        names.append(name)
    return pa.RecordBatch.from_arrays(arrays, names)


# ---------------------------------------------------------------- floors


def example_gen_floor(csv_path: Path, out: Path) -> None:
    """pyarrow's CSV reader, tfx_bsl's encoder (features in name order), TFX's hash split (4 : 1), gzipped
    TFRecords."""
    import pyarrow.csv as pacsv

    kinds = {schema_pb2.INT: pa.int64(), schema_pb2.FLOAT: pa.float32(), schema_pb2.BYTES: pa.string()}
    types = {f.name: kinds[f.type] for f in load_schema().feature}
    table = pacsv.read_csv(csv_path, convert_options=pacsv.ConvertOptions(column_types=types,
                                                                            strings_can_be_null=True))
    encoder = example_coder.RecordBatchToExamplesEncoder()
    writers = {}
    for split in SPLITS:
        (out / f"Split-{split}").mkdir(parents=True, exist_ok=True)
        writers[split] = tf.io.TFRecordWriter(str(out / f"Split-{split}" / "data.gz"), options="GZIP")
    try:
        for batch in table.to_batches(max_chunksize=BATCH):
            lists = pa.RecordBatch.from_arrays([as_list_array(c) for c in batch.columns], batch.schema.names)
            for record in encode_sorted(lists, encoder):
                split = "eval" if int(hashlib.sha256(record).hexdigest(), 16) % 5 == 4 else "train"
                writers[split].write(record)
    finally:
        for writer in writers.values():
            writer.close()


def statistics_gen_floor(examples: Path, out: Path) -> dict[str, int]:
    """TFDV's in-memory statistics per split; the number of examples each split's statistics count."""
    # Typed by the schema: decoded without one, a batch where a rare column has no value types it apart from the
    # others, and the batches could not be joined into one.
    decoder = example_coder.ExamplesToRecordBatchDecoder(load_schema().SerializeToString())
    counts = {}
    for split in SPLITS:
        batch = decode_split(examples / f"Split-{split}", decoder)
        stats = stats_impl.generate_statistics_in_memory(batch, tfdv.StatsOptions())
        (out / f"Split-{split}").mkdir(parents=True, exist_ok=True)
        (out / f"Split-{split}" / "FeatureStats.pb").write_bytes(stats.SerializeToString())
        counts[split] = stats.datasets[0].num_examples
    return counts


def numpy_analyzers(batch: pa.RecordBatch, features: dict[str, dict], label: str) -> dict[str, object]:
    """The analyzers tfxkit's preprocessing_fn runs for these features, with numpy and pyarrow."""
    out: dict[str, object] = {}
    for name, config in features.items():
        kind, fill = config["transform"], config.get("fill_value")
        column = batch.column(batch.schema.get_field_index(name))
        if kind == "zscore":
            values = dense(column, 0 if fill is None else fill).astype(np.float64)
            out[name] = (values.mean(), values.var())
        elif kind == "bucketize":
            values = dense(column, 0 if fill is None else fill).astype(np.float64)
            edges = np.linspace(0, 1, config["num_buckets"] + 1)[1:-1]
            out[name] = np.quantile(values, edges)
        elif kind == "vocabulary":
            kind_of = column.type.value_type
            is_bytes = any(test(kind_of) for test in (pa.types.is_binary, pa.types.is_large_binary,
                                                       pa.types.is_string, pa.types.is_large_string))
            default = ("" if fill is None else str(fill)).encode() if is_bytes else (0 if fill is None else fill)
            values = dense(column, default)
            counts = pc.value_counts(pa.array(values)).to_pylist()
            tokens = [(c["counts"], v if is_bytes else str(v).encode()) for c, v in
                      ((c, c["values"]) for c in counts)]
            tokens.sort(key=lambda t: (-t[0], [-b for b in t[1]]))  # by frequency, ties by value, descending
            top_k = config.get("top_k")
            out[name] = [t for _, t in tokens[:top_k] if t]  # tf.Transform leaves empty tokens out
        elif kind != "hash":
            raise SystemExit(f"bench: no numpy floor for transform '{kind}' ({name})")
    out[label] = int(dense(batch.column(batch.schema.get_field_index(label)), 0).max())
    return out


def transform_floor(examples: Path, transform_graph: Path, features: dict[str, dict], label: str,
                    out: Path) -> str:
    """numpy analyzers on the train split, the transform graph applied to both splits and written; returns
    how the vocabularies compare with the run's."""
    decoder = example_coder.ExamplesToRecordBatchDecoder(load_schema().SerializeToString())
    analyzers = numpy_analyzers(decode_split(examples / "Split-train", decoder), features, label)
    tft_output = tft.TFTransformOutput(str(transform_graph))
    layer = tft_output.transform_features_layer()
    raw_spec = tft_output.raw_feature_spec()

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string)])
    def apply(serialized):
        return layer(tf.io.parse_example(serialized, raw_spec))

    encoder = example_coder.RecordBatchToExamplesEncoder()
    for split in SPLITS:
        records = (record for batch in record_batches(examples / f"Split-{split}")
                   for record in encoder.encode(tensors_to_record_batch(apply(tf.constant(batch)))))
        write_records(out / f"Split-{split}" / "transformed_examples.gz", records)
    vocabularies = [n for n, c in features.items() if c["transform"] == "vocabulary"]
    same = [n for n in vocabularies if set(analyzers[n]) == set(tft_output.vocabulary_by_name(f"vocab_{n}"))]
    return f"{len(same)} of {len(vocabularies)} vocabularies equal to the run's" + (
        "" if len(same) == len(vocabularies) else f" (differ: {sorted(set(vocabularies) - set(same))})")


def trainer_inputs(transformed: Path, transform_graph: Path, label: str):
    """The run's transformed train and eval splits as numpy arrays (read before the Trainer floor's clock)."""
    tft_output = tft.TFTransformOutput(str(transform_graph))
    label_key = f"{label}_xf"
    loaded = [load_in_memory([str(transformed / f"Split-{split}" / "*")], tft_output, label_key, max_bytes=1 << 40)
              for split in SPLITS]
    return tft_output, loaded[0], loaded[1]


def evaluator_floor(model_dir: Path, baseline_dir: Path | None, examples: Path, label: str,
                    slices: list[str]) -> str:
    """Predictions on the eval split (candidate, and baseline if any) and accuracy, AUC and example count
    overall and per slice; returns the overall figures, as a check."""
    models = {"candidate": tf.saved_model.load(str(model_dir))}
    if baseline_dir is not None:
        models["baseline"] = tf.saved_model.load(str(baseline_dir))
    serve = {k: m.signatures["serving_default"] for k, m in models.items()}
    columns = {label: tf.io.VarLenFeature(tf.int64), **{s: tf.io.VarLenFeature(tf.string) for s in slices}}
    predictions: dict[str, list[np.ndarray]] = {k: [] for k in models}
    labels, keys = [], {s: [] for s in slices}
    for batch in record_batches(examples / "Split-eval", 1000):
        serialized = tf.constant(batch)
        for name, signature in serve.items():
            predictions[name].append(signature(examples=serialized)["outputs"].numpy().reshape(-1))
        parsed = tf.io.parse_example(serialized, columns)
        labels.append(tf.sparse.to_dense(parsed[label]).numpy().reshape(-1))
        for s in slices:
            keys[s].append(tf.sparse.to_dense(parsed[s], default_value=b"").numpy()[:, 0])
    y = np.concatenate(labels)
    report = []
    for name, parts in predictions.items():
        p = np.concatenate(parts)
        masks = {"overall": np.ones(len(y), bool)}
        for s in slices:
            values = np.concatenate(keys[s])
            masks.update({f"{s}={v.decode()}": values == v for v in np.unique(values)})
        figures = {}
        for slice_name, mask in masks.items():
            accuracy = keras.metrics.BinaryAccuracy()
            auc = keras.metrics.AUC(num_thresholds=10_000)
            accuracy.update_state(y[mask], p[mask])
            auc.update_state(y[mask], p[mask])
            figures[slice_name] = (int(mask.sum()), float(accuracy.result()), float(auc.result()))
        n, acc, auc_value = figures["overall"]
        report.append(f"{name}: {n} examples, accuracy {acc:.4f}, AUC {auc_value:.4f}, {len(figures) - 1} slices")
    return "; ".join(report)


# ---------------------------------------------------------------- one size


def timed(fn, *args):
    started = time.perf_counter()
    result = fn(*args)
    return time.perf_counter() - started, result


def measure(rows: int, work: Path, epochs: int, timeout: float) -> dict[str, tuple[float, float]]:
    """{component: (tfxkit s, floor s)} at one size."""
    csv_path = generate(rows, work / "data" / f"taxi-{rows}" / "data.csv")
    print(f"bench: {rows:,} taxi-like rows: {csv_path}; tfxkit run (local runner, {epochs} epoch(s)) ...",
          flush=True)
    result = run_one("local", rows, csv_path, work, epochs, child_env(), None, timeout)
    if not result.ok:
        raise SystemExit(f"bench: tfxkit run failed, exit {result.rc}: {result.log}")
    missing = [c for c in COMPONENTS if c not in result.components]
    if missing:
        raise SystemExit(f"bench: no time for {missing} in the run's output (cached?): {result.log}")
    print(f"  tfxkit run: {result.seconds:.0f} s; " + ", ".join(f"{c} {result.components[c]:.1f} s"
                                                               for c in COMPONENTS), flush=True)
    root = work / "roots" / f"local-{rows}"
    examples = artifact(root, "CsvExampleGen", "examples")
    transform_graph = artifact(root, "Transform", "transform_graph")
    transformed = artifact(root, "Transform", "transformed_examples")
    model = artifact(root, "Trainer", "model") / "Format-Serving"
    loaded = load_spec(REPO / SPEC, {"data.path": str(csv_path), "trainer.epochs": epochs})
    spec = loaded.spec
    features = {name: f.model_dump() for name, f in spec.transform.features.items()}
    floors = work / "floors" / str(rows)
    shutil.rmtree(floors, ignore_errors=True)
    floor: dict[str, float] = {}

    floor["CsvExampleGen"], _ = timed(example_gen_floor, csv_path, floors / "examples")
    ours, theirs = split_contents(floors / "examples"), split_contents(examples)
    print(f"  floor CsvExampleGen: {floor['CsvExampleGen']:.1f} s; examples per split "
          f"{ {split: n for split, (n, _) in ours.items()} }, "
          f"{'the same as' if ours == theirs else 'NOT the same as'} tfxkit's", flush=True)
    floor["StatisticsGen"], counts = timed(statistics_gen_floor, examples, floors / "statistics")
    print(f"  floor StatisticsGen: {floor['StatisticsGen']:.1f} s; examples per split {counts}", flush=True)
    floor["Transform"], check = timed(transform_floor, examples, transform_graph, features, spec.data.label,
                                      floors / "transformed")
    print(f"  floor Transform: {floor['Transform']:.1f} s; {check}", flush=True)
    tft_output, train, evaluation = trainer_inputs(transformed, transform_graph, spec.data.label)
    config = trainer_config(loaded)
    keras.backend.clear_session()
    floor["Trainer"], _ = timed(measure_keras, train[0], train[1], tft_output, config, 0, "numpy", evaluation)
    print(f"  floor Trainer: {floor['Trainer']:.1f} s; {len(train[1]):,} train, {len(evaluation[1]):,} eval "
          f"examples, {epochs} epoch(s), batch {config['trainer']['batch_size']}", flush=True)
    del train, evaluation
    # The root is fresh: the Evaluator had no baseline, so the floor loads none either.
    floor["Evaluator"], check = timed(evaluator_floor, model, None, examples, spec.data.label,
                                      list(spec.evaluation.slices))
    print(f"  floor Evaluator: {floor['Evaluator']:.1f} s; {check}", flush=True)
    return {c: (result.components[c], floor[c]) for c in COMPONENTS}


# ---------------------------------------------------------------- report


def table(measured: dict[int, dict[str, tuple[float, float]]]) -> str:
    lines = ["| rows | component | tfxkit s | floor s | ratio |", "|---|---|---|---|---|"]
    for rows, components in measured.items():
        for name, (ours, floor) in components.items():
            ratio = ours / floor if floor > 0 else math.inf
            lines.append(f"| {rows:,} | {name} | {ours:.1f} | {floor:.2f} | {ratio:.2f}x |")
    return "\n".join(lines) + "\n"


def check_targets(measured: dict[int, dict[str, tuple[float, float]]]) -> list[str]:
    at = measured.get(1_000_000)
    if not at:
        return ["the target (every component within 3x of its floor) is read at 1M rows, not measured here"]
    return [f"{name} at 1M rows: {ours / floor:.2f}x its floor (target <= {TARGET:.0f}x: "
            f"{'met' if ours / floor <= TARGET else 'NOT met'})" for name, (ours, floor) in at.items()]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", default="100000,1000000", help="comma-separated sizes")
    parser.add_argument("--epochs", type=int, default=1, help="trainer.epochs of the run and of the Trainer floor")
    parser.add_argument("--out", help="where floors.md and floors.csv go")
    parser.add_argument("--workdir", help="work folder (default: a new temp folder)")
    parser.add_argument("--keep", action="store_true", help="keep the generated data, runs and floors' outputs")
    parser.add_argument("--timeout", type=float, default=4 * 3600, help="seconds allowed per tfxkit run")
    parser.add_argument("--smoke", action="store_true", default=os.environ.get("TFXKIT_BENCH_SMOKE") == "1",
                        help="2,000 rows, 1 epoch: check that the benchmark runs (figures mean nothing)")
    args = parser.parse_args()
    if args.smoke:
        args.rows, args.epochs = "2000", 1
    absl_logging.set_verbosity(absl_logging.WARNING)
    tf.get_logger().setLevel("ERROR")
    sizes = [int(s) for s in args.rows.split(",")]
    work = Path(args.workdir or tempfile.mkdtemp(prefix="tfxkit-floors-")).resolve()
    work.mkdir(parents=True, exist_ok=True)
    print(f"bench: work folder {work}; {os.cpu_count()} CPUs; niceness {os.nice(0)}", flush=True)
    measured = {rows: measure(rows, work, args.epochs, args.timeout) for rows in sizes}
    text = table(measured)
    print("\n" + text)
    if args.smoke:
        print("smoke mode: the benchmark ran; these figures mean nothing")
    else:
        print("\n".join(check_targets(measured)))
    if args.out:
        out = Path(args.out).resolve()
        out.mkdir(parents=True, exist_ok=True)
        (out / "floors.md").write_text(text, encoding="utf-8")
        with open(out / "floors.csv", "w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(["rows", "component", "tfxkit_s", "floor_s", "ratio"])
            for rows, components in measured.items():
                for name, (ours, floor) in components.items():
                    writer.writerow([rows, name, f"{ours:.2f}", f"{floor:.2f}", f"{ours / floor:.3f}"])
        print(f"bench: wrote {out / 'floors.md'}, {out / 'floors.csv'}")
    if not args.keep:
        for heavy in ("data", "roots", "floors"):
            shutil.rmtree(work / heavy, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
