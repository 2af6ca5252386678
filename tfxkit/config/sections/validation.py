"""The `validation` section: ExampleValidator as a gate, and drift against the served model's data."""

from __future__ import annotations

from typing import Literal, Union

from pydantic import Field

from tfxkit.config.sections.strict import Strict


class DriftSection(Strict):
    """Each run's data compared with the data behind the model being served (see docs/spec.md, Drift)."""

    enabled: Union[Literal["auto"], bool] = Field(
        default="auto", description="auto: on once a model has been served; false turns the check off.")
    jensen_shannon: float = Field(default=0.1, gt=0, le=1, description="Numeric columns: largest Jensen-Shannon "
                                  "divergence allowed, on ten bins at the served data's deciles.")
    l_infinity: float = Field(default=0.2, gt=0, le=1, description="Categorical columns: largest change of any "
                              "one value's share allowed (L-infinity distance).")
    missing_increase: float = Field(default=0.1, ge=0, le=1, description="Largest rise of a column's share of "
                                    "missing values allowed (0.1: ten points).")
    ignore: list[str] = Field(default_factory=list, description="Columns not compared.")


class ValidationSection(Strict):
    """ExampleValidator runs on every run; as a gate, anomalies stop the run."""

    gate: bool = Field(default=True, description="Stop before Transform when anomalies are found.")
    drift: DriftSection = Field(default_factory=DriftSection, description="Stop when the data drifted away "
                                "from the served model's data (checked by the gate).")
