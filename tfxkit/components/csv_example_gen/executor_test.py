"""tfxkit's CsvExampleGen executor against TFX's: the same examples in the same splits, on awkward CSVs.

Both executors run for real on the same files: TFX's on Beam's DirectRunner in this process,
tfxkit's in process without Beam (its path on the DirectRunner) or through TFX's Beam pipeline
(its path on every other runner). Outputs are compared split by split as deterministically
serialized Examples, record by record in file order (TFX's Reshuffle reorders nothing on the
DirectRunner), or as multisets where the files differ (several shards, another runner).
"""

from __future__ import annotations

import gzip
import itertools
from pathlib import Path

import pytest

tf = pytest.importorskip("tensorflow")

from tfx.components.example_gen.csv_example_gen import executor as tfx_csv  # noqa: E402
from tfx.proto import example_gen_pb2  # noqa: E402
from tfx.types import standard_artifacts, standard_component_specs  # noqa: E402
from tfx.utils import proto_utils  # noqa: E402

from tfxkit.components.csv_example_gen import executor as csv_example_gen  # noqa: E402
from tfxkit.components.csv_example_gen.executor import CommaExecutor  # noqa: E402

TFX_TESTDATA = Path(tfx_csv.__file__).parents[2] / "testdata" / "external"
TAXI = Path(tfx_csv.__file__).parents[3] / "examples" / "chicago_taxi_pipeline" / "data" / "simple" / "data.csv"

AWKWARD = (
    'id,name,score,ratio,empty,note\n'
    '1,"Smith, J.",10,0.5,,plain\n'
    '2,Ünïcødé,,1,,"two\nlines"\n'
    '\n'
    '3,,7,2.25,,"quoted ""word"""\n'
    '4,x,-3,,,\n'
)


def _records(folder: Path) -> list[bytes]:
    out = []
    for path in sorted(folder.glob("*.gz")):
        data = gzip.decompress(path.read_bytes())
        while data:  # TFRecord framing: length (8), its CRC (4), payload, its CRC (4)
            n = int.from_bytes(data[:8], "little")
            out.append(data[12:12 + n])
            data = data[16 + n:]
    return out


def _run(executor, input_base: Path, out: Path) -> dict[str, list[bytes]]:
    """One executor's Do() on every CSV in input_base; each split's Examples in file order, deterministically
    serialized."""
    examples = standard_artifacts.Examples()
    examples.uri = str(out)
    executor.Do({}, {standard_component_specs.EXAMPLES_KEY: [examples]}, {
        standard_component_specs.INPUT_BASE_KEY: str(input_base),
        standard_component_specs.INPUT_CONFIG_KEY: proto_utils.proto_to_json(
            example_gen_pb2.Input(splits=[example_gen_pb2.Input.Split(name="all", pattern="*.csv")])),
        standard_component_specs.OUTPUT_CONFIG_KEY: proto_utils.proto_to_json(example_gen_pb2.Output(
            split_config=example_gen_pb2.SplitConfig(splits=[
                example_gen_pb2.SplitConfig.Split(name="train", hash_buckets=2),
                example_gen_pb2.SplitConfig.Split(name="eval", hash_buckets=1)]))),
    })
    return {split: [tf.train.Example.FromString(r).SerializeToString(deterministic=True)
                    for r in _records(out / f"Split-{split}")]
            for split in ("train", "eval")}


def _same_as_tfx(tmp_path: Path, csv_text: str, delimiter: str = ",") -> dict[str, list[bytes]]:
    (tmp_path / "tfx_in").mkdir()
    (tmp_path / "tfx_in" / "data.csv").write_text(csv_text, encoding="utf-8")
    (tmp_path / "ours_in").mkdir()
    (tmp_path / "ours_in" / "data.csv").write_text(csv_text.replace(",", delimiter), encoding="utf-8")
    theirs = _run(tfx_csv.Executor(), tmp_path / "tfx_in", tmp_path / "tfx_out")
    ours = _run(csv_example_gen.EXECUTORS[delimiter](), tmp_path / "ours_in", tmp_path / "ours_out")
    assert ours == theirs
    return ours


def test_awkward_csv_gives_tfx_s_examples_in_tfx_s_splits(tmp_path):
    splits = _same_as_tfx(tmp_path, AWKWARD)
    rows = [tf.train.Example.FromString(r).features.feature for r in itertools.chain(*splits.values())]
    assert len(rows) == 4  # the blank line is skipped
    by_id = {row["id"].int64_list.value[0]: row for row in rows}
    assert by_id[1]["name"].bytes_list.value == [b"Smith, J."]
    assert by_id[2]["note"].bytes_list.value == [b"two\nlines"]
    assert by_id[2]["score"].HasField("int64_list") and not by_id[2]["score"].int64_list.value
    assert list(by_id[3]["ratio"].float_list.value) == [2.25]  # "1" and "0.5" in one column: floats
    assert not by_id[4]["empty"].WhichOneof("kind")  # a column empty everywhere has no type, as in TFX


@pytest.mark.parametrize("delimiter", [";", "\t", "|"])
def test_other_delimiters_read_like_commas(tmp_path, delimiter):
    text = AWKWARD.replace('"Smith, J."', "Smith J.")  # a quoted comma would become a quoted delimiter
    splits = _same_as_tfx(tmp_path, text, delimiter=delimiter)
    assert sum(map(len, splits.values())) == 4  # every row, each read into its columns (as TFX reads the commas)


@pytest.mark.parametrize("folder", ["csv_empty", "csv_multi_line_string"])
def test_tfx_s_own_test_files(tmp_path, folder):
    _same_as_tfx(tmp_path, (TFX_TESTDATA / folder / "data.csv").read_text(encoding="utf-8"))


@pytest.mark.skipif(not TAXI.is_file(), reason="the tfx wheel's taxi sample is not installed")
def test_taxi_sample_rows(tmp_path):
    head = "".join(TAXI.read_text(encoding="utf-8").splitlines(keepends=True)[:1500])
    splits = _same_as_tfx(tmp_path, head)
    assert sum(map(len, splits.values())) == 1499
    assert len(splits["train"]) > len(splits["eval"]) > 0


def test_encoded_bytes_are_the_deterministic_serialization():
    import pyarrow as pa
    from tfx_bsl.coders import example_coder

    batch = pa.RecordBatch.from_arrays(
        [pa.array([[b"b" * 200], None], type=pa.large_list(pa.large_binary())),
         pa.array([[1.5], [2.0]], type=pa.large_list(pa.float32())),
         pa.array([None, None], type=pa.null())], ["z" * 130, "a", "m"])
    encoded = csv_example_gen.encode_sorted(batch, example_coder.RecordBatchToExamplesEncoder())
    for serialized in encoded:  # long names and values: multi-byte varint lengths
        assert tf.train.Example.FromString(serialized).SerializeToString(deterministic=True) == serialized
    empty_cell = tf.train.Example.FromString(encoded[1]).features.feature
    assert empty_cell["z" * 130].HasField("bytes_list") and not empty_cell["z" * 130].bytes_list.value
    assert not empty_cell["m"].WhichOneof("kind")


def test_other_runners_take_tfx_s_beam_pipeline_with_the_same_examples(tmp_path, monkeypatch):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "data.csv").write_text(AWKWARD * 50, encoding="utf-8")
    theirs = _run(tfx_csv.Executor(), tmp_path / "in", tmp_path / "tfx_out")
    monkeypatch.setattr(csv_example_gen, "on_direct_runner", lambda pipeline: False)  # as on Flink or Dataflow
    beam_path = _run(csv_example_gen.CommaExecutor(), tmp_path / "in", tmp_path / "beam_out")
    assert {k: sorted(v) for k, v in beam_path.items()} == {k: sorted(v) for k, v in theirs.items()}


def test_a_split_has_a_file_per_direct_runner_worker_holding_tfx_s_examples(tmp_path):
    from tfx.dsl.components.base.base_beam_executor import BaseBeamExecutor

    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "data.csv").write_text(AWKWARD * 50, encoding="utf-8")
    theirs = _run(tfx_csv.Executor(), tmp_path / "in", tmp_path / "tfx_out")
    workers = CommaExecutor(BaseBeamExecutor.Context(
        beam_pipeline_args=["--direct_running_mode=multi_processing", "--direct_num_workers=3"]))
    ours = _run(workers, tmp_path / "in", tmp_path / "ours_out")
    assert {k: sorted(v) for k, v in ours.items()} == {k: sorted(v) for k, v in theirs.items()}
    assert len(list((tmp_path / "ours_out" / "Split-train").glob("*.gz"))) == 3


CELLS = [b"", b"0", b"-12", b"+7", b" 3 ", b"1_000", b"9223372036854775807", b"9223372036854775808",
         b"-9223372036854775809", b"0.5", b"1e5", b"-2.5E-3", b"nan", b"inf", b"-Infinity", b"1_0.5", b"x",
         b"1,5", b"0x10", "é".encode(), b"12abc", b".", b"1.", b".5",
         # plain decimals, which are typed a batch at a time, beside what looks like them
         b"7", b"-0", b"0042", b"-.25", b"3.14159", b"-17.0", b"123456789012345678", b"1234567890123456789",
         b"12345678901234567890.5", b"1\n2", b"1.5\n2.5", b"\n", b"-", b"--1", b"1-", b"1..2", b"\xd9\xa3"]


@pytest.mark.parametrize("seed", range(40))
def test_column_types_are_tfx_bsl_s_inference(seed):
    """Random columns of awkward cells (ints out of int64's range, underscores, nan, blank rows), in batches
    smaller and larger than the inference's: the types tfx_bsl's ColumnTypeInferrer gives, row by row."""
    from tfx_bsl.coders import csv_decoder

    rng = __import__("random").Random(seed)
    names = [f"c{i}" for i in range(6)]
    pools = [rng.sample(CELLS, rng.randint(1, 4)) for _ in names]
    rows = [[] if rng.random() < 0.02 else [rng.choice(pool) for pool in pools]
            for _ in range(rng.choice([1, 50, 5000, 9000]))]
    inferrer = csv_decoder.ColumnTypeInferrer(column_names=names, skip_blank_lines=True)
    expected = inferrer.create_accumulator()
    for row in rows:
        expected = inferrer.add_input(expected, row)
    assert csv_example_gen.infer_column_types(iter(rows), names) == inferrer.extract_output(expected)


def test_a_row_of_the_wrong_length_gives_tfx_bsl_s_error():
    with pytest.raises(ValueError, match="Columns do not match specified csv headers"):
        csv_example_gen.infer_column_types(iter([[b"1", b"2"], [b"3"]]), ["a", "b"])
