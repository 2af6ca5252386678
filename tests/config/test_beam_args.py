"""pipeline.beam_args and `tfxkit run --beam-arg`: each one Beam option, located when it is not; the CLI's win."""

from __future__ import annotations

import pytest

from tests.config.spec_files import errors_of, write_spec
from tests.conftest import run_cli
from tfxkit.config.beam_args import beam_arg_problem
from tfxkit.config.load import load_spec

GOOD = ["--runner=FlinkRunner", "--flink_master=localhost:8081", "--streaming", "--environment_config={\"a\": 1}",
        "--experiments=use_runner_v2", "--job_endpoint=localhost:8099", "--setup_file=./setup.py"]
BAD = ["runner=FlinkRunner", "--runner FlinkRunner", "-runner=FlinkRunner", "--", "--=x", "--9lives", ""]


@pytest.mark.parametrize("arg", GOOD)
def test_one_option_is_accepted(arg):
    assert beam_arg_problem(arg) is None


@pytest.mark.parametrize("arg", BAD)
def test_anything_else_is_refused(arg):
    assert beam_arg_problem(arg)


def test_spec_beam_args_are_loaded(tmp_path):
    spec_args = "  beam_args: [--runner=FlinkRunner, --parallelism=4]\n"
    path = write_spec(tmp_path, ("  cache: true\n", "  cache: true\n" + spec_args))
    assert load_spec(path).spec.pipeline.beam_args == ["--runner=FlinkRunner", "--parallelism=4"]


def test_a_bad_spec_beam_arg_is_one_located_line(tmp_path):
    path = write_spec(tmp_path, ("  cache: true\n",
                                 "  cache: true\n  beam_args:\n    - --parallelism=4\n    - runner=FlinkRunner\n"))
    [error] = errors_of(path)
    assert error.startswith(f"{path}:8:7: pipeline.beam_args[1]: 'runner=FlinkRunner' is not a Beam option")


def test_a_non_string_beam_arg_is_refused(tmp_path):
    path = write_spec(tmp_path, ("  cache: true\n", "  cache: true\n  beam_args: [--parallelism=4, 4]\n"))
    [error] = errors_of(path)
    assert error.startswith(f"{path}:6:32: pipeline.beam_args[1]: expected a string")


def test_a_bad_cli_beam_arg_exits_2_before_anything_loads(tmp_path):
    result = run_cli("run", str(write_spec(tmp_path)), "--beam-arg=--runner FlinkRunner", timeout=60)
    assert result.code == 2
    assert result.stderr.strip().splitlines() == [
        "tfxkit: --beam-arg: '--runner FlinkRunner' is not one Beam option "
        "(expected --name or --name=value, with no space before '=')"]
    assert not (tmp_path / "runs").exists()  # nothing ran


def test_the_given_list_is_what_the_components_get(tmp_path):
    """run_spec passes runner defaults + spec + --beam-arg, in that order (Beam keeps the last): build keeps it."""
    from tfxkit.dag.build import build_pipeline

    path = write_spec(tmp_path, ("  cache: true\n", "  cache: true\n  beam_args: [--direct_num_workers=4]\n"))
    loaded = load_spec(path)
    assert build_pipeline(loaded).beam_pipeline_args == ["--direct_num_workers=4"]
    full = ["--direct_running_mode=multi_processing", "--direct_num_workers=4", "--direct_num_workers=1"]
    assert build_pipeline(loaded, beam_args=full).beam_pipeline_args == full
