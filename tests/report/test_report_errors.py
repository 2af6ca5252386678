"""`tfxkit report` and `tfxkit tensorboard` on stores that cannot answer: one line, exit 2, no traceback,
and no TensorFlow imported (these need no pipeline run; tests/e2e/test_report.py covers real runs)."""

from __future__ import annotations

import subprocess
import sys

import pytest
from ml_metadata import metadata_store
from ml_metadata.proto import metadata_store_pb2

from tests.conftest import REPO_ROOT, run_cli
from tfxkit.metadata.connection import connection_config
from tfxkit.metadata.store import PIPELINE, PIPELINE_RUN, Store


def _one_line(result, code: int, message: str) -> None:
    assert result.code == code, result.stderr
    assert message in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


def _store_with_a_run(path, run_id: str = "20260101-120000-abcd") -> str:
    """An MLMD store holding one run context of pipeline 'penguin' (what tfxkit's runner records first)."""
    url = f"sqlite:///{path}/metadata.sqlite"
    Store(connection_config(url))  # MLMD creates its tables
    store = metadata_store.MetadataStore(connection_config(url))
    types = {}
    for name in (PIPELINE, PIPELINE_RUN):
        types[name] = store.put_context_type(metadata_store_pb2.ContextType(name=name))
    pipeline = metadata_store_pb2.Context(type_id=types[PIPELINE], name="penguin")
    run = metadata_store_pb2.Context(type_id=types[PIPELINE_RUN], name=run_id)
    run.custom_properties["tfxkit_pipeline"].string_value = "penguin"
    store.put_contexts([pipeline, run])
    return url


@pytest.mark.parametrize("verb", ["report", "tensorboard"])
def test_no_store_or_an_empty_one(verb, tmp_path):
    _one_line(run_cli(verb, "pipelines/penguin.yaml", "--root", str(tmp_path)), 2,
              f"no metadata store at {tmp_path}/metadata.sqlite (has the pipeline run yet?)")
    Store(connection_config(f"sqlite:///{tmp_path}/metadata.sqlite"))
    _one_line(run_cli(verb, "pipelines/penguin.yaml", "--root", str(tmp_path)), 2,
              "the store holds no runs of pipeline 'penguin' yet")
    _one_line(run_cli(verb, "--metadata", f"sqlite:///{tmp_path}/metadata.sqlite"), 2,
              "the store holds no pipeline runs yet")
    assert not list(tmp_path.glob("*.html"))


@pytest.mark.parametrize("verb", ["report", "tensorboard"])
def test_an_unknown_run_names_the_nearest(verb, tmp_path):
    url = _store_with_a_run(tmp_path)
    result = run_cli(verb, "--metadata", url, "20260101-120000-abce", *(["-o", str(tmp_path / "r.html")]
                                                                      if verb == "report" else []))
    _one_line(result, 2, "no run '20260101-120000-abce' in pipeline 'penguin' (did you mean '20260101-120000-abcd'?)")
    assert not (tmp_path / "r.html").exists()


def test_report_imports_no_tensorflow(tmp_path):
    url = _store_with_a_run(tmp_path)
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "tfxkit", "report", "--metadata", url, "nope"],
                          cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2, proc.stderr[-2000:]
    imported = {line.split("|")[-1].strip().split(".")[0] for line in proc.stderr.splitlines()
                if line.startswith("import time:")}
    assert "tfxkit" in imported and not imported & {"tensorflow", "tfx", "apache_beam", "keras", "tf_keras"}


def test_a_report_that_cannot_be_written_after_a_run_is_one_warning(tmp_path, capsys):
    """The runner's hook: any failure (here: the run is not in the store) is one stderr line, never raised."""
    from tfxkit.runners.run import write_run_report

    url = _store_with_a_run(tmp_path)
    assert write_run_report(Store(connection_config(url)), "penguin", "20990101-000000-0000", str(tmp_path)) is None
    err = capsys.readouterr().err
    assert err.startswith("tfxkit: warning: no run report (LineageError: no run '20990101-000000-0000'")
    assert err.rstrip().endswith("the run is unaffected") and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "reports").exists() or not list((tmp_path / "reports").iterdir())
