"""tfxkit's StatisticsGen executor against TFX's: the same statistics protos and the same artifact properties.

Both executors run for real in this process on the same examples: floats with missing
values, plain and categorical ints, strings with missing values and one non-ASCII, free
text, a string label, a multivalent int list (empty in some rows) and an empty split,
so every generator TFDV runs by default (numeric, string, top-k and uniques, value
counts) sees awkward input.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

tf = pytest.importorskip("tensorflow")

from absl import logging as absl_logging  # noqa: E402
from google.protobuf import json_format  # noqa: E402
from tensorflow_data_validation.statistics import stats_options  # noqa: E402
from tensorflow_metadata.proto.v0 import schema_pb2, statistics_pb2  # noqa: E402
from tfx.components.statistics_gen import executor as tfx_statistics_gen  # noqa: E402
from tfx.dsl.components.base.base_beam_executor import BaseBeamExecutor  # noqa: E402
from tfx.types import standard_artifacts  # noqa: E402

from tests.tfx_artifacts import examples_artifact, tf_feature, write_split  # noqa: E402
from tfxkit.components.statistics_gen import executor as statistics_gen  # noqa: E402
from tfxkit.components.statistics_gen.in_process import unsupported  # noqa: E402

ROWS = {"train": 2500, "eval": 700, "empty": 0}
WORDS = ["good", "bad", "fine", "great", "awful", "ok", "meh", "superb"]
COLOURS = [b"red", b"green", b"blue", b"teal", "blå".encode()]


def _examples(root: Path, suffix: str = ".gz") -> standard_artifacts.Examples:
    rng = np.random.default_rng(5)
    row = 0
    for split, rows in ROWS.items():
        examples = []
        for _ in range(rows):
            feature = {"row": tf_feature([row]), "y": tf_feature([float(rng.normal(3, 2))]),
                       "size": tf_feature([int(rng.zipf(1.6)) % 40]),
                       "review": tf_feature([" ".join(rng.choice(WORDS, rng.integers(1, 9))).encode()]),
                       "tags": tf_feature([int(t) for t in rng.integers(0, 6, rng.integers(0, 4))]),
                       "label": tf_feature([b"yes" if rng.random() < 0.4 else b"no"])}
            if row % 9:
                feature["x"] = tf_feature([float(rng.normal(10, 5))])
            if row % 13:
                feature["colour"] = tf_feature([COLOURS[int(rng.zipf(1.3)) % 5]])
            examples.append(feature)
            row += 1
        write_split(root / f"Split-{split}", examples, suffix)
    return examples_artifact(root, list(ROWS))


def _schema(root: Path) -> standard_artifacts.Schema:
    """A schema in which `size` is a categorical int (top-k and uniques for it too)."""
    schema = schema_pb2.Schema()
    for name, kind in {"row": schema_pb2.INT, "x": schema_pb2.FLOAT, "y": schema_pb2.FLOAT,
                       "size": schema_pb2.INT, "colour": schema_pb2.BYTES, "review": schema_pb2.BYTES,
                       "tags": schema_pb2.INT, "label": schema_pb2.BYTES}.items():
        feature = schema.feature.add(name=name, type=kind)
        if name == "size":
            feature.int_domain.is_categorical = True
    root.mkdir(parents=True)
    (root / "schema.pbtxt").write_text(str(schema))
    artifact = standard_artifacts.Schema()
    artifact.uri = str(root)
    return artifact


def _run(executor_class: type, examples: standard_artifacts.Examples, schema: standard_artifacts.Schema | None,
         out: Path, exec_properties: dict | None = None) -> standard_artifacts.ExampleStatistics:
    statistics = standard_artifacts.ExampleStatistics()
    statistics.uri = str(out)
    context = BaseBeamExecutor.Context(beam_pipeline_args=[], tmp_dir=str(out.parent / f"{out.name}-tmp"),
                                       unique_id="1")
    inputs = {"examples": [examples], **({"schema": [schema]} if schema else {})}
    executor_class(context).Do(inputs, {"statistics": [statistics]},
                               {"exclude_splits": json.dumps([]), **(exec_properties or {})})
    return statistics


def _stats(artifact: standard_artifacts.ExampleStatistics, split: str) -> statistics_pb2.DatasetFeatureStatisticsList:
    """A split's statistics with the features in path order (TFDV's merge does not promise one)."""
    stats = statistics_pb2.DatasetFeatureStatisticsList.FromString(
        (Path(artifact.uri) / f"Split-{split}" / "FeatureStats.pb").read_bytes())
    for dataset in stats.datasets:
        features = sorted(dataset.features, key=lambda f: f.path.SerializeToString())
        del dataset.features[:]
        dataset.features.extend(features)
    return stats


def _assert_same(theirs: standard_artifacts.ExampleStatistics, ours: standard_artifacts.ExampleStatistics) -> None:
    assert ours.split_names == theirs.split_names
    assert ours.span == theirs.span
    assert ours.mlmd_artifact.custom_properties == theirs.mlmd_artifact.custom_properties
    for split in json.loads(theirs.split_names):
        _assert_close(json_format.MessageToDict(_stats(ours, split)), json_format.MessageToDict(_stats(theirs, split)),
                      split)


def _assert_close(ours, theirs, where: str) -> None:
    """Equal, but for the last bits of float sums (means, deviations): TFX's batch sizes are Beam's to tune."""
    if isinstance(theirs, dict):
        assert ours.keys() == theirs.keys(), where
        for key in theirs:
            _assert_close(ours[key], theirs[key], f"{where}.{key}")
    elif isinstance(theirs, list):
        assert len(ours) == len(theirs), where
        for i, (mine, their) in enumerate(zip(ours, theirs)):
            _assert_close(mine, their, f"{where}[{i}]")
    elif isinstance(theirs, float):
        assert math.isclose(ours, theirs, rel_tol=1e-12, abs_tol=1e-12), (where, ours, theirs)
    else:
        assert ours == theirs, (where, ours, theirs)


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> tuple[standard_artifacts.Examples, standard_artifacts.Schema]:
    root = tmp_path_factory.mktemp("statistics")
    return _examples(root / "examples"), _schema(root / "schema")


def _logged(caplog) -> str:
    return "\n".join(r.getMessage() for r in caplog.records if "tfxkit StatisticsGen" in r.getMessage())


@pytest.mark.parametrize("with_schema", [True, False])
def test_in_process_statistics_are_tfx_s(data, tmp_path, caplog, with_schema):
    absl_logging.set_verbosity(absl_logging.INFO)
    examples, schema = data
    schema = schema if with_schema else None
    theirs = _run(tfx_statistics_gen.Executor, examples, schema, tmp_path / "tfx")
    ours = _run(statistics_gen.Executor, examples, schema, tmp_path / "ours")
    _assert_same(theirs, ours)
    train = _stats(ours, "train").datasets[0]
    assert train.num_examples == ROWS["train"]
    assert _stats(ours, "empty").datasets[0].num_examples == 0
    colour = next(f for f in train.features if f.path.step == ["colour"])
    assert colour.string_stats.unique == 5 and colour.string_stats.top_values[0].value == "green"
    size = next(f for f in train.features if f.path.step == ["size"])
    assert size.HasField("string_stats") == with_schema  # categorical ints get top-k and uniques
    log = _logged(caplog)
    assert "split train computed in process" in log and "TFX's Beam pipeline" not in log


def test_excluded_splits_are_left_out_as_tfx_does(data, tmp_path):
    examples, schema = data
    excluded = {"exclude_splits": json.dumps(["eval"])}
    theirs = _run(tfx_statistics_gen.Executor, examples, schema, tmp_path / "tfx", excluded)
    ours = _run(statistics_gen.Executor, examples, schema, tmp_path / "ours", excluded)
    _assert_same(theirs, ours)
    assert json.loads(ours.split_names) == ["train", "empty"]
    assert not (tmp_path / "ours" / "Split-eval").exists()


@pytest.mark.parametrize("exec_properties, why", [
    ({"stats_options_json": stats_options.StatsOptions(num_top_values=3).to_json()}, "stats_options_json set"),
    ({"sample_rate_by_split": json.dumps({"train": 0.5})}, "sample_rate_by_split set"),
])
def test_what_only_beam_does_takes_tfx_s_pipeline(data, tmp_path, caplog, exec_properties, why):
    absl_logging.set_verbosity(absl_logging.INFO)
    examples, schema = data
    _run(statistics_gen.Executor, examples, schema, tmp_path / "ours", exec_properties)
    assert f"TFX's Beam pipeline ({why})" in _logged(caplog)
    assert (tmp_path / "ours" / "Split-train" / "FeatureStats.pb").exists()


def test_files_that_are_not_gzipped_take_tfx_s_pipeline(data, tmp_path, caplog):
    absl_logging.set_verbosity(absl_logging.INFO)
    _, schema = data
    examples = _examples(tmp_path / "examples", suffix="")
    _run(statistics_gen.Executor, examples, schema, tmp_path / "ours")
    assert "TFX's Beam pipeline (split train: files that are not gzipped)" in _logged(caplog)
    assert _stats(_run(statistics_gen.Executor, examples, schema, tmp_path / "again"), "train").datasets[0] \
        .num_examples == ROWS["train"]


@pytest.mark.parametrize("options, why", [
    (stats_options.StatsOptions(sample_rate=0.5), "examples sampled"),
    (stats_options.StatsOptions(experimental_slice_functions=[lambda batch: []]), "sliced statistics"),
    (stats_options.StatsOptions(feature_allowlist=["x"]), "a feature allowlist"),
    (stats_options.StatsOptions(experimental_num_feature_partitions=2), "feature partitions"),
    (stats_options.StatsOptions(weight_feature="y"), "example weights"),
    (stats_options.StatsOptions(label_feature="label", schema=schema_pb2.Schema(
        feature=[schema_pb2.Feature(name="label", type=schema_pb2.BYTES)])),
     "generators that run on Beam only (LiftStatsGenerator)"),
    (stats_options.StatsOptions(), None),
])
def test_options_tfdv_computes_on_beam_only_are_named(options, why):
    assert unsupported(options) == why
