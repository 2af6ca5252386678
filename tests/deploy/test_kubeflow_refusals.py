"""What cannot work on a cluster is refused before TFX is imported: one located line each, exit 2,
nothing written. An unreachable KFP host is one line naming it, exit 1."""

from __future__ import annotations

import re
import shutil

import pytest

from tests.conftest import REPO_ROOT, run_cli

PENGUIN = "pipelines/penguin.yaml"
OK = ["--image", "registry.example.com/ml/tfxkit:1", "--pipeline-root", "gs://bucket/root", "--set", "kubeflow.data=baked"]
LOCATED = re.compile(r"^pipelines/penguin\.yaml:\d+:\d+: [\w.\[\]]+: .+")


def refused(tmp_path, *args: str, expect: str, key: str) -> None:
    out = tmp_path / "pipeline.json"
    result = run_cli("compile", PENGUIN, "-o", str(out), *args, timeout=120)
    assert result.code == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert "Traceback" not in result.stderr
    problems = [line for line in lines if LOCATED.match(line)]
    assert any(f": {key}: " in line and expect in line for line in problems), result.stderr
    assert lines[-1].startswith("tfxkit: "), lines[-1]
    assert "compiling" in lines[-1] or "problem" in lines[-1], lines[-1]
    assert not out.exists(), "a refused compile must write nothing"


def test_missing_image(tmp_path):
    refused(tmp_path, "--pipeline-root", "gs://b/r", "--set", "kubeflow.data=baked",
            expect="no container image", key="kubeflow.image")


def test_local_pipeline_root(tmp_path):
    refused(tmp_path, *OK, "--pipeline-root", "/var/tmp/root", expect="local path the cluster cannot write",
            key="kubeflow.pipeline_root")


def test_pipeline_root_under_a_declared_mount_is_accepted_by_plan():
    result = run_cli("plan", PENGUIN, "--target", "kubeflow", *OK, "--pipeline-root", "/mnt/pipelines/root",
                     "--set", "kubeflow.mounts=[{pvc: pipelines, path: /mnt/pipelines}]")
    assert result.code == 0, result.stderr
    assert "root /mnt/pipelines/root" in result.stdout


def test_local_data_path(tmp_path):
    refused(tmp_path, "--image", "r/i:1", "--pipeline-root", "gs://b/r", expect="local path the cluster cannot read",
            key="data.path")


def test_local_data_override(tmp_path):
    refused(tmp_path, *OK, "--set", "kubeflow.data=/home/me/penguins.csv", expect="cluster cannot read",
            key="kubeflow.data")


def test_module_file_would_not_be_in_the_image(tmp_path):
    refused(tmp_path, *OK, "--set", "transform={module_file: ../tfxkit/modules/preprocessing.py}",
            expect="module file would not be importable", key="transform.module_file")


def test_multi_worker_is_refused(tmp_path):
    refused(tmp_path, *OK, "--set", "trainer.distribution=multi_worker", "--set", "trainer.workers=2",
            expect="multi_worker starts 2 worker processes on the Trainer's host", key="trainer.distribution")


def test_schema_outside_the_project(tmp_path):
    schema = tmp_path / "elsewhere.pbtxt"
    shutil.copy(REPO_ROOT / "schemas/penguin.pbtxt", schema)
    refused(tmp_path, *OK, "--set", f"schema.file={schema}", expect="outside the project folder", key="schema.file")


def test_local_push_destination(tmp_path):
    refused(tmp_path, *OK, "--set", "push.destination=/srv/models", expect="cluster cannot write",
            key="push.destination")


@pytest.mark.parametrize("setting, key, expect", [
    ("kubeflow.resources={cpu: lots}", "kubeflow.resources.cpu", "cannot parse cpu 'lots'"),
    ("kubeflow.resources={memory: 4 gigs}", "kubeflow.resources.memory", "cannot parse memory"),
    ("kubeflow.components={Trainer: {gpu: 1}}", "kubeflow.components.Trainer.gpu", "without an accelerator type"),
    ("kubeflow.components={Trainr: {cpu: 2}}", "kubeflow.components.Trainr", "did you mean 'Trainer'?"),
    ("kubeflow.secrets={AWS_SECRET_ACCESS_KEY: s3cr3t-value}", "kubeflow.secrets.AWS_SECRET_ACCESS_KEY",
     "not a secret reference"),
])
def test_bad_resources_and_secrets(tmp_path, setting, key, expect):
    out = tmp_path / "pipeline.json"
    result = run_cli("compile", PENGUIN, "-o", str(out), *OK, "--set", setting, timeout=120)
    assert result.code == 2 and "Traceback" not in result.stderr
    assert any(LOCATED.match(line) and f": {key}: " in line and expect in line
               for line in result.stderr.splitlines()), result.stderr
    assert not out.exists()


def test_secrets_need_the_yaml_platform_spec(tmp_path):
    out = tmp_path / "pipeline.json"
    result = run_cli("compile", PENGUIN, "-o", str(out), *OK, "--set", "kubeflow.secrets={KEY: creds/key}")
    assert result.code == 2 and result.stderr.count("\n") == 1, result.stderr
    assert "expected -o FILE.yaml" in result.stderr and not out.exists()


def test_metadata_url_is_ignored_with_a_located_warning():
    result = run_cli("plan", PENGUIN, "--target", "kubeflow", *OK, "--set", "pipeline.metadata=sqlite:///m.db")
    assert result.code == 0, result.stderr
    assert re.search(r"warning: pipelines/penguin\.yaml:\d+:\d+: pipeline\.metadata: ignored on Kubeflow",
                     result.stderr), result.stderr


def test_several_refusals_in_one_pass(tmp_path):
    out = tmp_path / "pipeline.json"
    result = run_cli("compile", PENGUIN, "-o", str(out), "--pipeline-root", "/tmp/x")
    assert result.code == 2
    keys = {line.split(": ")[1] for line in result.stderr.splitlines() if LOCATED.match(line)}
    assert {"kubeflow.image", "kubeflow.pipeline_root", "data.path"} <= keys, result.stderr


def test_no_kubeflow_section(tmp_path):
    result = run_cli("compile", PENGUIN, "-o", str(tmp_path / "p.json"))
    assert result.code == 2 and "no kubeflow section" in result.stderr


def test_plan_target_kubeflow_shows_image_and_resources():
    result = run_cli("plan", PENGUIN, "--target", "kubeflow", *OK, "--set",
                     "kubeflow.components={Trainer: {cpu: 4, memory: 8Gi, gpu: 1, accelerator: NVIDIA_TESLA_T4}}")
    assert result.code == 0, result.stderr
    trainer = next(line for line in result.stdout.splitlines() if " Trainer " in line)
    assert "registry.example.com/ml/tfxkit:1" in trainer and "gpu=1" in trainer and "NVIDIA_TESLA_T4" in trainer
    assert "data /app/data/penguins/penguins.csv" in result.stdout


def test_deploy_to_an_unreachable_host_is_one_line_naming_it():
    result = run_cli("deploy", PENGUIN, *OK, "--host", "http://127.0.0.1:9", timeout=120)
    assert result.code == 1, result.stderr
    assert result.stderr.strip().count("\n") == 0, result.stderr
    assert "127.0.0.1:9" in result.stderr and "Traceback" not in result.stderr


def test_image_dockerfile_carries_the_lock_tfxkit_and_the_specs_files(tmp_path):
    out = tmp_path / "Dockerfile"
    result = run_cli("image", PENGUIN, "--set", "kubeflow.data=baked", "-o", str(out))
    assert result.code == 0, result.stderr
    text = out.read_text()
    assert "COPY requirements.txt" in text and "-r /tmp/requirements.txt" in text
    # Compiled at build time: the image sets PYTHONDONTWRITEBYTECODE, so no task could write the bytecode itself.
    assert "--no-deps --compile-bytecode" in text and "compileall -q /app/tfxkit" in text
    assert "COPY tfxkit /app/tfxkit" in text
    for rel in ("pipelines/penguin.yaml", "schemas/penguin.pbtxt", "data/penguins/penguins.csv"):
        assert f"COPY {rel} /app/{rel}" in text
        assert (REPO_ROOT / rel).exists()


def test_pipeline_name_kfp_would_reject(tmp_path):
    refused(tmp_path, *OK, "--set", "kubeflow.name=Penguin Pipeline!", expect="not a valid Kubeflow pipeline name",
            key="kubeflow.name")


def test_committed_dockerfile_is_what_tfxkit_image_writes(tmp_path):
    out = tmp_path / "Dockerfile"
    assert run_cli("image", PENGUIN, "--set", "kubeflow.data=baked", "-o", str(out)).code == 0
    assert out.read_text() == (REPO_ROOT / "Dockerfile").read_text(), "regenerate: tfxkit image " + PENGUIN


def test_local_first_destination(tmp_path):
    """Kubeflow pushes where the pipeline does: the first of push.destinations, refused like push.destination."""
    refused(tmp_path, *OK, "--set", "push.destinations={staging: /srv/staging, production: gs://b/prod}",
            expect="'/srv/staging' is a local path the cluster cannot write", key="push.destinations.staging")
