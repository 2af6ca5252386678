"""End to end: accept a data change the gate stopped, and stop a split with zero examples.

One fixture, three pipeline runs of pipelines/penguin.yaml (short training):
data where a few rows have a new island stops at the gate with a line saying how
to accept the change; `tfxkit schema update`, run as that line says (into a
temporary file, not over the curated schema), writes a schema relaxed by TFDV;
re-running with `--set schema.file=<it>` passes the gate and pushes. A file of
one row (which `validate` accepts; a header-only file it already refuses)
leaves one split with zero examples: the gate stops it, naming the split.
"""

from __future__ import annotations

import shlex
import time
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT, run_cli
from tfxkit.metadata.connection import connection_config
from tfxkit.metadata.runs import latest_run_id, node_runs
from tfxkit.metadata.store import Store

pytestmark = pytest.mark.e2e

SPEC = "pipelines/penguin.yaml"
SHORT = ["--set", "trainer.epochs=5", "--set", "evaluation.thresholds.accuracy.lower_bound=0.5"]


def nodes_of(root: Path) -> dict:
    if not (root / "metadata.sqlite").exists():
        return {}
    store = Store(connection_config(f"sqlite:///{root}/metadata.sqlite"))
    run_id = latest_run_id(store, "penguin")
    return node_runs(store, "penguin", run_id) if run_id else {}


@pytest.fixture(scope="module")
def accepted(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("schema_update")
    lines = (REPO_ROOT / "data/penguins/penguins.csv").read_text().splitlines()
    lines[1:4] = [line.replace("Torgersen", "Atlantis") for line in lines[1:4]]
    data = tmp / "penguins.csv"
    data.write_text("\n".join(lines) + "\n")
    one_row = tmp / "one_row.csv"
    one_row.write_text(lines[0] + "\n" + lines[1] + "\n")
    root, relaxed = tmp / "root", tmp / "penguin.relaxed.pbtxt"
    curated_before = (REPO_ROOT / "schemas/penguin.pbtxt").read_bytes()
    seconds = {}

    started = time.monotonic()
    gated = run_cli("run", SPEC, "--root", str(root), "--set", f"data.path={data}", *SHORT)
    seconds["gated run"] = time.monotonic() - started
    gated_nodes = nodes_of(root)
    hint = next((line for line in gated.stderr.splitlines() if line.startswith("accept them: ")), "")
    command = shlex.split(hint[len("accept them: "):].split(", review the diff")[0]) if hint else []
    if command:  # the hint's own command, written to a temporary file instead of the curated one
        command[command.index("-o") + 1] = str(relaxed)

    started = time.monotonic()
    update = run_cli(*command[1:]) if command else None
    seconds["schema update"] = time.monotonic() - started

    started = time.monotonic()
    rerun = run_cli("run", SPEC, "--root", str(root), "--set", f"data.path={data}",
                    "--set", f"schema.file={relaxed}", *SHORT)
    seconds["re-run"] = time.monotonic() - started
    rerun_nodes = nodes_of(root)

    started = time.monotonic()
    empty = run_cli("run", SPEC, "--root", str(tmp / "empty_root"), "--set", f"data.path={one_row}", *SHORT)
    seconds["one-row run"] = time.monotonic() - started
    print("seconds:", {k: round(v) for k, v in seconds.items()})
    return {"gated": gated, "gated_nodes": gated_nodes, "hint": hint, "command": command, "update": update,
            "relaxed": relaxed, "rerun": rerun, "rerun_nodes": rerun_nodes, "empty": empty,
            "empty_nodes": nodes_of(tmp / "empty_root"), "curated_unchanged":
            (REPO_ROOT / "schemas/penguin.pbtxt").read_bytes() == curated_before}


def test_the_gate_says_how_to_accept_the_changes(accepted):
    gated = accepted["gated"]
    assert gated.code == 1, gated.stderr[-3000:]
    assert "run failed in AnomaliesGate: data validation failed" in gated.stderr
    assert "island: Unexpected string values" in gated.stderr
    assert "Traceback" not in gated.stderr
    message = gated.stderr.split("run failed in AnomaliesGate: ")[1].split("\ntfxkit: nothing was pushed")[0]
    assert message.splitlines()[-1] == accepted["hint"]  # the gate's message ends with the hint
    assert accepted["command"][:5] == ["tfxkit", "schema", "update", SPEC, accepted["command"][4]]
    assert "-o" in accepted["command"] and "--root" in accepted["command"]
    assert accepted["hint"].endswith("-o schemas/penguin.pbtxt, review the diff, commit")
    assert accepted["gated_nodes"]["AnomaliesGate"].state == "FAILED"
    assert "Transform" not in accepted["gated_nodes"]


def test_schema_update_writes_a_relaxed_schema_for_review(accepted):
    update = accepted["update"]
    assert update is not None, "no hint line to follow"
    assert update.code == 0, update.stderr[-3000:]
    assert "island: domain 'island' accepts 'Atlantis'" in update.stdout
    assert "re-validated: no anomalies in train, eval" in update.stdout
    assert f"review: diff -u schemas/penguin.pbtxt {accepted['relaxed']}" in update.stdout
    text = accepted["relaxed"].read_text()
    assert 'value: "Atlantis"' in text and 'value: "Torgersen"' in text
    assert text.startswith("# Curated schema for pipelines/penguin.yaml.")  # the curated file's comments kept
    assert accepted["curated_unchanged"]  # only -o naming it overwrites the curated schema


def test_the_relaxed_schema_passes_the_gate_and_the_model_is_pushed(accepted):
    rerun = accepted["rerun"]
    assert rerun.code == 0, rerun.stderr[-3000:]
    assert "pushed" in rerun.stdout
    nodes = accepted["rerun_nodes"]
    assert nodes["AnomaliesGate"].state == "COMPLETE"
    assert nodes["Pusher"].output("pushed_model").properties["pushed"] == 1


def test_a_split_with_zero_examples_stops_at_the_gate_naming_it(accepted):
    empty = accepted["empty"]
    assert empty.code == 1, empty.stderr[-3000:]
    failed = empty.stderr.split("run failed in AnomaliesGate: ")[1].split("\n")[0]
    assert failed in (
        "data validation failed: the 'train' split has no examples (examples per split: train 0, eval 1; "
        "is the data file empty or only a header?)",
        "data validation failed: the 'eval' split has no examples (examples per split: train 1, eval 0; "
        "is the data file empty or only a header?)"), empty.stderr[-3000:]
    assert accepted["empty_nodes"]["AnomaliesGate"].state == "FAILED"
    assert "accept them:" not in empty.stderr and "Traceback" not in empty.stderr
    assert not {"Transform", "Trainer", "Pusher"} & set(accepted["empty_nodes"])
