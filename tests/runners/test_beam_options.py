"""Which Beam options a run's components get, and when TFX's per-component sdist is skipped."""

from __future__ import annotations

import pytest

from tfxkit.runners.beam_options import default_beam_args, run_beam_args, sdk_image, skip_tfx_sdist

SKIP = [f"--sdk_container_image={sdk_image()}"]
PORTABLE = ["--runner=PortableRunner", "--job_endpoint=localhost:8099"]


def test_local_runner_gets_the_in_process_direct_runner_with_cloudpickle_and_skips_the_sdist():
    assert run_beam_args("local", [], []) == ["--pickle_library=cloudpickle", *SKIP]


def test_a_users_pickle_library_wins():
    args = run_beam_args("local", ["--pickle_library=dill"], [])
    assert args.index("--pickle_library=cloudpickle") < args.index("--pickle_library=dill")


def test_beam_runner_uses_worker_processes_on_every_core_and_skips_the_sdist():
    assert run_beam_args("beam", [], []) == [
        "--direct_running_mode=multi_processing", "--direct_num_workers=0", *SKIP]


def test_cli_args_come_after_the_spec_args_so_they_win():
    args = run_beam_args("beam", ["--direct_num_workers=4"], ["--direct_num_workers=1"])
    assert args.index("--direct_num_workers=4") < args.index("--direct_num_workers=1")
    assert args[:2] == default_beam_args("beam")


@pytest.mark.parametrize("args", [
    ["--runner=FlinkRunner", "--flink_master=localhost:8081"],
    ["--runner=SparkRunner"],
    ["--runner=DataflowRunner", "--project=p", "--region=r"],
    [*PORTABLE, "--environment_type=DOCKER"],
    PORTABLE,  # the portable default environment is Docker
])
def test_remote_workers_keep_tfxs_sdist(args):
    assert skip_tfx_sdist(args) == []


@pytest.mark.parametrize("args", [
    ["--direct_num_workers=2"],
    ["--runner=DirectRunner"],
    ["--runner=apache_beam.runners.direct.direct_runner.DirectRunner"],
    [*PORTABLE, "--environment_type=EXTERNAL", "--environment_config=localhost:50000"],
    [*PORTABLE, "--environment_type=loopback"],
])
def test_workers_on_this_machine_skip_it(args):
    assert skip_tfx_sdist(args) == SKIP


@pytest.mark.parametrize("given", ["--setup_file=./setup.py", "--extra_package=dist/x.tar.gz",
                                   "--requirements_file=r.txt", "--sdk_container_image=me/mine:1"])
def test_the_users_own_dependency_option_is_left_alone(given):
    assert skip_tfx_sdist(["--direct_num_workers=2", given]) == []


def test_the_marker_image_is_beams_own_default():
    """On whichever Python runs the tests (3.10 and 3.11 are both supported)."""
    from apache_beam.transforms.environments import DockerEnvironment

    assert sdk_image() == DockerEnvironment.default_docker_image()


@pytest.mark.parametrize("runner", ["PortableRunner", "FlinkRunner", "SparkRunner"])
def test_portable_jobs_may_run_longer_than_beams_60_s_stream_deadline(runner):
    from tfxkit.runners.beam_options import _parse, job_timeout

    assert job_timeout(_parse([f"--runner={runner}", "--job_endpoint=embed"])) == ["--job_server_timeout=86400"]
    assert job_timeout(_parse([f"--runner={runner}", "--job_server_timeout=5"])) == []
    assert job_timeout(_parse(["--direct_num_workers=2"])) == []


def test_a_job_endpoint_that_does_not_answer_fails_fast():
    import socket

    with socket.socket() as s:
        s.bind(("localhost", 0))
        port = s.getsockname()[1]  # bound, not listening: refused
        with pytest.raises(ConnectionError, match=rf"the Beam job endpoint localhost:{port} \(--job_endpoint\)"):
            run_beam_args("beam", [], ["--runner=PortableRunner", f"--job_endpoint=localhost:{port}"])


def test_a_listening_job_endpoint_passes():
    import socket

    with socket.socket() as s:
        s.bind(("localhost", 0))
        s.listen()
        args = run_beam_args("beam", [], ["--runner=PortableRunner", f"--job_endpoint=localhost:{s.getsockname()[1]}",
                                          "--environment_type=EXTERNAL", "--environment_config=localhost:1"])
    assert args[-2:] == SKIP + ["--job_server_timeout=86400"]
