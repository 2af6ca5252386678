"""The `model` section: the Keras model the generic Trainer builds (family, task, layers).

Which transformed columns a family's section names (`model.cnn.image`, ...) is
checked against `transform.features` in `tfxkit.config.cross_section`.
"""

from __future__ import annotations

from typing import Literal, Optional

from pydantic import Field, field_validator, model_validator

from tfxkit.config.sections.strict import Strict


class RegularizationSection(Strict):
    """Weight penalties on every Dense kernel."""

    l1: float = Field(default=0.0, ge=0.0, le=1.0)
    l2: float = Field(default=0.0, ge=0.0, le=1.0)


class CnnSection(Strict):
    """Convolutions over one image-like feature (a fixed-length float list)."""

    image: str = Field(description="The transformed column holding the pixels.")
    shape: list[int] = Field(min_length=2, max_length=3, description="[height, width] or [height, width, channels].")
    filters: list[int] = Field(default_factory=lambda: [32, 64], min_length=1, description="One conv block each.")
    kernel_size: int = Field(default=3, ge=1, le=15)
    pool_size: int = Field(default=2, ge=1, le=8)

    @field_validator("shape", "filters")
    @classmethod
    def _positive(cls, value: list[int]) -> list[int]:
        if any(v < 1 for v in value):
            raise ValueError("expected positive integers")
        return value


class TextSection(Strict):
    """Embedding and encoder for a `text` column (tokenized inside the Transform graph)."""

    feature: str = Field(description="A column declared with transform: text.")
    embedding_dim: int = Field(default=32, ge=1, le=4096)
    encoder: Literal["pooling", "conv", "lstm"] = "pooling"
    units: int = Field(default=32, ge=1, le=4096, description="conv filters or LSTM units.")


class WideDeepSection(Strict):
    """A linear model over categorical columns plus a DNN over everything, logits summed."""

    wide: list[str] = Field(min_length=1, description="Categorical columns of the wide (linear) part.")
    embedding_dim: int = Field(default=8, ge=1, le=1024, description="Deep part: embedding size of categoricals.")


class ModelSection(Strict):
    """The Keras model the generic Trainer builds."""

    type: Literal["dnn", "wide_deep", "cnn", "text"] = "dnn"
    task: Literal["binary", "multiclass", "regression"]
    hidden_units: list[int] = Field(default_factory=lambda: [64, 32], min_length=1)
    activation: Literal["relu", "tanh", "gelu", "elu", "selu", "sigmoid", "swish"] = "relu"
    dropout: float = Field(default=0.0, ge=0.0, lt=1.0)
    batch_norm: bool = Field(default=False, description="BatchNormalization after each hidden layer.")
    regularization: RegularizationSection = Field(default_factory=RegularizationSection)
    cnn: Optional[CnnSection] = None
    text: Optional[TextSection] = None
    wide_deep: Optional[WideDeepSection] = None

    @field_validator("hidden_units")
    @classmethod
    def _positive_units(cls, value: list[int]) -> list[int]:
        if any(u < 1 for u in value):
            raise ValueError("every layer needs at least 1 unit (expected positive integers)")
        return value

    @model_validator(mode="after")
    def _family_section(self) -> "ModelSection":
        for family in ("cnn", "text", "wide_deep"):
            given = getattr(self, family) is not None
            if self.type == family and not given:
                raise ValueError(f"type '{family}' needs a '{family}' section")
            if self.type != family and given:
                raise ValueError(f"a '{family}' section needs type: {family} (type is '{self.type}')")
        return self
