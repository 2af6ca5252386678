"""One printer for spec errors (`exit_on_spec_errors`): every problem, an optional count line, exit 2; a
problem whose kind is DATA (decided where the check finds it) alone makes `tfxkit run` exit 1 instead."""

from __future__ import annotations

import pytest

from tests.conftest import REPO_ROOT, run_cli
from tfxkit.commands.common import EXIT_RUN_FAILED, EXIT_SPEC, exit_on_spec_errors
from tfxkit.config.errors import SpecError, SpecErrors
from tfxkit.config.problem import ProblemKind

SPEC = "pipelines/penguin.yaml"
DATA = SpecError("x.yaml", 4, 9, "data.path", "no data files at '/nowhere' (expected a file, a folder or a glob)",
                 kind=ProblemKind.DATA)
TYPO = SpecError("x.yaml", 12, 5, "trainer.epocs", "unknown key (did you mean 'epochs'?)")


def _exit(capsys, errors: list[SpecError], where: str | None = None, data_exit: int = EXIT_SPEC):
    with pytest.raises(SystemExit) as exited:
        exit_on_spec_errors(SpecErrors(errors), where, data_exit)
    return exited.value.code, capsys.readouterr().err.splitlines()


def test_every_problem_then_the_count_and_exit_2(capsys):
    code, lines = _exit(capsys, [TYPO, DATA], "in x.yaml", EXIT_RUN_FAILED)
    assert code == EXIT_SPEC
    assert lines == [str(DATA), str(TYPO), "tfxkit: 2 problems in x.yaml"]


def test_without_where_no_count_line(capsys):
    assert _exit(capsys, [TYPO]) == (EXIT_SPEC, [str(TYPO)])


def test_only_the_data_at_fault_is_the_data_exit(capsys):
    code, lines = _exit(capsys, [DATA], "in x.yaml", EXIT_RUN_FAILED)
    assert code == EXIT_RUN_FAILED
    assert lines == [str(DATA), "tfxkit: the data does not fit the spec; nothing ran and nothing was pushed"]


def test_a_data_fault_is_a_spec_problem_where_no_data_exit_is_given(capsys):
    assert _exit(capsys, [DATA], "in x.yaml") == (EXIT_SPEC, [str(DATA), "tfxkit: 1 problem in x.yaml"])


def test_a_column_the_data_lacks_fails_run_with_1_and_validate_with_2():
    args = ("--set", "data.label=no_such_column")
    run = run_cli("run", SPEC, *args, "--root", str(REPO_ROOT / "nonexistent-root"))
    assert run.code == 1, run.stderr
    assert "no column 'no_such_column' in the data (expected one of:" in run.stderr
    assert run.stderr.rstrip().endswith("the data does not fit the spec; nothing ran and nothing was pushed")
    validate = run_cli("validate", SPEC, *args)
    assert validate.code == 2 and validate.stderr.rstrip().endswith(f"1 problem in {SPEC}"), validate.stderr


def test_a_misspelt_column_is_the_specs_fault_for_run_too():
    run = run_cli("run", SPEC, "--set", "data.label=specie")
    assert run.code == 2, run.stderr
    assert "no column 'specie' in the data (did you mean 'species'?)" in run.stderr
