"""Audit commands on stores that cannot answer: one line each, the right exit code, no traceback.

These need no pipeline run (the e2e lineage tests cover real runs): a missing
store, an empty store, an unreachable server, a malformed URL or spec.
"""

from __future__ import annotations

import pytest

from tests.conftest import REPO_ROOT, run_cli
from tfxkit.lineage.diff import flatten
from tfxkit.metadata.connection import connection_config
from tfxkit.metadata.store import Store


def _one_line(result, code: int, message: str) -> None:
    assert result.code == code, result.stderr
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


@pytest.mark.parametrize("verb", ["runs", "lineage", "diff", "reproduce"])
def test_a_store_that_does_not_exist(verb, tmp_path):
    result = run_cli(verb, "pipelines/penguin.yaml", "latest", "--root", str(tmp_path))
    if verb == "runs":
        result = run_cli(verb, "pipelines/penguin.yaml", "--root", str(tmp_path))
    _one_line(result, 2, f"no metadata store at {tmp_path}/metadata.sqlite (has the pipeline run yet?)")
    assert not (tmp_path / "metadata.sqlite").exists()  # an audit never creates a store


def test_an_empty_store(tmp_path):
    Store(connection_config(f"sqlite:///{tmp_path}/metadata.sqlite"))  # MLMD creates its tables
    _one_line(run_cli("runs", "pipelines/penguin.yaml", "--root", str(tmp_path)), 2,
              "the store holds no runs of pipeline 'penguin' yet")
    _one_line(run_cli("lineage", "--metadata", f"sqlite:///{tmp_path}/metadata.sqlite"), 2,
              "the store holds no pipeline runs yet")


def test_an_unreachable_database_names_host_and_port_never_the_password():
    result = run_cli("runs", "--metadata", "mysql://auditor:s3cret-pw@127.0.0.1:1/mlmd")
    _one_line(result, 1, "cannot open the mysql (auditor@127.0.0.1:1/mlmd) metadata store: nothing answers at 127.0.0.1:1")
    assert "s3cret-pw" not in result.stderr + result.stdout


@pytest.mark.parametrize("args, code, message", [
    (["runs", "--metadata", "redis://localhost/0"], 2, "--metadata: unsupported metadata URL"),
    (["runs"], 2, "name a spec file, or a store with --metadata URL"),
    (["runs", "pipelines/nope.yaml"], 2, "pipelines/nope.yaml:1:1: spec file not found"),
    (["runs", "pipelines/penguin.yaml", "--set", "pipeline.nmae=x"], 2, "pipeline.nmae: unknown key (did you mean 'name'?)"),
])
def test_bad_audit_input(args, code, message):
    _one_line(run_cli(*args), code, message)


def test_audit_needs_only_the_pipeline_section(tmp_path):
    """The data the spec names may be gone (the bad file was deleted): the audit still finds the store."""
    Store(connection_config(f"sqlite:///{tmp_path}/metadata.sqlite"))
    spec = tmp_path / "penguin.yaml"
    spec.write_text((REPO_ROOT / "pipelines/penguin.yaml").read_text().replace("../data/penguins/penguins.csv",
                                                                                "/gone.csv"))
    result = run_cli("runs", str(spec), "--root", str(tmp_path))
    _one_line(result, 2, "the store holds no runs of pipeline 'penguin' yet")


def test_flatten_spec_keys():
    assert flatten({"a": {"b": 1, "c": {"d": [1, 2]}}, "e": None}) == {"a.b": 1, "a.c.d": [1, 2], "e": None}


@pytest.mark.parametrize("section", [
    {"name": "penguin", "root": "runs"},
    {"name": "p-1_x", "root": "/abs", "metadata": "mysql://u:p@h:3306/db", "cache": False, "beam_args": ["--a"]},
    {"name": "p", "root": "r", "metadata": None},
    {"name": "9bad", "root": "r"},
    {"name": "p", "root": 3},
    {"name": "p", "root": "r", "metdata": "sqlite:///x"},
    {"name": "p", "root": "r", "metadata": "redis://x"},
    {"name": "p"},
    "not a mapping",
])
def test_the_quick_pipeline_section_read_agrees_with_the_model(section, tmp_path):
    """The audit's pydantic-free read accepts exactly what the model accepts, with the same values."""
    import yaml
    from pydantic import ValidationError

    from tfxkit.config.errors import SpecErrors
    from tfxkit.config.locate import locate_store
    from tfxkit.config.sections.pipeline import PipelineSection

    spec = tmp_path / "spec.yaml"
    spec.write_text(yaml.safe_dump({"version": 1, "pipeline": section}))
    try:
        model = PipelineSection.model_validate(section)
    except ValidationError:
        with pytest.raises(SpecErrors):
            locate_store(spec)
        return
    located = locate_store(spec)
    assert (located.pipeline, located.metadata) == (model.name, model.metadata)
    expected_root = model.root if model.root.startswith("/") else str((tmp_path / model.root).resolve())
    assert located.root == expected_root
