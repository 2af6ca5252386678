"""The `pipeline` section and the strict base of every section, in a module of their own.

The audit commands need only the pipeline's name and store; building this one
model instead of the whole spec's keeps them quick (see `tfxkit.config.locate`).
"""

from __future__ import annotations

from typing import Optional

from pydantic import BaseModel, ConfigDict, Field, field_validator

from tfxkit.config.metadata_url import parse_metadata_url
from tfxkit.config.names import PIPELINE_NAME


class Strict(BaseModel):
    """Base for every spec section: unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", validate_default=True, strict=True)


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
    beam_args: list[str] = Field(default_factory=list, description="Extra Apache Beam pipeline options.")

    @field_validator("metadata")
    @classmethod
    def _metadata_url(cls, value: Optional[str]) -> Optional[str]:
        if value is not None:
            parse_metadata_url(value)
        return value
