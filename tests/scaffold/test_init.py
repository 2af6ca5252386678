"""`tfxkit init DIR`: the project tree, its spec validating, refusals, and the packaged copies staying equal
to the repository's originals (the lock, the Bazel support, the penguin data, schema and spec)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT, run_cli
from tfxkit.config.load import load_spec
from tfxkit.scaffold.project import TEMPLATES, project_name

LAYOUT = {
    "README.md", "Makefile", "BUILD", "WORKSPACE", ".bazelrc", ".bazelignore", ".gitignore", "pyproject.toml",
    "requirements.txt", "pipelines/penguin.yaml", "data/penguins.csv", "schemas/penguin.pbtxt",
    "components/README.md", "tests/BUILD", "tests/test_spec.py", "tests/test_pipeline.py",
    "bazel/BUILD", "bazel/venv.bzl", "bazel/pytest.bzl", "bazel/pytest_main.py",
}


def files_under(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("new") / "my-penguins"
    result = run_cli("init", str(target))
    assert result.code == 0, result.stderr
    assert "make run" in result.stdout and "make test" in result.stdout
    return target


def test_init_writes_the_layout_and_its_spec_validates(project):
    assert LAYOUT <= files_under(project)
    assert not [f for f in files_under(project) if f.endswith(".tmpl")]
    result = run_cli("validate", str(project / "pipelines/penguin.yaml"))
    assert result.code == 0, result.stderr
    assert "pipeline 'my-penguins'" in result.stdout


def test_the_spec_reads_the_projects_own_data_and_schema(project):
    spec = load_spec(str(project / "pipelines/penguin.yaml")).spec
    here = project / "pipelines"  # spec paths are relative to the spec file
    assert (here / spec.data.path).resolve() == (project / "data/penguins.csv").resolve()
    assert (here / spec.schema_.file).resolve() == (project / "schemas/penguin.pbtxt").resolve()


def test_the_readme_gives_the_two_commands_and_the_makefile_has_them(project):
    readme, makefile = (project / "README.md").read_text(), (project / "Makefile").read_text()
    assert "make run" in readme and "make test" in readme
    assert "\nrun: setup\n" in makefile and "\ntest: setup\n" in makefile
    assert "{{" not in readme + makefile + (project / "WORKSPACE").read_text()
    assert (project / "bazel/offline/remote_coverage_tools/unavailable.sh").stat().st_mode & 0o111


def test_no_generated_file_carries_a_path_of_the_machine_that_generated_it(project):
    machine = {str(REPO_ROOT), str(REPO_ROOT.resolve()), str(Path.home()), str(project), str(project.resolve()),
               sys.prefix, sys.executable}
    for path in project.rglob("*"):
        if path.is_file():
            text = path.read_text(errors="replace")
            leaked = [m for m in machine if m and m != "/" and m in text]
            assert not leaked, f"{path.relative_to(project)} names {leaked}"


def test_the_project_uses_its_own_name(project):
    spec = load_spec(str(project / "pipelines/penguin.yaml")).spec
    assert spec.pipeline.name == project_name(project)
    assert Path(spec.pipeline.root).name == project_name(project)  # not the example's runs/penguin
    assert "TFXKIT ?= tfxkit" in (project / "Makefile").read_text()


def test_a_non_empty_folder_is_refused_in_one_line_unless_forced(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    refused = run_cli("init", str(tmp_path))
    assert refused.code == 2
    assert refused.stderr.strip() == f"tfxkit: {tmp_path}: folder is not empty (use --force to write into it anyway)"
    assert files_under(tmp_path) == {"notes.txt"}
    forced = run_cli("init", str(tmp_path), "--force")
    assert forced.code == 0, forced.stderr
    assert LAYOUT | {"notes.txt"} <= files_under(tmp_path)
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_an_unknown_example_lists_the_known_ones_and_a_file_is_not_a_folder(tmp_path):
    unknown = run_cli("init", str(tmp_path / "p"), "--example", "tiaxi")
    assert (unknown.code, unknown.stderr.strip()) == (2, "tfxkit: --example tiaxi: unknown example (known: penguin)")
    assert not (tmp_path / "p").exists()
    (tmp_path / "f").write_text("")
    not_folder = run_cli("init", str(tmp_path / "f"))
    assert (not_folder.code, not_folder.stderr.strip()) == (2, f"tfxkit: {tmp_path / 'f'}: exists and is not a folder")


@pytest.mark.parametrize("folder, name", [("my-penguins", "my-penguins"), ("2024 run", "p_2024_run"),
                                           ("__", "pipeline"), ("a.b", "a_b")])
def test_the_pipeline_name_comes_from_the_folder(folder, name):
    assert project_name(Path(folder)) == name


# The packaged templates are copies (a wheel cannot reach outside the package): they must stay equal.
COPIES = [
    ("requirements.txt", "common/requirements.txt.tmpl"),
    (".bazelrc", "common/bazelrc.tmpl"),
    ("data/penguins/penguins.csv", "examples/penguin/data/penguins.csv.tmpl"),
    ("schemas/penguin.pbtxt", "examples/penguin/schemas/penguin.pbtxt.tmpl"),
] + [(p.relative_to(REPO_ROOT).as_posix(), f"common/{p.relative_to(REPO_ROOT).as_posix()}.tmpl")
     for p in sorted((REPO_ROOT / "bazel").rglob("*")) if p.is_file() and "__pycache__" not in p.parts]


@pytest.mark.parametrize("original, copy", COPIES)
def test_the_packaged_copy_equals_the_repository_file(original, copy):
    assert (TEMPLATES / copy).read_bytes() == (REPO_ROOT / original).read_bytes(), (
        f"tfxkit/scaffold/templates/{copy} differs from {original}: cp {original} tfxkit/scaffold/templates/{copy}")


def test_the_example_spec_trains_and_gates_like_pipelines_penguin(project):
    ours = load_spec(str(REPO_ROOT / "pipelines/penguin.yaml")).spec.model_dump()
    theirs = load_spec(str(project / "pipelines/penguin.yaml")).spec.model_dump()
    for key in ("transform", "model", "trainer", "evaluation"):
        assert theirs[key] == ours[key], key


def test_every_template_is_package_data():
    # pyproject.toml ships "templates/**/*.tmpl": a template without the suffix would be left out of the wheel.
    assert [p for p in TEMPLATES.rglob("*") if p.is_file() and not p.name.endswith(".tmpl")] == []
