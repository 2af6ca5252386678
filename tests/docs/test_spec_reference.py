"""The docs cannot drift from the code: the spec reference is the models' own, and README's links and spec hold.

docs/reference/spec.md is generated from the pydantic models (`make docs` rewrites it); a model change
without regenerating it fails here. No TensorFlow: pydantic and PyYAML only, well under a second.
"""

from __future__ import annotations

import re

import yaml

from tests.conftest import REPO_ROOT
from tfxkit.config.reference import main, spec_reference

PAGE = REPO_ROOT / "docs" / "reference" / "spec.md"
README = REPO_ROOT / "README.md"


def test_the_committed_reference_equals_a_fresh_generation():
    assert PAGE.read_text(encoding="utf-8") == spec_reference(), (
        "docs/reference/spec.md is out of date: run `make docs` (or python -m tfxkit.config.reference) and commit it")


def test_every_top_level_section_and_key_is_listed():
    from tfxkit.config.reference import PipelineSpec

    page = spec_reference()
    for name, info in PipelineSpec.model_fields.items():
        key = info.alias or name
        assert f"| `{key}` |" in page, f"top-level key {key!r} missing from the reference"
    for section in ("pipeline", "data", "schema", "validation", "transform", "model", "trainer", "tuning",
                    "evaluation", "push", "kubeflow"):
        assert f"\n## {section}\n" in page, f"section {section!r} has no table"
    assert "\n## components[]\n" in page


def test_nested_keys_aliases_literals_and_tagged_unions_are_rendered():
    page = spec_reference()
    assert "| `schema.file` |" in page and "schema_" not in page  # the YAML name, not the Python field's
    assert "| `components[].class` |" in page and "class_" not in page
    assert "| `validation.drift.jensen_shannon` | number | `0.1` | > 0; ≤ 1 |" in page
    assert "`binary`, `multiclass`, `regression`" in page  # model.task's Literal members
    assert "keys: `learning_rate`, `dropout`" in page  # tuning.search_space's allowed keys
    for schedule in ("constant", "exponential", "piecewise", "cosine", "cosine_restarts", "polynomial",
                     "reduce_on_plateau"):
        assert f"\n### trainer.learning_rate (schedule: {schedule})\n" in page
    assert "| `trainer.learning_rate.decay_steps` | integer | *required* | ≥ 1 |" in page
    assert "| `pipeline.name` | string | *required* |" in page
    assert "| `trainer.epochs` | integer | `10` |" in page


def test_a_pipe_in_a_value_does_not_split_the_table_row():
    row = next(line for line in spec_reference().splitlines() if line.startswith("| `data.delimiter` |"))
    assert len(re.findall(r"(?<!\\)\|", re.sub(r"<code>.*?</code>", "", row))) == 6  # five cells


def test_check_mode_reports_a_stale_page(tmp_path, capsys):
    stale = tmp_path / "spec.md"
    stale.write_text("# old\n")
    assert main(["--check", str(stale)]) == 1
    assert "out of date" in capsys.readouterr().err
    assert main([str(stale)]) == 0
    assert main(["--check", str(stale)]) == 0


def test_the_readme_spec_is_the_penguin_pipeline():
    """README's annotated spec is pipelines/penguin.yaml, only with other comments."""
    block = re.search(r"`pipelines/penguin.yaml`, with what each line means:\n\n```yaml\n(.*?)```",
                      README.read_text(encoding="utf-8"), re.S)
    assert block, "README.md: the annotated spec block is gone"
    assert yaml.safe_load(block.group(1)) == yaml.safe_load((REPO_ROOT / "pipelines/penguin.yaml").read_text())


def test_the_readme_links_resolve():
    """README is read on GitHub, outside the MkDocs build that checks docs/: its relative links are checked here."""
    text = README.read_text(encoding="utf-8")
    links = re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text)
    assert links
    missing = [link for link in links if "://" not in link and not (REPO_ROOT / link).exists()]
    assert missing == []
    assert len(text.splitlines()) <= 200, "README.md is the entry point: keep it short, move detail to docs/"


def test_every_verb_is_in_the_readme_table_and_on_the_commands_page():
    import argparse

    from tfxkit.cli import build_parser

    verbs = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)).choices
    readme, commands = README.read_text(encoding="utf-8"), (REPO_ROOT / "docs/commands.md").read_text()
    for verb in [*verbs, "schema update"]:
        assert f"| `tfxkit {verb} " in readme, f"README.md: no row for `tfxkit {verb}` in the verb table"
        assert f"tfxkit {verb} " in commands, f"docs/commands.md does not show `tfxkit {verb}`"
