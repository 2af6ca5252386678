"""The pipeline spec: YAML loading with positions, models, checks, JSON Schema."""

from tfxkit.spec.errors import SpecError, SpecErrors
from tfxkit.spec.load import load_spec
from tfxkit.spec.models import PipelineSpec

__all__ = ["PipelineSpec", "SpecError", "SpecErrors", "load_spec"]
