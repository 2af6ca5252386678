"""End to end: the lineage audit after real penguin runs on one SQLite store.

One pipeline root gets, in order: a first run (pushes), a run with a lower
learning rate (Transform and the data nodes cached), and a run whose threshold
the model cannot meet (not pushed). Another root gets a run stopped by the
data gate. Every test reads those runs through the CLI, as a user would.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT, require_tool, run_cli
from tests.e2e.browser import external_urls, open_in_chromium
from tfxkit.config.load import load_spec

pytestmark = pytest.mark.e2e

SPEC = "pipelines/penguin.yaml"
DATA = REPO_ROOT / "data/penguins/penguins.csv"
DATA_NODES = ["CsvExampleGen", "StatisticsGen", "ImportSchemaGen", "ExampleValidator", "Transform"]


@dataclass
class History:
    root: Path
    first: str
    second: str
    second_pushed: bool
    third: str
    gated_root: Path
    gated: str


def _run_id(stdout: str) -> str:
    match = re.search(r"run (\S+) finished", stdout) or re.search(r"pipeline '\w+' \(\w+ runner\), run (\S+)", stdout)
    assert match, stdout
    return match.group(1)


@pytest.fixture(scope="module")
def history(tmp_path_factory) -> History:
    root = tmp_path_factory.mktemp("lineage")
    first = run_cli("run", SPEC, "--root", str(root))
    assert first.code == 0, first.stderr[-3000:]
    second = run_cli("run", SPEC, "--root", str(root), "--set", "trainer.learning_rate=0.005")
    assert second.code in (0, 3), second.stderr[-3000:]
    third = run_cli("run", SPEC, "--root", str(root), "--set", "evaluation.thresholds.accuracy.lower_bound=0.999")
    assert third.code == 3, third.stderr[-3000:]

    gated_root = tmp_path_factory.mktemp("gated")
    data = gated_root / "penguins.csv"
    lines = DATA.read_text().splitlines()
    lines[1:4] = [line.replace("Torgersen", "Atlantis") for line in lines[1:4]]
    data.write_text("\n".join(lines) + "\n")
    gated = run_cli("run", SPEC, "--root", str(gated_root / "root"), "--set", f"data.path={data}")
    assert gated.code == 1, gated.stderr[-3000:]
    return History(root, _run_id(first.stdout), _run_id(second.stdout), second.code == 0, _run_id(third.stdout),
                   gated_root / "root", _run_id(gated.stdout))


def audit(history: History, *args: str, root: Path | None = None):
    return run_cli(*args[:1], SPEC, *args[1:], "--root", str(root or history.root))


def audit_json(history: History, *args: str, root: Path | None = None) -> dict:
    result = audit(history, *args, "--format", "json", root=root)
    assert result.code == 0, result.stderr
    return json.loads(result.stdout)


def test_runs_lists_every_run_newest_first(history):
    runs = audit_json(history, "runs")["runs"]
    assert [r["run_id"] for r in runs] == [history.third, history.second, history.first]
    assert runs[0]["status"] == "not_blessed" and "below lower_bound 0.999" in runs[0]["reason"]
    assert runs[2]["status"] == "pushed" and runs[2]["pushed_to"]
    assert runs[1]["nodes"]["Transform"] == "cached" and runs[1]["nodes"]["Trainer"] == "complete"
    assert all(r["spec_hash"] and r["seconds"] > 0 for r in runs)
    text = audit(history, "runs", "--limit", "1")
    assert text.code == 0 and history.third in text.stdout and history.second not in text.stdout


def test_lineage_latest_reaches_data_schema_blessing_and_spec(history):
    served = history.second if history.second_pushed else history.first
    sha256 = hashlib.sha256(DATA.read_bytes()).hexdigest()
    overrides = {"pipeline.root": str(history.root)}
    if history.second_pushed:
        overrides["trainer.learning_rate"] = 0.005
    spec_hash = load_spec(REPO_ROOT / SPEC, overrides).spec_hash()

    text = audit(history, "lineage")
    assert text.code == 0, text.stderr
    assert "served now" in text.stdout
    assert f"{DATA}  " in text.stdout and f"sha256 {sha256}" in text.stdout
    assert f"curated {REPO_ROOT / 'schemas/penguin.pbtxt'}" in text.stdout
    assert re.search(r"accuracy (0\.9\d+|1\.0+)  threshold lower_bound 0\.9 .* -> passed", text.stdout)
    assert f"spec {spec_hash}" in text.stdout

    p = audit_json(history, "lineage")
    assert p["run"]["run_id"] == served and p["pushed"]["is_served"]
    assert p["examples"]["files"][0]["path"] == str(DATA) and p["examples"]["files"][0]["sha256"] == sha256
    assert p["examples"]["split_sizes"]["train"] + p["examples"]["split_sizes"]["eval"] == 344
    assert p["schema"]["source"] == "curated" and p["schema"]["file"]["path"] == str(REPO_ROOT / "schemas/penguin.pbtxt")
    check = p["blessing"]["checks"][0]
    assert check["metric"] == "accuracy" and check["passed"] and check["value"] >= 0.9
    assert check["threshold"]["lower_bound"] == 0.9
    assert p["spec"]["hash"] == spec_hash and p["spec"]["versions"]["tfx"] == "1.16.0"
    training = p["model"]["training"]
    assert training["training"]["epochs_run"] == 30 and Path(training["tensorboard"]).is_dir()
    assert p["anomalies"]["found"] == {}
    # The same model, reached from its pushed folder and from its artifact id.
    by_folder = audit_json(history, "lineage", p["pushed"]["destination"])
    by_id = audit_json(history, "lineage", str(p["model"]["artifact_id"]))
    assert by_folder["model"]["artifact_id"] == by_id["model"]["artifact_id"] == p["model"]["artifact_id"]


def test_diff_reports_the_changed_key_metric_deltas_and_cached_components(history):
    result = audit(history, "diff", history.second)
    assert result.code == 0, result.stderr
    assert f"run {history.first} -> run {history.second}" in result.stdout
    assert "trainer.learning_rate.initial: 0.01 -> 0.005" in result.stdout
    assert re.search(r"accuracy: [01]\.\d{4} -> [01]\.\d{4}  \([+-]\d\.\d{4}\)", result.stdout)
    d = audit_json(history, "diff", history.second, history.first)
    assert d["spec"] == [{"key": "trainer.learning_rate.initial", "old": 0.01, "new": 0.005}]
    assert d["files"] == [] and d["schema"] == []
    assert set(DATA_NODES) <= set(d["components"]["cached"])
    # The first run's model is served now: the gate checked the same data again, for drift against it.
    assert {"Trainer", "AnomaliesGate"} <= set(d["components"]["reran"])
    metric = d["metrics"][0]
    assert metric["metric"] == "accuracy" and metric["delta"] == pytest.approx(metric["new"] - metric["old"])


def test_reverse_lineage_finds_both_models_and_the_served_one(history, tmp_path):
    r = audit_json(history, "lineage", "--from-data", str(DATA))
    models = r["models"]
    assert len(models) == 2  # the third run reused the second run's model from the cache
    assert sum(m["is_served"] for m in models) == 1
    assert {m["trained_in_run"] for m in models} == {history.first, history.second}
    pushed = {m["trained_in_run"]: bool(m["pushed_to"]) for m in models}
    assert pushed == {history.first: True, history.second: history.second_pushed}  # each as its run went
    # A copy of the file under another name is found by its content.
    copy = tmp_path / "renamed.csv"
    shutil.copy(DATA, copy)
    by_content = audit_json(history, "lineage", "--from-data", str(copy))
    assert len(by_content["models"]) == 2
    assert by_content["models"][0]["files"][0]["matched_by"] == "content"
    # The folder holding it, as a whole.
    assert len(audit_json(history, "lineage", "--from-data", str(DATA.parent))["models"]) == 2


def test_a_model_that_missed_its_threshold_shows_the_failing_metric_and_not_pushed(history):
    result = audit(history, "lineage", history.third)
    assert result.code == 0, result.stderr
    assert "not pushed" in result.stdout
    assert "NOT blessed" in result.stdout
    assert "is below lower_bound 0.999 on all data" in result.stdout and "-> FAILED" in result.stdout


def test_a_gated_run_shows_the_anomaly_and_that_nothing_trained(history):
    result = audit(history, "lineage", history.gated, root=history.gated_root)
    assert result.code == 0, result.stderr
    assert "island: Unexpected string values" in result.stdout
    assert "nothing was trained in this run" in result.stdout
    runs = audit_json(history, "runs", root=history.gated_root)["runs"]
    assert runs[0]["status"] == "gated" and runs[0]["failed_node"] == "AnomaliesGate"
    assert runs[0]["nodes"]["Transform"] == "skipped" and runs[0]["nodes"]["Trainer"] == "skipped"
    latest = audit(history, "lineage", root=history.gated_root)
    assert latest.code == 2 and "no model of pipeline 'penguin' has been pushed yet" in latest.stderr


def test_reproduce_writes_a_spec_that_is_up_to_date_with_its_run(history, tmp_path):
    out = tmp_path / "spec.yaml"
    result = audit(history, "reproduce", history.second, "-o", str(out))
    assert result.code == 0, result.stderr
    recorded = audit_json(history, "runs")["runs"][1]
    assert load_spec(out).spec_hash() == recorded["spec_hash"]
    again = run_cli("run", str(out))  # the same resolved spec on unchanged data: the same cache key
    assert again.code in (0, 3), again.stderr
    assert f"up to date: data, spec and code unchanged since run {history.second}" in again.stdout


def test_dot_lineage_is_a_graphviz_graph_of_the_chain(history):
    result = audit(history, "lineage", "--format", "dot")
    assert result.code == 0, result.stderr
    assert result.stdout.startswith("digraph provenance {")
    for edge in ('"pushed" -> "blessing"', '"model" -> "transform"', '"transform" -> "examples"', '"examples" -> "file0"',
                 '"schema" -> "schema_file"', '"model" -> "spec"'):
        assert edge in result.stdout
    assert str(DATA) in result.stdout
    dot = require_tool("dot", "the DOT output is rendered with Graphviz")
    rendered = subprocess.run([dot, "-Tsvg"], input=result.stdout, capture_output=True, text=True)
    assert rendered.returncode == 0 and "<svg" in rendered.stdout


def test_html_lineage_renders_in_a_browser(history, tmp_path):
    browser = require_tool("chromium", "the lineage page is checked in a headless browser", "chromium-browser")
    page = tmp_path / "lineage.html"
    result = audit(history, "lineage", "--format", "html", "-o", str(page))
    assert result.code == 0, result.stderr
    html = page.read_text()
    assert "<svg" in html and not re.search(r"(src|href)=\"https?://", html)  # self-contained
    model_id = audit_json(history, "lineage")["model"]["artifact_id"]
    flags = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr", "--v=0"]
    dom = subprocess.run([*flags, "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120)
    assert f'<span id="model-id">{model_id}</span>' in dom.stdout
    assert "<svg" in dom.stdout and "penguins.csv" in dom.stdout
    assert "CONSOLE" not in dom.stderr and "Uncaught" not in dom.stderr
    artifacts = REPO_ROOT / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    shot = artifacts / "lineage.png"
    subprocess.run([*flags, f"--screenshot={shot}", "--window-size=1400,1800", page.as_uri()],
                   capture_output=True, timeout=120, check=True)
    assert shot.stat().st_size > 10_000


def test_lineage_commands_import_no_tensorflow(history):
    for args in (["runs"], ["lineage"], ["diff", "latest"], ["lineage", "--from-data", str(DATA)]):
        proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "tfxkit", args[0], SPEC, *args[1:],
                               "--root", str(history.root)], cwd=REPO_ROOT, capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr[-2000:]
        imported = {line.split("|")[-1].strip().split(".")[0] for line in proc.stderr.splitlines()
                    if line.startswith("import time:")}
        assert not imported & {"tensorflow", "tfx", "apache_beam", "keras", "tf_keras"}, args


@pytest.mark.parametrize("args, message", [
    (["lineage", "nope-run"], "no run 'nope-run' in pipeline 'penguin'"),
    (["lineage", "99999"], "no artifact 99999 in pipeline 'penguin' (did you mean model"),
    (["diff", "nope"], "no run 'nope'"),
    (["lineage", "--pipeline", "taxi"], "the store holds no runs of pipeline 'taxi' (it has: penguin)"),
])
def test_bad_audit_questions_are_one_line(history, args, message):
    result = audit(history, *args)
    assert result.code == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


def test_unknown_run_suggests_the_nearest(history):
    typo = history.first[:-1] + ("0" if history.first[-1] != "0" else "1")
    result = audit(history, "lineage", typo)
    assert result.code == 2 and f"did you mean '{history.first}'?" in result.stderr


def test_a_folder_that_is_not_a_pushed_model(history, tmp_path):
    result = audit(history, "lineage", str(tmp_path))
    assert result.code == 2
    assert f"{tmp_path} is not a model pushed by pipeline 'penguin'" in result.stderr


def test_a_gated_run_has_a_report_with_the_failed_gate_and_no_training(history, tmp_path):
    page = history.gated_root / "reports" / f"run-{history.gated}.html"
    assert not external_urls(page.read_text(encoding="utf-8"))
    dom, console = open_in_chromium(page, tmp_path / "gated-report.png")
    assert console == []
    assert '<p class="bad" id="failed-node">AnomaliesGate failed:</p>' in dom
    error = dom.split('<pre class="error" id="error">')[1].split("</pre>")[0]
    assert error.startswith("data validation failed") and "Atlantis" in error
    gate = dom.split('<g id="node-AnomaliesGate"')[1].split("</g>")[0]  # drawn red in the DAG
    assert 'fill="#fcbba1"' in gate and 'stroke="#cb181d"' in gate
    assert '<td>AnomaliesGate</td><td class="bad">failed</td>' in dom
    assert '<tr class="skipped"><td>Trainer</td>' in dom
    anomalies = dom.split('<div id="anomalies">')[1].split("</div>")[0]
    assert "island" in anomalies and "Atlantis" in anomalies
    assert 'id="training"' not in dom and "No model was trained." in dom


def test_a_not_blessed_run_has_a_report_with_the_failing_threshold_and_the_diff(history):
    html = (history.root / "reports" / f"run-{history.third}.html").read_text(encoding="utf-8")
    decision = html.split('<p id="decision">')[1].split("</p>")[0]
    assert "not blessed" in decision and "below lower_bound 0.999" in decision
    checks = html.split('<table id="checks">')[1].split("</table>")[0]
    assert "failed" in checks and "below lower_bound 0.999" in checks
    assert 'id="status" class="bad">not_blessed</span>' in html
    diff = html.split('<table id="diff-spec">')[1].split("</table>")[0]
    assert "evaluation.thresholds.accuracy.lower_bound" in diff
    assert f"Compared with run {history.second}" in html
