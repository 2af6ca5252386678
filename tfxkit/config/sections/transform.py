"""The `transform` section: per-feature transforms (a generated preprocessing_fn) or a module file."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator, Literal, Optional, Union, get_args

from pydantic import Field, field_validator, model_validator

from tfxkit.config.paths import resolve_path
from tfxkit.config.problem import Problem
from tfxkit.config.sections.strict import Strict

FeatureTransformName = Literal["zscore", "scale_0_1", "vocabulary", "bucketize", "hash", "passthrough", "text"]
FEATURE_TRANSFORMS: tuple[str, ...] = get_args(FeatureTransformName)
CATEGORICAL_TRANSFORMS = ("vocabulary", "bucketize", "hash")


class FeatureTransform(Strict):
    """How one raw column becomes a model input."""

    transform: FeatureTransformName
    fill_value: Optional[Union[float, int, str]] = Field(
        default=None, description="Value for missing entries (default 0 for numbers, '' for strings)."
    )
    top_k: Optional[int] = Field(default=None, ge=1, description="vocabulary and text: keep the k most frequent "
                                 "values (tokens).")
    sequence_length: Optional[int] = Field(default=None, ge=1, le=100_000,
                                           description="text: tokens kept per example (padded or truncated; "
                                           "default 200).")
    num_oov_buckets: int = Field(default=1, ge=0, description="vocabulary: buckets for unseen values.")
    num_buckets: Optional[int] = Field(default=None, ge=2, description="bucketize and hash: number of buckets.")

    @model_validator(mode="after")
    def _options_fit_transform(self) -> "FeatureTransform":
        if self.transform in ("bucketize", "hash") and self.num_buckets is None:
            raise ValueError(f"'{self.transform}' needs num_buckets (expected an integer >= 2)")
        if self.transform not in ("bucketize", "hash") and self.num_buckets is not None:
            raise ValueError(f"num_buckets does not apply to '{self.transform}' (only bucketize and hash)")
        if self.transform not in ("vocabulary", "text") and self.top_k is not None:
            raise ValueError(f"top_k does not apply to '{self.transform}' (only vocabulary and text)")
        if self.transform != "text" and self.sequence_length is not None:
            raise ValueError(f"sequence_length does not apply to '{self.transform}' (only text)")
        return self


class TransformSection(Strict):
    """Per-feature transforms, generated as a tf.Transform preprocessing_fn, or a module file."""

    features: dict[str, FeatureTransform] = Field(
        default_factory=dict,
        description="column -> transform name, or a mapping with 'transform' and its options.",
    )
    module_file: Optional[str] = Field(
        default=None,
        description="Python file defining preprocessing_fn(inputs) for full control; its outputs "
        "must include '<label>_xf'.",
    )

    @field_validator("features", mode="before")
    @classmethod
    def _short_form(cls, value):
        if isinstance(value, dict):
            return {k: ({"transform": v} if isinstance(v, str) else v) for k, v in value.items()}
        return value

    @model_validator(mode="after")
    def _one_source(self) -> "TransformSection":
        if bool(self.features) == bool(self.module_file):
            raise ValueError("give either 'features' or 'module_file' (expected exactly one)")
        return self


def check_module_file(transform: TransformSection, base_dir: Path) -> Iterator[Problem]:
    """A declared module file exists (its preprocessing_fn is Transform's to run)."""
    if transform.module_file:
        module_path = resolve_path(transform.module_file, base_dir)
        if not os.path.isfile(module_path):
            yield Problem(("transform", "module_file"), f"file not found: '{module_path}' (expected a Python file)")
