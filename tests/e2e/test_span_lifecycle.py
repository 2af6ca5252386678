"""End to end: five spans arriving one by one, a run after each — continuous training as a team lives it, with a
webhook (an HTTP endpoint in the test) notified of each outcome.

Each span is the penguin rows in an order of its own (the same distribution: no drift between honest spans).
Span 1 trains and pushes; span 2 (a window of two) warm-starts from the served model and is pushed only if it
is no worse (min_improvement 0); span 3 is drifted (body mass up 2.5 kg) and stopped at the gate, naming itself
and the ways forward, with nothing pushed; the user excludes it; span 4's window skips it; a second version of
span 2 replaces the first in the next window (span 4 from the cache). After each push, `lineage latest` names
exactly the spans (and versions) of the run that trained the served model. Then two spans as Parquet files.
"""

from __future__ import annotations

import csv
import io
import json
import random
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT, run_cli
from tests.notify.webhook import Webhook
from tfxkit.runners.gate_finding import GateFinding

pytestmark = pytest.mark.e2e

ROWS = list(csv.reader((REPO_ROOT / "data/penguins/penguins.csv").read_text(encoding="utf-8").splitlines()))
HEADER, BODY = ROWS[0], ROWS[1:]
MASS = HEADER.index("body_mass_g")


def span_rows(span: int, version: int = 1, drifted: bool = False) -> list[list[str]]:
    """The penguin rows in an order of this span's own; drifted: every body mass 2.5 kg heavier."""
    rows = list(BODY)
    random.Random(span * 10 + version).shuffle(rows)
    if version > 1:
        rows = rows[: len(rows) - 10 * version]  # a corrected delivery: a few rows fewer
    if drifted:
        rows = [r[:MASS] + [str(int(r[MASS]) + 2500) if r[MASS] not in ("", "NA") else r[MASS]] + r[MASS + 1:]
                for r in rows]
    return rows


def write_csv_span(data: Path, span: int, version: int = 1, drifted: bool = False) -> Path:
    path = data / f"span-{span}" / f"v{version}" / "part-0.csv"
    path.parent.mkdir(parents=True)
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([HEADER, *span_rows(span, version, drifted)])
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def spec_for(tmp: Path, path: str, notify_url: str | None = None) -> Path:
    text = (REPO_ROOT / "pipelines/penguin.yaml").read_text(encoding="utf-8")
    text = text.replace("../data/penguins/penguins.csv", f"{path}\n  spans: {{last: 2}}")
    text = text.replace("../schemas/penguin.pbtxt", str(REPO_ROOT / "schemas/penguin.pbtxt"))
    text = text.replace("../runs/penguin", "runs").replace("epochs: 30", "epochs: 8\n  warm_start: true\n  seed: 3")
    text = text.replace("lower_bound: 0.9", "lower_bound: 0.5").replace("min_improvement: -0.02",
                                                                        "min_improvement: 0.0")
    if notify_url:
        text += f"\nnotify:\n  when: [failed, data_stopped, not_blessed, pushed]\n  targets:\n    - webhook: {notify_url}\n"
    spec = tmp / "spans.yaml"
    spec.write_text(text, encoding="utf-8")
    return spec


def cli_json(*args: str) -> dict:
    result = run_cli(*args, "--format", "json")
    assert result.code == 0, result.stderr
    return json.loads(result.stdout)


def served_versions(root: Path) -> list[str]:
    serving = root / "serving"
    return sorted(p.name for p in serving.iterdir() if not p.name.startswith(".")) if serving.exists() else []


def spans_of(items: list[dict]) -> list[tuple[int, int | None]]:
    return [(s["span"], s["version"]) for s in items]


def check_served_lineage(spec: Path) -> None:
    """`lineage latest` names exactly the spans of the run whose model serves (the last run that pushed)."""
    runs = cli_json("runs", str(spec))["runs"]
    pusher = next(r for r in runs if r["status"] == "pushed")
    lineage = cli_json("lineage", str(spec), "latest")
    assert lineage["model"]["run"] == pusher["run_id"]
    assert spans_of(lineage["spans"]) == spans_of(pusher["spans"])


@pytest.fixture(scope="module")
def history(tmp_path_factory) -> Iterator[dict]:
    """The five runs, each with the spec, the CLI result, what the audit said right after it and the
    notification the spec's webhook received for it."""
    tmp = tmp_path_factory.mktemp("span_lifecycle")
    data, root = tmp / "data", tmp / "runs"
    with Webhook() as hook:
        spec = spec_for(tmp, "data/span-{SPAN}/v{VERSION}/part-*.csv", hook.url)
        seen: dict = {"spec": spec, "root": root, "data": data}

        def step(name: str, *overrides: str) -> None:
            heard = len(hook.received)
            result = run_cli("run", str(spec), *overrides)
            seen[name] = {"result": result, "served": served_versions(root),
                          "run": cli_json("runs", str(spec), "--limit", "1")["runs"][0],
                          "notified": [body for _, _, body in hook.received[heard:]]}
            if result.code == 0:
                check_served_lineage(spec)

        write_csv_span(data, 1)
        step("span1")
        write_csv_span(data, 2)
        step("span2")
        write_csv_span(data, 3, drifted=True)
        step("span3")
        write_csv_span(data, 4)
        step("span4", "--set", "data.exclude_spans=[3]")
        write_csv_span(data, 2, version=2)
        step("span2v2", "--set", "data.exclude_spans=[3]")
        yield seen


def test_the_first_span_trains_from_scratch_and_is_pushed(history):
    first = history["span1"]
    assert first["result"].code == 0, first["result"].stderr[-3000:]
    assert first["run"]["status"] == "pushed" and spans_of(first["run"]["spans"]) == [(1, 1)]
    assert len(first["served"]) == 1
    model = cli_json("lineage", str(history["spec"]), first["run"]["run_id"])["model"]
    assert model["training"]["warm_start"] is None  # nothing was served: trained from scratch
    [notice] = first["notified"]
    assert notice["outcome"] == "pushed" and notice["run_id"] == first["run"]["run_id"]
    assert notice["pushed_to"] == str(history["root"] / "serving" / first["served"][0])
    assert set(notice["metrics"]) == {"accuracy"} and Path(notice["report"]).is_file()


def test_the_second_span_warm_starts_and_is_pushed_only_if_no_worse(history):
    second = history["span2"]
    assert second["result"].code in (0, 3), second["result"].stderr[-3000:]  # pushed, or not blessed
    assert spans_of(second["run"]["spans"]) == [(1, 1), (2, 1)]
    audit = cli_json("lineage", str(history["spec"]), second["run"]["run_id"])
    served_model = cli_json("lineage", str(history["spec"]), history["span1"]["run"]["run_id"])["model"]
    assert audit["model"]["training"]["warm_start"].startswith(served_model["uri"])
    [check] = [c for c in audit["blessing"]["checks"] if c["metric"] == "accuracy"]
    no_worse = check["passed"]
    change = check["value"] - check["baseline"]
    if abs(change) > 1e-6:  # a tie passes (TFMA: change >= min_improvement); recorded values may be rounded
        assert no_worse is (check["value"] >= 0.5 and change > 0), check
    assert audit["blessing"]["blessed"] is no_worse
    assert (second["run"]["status"] == "pushed") is no_worse
    assert [n["outcome"] for n in second["notified"]] == ["pushed" if no_worse else "not_blessed"]
    assert len(second["served"]) == 1 + no_worse


def test_a_drifted_span_is_stopped_at_the_gate_naming_itself_and_nothing_is_pushed(history):
    third = history["span3"]
    result = third["result"]
    assert result.code != 0 and third["run"]["status"] != "pushed"
    assert "data drift:" in result.stderr and "body_mass_g" in result.stderr
    assert third["run"]["reason"] == GateFinding.DRIFT.reason  # `runs` says drift, not anomalies
    assert "span 3 (1 file(s)" in result.stderr and "data.exclude_spans: [3]" in result.stderr
    assert "Traceback" not in result.stderr
    assert third["served"] == history["span2"]["served"]
    [notice] = third["notified"]
    assert notice["outcome"] == "data_stopped" and notice["reason"].startswith("data drift:"), notice
    assert spans_of(third["run"]["spans"]) == [(2, 1), (3, 1)]


def test_the_excluded_span_is_skipped_by_the_next_window(history):
    fourth = history["span4"]
    assert fourth["result"].code in (0, 3), fourth["result"].stderr[-3000:]
    assert spans_of(fourth["run"]["spans"]) == [(2, 1), (4, 1)]
    assert "CsvExampleGen-span-3" not in fourth["run"]["nodes"]
    assert fourth["run"]["nodes"]["CsvExampleGen-span-2"] == "cached"


def test_a_second_version_of_a_span_replaces_the_first_and_lineage_names_the_served_spans(history):
    last = history["span2v2"]
    assert last["result"].code in (0, 3), last["result"].stderr[-3000:]
    assert spans_of(last["run"]["spans"]) == [(2, 2), (4, 1)]
    nodes = last["run"]["nodes"]
    assert nodes["CsvExampleGen-span-2"] == "complete" and nodes["CsvExampleGen-span-4"] == "cached", nodes
    diff = cli_json("diff", str(history["spec"]), "latest")["spans"]
    assert diff["new_version"] == [{"span": 2, "label": "2", "old": 1, "new": 2}]
    check_served_lineage(history["spec"])


def test_spans_of_parquet_files_train_to_a_pushed_model_named_in_the_lineage(tmp_path):
    from pyarrow import csv as pacsv
    from pyarrow import parquet

    data = tmp_path / "data"
    for span in (1, 2):
        table = pacsv.read_csv(write_csv_span(tmp_path / "csv", span))
        path = data / f"span-{span}" / "part-0.parquet"
        path.parent.mkdir(parents=True)
        parquet.write_table(table, path)
    spec = spec_for(tmp_path, "data/span-{SPAN}/part-*.parquet")
    result = run_cli("run", str(spec))
    assert result.code == 0, result.stdout[-2000:] + result.stderr[-3000:]
    assert "  pushed   " in result.stdout
    lineage = cli_json("lineage", str(spec), "latest")
    assert spans_of(lineage["spans"]) == [(1, None), (2, None)]
    assert [f["path"] for s in lineage["spans"] for f in s["files"]] == [
        str(data / "span-1" / "part-0.parquet"), str(data / "span-2" / "part-0.parquet")]
    assert [s["node"] for s in lineage["spans"]] == ["ParquetExampleGen-span-1", "ParquetExampleGen-span-2"]
