"""`tfxkit schema update` on runs that cannot be relaxed, and the gate's empty-split check: no TFX run needed.

The stores here are written with ml_metadata directly, the way TFX records a
run (pipeline, run and node contexts; executions with input and output
events); the e2e test (tests/e2e/test_schema_update.py) covers a real run.
"""

from __future__ import annotations

import json
import time

from ml_metadata import metadata_store
from ml_metadata.proto import metadata_store_pb2 as mlmd
from tensorflow_metadata.proto.v0 import statistics_pb2

from tests.conftest import run_cli
from tfxkit.components.data_gate.empty_splits import empty_split_message, example_count, read_split_counts
from tfxkit.metadata import keys
from tfxkit.metadata.connection import connection_config

PIPELINE = "penguin"


class FakeRuns:
    """A SQLite MLMD store with runs recorded as TFX and tfxkit's runner record them."""

    def __init__(self, root):
        self.root = root
        self.store = metadata_store.MetadataStore(connection_config(f"sqlite:///{root}/metadata.sqlite"))
        self.types: dict[tuple[str, str], int] = {}
        self.pipeline = self._context("pipeline", PIPELINE)

    def _type(self, kind: str, name: str) -> int:
        if (kind, name) not in self.types:
            put = {"context": (self.store.put_context_type, mlmd.ContextType),
                   "execution": (self.store.put_execution_type, mlmd.ExecutionType),
                   "artifact": (self.store.put_artifact_type, mlmd.ArtifactType)}[kind]
            self.types[(kind, name)] = put[0](put[1](name=name))
        return self.types[(kind, name)]

    def _context(self, type_name: str, name: str, props: dict | None = None) -> mlmd.Context:
        existing = self.store.get_context_by_type_and_name(type_name, name) if (
            ("context", type_name) in self.types) else None
        if existing is not None:
            return existing
        ctx = mlmd.Context(type_id=self._type("context", type_name), name=name)
        for key, value in (props or {}).items():
            ctx.custom_properties[key].string_value = value
        [ctx.id] = self.store.put_contexts([ctx])
        return ctx

    def run(self, run_id: str, status: str, nodes: list[tuple[str, dict[str, str], dict[str, str]]]) -> None:
        """nodes: (node id, inputs {key: output name of an earlier node}, outputs {key: artifact type})."""
        summary = {"status": status, "started": time.time(), "planned": [n for n, _, _ in nodes]}
        run_ctx = self._context("pipeline_run", run_id, {keys.PIPELINE: PIPELINE, keys.RUN: json.dumps(summary)})
        made: dict[str, mlmd.Artifact] = {}
        for node, inputs, outputs in nodes:
            node_ctx = self._context("node", f"{PIPELINE}.{node}")
            execution = mlmd.Execution(type_id=self._type("execution", node),
                                       last_known_state=mlmd.Execution.COMPLETE)
            pairs = []
            for key, source in inputs.items():
                event = mlmd.Event(type=mlmd.Event.INPUT)
                event.path.steps.add().key = key
                pairs.append((made[source], event))
            for key, type_name in outputs.items():
                artifact = mlmd.Artifact(type_id=self._type("artifact", type_name),
                                         uri=str(self.root / node / key), state=mlmd.Artifact.LIVE)
                event = mlmd.Event(type=mlmd.Event.OUTPUT)
                event.path.steps.add().key = key
                pairs.append((artifact, event))
            _, artifact_ids, _ = self.store.put_execution(execution, pairs, [self.pipeline, run_ctx, node_ctx])
            for (artifact, event), artifact_id in zip(pairs, artifact_ids):
                if event.type == mlmd.Event.OUTPUT:
                    artifact.id = artifact_id
                    made[f"{node}.{event.path.steps[0].key}"] = artifact


GEN = ("CsvExampleGen", {}, {"examples": "Examples"})
STATS = ("StatisticsGen", {"examples": "CsvExampleGen.examples"}, {"statistics": "ExampleStatistics"})
CURATED = ("ImportSchemaGen", {}, {"schema": "Schema"})
INFERRED = ("SchemaGen", {"statistics": "StatisticsGen.statistics"}, {"schema": "Schema"})


def _one_line(result, code: int, message: str) -> None:
    assert result.code == code, result.stderr
    assert message in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr, result.stderr


def update(root, *args):
    return run_cli("schema", "update", "pipelines/penguin.yaml", *args, "--root", str(root))


def test_bad_runs_give_one_line_and_exit_2(tmp_path):
    fake = FakeRuns(tmp_path)
    fake.run("20261127-010000-aaaa", "failed", [GEN, CURATED])  # stopped before StatisticsGen
    fake.run("20261127-020000-bbbb", "gated", [GEN, STATS, INFERRED])  # no schema.file: SchemaGen's
    fake.run("20261127-030000-cccc", "pushed", [GEN, STATS, CURATED])
    _one_line(update(tmp_path, "20261127-999"), 2, "no run '20261127-999' in pipeline 'penguin'")
    _one_line(update(tmp_path, "20261127-010000-aaaa"), 2,
              "run 20261127-010000-aaaa has no statistics (it stopped before StatisticsGen finished)")
    _one_line(update(tmp_path, "20261127-020000"), 2,  # a unique prefix names the run
              "run 20261127-020000-bbbb used a schema inferred by SchemaGen (no schema.file in its spec): "
              "there is no curated schema to update")
    # RUN left out: the newest gated run (not the newer pushed one)
    _one_line(update(tmp_path), 2, "run 20261127-020000-bbbb used a schema inferred by SchemaGen")
    # the statistics are recorded but their files are gone
    _one_line(update(tmp_path, "20261127-030000-cccc"), 2, "run 20261127-030000-cccc: its statistics are gone from")


def test_no_gated_run_and_no_store(tmp_path):
    fake = FakeRuns(tmp_path)
    fake.run("20261127-030000-cccc", "pushed", [GEN, STATS, CURATED])
    _one_line(update(tmp_path), 2, "no run of pipeline 'penguin' was stopped by the data gate; name a run id")
    _one_line(update(tmp_path / "nowhere"), 2, "no metadata store at")
    _one_line(update(tmp_path, "a", "b"), 2, "unexpected argument 'b'")


def test_schema_without_update_still_prints_the_spec_json_schema(tmp_path):
    out = tmp_path / "s.json"
    result = run_cli("schema", "-o", str(out))
    assert result.code == 0, result.stderr
    assert json.loads(out.read_text())["title"]


def _stats(num_examples: int | None) -> statistics_pb2.DatasetFeatureStatisticsList:
    stats = statistics_pb2.DatasetFeatureStatisticsList()
    if num_examples is not None:
        stats.datasets.add(num_examples=num_examples)
    return stats


def test_a_split_with_zero_examples_is_named_in_one_line(tmp_path):
    assert example_count(_stats(12)) == 12
    assert example_count(_stats(0)) == 0 and example_count(_stats(None)) == 0
    assert empty_split_message({"train": 250, "eval": 94}) is None
    message = empty_split_message({"train": 250, "eval": 0})
    assert message.startswith("data validation failed: the 'eval' split has no examples")
    assert "\n" not in message and "train 250, eval 0" in message
    both = empty_split_message({"train": 0, "eval": 0})
    assert "the 'train' and 'eval' splits have no examples" in both

    # As StatisticsGen writes them: Split-<name>/FeatureStats.pb; a header-only file gives no datasets.
    for split, stats in {"train": _stats(None), "eval": _stats(7)}.items():
        (tmp_path / f"Split-{split}").mkdir()
        (tmp_path / f"Split-{split}" / "FeatureStats.pb").write_bytes(stats.SerializeToString())
    (tmp_path / "Split-test").mkdir()  # no file at all: counts as empty
    counts = read_split_counts({s: str(tmp_path / f"Split-{s}") for s in ("train", "eval", "test")})
    assert counts == {"train": 0, "eval": 7, "test": 0}
