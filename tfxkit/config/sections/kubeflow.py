"""The `kubeflow` section: where and how the pipeline runs on Kubeflow Pipelines, checked at load time.

Resources and secret references that Kubernetes would reject only after upload are
spec errors here. Whether the cluster can read the spec's paths depends on the
command's flags too, so that is decided by `tfxkit.deploy.target`, not here.
"""

from __future__ import annotations

import re
from typing import Iterator, Optional, Union

from pydantic import Field

from tfxkit.config.did_you_mean import did_you_mean
from tfxkit.config.node_ids import COMPONENT_IDS
from tfxkit.config.problem import Problem
from tfxkit.config.sections.strict import Strict


class ResourcesSection(Strict):
    """Kubernetes requests for one task; checked at load time (`cpu: lots` is an error)."""

    cpu: Optional[Union[str, int, float]] = Field(default=None, description="vCPUs: 2, 0.5 or '500m'.")
    memory: Optional[str] = Field(default=None, description="Memory: '4Gi', '512Mi', '8G'.")
    gpu: int = Field(default=0, ge=0, le=16, description="GPU count (needs accelerator).")
    accelerator: Optional[str] = Field(default=None, description="GPU type, e.g. NVIDIA_TESLA_T4 or nvidia.com/gpu.")


class MountSection(Strict):
    """A PersistentVolumeClaim mounted into every task: paths under `path` are readable on the cluster."""

    pvc: str = Field(description="PersistentVolumeClaim name.")
    path: str = Field(description="Mount path inside the container, e.g. /mnt/data.")


class KubeflowSection(Strict):
    """Where and how the pipeline runs on Kubeflow Pipelines (`tfxkit compile --target kubeflow`).

    Kubeflow brings its own metadata store, so `pipeline.metadata` and the local
    `pipeline.root` are not used there.
    """

    name: Optional[str] = Field(default=None, description="Pipeline name on Kubeflow ([a-z0-9][a-z0-9-]*). "
                                "Default: pipeline.name lower-cased, '_' as '-'.")
    image: Optional[str] = Field(default=None, description="Container image with the lock, tfxkit and the "
                                 "project (see `tfxkit image`). Flag: --image.")
    pipeline_root: Optional[str] = Field(default=None, description="Remote root for artifacts: gs://, s3://, "
                                         "minio://, or a path under a declared mount. Flag: --pipeline-root.")
    data: Optional[str] = Field(default=None, description="Where the data is read on the cluster: a remote URI, a "
                                "path under a mount, or 'baked' (data.path copied into the image).")
    push_destination: Optional[str] = Field(default=None, description="Default: <pipeline_root>/serving.")
    workdir: str = Field(default="/app", description="The project folder inside the image.")
    resources: ResourcesSection = Field(default_factory=ResourcesSection, description="Every task's default.")
    components: dict[str, ResourcesSection] = Field(default_factory=dict,
                                                    description="Per component id, e.g. Trainer.")
    env: dict[str, str] = Field(default_factory=dict, description="Plain environment variables for every task.")
    secrets: dict[str, str] = Field(default_factory=dict, description="ENV_VAR: secret-name/key (names only, "
                                    "never values).")
    mounts: list[MountSection] = Field(default_factory=list)
    service_account: Optional[str] = Field(default=None, description="Kubernetes service account for runs.")


_CPU = re.compile(r"^(\d+(\.\d+)?|\d+m)$")
_MEMORY = re.compile(r"^\d+(\.\d+)?(Ki|Mi|Gi|Ti|K|M|G|T)?$")
_SECRET_REF = re.compile(r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?/[-._a-zA-Z0-9]+$")
_MEMORY_UNITS = {"": 1, "K": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40}


def check_kubeflow(kubeflow: KubeflowSection, custom: tuple[str, ...] = ()) -> Iterator[Problem]:
    """Resources that Kubernetes would reject only after upload: checked here, at load time.
    `custom` are the custom components' names, which `kubeflow.components` may name too."""
    known = COMPONENT_IDS + custom
    sections = [(("kubeflow", "resources"), kubeflow.resources)]
    sections += [(("kubeflow", "components", name), res) for name, res in kubeflow.components.items()]
    for name in kubeflow.components:
        if name not in known:
            hint = did_you_mean(name, known, f"expected one of: {', '.join(known)}")
            yield Problem(("kubeflow", "components", name), f"unknown component '{name}' ({hint})", True)
    for path, res in sections:
        if res.cpu is not None and not _valid_cpu(res.cpu):
            yield Problem(path + ("cpu",), f"cannot parse cpu {res.cpu!r} (expected a number of cores like 2, 0.5 or "
                          "'500m')")
        if res.memory is not None and not _MEMORY.match(res.memory):
            yield Problem(path + ("memory",), f"cannot parse memory {res.memory!r} (expected a size like '4Gi', "
                          "'512Mi' or '8G')")
        if res.gpu and not res.accelerator:
            yield Problem(path + ("gpu",), f"{res.gpu} GPU requested without an accelerator type (expected "
                          "accelerator: e.g. NVIDIA_TESLA_T4)", True)
    for var, ref in kubeflow.secrets.items():
        if not _SECRET_REF.match(ref):
            yield Problem(("kubeflow", "secrets", var), f"{ref!r} is not a secret reference (expected "
                          "secret-name/key; never the secret's value)")


def _valid_cpu(cpu: Union[str, int, float]) -> bool:
    return not isinstance(cpu, bool) and bool(_CPU.match(str(cpu))) and cpu_count(cpu) > 0


def cpu_count(cpu) -> float:
    """Cores as a float: 2 -> 2.0, '500m' -> 0.5."""
    text = str(cpu)
    return float(text[:-1]) / 1000 if text.endswith("m") else float(text)


def memory_gb(memory: str) -> float:
    """Memory in GB (10^9 bytes, what KFP's ResourceSpec.memory_limit means): '4Gi' -> 4.294967296."""
    match = re.match(r"^(\d+(?:\.\d+)?)([A-Za-z]*)$", memory)
    assert match, memory
    return float(match.group(1)) * _MEMORY_UNITS[match.group(2)] / 1e9
