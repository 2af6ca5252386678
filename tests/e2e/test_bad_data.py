"""Bad data, class by class: each stops before the Trainer with one message naming the column and what is
wrong with it, exit 1, nothing pushed, and the model being served untouched.

All cases run against one copy of the shared penguin run's root, which serves a model: the drift cases
compare with that model's data. Classes the spec check sees in the file itself (columns, emptiness,
delimiter, encoding) stop before TFX starts; the others stop at the data gate after StatisticsGen.
Several files per class are checked at the gate's level (TFDV on the real files) in
test_several_files_per_class_at_the_gate; each class also runs once end to end.
"""

from __future__ import annotations

import csv
import io
import json
import random
import re
import shutil
import sqlite3
from pathlib import Path
from typing import Callable

import pytest

from tests.conftest import REPO_ROOT, run_cli
from tests.e2e.conftest import copy_of_served_root, run_id_of
from tfxkit.dag.nodes import GATE_ID

pytestmark = pytest.mark.e2e

SPEC = "pipelines/penguin.yaml"
PENGUINS = REPO_ROOT / "data/penguins/penguins.csv"
SCHEMA = REPO_ROOT / "schemas/penguin.pbtxt"


def _rows() -> list[dict[str, str]]:
    with open(PENGUINS, newline="") as fh:
        return list(csv.DictReader(fh))


def _write(path: Path, rows: list[dict[str, str]], delimiter: str = ",", drop: tuple[str, ...] = (),
           rename: dict[str, str] | None = None) -> Path:
    names = [(rename or {}).get(c, c) for c in rows[0] if c not in drop]
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    writer.writerow(names)
    for row in rows:
        writer.writerow([v for c, v in row.items() if c not in drop])
    path.write_text(out.getvalue())
    return path


def _changed(column: str, change: Callable[[str, random.Random], str], share: float = 1.0, seed: int = 0):
    """Rows with `change` applied to `column` in about `share` of them (deterministically)."""
    rng = random.Random(seed)
    rows = _rows()
    for row in rows:
        if rng.random() < share:
            row[column] = change(row[column], rng)
    return rows


def _scaled(value: str, _rng) -> str:
    return str(float(value) * 1000) if value else value


# Each file maker takes a folder and returns the file; `words` must all be in the message.
SPEC_TIME = {
    "renamed column": [
        (lambda d: _write(d / "a.csv", _rows(), rename={"body_mass_g": "mass"}), ["body_mass_g", "no column"]),
        (lambda d: _write(d / "b.csv", _rows(), rename={"island": "location"}), ["island", "no column"]),
    ],
    "missing column": [
        (lambda d: _write(d / "a.csv", _rows(), drop=("sex",)), ["sex", "no column"]),
        (lambda d: _write(d / "b.csv", _rows(), drop=("species",)), ["species", "no column"]),
    ],
    "empty or header-only": [
        (lambda d: _write_bytes(d / "a.csv", b""), ["is empty"]),
        (lambda d: _write_bytes(d / "b.csv", PENGUINS.read_bytes().split(b"\n")[0] + b"\n"), ["no data rows"]),
        (lambda d: _write_bytes(d / "c.csv", b"\n\n  \n"), ["only blank lines"]),
    ],
    "other delimiter": [
        (lambda d: _write(d / "a.csv", _rows(), delimiter=";"), ["';'", "delimiter"]),
        (lambda d: _write(d / "b.csv", _rows(), delimiter="\t"), ["a tab", "delimiter"]),
    ],
    "non-UTF-8 bytes": [
        (lambda d: _write_bytes(d / "a.csv", PENGUINS.read_bytes().replace(b"Torgersen", b"Torg\xe9rsen", 3)),
         ["not UTF-8", "0xe9", "column 'island'"]),
        (lambda d: _write_bytes(d / "b.csv", PENGUINS.read_bytes().replace(b"female", b"f\xc9male", 1)),
         ["not UTF-8", "0xc9", "column 'sex'"]),
    ],
}

GATE_TIME = {
    "wrong types": [
        (lambda d: _write(d / "a.csv", _changed("body_mass_g", lambda v, r: "heavy", 0.1)), ["body_mass_g"]),
        (lambda d: _write(d / "b.csv", _changed("bill_length_mm", lambda v, r: "n/a", 0.3, 1)), ["bill_length_mm"]),
    ],
    "unseen categories": [
        (lambda d: _write(d / "a.csv", _changed("island", lambda v, r: "Atlantis", 0.1)), ["island", "Atlantis"]),
        (lambda d: _write(d / "b.csv", _changed("sex", lambda v, r: "X", 0.2, 2)), ["sex", "X"]),
    ],
    "unseen label classes": [
        (lambda d: _write(d / "a.csv", _changed("species", lambda v, r: "Emperor", 0.1)), ["species", "Emperor"]),
        (lambda d: _write(d / "b.csv", _changed("species", lambda v, r: "King", 0.05, 3)), ["species", "King"]),
    ],
    "missing values": [
        (lambda d: _write(d / "a.csv", _changed("island", lambda v, r: "", 0.5)), ["island"]),
        (lambda d: _write(d / "b.csv", _changed("species", lambda v, r: "", 0.2, 4)), ["species"]),
    ],
    "numeric drift": [
        (lambda d: _write(d / "a.csv", _changed("body_mass_g", _scaled)),
         ["body_mass_g", "Jensen-Shannon divergence", "mean"]),
        (lambda d: _write(d / "b.csv", _changed("flipper_length_mm", lambda v, r: v and str(float(v) + 60))),
         ["flipper_length_mm", "Jensen-Shannon divergence", "mean"]),
        (lambda d: _write(d / "c.csv", _changed("flipper_length_mm", lambda v, r: "", 0.6)),
         ["flipper_length_mm", "missing share"]),
    ],
    "categorical drift": [
        (lambda d: _write(d / "a.csv", _changed("island", lambda v, r: "Dream", 0.8)),
         ["island", "L-infinity distance", "share of 'Dream'"]),
        (lambda d: _write(d / "b.csv", _changed("sex", lambda v, r: "MALE", 0.9, 5)),
         ["sex", "L-infinity distance", "share of 'MALE'"]),
    ],
}


def _write_bytes(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


@pytest.fixture(scope="module")
def served_root(penguin_first_run, tmp_path_factory) -> Path:
    """A copy of the shared penguin run's root: its store knows the served model (and its data)."""
    return copy_of_served_root(penguin_first_run, tmp_path_factory, "bad-data")


def _serving(root: Path) -> dict[str, float]:
    return {p.name: p.stat().st_mtime for p in (root / "serving").iterdir()}


def _assert_stopped(root: Path, data: Path, words: list[str], before_trainer: bool) -> str:
    served = _serving(root)
    result = run_cli("run", SPEC, "--root", str(root), "--set", f"data.path={data}")
    message = result.stderr
    assert result.code == 1, (result.code, result.stdout[-2000:], message[-3000:])
    for word in words:
        assert word in message, (word, message[-3000:])
    assert "Traceback" not in message
    assert "▶ Trainer" not in result.stdout and "▶ Transform" not in result.stdout
    assert _serving(root) == served  # the served model untouched, nothing new pushed
    if before_trainer:
        assert "nothing was pushed" in message
    return message


@pytest.mark.parametrize("kind", sorted(SPEC_TIME))
def test_bad_files_the_spec_check_sees_stop_before_tfx_starts(kind, served_root, tmp_path):
    for make, words in SPEC_TIME[kind]:
        message = _assert_stopped(served_root, make(tmp_path), words, before_trainer=True)
        assert "nothing ran" in message
        located = [line for line in message.splitlines() if ": data." in line or ": transform." in line
                   or ": evaluation." in line]
        if "data.path" in message:  # the file itself: one line naming the cause, not one per column
            assert len(located) == 1, located
        else:  # a column the data lacks: one line per place the spec names it, each naming it
            assert located and all(words[0] in line for line in located), located


@pytest.mark.parametrize("kind", sorted(GATE_TIME))
def test_bad_data_stops_at_the_gate_before_transform(kind, served_root, tmp_path):
    make, words = GATE_TIME[kind][0]
    message = _assert_stopped(served_root, make(tmp_path), words, before_trainer=True)
    assert "run failed in AnomaliesGate" in message


def test_several_files_per_class_at_the_gate(tmp_path):
    """Every file of every gate class, through the gate's own checks on TFDV statistics of the real file:
    the schema check (ExampleValidator's TFDV call against the curated schema) and the drift check against
    the statistics of the served model's data."""
    import tensorflow_data_validation as tfdv

    from tfxkit.components.data_gate.drift import drift_problems
    from tfxkit.config.sections.validation import DriftSection

    schema = tfdv.load_schema_text(str(SCHEMA))
    baseline = tfdv.generate_statistics_from_csv(str(PENGUINS))
    thresholds = DriftSection().model_dump()
    for kind, files in GATE_TIME.items():
        for i, (make, words) in enumerate(files):
            folder = tmp_path / f"{kind.replace(' ', '_')}-{i}"
            folder.mkdir()
            stats = tfdv.generate_statistics_from_csv(str(make(folder)))
            anomalies = tfdv.validate_statistics(stats, schema)
            lines = [f"{name}: {info.description}" for name, info in anomalies.anomaly_info.items()]
            text = "\n".join(lines + drift_problems(stats, baseline, thresholds))
            assert all(word in text for word in words), (kind, i, words, text)
    # and the untouched file: nothing
    stats = tfdv.generate_statistics_from_csv(str(PENGUINS))
    assert not tfdv.validate_statistics(stats, schema).anomaly_info
    assert drift_problems(stats, baseline, thresholds) == []



def test_a_semicolon_file_with_data_delimiter_is_read_column_by_column(served_root, tmp_path):
    """TFX's CSV reader knows only ','; with data.delimiter the file is parsed into the right columns: the
    gate then sees exactly the one planted problem (an unseen island), not one column holding every value."""
    data = _write(tmp_path / "semi.csv", _changed("island", lambda v, r: "Atlantis", 0.1), delimiter=";")
    result = run_cli("run", SPEC, "--root", str(served_root), "--set", f"data.path={data}",
                     "--set", "data.delimiter=;")
    assert result.code == 1, result.stderr[-3000:]
    assert "island" in result.stderr and "Atlantis" in result.stderr
    found = [line for line in result.stderr.splitlines() if line.strip().startswith("[")]
    assert found and all(line.split("] ")[1].startswith("island:") for line in found), found


def _execution_of(root: Path, run_id: str, node: str) -> int:
    """The id of `node`'s execution in run `run_id` (its contexts: pipeline_run `run_id`, node `penguin.node`)."""
    with sqlite3.connect(f"file:{root / 'metadata.sqlite'}?mode=ro", uri=True) as con:
        [(execution,)] = con.execute(
            "SELECT r.execution_id FROM Association r JOIN Context rc ON rc.id = r.context_id "
            "JOIN Association n ON n.execution_id = r.execution_id JOIN Context nc ON nc.id = n.context_id "
            "WHERE rc.name = ? AND nc.name = ?", (run_id, f"penguin.{node}")).fetchall()
    return execution


def _gate_drift(root: Path, run_id: str) -> str:
    """The drift check the run's AnomaliesGate was given ('' = none), as MLMD recorded the execution."""
    with sqlite3.connect(f"file:{root / 'metadata.sqlite'}?mode=ro", uri=True) as con:
        [(drift,)] = con.execute("SELECT string_value FROM ExecutionProperty WHERE execution_id = ? AND name = 'drift'",
                                 (_execution_of(root, run_id, GATE_ID),)).fetchall()
    return drift


def _input_types(root: Path, run_id: str, node: str) -> set[str]:
    """The types of the artifacts the run's `node` execution read (MLMD's INPUT events)."""
    with sqlite3.connect(f"file:{root / 'metadata.sqlite'}?mode=ro", uri=True) as con:
        return {name for (name,) in con.execute(
            "SELECT t.name FROM Event e JOIN Artifact a ON a.id = e.artifact_id JOIN Type t ON t.id = a.type_id "
            "WHERE e.execution_id = ? AND e.type = 3", (_execution_of(root, run_id, node),))}


def test_drift_auto_checks_nothing_before_a_model_is_served(penguin_first_run, served_root):
    """`enabled: auto` (the default): the first run on a fresh root has no served model to compare with, so its
    gate gets no drift check, and the run passes."""
    _, result = penguin_first_run
    assert result.code == 0, result.stderr[-2000:]
    assert "  pushed   " in result.stdout
    assert _gate_drift(served_root, run_id_of(result)) == ""


def _doubled(value: str, _rng) -> str:
    return value and str(int(value) * 2)  # still an INT: only drift, no anomaly against the schema


@pytest.fixture(scope="module")
def drifted(tmp_path_factory, served_root) -> dict[str, tuple[Path, object]]:
    """body_mass_g doubled: drift the gate stops (checked here with the gate's own function, against the served
    model's data), run twice on copies of the served root: read from a '|'-delimited file with the column
    ignored, and from a tab-delimited file with the drift check off and no evaluation thresholds.
    {name: (root, result)}."""
    import tensorflow_data_validation as tfdv

    from tfxkit.components.data_gate.drift import drift_problems
    from tfxkit.config.sections.validation import DriftSection

    rows = _changed("body_mass_g", _doubled)
    plain = _write(tmp_path_factory.mktemp("drift-plain") / "penguins.csv", rows)
    found = drift_problems(tfdv.generate_statistics_from_csv(str(plain)),
                           tfdv.generate_statistics_from_csv(str(PENGUINS)), DriftSection().model_dump())
    assert [line.split(":")[0] for line in found] == ["body_mass_g"], found
    runs = {}
    for name, delimiter, overrides in [
            ("ignored", "|", ["--set", "validation.drift.ignore=[body_mass_g]"]),
            ("off", "\t", ["--set", "validation.drift.enabled=false", "--set", "evaluation.thresholds={}"])]:
        folder = tmp_path_factory.mktemp(f"drift-{name}")
        root = folder / "root"
        shutil.copytree(served_root, root)
        data = _write(folder / "penguins.csv", rows, delimiter=delimiter)
        runs[name] = root, run_cli("run", SPEC, "--root", str(root), "--set", f"data.path={data}",
                                   "--set", f'data.delimiter="{delimiter}"', *overrides)
    return runs


def _assert_trained_and_pushed(root: Path, result) -> str:
    """The run read every row of the file into its splits, went past the gate, trained and pushed; its run id."""
    assert result.code == 0, result.stdout[-2000:] + result.stderr[-3000:]
    assert "  pushed   " in result.stdout
    lines = result.stdout.splitlines()
    for node in ("CsvExampleGen", GATE_ID, "Transform", "Trainer", "Pusher"):
        assert any(re.match(rf"✓ {node}\s+[0-9.]+ s$", line) for line in lines), (node, result.stdout)
    runs = json.loads(run_cli("runs", SPEC, "--root", str(root), "--format", "json", "--limit", "1").stdout)["runs"]
    run_id = run_id_of(result)
    assert runs[0]["run_id"] == run_id and runs[0]["status"] == "pushed"
    lineage = json.loads(run_cli("lineage", SPEC, run_id, "--root", str(root), "--format", "json").stdout)
    # Every row read, each into its columns: ExampleValidator found nothing against the curated schema (a file
    # read with the wrong delimiter is one column, and the schema's columns are all missing).
    assert sum(lineage["examples"]["split_sizes"].values()) == len(_rows()), lineage["examples"]
    assert lineage["anomalies"]["found"] == {}, lineage["anomalies"]
    return run_id


def test_an_ignored_column_may_drift_and_a_pipe_delimited_file_trains(drifted):
    root, result = drifted["ignored"]
    run_id = _assert_trained_and_pushed(root, result)
    drift = json.loads(_gate_drift(root, run_id))  # the check ran, against the served model, without the column
    assert drift["baseline_splits"] and "body_mass_g" in json.dumps(drift)
    assert _input_types(root, run_id, "Pusher") == {"Model", "ModelBlessing"}  # thresholds: the Evaluator gated


def test_drift_check_off_passes_drifted_data_and_a_tab_delimited_file_trains(drifted):
    root, result = drifted["off"]
    run_id = _assert_trained_and_pushed(root, result)
    assert _gate_drift(root, run_id) == ""


def test_without_thresholds_every_trained_model_is_pushed(drifted):
    """No evaluation thresholds: no quality gate, the Pusher reads the model alone (no blessing) and pushes it."""
    root, result = drifted["off"]
    assert result.code == 0 and "  pushed   " in result.stdout, result.stderr[-3000:]
    assert _input_types(root, run_id_of(result), "Pusher") == {"Model"}
