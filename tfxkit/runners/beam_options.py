"""The Beam options a run's Beam-based components get: runner defaults, then the spec's, then the CLI's.

Measured on the penguin pipeline under `--runner beam` (DirectRunner,
multi_processing, 2 workers): most of each Beam component's time is fixed cost,
not data. Per component, in order:

- TFX builds an sdist of itself (`python setup.py sdist`, 3-13 s each on that
  loaded machine) to ship to remote workers whenever Beam args are given and
  none of them names the workers' dependencies
  (tfx/utils/dependency_utils.make_beam_dependency_flags);
- DirectRunner starts its worker processes afresh for every Beam pipeline, and
  each imports apache_beam (with its GCP IO modules) before it says hello,
  then TensorFlow, TFDV or TFMA as the stage's functions unpickle: 55-86 s
  from "starting control server" to the workers' first log line per Beam
  component, measured on 2 cores shared at load 12 (the penguin pipeline took
  1447 s under --runner beam there, CsvExampleGen 172 s, StatisticsGen 216 s,
  Transform 389 s, Evaluator 481 s).

Workers on this machine (DirectRunner, or portable environments that run in
this virtual environment: EXTERNAL worker pools, PROCESS, LOOPBACK) import TFX
from here, so the sdist is waste: naming the SDK's own container image, which
those environments ignore, tells TFX the dependencies are handled. The worker
start-up cost stays; it is Beam's, and is why the local runner (in-process
DirectRunner) is the default for data that fits one machine.
"""

from __future__ import annotations

import sys

# Beam workers that run in this process's environment (they never read a container image).
_LOCAL_ENVIRONMENTS = {"EXTERNAL", "LOOPBACK", "PROCESS", "BEAM_PYTHON", "EMBEDDED"}
_LOCAL_RUNNERS = {None, "DirectRunner", "BundleBasedDirectRunner", "SwitchingDirectRunner"}
_PORTABLE_RUNNERS = {"PortableRunner", "FlinkRunner", "SparkRunner", "PrismRunner"}
_DEPENDENCY_OPTIONS = ("extra_package", "extra_packages", "setup_file", "requirements_file",
                       "worker_harness_container_image", "sdk_container_image")


def sdk_image() -> str:
    """The SDK container image Beam defaults to for this interpreter; only ever a marker for TFX, never pulled.

    Beam's DockerEnvironment.default_docker_image() names it from the running
    Python's major.minor and Beam's version (apache/beam_python3.X_sdk:<version>).
    Importing it loads apache_beam (5-8 s here), which an up-to-date run must not
    pay, so the name is built the same way from the installed distribution's
    version; a unit test checks it against Beam's own on each Python.
    """
    from importlib.metadata import version

    return f"apache/beam_python{sys.version_info.major}.{sys.version_info.minor}_sdk:{version('apache-beam')}"


def default_beam_args(runner: str) -> list[str]:
    """What a runner needs before the user's options.

    Local: Beam's default runner, the in-process DirectRunner, with cloudpickle for
    Beam's pickling of DoFns. On one process, Beam still pickles every DoFn into the
    pipeline proto and unpickles, and pickles again, each one when it builds a stage's
    bundle processor; tf.Transform's pipeline has a few hundred. dill (Beam 2.61's
    default) pickles with Python's pure-Python pickler; cloudpickle with the C one.
    Penguin's Transform took 3.5-4.3 s with cloudpickle against 4.0-5.2 s with dill,
    five runs each alternating, and Beam made cloudpickle its default in 2.65. The
    beam runner uses every core in worker processes, with Beam's default pickler.
    A user's own `--pickle_library` comes later and wins.
    """
    if runner == "beam":
        return ["--direct_running_mode=multi_processing", "--direct_num_workers=0"]
    return ["--pickle_library=cloudpickle"]


def run_beam_args(runner: str, spec_args: list[str], cli_args: list[str]) -> list[str]:
    """The full list, in the order Beam reads it (the last of a repeated option wins).

    Raises ConnectionError when a portable job endpoint does not answer: Beam
    would otherwise wait `job_server_timeout` for it, which is a day here.
    """
    args = default_beam_args(runner) + list(spec_args) + list(cli_args)
    options = _parse(args)
    check_job_endpoint(options)
    return args + skip_tfx_sdist(args) + job_timeout(options)


def _parse(args: list[str]) -> dict[str, str]:
    """Options as Beam reads them (each `--name[=value]`, the last wins), without importing Beam."""
    options: dict[str, str] = {}
    for arg in args:
        name, _, value = arg[2:].partition("=")
        options[name.replace("-", "_")] = value
    return options


def _runner(options: dict[str, str]) -> str | None:
    runner = options.get("runner")
    return runner.rsplit(".", 1)[-1] if runner else None


def job_timeout(options: dict[str, str]) -> list[str]:
    """A day for `--job_server_timeout` on portable runners, unless the user set it.

    Beam 2.61's PortableRunner opens the job's state and message streams with
    that timeout as their gRPC deadline (portable_runner.py, JobServiceHandle.run),
    so with Beam's default of 60 s every job that runs longer than a minute
    fails with DEADLINE_EXCEEDED, whatever the engine.
    """
    if _runner(options) in _PORTABLE_RUNNERS and "job_server_timeout" not in options:
        return ["--job_server_timeout=86400"]
    return []


def check_job_endpoint(options: dict[str, str], seconds: float = 10.0) -> None:
    """Raise ConnectionError unless the portable runner's job endpoint accepts a connection."""
    endpoint = options.get("job_endpoint")
    if _runner(options) != "PortableRunner" or not endpoint or endpoint == "embed":
        return
    import socket

    host, _, port = endpoint.rpartition(":")
    try:
        with socket.create_connection((host.strip("[]") or "localhost", int(port)), timeout=seconds):
            return
    except (OSError, ValueError) as exc:
        raise ConnectionError(f"the Beam job endpoint {endpoint} (--job_endpoint) does not answer: {exc}") from None


def skip_tfx_sdist(args: list[str]) -> list[str]:
    """The option that spares TFX's per-component sdist when every worker runs here; [] otherwise.

    Reads the options without importing Beam: an up-to-date run must stay light.
    """
    if not args:
        return []  # TFX builds no sdist for empty args
    options = _parse(args)
    if any(options.get(name) for name in _DEPENDENCY_OPTIONS):
        return []  # the user says how workers get their code: TFX adds nothing either
    runner = _runner(options)
    local = runner in _LOCAL_RUNNERS or (
        runner in ("PortableRunner", "PrismRunner")
        and options.get("environment_type", "").upper() in _LOCAL_ENVIRONMENTS)
    return [f"--sdk_container_image={sdk_image()}"] if local else []
