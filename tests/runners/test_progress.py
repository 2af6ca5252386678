"""Console progress lines come from the runners' own log lines, whichever TFX runner runs the nodes."""

from __future__ import annotations

import importlib.util
import logging
import re
from pathlib import Path

import pytest

from tfxkit.runners.progress import ProgressHandler

RUNNERS = {
    "local": "orchestration/local/local_dag_runner.py",
    "beam": "orchestration/beam/beam_dag_runner.py",
}


def _tfx_source(relative: str) -> Path:
    """A file of the TFX that this interpreter imports (found without importing TFX, which takes ~50 s)."""
    spec = importlib.util.find_spec("tfx")
    assert spec is not None and spec.submodule_search_locations, "TFX is not installed for this interpreter"
    return Path(spec.submodule_search_locations[0]) / relative


def _formats(source: Path, state: str) -> list[str]:
    """The format strings a runner passes to logging.info for a node starting or finishing."""
    text = source.read_text(encoding="utf-8")
    return re.findall(rf"logging\.info\(\s*'([^']*%s is {state}\.)'", text)


def _record(message: str, *args) -> logging.LogRecord:
    return logging.LogRecord("absl", logging.INFO, __file__, 1, message, args, None)


@pytest.mark.parametrize("runner", sorted(RUNNERS))
def test_progress_follows_each_tfx_runner(runner):
    """The installed TFX's own start/finish messages (read from its source) drive the progress lines."""
    source = _tfx_source(RUNNERS[runner])
    [running] = _formats(source, "running")
    [finished] = _formats(source, "finished")
    lines: list[str] = []
    handler = ProgressHandler(lines.append)
    handler.emit(_record(running, "StatisticsGen"))
    assert handler.current == "StatisticsGen"
    handler.emit(_record("A cached execution %d is used.", 7))
    handler.emit(_record(finished, "StatisticsGen"))
    handler.emit(_record(running, "Trainer"))
    handler.emit(_record(finished, "Trainer"))
    assert lines[0] == "▶ StatisticsGen"
    assert lines[1].startswith("✓ StatisticsGen") and lines[1].endswith("cached")
    assert lines[2] == "▶ Trainer"
    assert lines[3].startswith("✓ Trainer") and lines[3].endswith(" s")
    assert set(handler.timings) == {"StatisticsGen", "Trainer"} and handler.current is None


def test_other_lines_print_nothing():
    lines: list[str] = []
    handler = ProgressHandler(lines.append)
    for message in ("Component Trainer is runnin.", "node  is running.", "Node Trainer is scheduled."):
        handler.emit(_record(message))
    handler.emit(_record("bad %d format", "x"))  # a malformed foreign record is ignored
    assert lines == [] and handler.current is None
