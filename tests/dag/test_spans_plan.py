"""The plan over data in spans: one ExampleGen per selected span, Transform and Evaluator on their union,
statistics (schema, gate) on the newest span; Parquet and Avro through TFX's own executors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import run_cli
from tfxkit.config.load import load_spec
from tfxkit.dag.plan import plan_nodes

ROWS = [{"x": float(i), "y": float(2 * i), "c": "ab"[i % 2]} for i in range(6)]
CSV = "x,y,c\n" + "".join(f"{r['x']},{r['y']},{r['c']}\n" for r in ROWS)


def write_csv(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(CSV, encoding="utf-8")


def write_parquet(path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(ROWS), path)


def write_avro(path: Path) -> None:
    import fastavro

    schema = {"type": "record", "name": "Row", "fields": [
        {"name": "x", "type": "double"}, {"name": "y", "type": "double"}, {"name": "c", "type": "string"}]}
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as fh:
        fastavro.writer(fh, fastavro.parse_schema(schema), ROWS)


def spec(tmp_path: Path, data: str) -> Path:
    path = tmp_path / "spec.yaml"
    path.write_text("pipeline: {name: p, root: runs}\n"
                    "data:\n" + "".join(f"  {line}\n" for line in data.replace(", spans", "|spans").split("|"))
                    + "  label: y\n"
                    "transform: {features: {x: zscore, c: vocabulary}}\n"
                    "model: {task: regression}\n", encoding="utf-8")
    return path


def by_id(nodes) -> dict:
    return {n.id: n for n in nodes}


def test_one_example_gen_per_span_and_the_union_downstream(tmp_path):
    for span in (1, 2, 3):
        write_csv(tmp_path / f"data/span-{span}/part-0.csv")
    nodes = plan_nodes(load_spec(spec(tmp_path, "path: data/span-{SPAN}/part-*.csv, spans: {last: 2}")))
    gens = [n for n in nodes if "ExampleGen" in n.id]
    assert [g.id for g in gens] == ["CsvExampleGen-span-2", "CsvExampleGen-span-3"]
    assert [g.params["span"] for g in gens] == [2, 3]
    assert gens[1].shown["files"] == [str(tmp_path / "data/span-3/part-0.csv")]
    nodes_by_id = by_id(nodes)
    union = ("CsvExampleGen-span-2.examples", "CsvExampleGen-span-3.examples")
    assert nodes_by_id["Transform"].inputs["examples"] == union
    assert nodes_by_id["Evaluator"].inputs["examples"] == union
    assert nodes_by_id["StatisticsGen"].inputs == {"examples": "CsvExampleGen-span-3.examples"}
    # The newest span only, by default: one ExampleGen, no union.
    latest = by_id(plan_nodes(load_spec(spec(tmp_path, "path: data/span-{SPAN}/part-*.csv"))))
    assert latest["Transform"].inputs["examples"] == "CsvExampleGen-span-3.examples"


def test_plan_shows_spans_versions_and_the_union(tmp_path):
    for span, version in ((1, 1), (2, 1), (2, 2)):
        write_csv(tmp_path / f"data/{span}/v{version}/rows.csv")
    path = spec(tmp_path, "path: data/{SPAN}/v{VERSION}/*.csv, spans: {from: 1, to: 2}")
    result = run_cli("plan", str(path), "--json")
    assert result.code == 0, result.stderr
    nodes = {n["id"]: n for n in json.loads(result.stdout)}
    assert nodes["CsvExampleGen-span-2"]["params"]["version"] == 2
    assert nodes["Transform"]["inputs"]["examples"] == ["CsvExampleGen-span-1.examples",
                                                        "CsvExampleGen-span-2.examples"]
    text = run_cli("plan", str(path)).stdout
    assert "in   examples         <- CsvExampleGen-span-1.examples + CsvExampleGen-span-2.examples" in text


def test_date_spans_are_named_by_their_date(tmp_path):
    for day in ("2024-03-01", "2024-03-02"):
        write_csv(tmp_path / f"data/{day}/rows.csv")
    gens = [n for n in plan_nodes(load_spec(spec(tmp_path, "path: data/{YYYY}-{MM}-{DD}/*.csv, spans: {last: 2}")))
            if "ExampleGen" in n.id]
    assert [g.shown["span"] for g in gens] == ["2024-03-01", "2024-03-02"]
    assert [g.params["span"] for g in gens] == [19783, 19784]  # days since 1970-01-01, as TFX counts


@pytest.mark.parametrize(("ext", "writer", "gen"), [("parquet", write_parquet, "ParquetExampleGen"),
                                                    ("avro", write_avro, "AvroExampleGen")])
def test_parquet_and_avro_columns_checked_and_their_example_gen(tmp_path, ext, writer, gen):
    for span in (1, 2):
        writer(tmp_path / f"data/span-{span}/part-0.{ext}")
    nodes = plan_nodes(load_spec(spec(tmp_path, f"path: data/span-{{SPAN}}/*.{ext}, spans: {{last: 2}}")))
    gens = [n for n in nodes if "ExampleGen" in n.id]
    assert [g.id for g in gens] == [f"{gen}-span-1", f"{gen}-span-2"]
    assert gens[0].params["executor"] == ext
    # A plain path of the format too; and a label the file lacks is named against the file's own columns.
    writer(tmp_path / f"one.{ext}")
    assert [n.id for n in plan_nodes(load_spec(spec(tmp_path, f"path: one.{ext}")))][0] == gen
    bad = spec(tmp_path, f"path: one.{ext}").read_text().replace("label: y", "label: z")
    (tmp_path / "spec.yaml").write_text(bad)
    result = run_cli("validate", str(tmp_path / "spec.yaml"))
    assert "data.label: no column 'z'" in result.stderr, result.stderr


def test_not_a_parquet_file_is_one_line(tmp_path):
    (tmp_path / "bad.parquet").write_text("x,y\n1,2\n")
    result = run_cli("validate", str(spec(tmp_path, "path: bad.parquet")))
    assert result.code != 0
    assert "data.path: '" in result.stderr and "is not a Parquet file" in result.stderr, result.stderr


def test_build_gives_each_span_its_static_range_and_transform_the_union(tmp_path):
    from tfx.types.channel import UnionChannel

    from tfxkit.dag.build import build_pipeline

    for span in (1, 2):
        write_csv(tmp_path / f"data/span-{span}/part-0.csv")
    pipeline = build_pipeline(load_spec(spec(tmp_path, "path: data/span-{SPAN}/part-*.csv, spans: {last: 2}")))
    components = {c.id: c for c in pipeline.components}
    gen = components["CsvExampleGen-span-2"]
    assert gen.exec_properties["input_base"] == str(tmp_path / "data")
    assert json.loads(gen.exec_properties["range_config"])["static_range"] == {
        "start_span_number": 2, "end_span_number": 2}
    assert isinstance(components["Transform"].inputs["examples"], UnionChannel)
    assert components["StatisticsGen"].inputs["examples"] is gen.outputs["examples"]


def test_a_gated_run_names_the_newest_span_and_the_two_ways_forward(tmp_path):
    from tfxkit.runners.outcome import gated_span_advice

    for span in (1, 2):
        write_csv(tmp_path / f"data/span-{span}/part-0.csv")
    advice = gated_span_advice(load_spec(spec(tmp_path, "path: data/span-{SPAN}/part-*.csv, spans: {last: 2}")))
    assert advice == (f"\nspan 2 (1 file(s), first {tmp_path / 'data/span-2/part-0.csv'}) was stopped: reject it "
                      "with data.exclude_spans: [2], or accept it with `tfxkit schema update` (anomalies) or "
                      "validation.drift settings (drift)")
    assert gated_span_advice(load_spec(spec(tmp_path, "path: data/span-1/part-0.csv"))) == ""
