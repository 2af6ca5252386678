"""The `pipeline` section: the pipeline's name, its artifact root, its metadata store and Beam options.

The audit commands need only the pipeline's name and store; building this one
model instead of the whole spec's keeps them quick (see `tfxkit.config.locate`).
"""

from __future__ import annotations

from typing import Annotated, Optional

from pydantic import AfterValidator, Field, field_validator

from tfxkit.config.beam_args import beam_arg_problem
from tfxkit.config.metadata_url import parse_metadata_url
from tfxkit.config.names import PIPELINE_NAME
from tfxkit.config.sections.strict import Strict


def _beam_arg(value: str) -> str:
    if problem := beam_arg_problem(value):
        raise ValueError(problem)
    return value


BeamArg = Annotated[str, AfterValidator(_beam_arg)]  # per item: an error names its index and line


class PipelineSection(Strict):
    """Identity of the pipeline and where its state lives."""

    name: str = Field(pattern=PIPELINE_NAME, description="Pipeline name (MLMD context).")
    root: str = Field(description="Folder for artifacts; relative paths are relative to the spec file.")
    metadata: Optional[str] = Field(
        default=None,
        description="ML Metadata URL: sqlite:///path, mysql://user:pw@host:port/db or "
        "postgresql://user:pw@host:port/db. Default: sqlite under the pipeline root.",
    )
    cache: bool = Field(default=True, description="Reuse results of unchanged components.")
    keep_runs: Optional[int] = Field(
        default=None, ge=1,
        description="Retention: after each run, remove the outputs of older runs that neither the last N runs nor "
        "a model in a push destination trace back to (as `tfxkit gc --keep N`). Default: keep everything.",
    )
    beam_args: list[BeamArg] = Field(
        default_factory=list,
        description="Apache Beam pipeline options for every Beam-based component, each --name or --name=value "
        "(e.g. --runner=FlinkRunner); `tfxkit run --beam-arg` adds to them and wins where both set one.",
    )

    @field_validator("metadata")
    @classmethod
    def _metadata_url(cls, value: Optional[str]) -> Optional[str]:
        if value is not None:
            parse_metadata_url(value)
        return value
