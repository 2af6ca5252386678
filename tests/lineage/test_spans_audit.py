"""The audit views of data in spans, over a store built with MLMD's API (tests/mlmd_store.py) as TFX 1.16
records it: one ExampleGen execution per span (`CsvExampleGen-span-N`), each Examples artifact with its span
and version, Transform reading their union.

Run 1 reads spans 1 and 2; span 3 arrives and span 2 gets a version 2: run 2 reads span 2 (version 2) and 3.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.mlmd_store import PipelineStore
from tfxkit.cli import main


def write_span(data: Path, span: int, version: int, source: list[str]) -> Path:
    path = data / f"span-{span}" / f"v{version}" / "part-0.csv"
    path.parent.mkdir(parents=True)
    path.write_text("\n".join([source[0], *source[1:][(span - 1) * 2 + version - 1::7]]) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def spans_history(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("spans_history")
    builder = PipelineStore(tmp)
    source = builder.data_file.read_text(encoding="utf-8").splitlines()
    data = tmp / "spans"
    for span in (1, 2):
        write_span(data, span, 1, source)
    builder.overrides.update({"data.path": str(data / "span-{SPAN}/v{VERSION}/part-*.csv"),
                              "data.spans": {"last": 2}})
    first = builder.run()
    write_span(data, 3, 1, source)
    write_span(data, 2, 2, source)
    second = builder.run()
    return builder, first, second, data


def cli(capsys, *args: str) -> tuple[int, str]:
    code = main(list(args))
    out = capsys.readouterr()
    assert code == 0, out.err
    return code, out.out


def test_the_runs_show_their_spans(spans_history, capsys):
    builder, first, second, _ = spans_history
    _, text = cli(capsys, "runs", "--metadata", builder.url)
    lines = {line.split()[0]: line for line in text.splitlines()[1:] if not line.startswith(" ")}
    assert lines[first.run_id].endswith("spans 1 v1, 2 v1")
    assert lines[second.run_id].endswith("spans 2 v2, 3 v1")
    _, out = cli(capsys, "runs", "--metadata", builder.url, "--format", "json")
    rows = {r["run_id"]: r for r in json.loads(out)["runs"]}
    assert rows[second.run_id]["spans"] == [{"span": 2, "version": 2, "label": "2"},
                                            {"span": 3, "version": 1, "label": "3"}]


def test_lineage_names_the_spans_behind_the_model_with_files_and_rows(spans_history, capsys):
    builder, _, second, data = spans_history
    _, text = cli(capsys, "lineage", "--metadata", builder.url)
    assert "<- spans      2: 2 v2, 3 v1 (Transform and Trainer read their union)" in text
    span_lines = [line for line in text.splitlines() if line.startswith("        span ")]
    assert [line.split(":")[0].strip() for line in span_lines] == ["span 2 version 2", "span 3 version 1"]
    assert f"(CsvExampleGen-span-3, run {second.run_id})" in span_lines[1]
    assert "rows: " in span_lines[1] and "not recorded" not in span_lines[1]
    assert str(data / "span-3/v1/part-0.csv") in text and "sha256 " in text
    assert "None" not in text


def test_diff_names_the_spans_that_changed(spans_history, capsys):
    builder, first, second, _ = spans_history
    _, text = cli(capsys, "diff", "--metadata", builder.url, "latest")
    assert "spans: added 3 v1; dropped 1 v1; 2 version 1 -> 2" in text.splitlines()
    _, out = cli(capsys, "diff", "--metadata", builder.url, "latest", "--format", "json")
    spans = json.loads(out)["spans"]
    assert [s["span"] for s in spans["added"]] == [3] and [s["span"] for s in spans["dropped"]] == [1]
    assert spans["new_version"] == [{"span": 2, "label": "2", "old": 1, "new": 2}]


def test_lineage_from_one_span_folder_lists_the_models_trained_on_it(spans_history, capsys):
    builder, first, second, data = spans_history
    _, text = cli(capsys, "lineage", "--metadata", builder.url, "--from-data", str(data / "span-3"))
    assert text.splitlines()[0].endswith("1 model trained on it")
    assert f"run {second.run_id}" in text
    _, text = cli(capsys, "lineage", "--metadata", builder.url, "--from-data", str(data / "span-1"))
    assert text.splitlines()[0].endswith("1 model trained on it") and f"run {first.run_id}" in text
    _, text = cli(capsys, "lineage", "--metadata", builder.url, "--from-data", str(data / "span-2"))
    assert text.splitlines()[0].endswith("2 models trained on it")
