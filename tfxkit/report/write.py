"""Write a report page (a run's, or the model versions'): gather, render, and replace the file in one step (never
half-written)."""

from __future__ import annotations

import os
import tempfile

from tfxkit.metadata.store import Store
from tfxkit.report.collect import collect
from tfxkit.report.models_page import render_models
from tfxkit.report.page import render_report


def write_report(store: Store, pipeline: str, run_ref: str, path: str) -> str:
    """Render the report of a run to `path` (atomically) and return the absolute path."""
    return _write_page(render_report(collect(store, pipeline, run_ref)), path)


def write_models_page(store: Store, pipeline: str, path: str) -> str:
    """Render the page of every model version (`report --models`) to `path` (atomically); the absolute path."""
    return _write_page(render_models(store, pipeline), path)


def _write_page(page: str, path: str) -> str:
    path = os.path.abspath(path)
    folder = os.path.dirname(path)
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".report-", suffix=".html", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(page)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # an ordinary file (mkstemp makes it private)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def default_report_path(root: str, run_id: str) -> str:
    """Where a run writes its own report: beside its log, under the pipeline root."""
    return os.path.join(root, "reports", f"run-{run_id}.html")
