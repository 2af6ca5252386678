"""The audit views of data in spans, over a store built with MLMD's API (tests/mlmd_store.py) as TFX 1.16
records it: one ExampleGen execution per span (`CsvExampleGen-span-N`), each Examples artifact with its span
and version, Transform reading their union.

Run 1 reads spans 1 and 2; span 3 arrives and span 2 gets a version 2: run 2 reads span 2 (version 2) and 3.
"""

from __future__ import annotations

import json
from datetime import date

from tests.mlmd_store import PipelineStore
from tfxkit.cli import main


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


def test_the_drawings_show_each_span_with_its_version_rows_and_files(spans_history, capsys):
    builder, _, second, data = spans_history
    _, dot = cli(capsys, "lineage", "--metadata", builder.url, "--format", "dot")
    for span, version in ((2, 2), (3, 1)):
        examples = second.artifact_id(f"CsvExampleGen-span-{span}", "examples")
        assert f"Examples {examples}\\nspan {span} version {version}\\n" in dot
        assert f"{data}/span-{span}/v{version}/part-0.csv" in dot
    _, page = cli(capsys, "lineage", "--metadata", builder.url, "--format", "html")
    table = page.split('<table id="spans">')[1].split("</table>")[0]
    assert table.count("<tr>") == 1 + 2  # header + one file per span
    assert f"(CsvExampleGen-span-3, run {second.run_id})" in table and str(data / "span-2/v2/part-0.csv") in table


def test_date_spans_are_named_by_their_date(tmp_path, capsys):
    builder = PipelineStore(tmp_path)
    source = builder.data_file.read_text(encoding="utf-8").splitlines()
    for day in (3, 4):
        path = tmp_path / "daily" / f"2026-11-0{day}" / "part-0.csv"
        path.parent.mkdir(parents=True)
        path.write_text("\n".join([source[0], *source[day::5]]) + "\n", encoding="utf-8")
    builder.overrides.update({"data.path": str(tmp_path / "daily/{YYYY}-{MM}-{DD}/part-*.csv"),
                              "data.spans": {"last": 2}})
    builder.run()
    _, text = cli(capsys, "lineage", "--metadata", builder.url)
    days = {day: (date(2026, 11, day) - date(1970, 1, 1)).days for day in (3, 4)}  # TFX's span of a date
    assert "<- spans      2: 2026-11-03, 2026-11-04 (Transform and Trainer read their union)" in text
    span_lines = [line.split(":")[0].strip() for line in text.splitlines() if line.startswith("        span ")]
    assert span_lines == [f"span 2026-11-0{day} (span {days[day]})" for day in (3, 4)]
    _, runs = cli(capsys, "runs", "--metadata", builder.url)
    assert runs.splitlines()[1].endswith("spans 2026-11-03, 2026-11-04")


def test_the_drift_baseline_is_the_statistics_of_the_served_model_s_newest_span(spans_history):
    """StatisticsGen (and so the gate) reads the newest span only: the served model's data is described by that
    span's statistics, not by a statistics of its oldest span (which no run computed here)."""
    from tfxkit.lineage.provenance import served_statistics

    builder, _, second, _ = spans_history
    statistics, run_id = served_statistics(builder.store(), builder.pipeline)
    assert statistics.id == second.artifact_id("StatisticsGen", "statistics") and run_id == second.run_id


def test_a_spans_run_stopped_at_the_gate_shows_the_span_it_stopped(tmp_path, capsys):
    from tests.mlmd_store import ANOMALY, spans_history

    builder, _, _, data = spans_history(tmp_path)
    gated = builder.run(anomalies={"island": ANOMALY})
    _, out = cli(capsys, "lineage", "--metadata", builder.url, gated.run_id, "--format", "json")
    examples = json.loads(out)["examples"]
    assert examples["span"] == 3 and examples["node"] == "CsvExampleGen-span-3", examples
