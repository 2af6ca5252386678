"""The `evaluation` section: TFMA metrics, slices, and the thresholds that decide whether a model is blessed.

Its checks need the model's task: which metric names exist for it, and which way
each one is better, so that a gate blessing only worse models is a spec error.
"""

from __future__ import annotations

from typing import Iterator, Optional

from pydantic import Field, model_validator

from tfxkit.config.metrics import BETWEEN_0_AND_1, METRICS, direction_of
from tfxkit.config.problem import Problem
from tfxkit.config.sections.strict import Strict


class ThresholdSection(Strict):
    """A quality gate on one metric: absolute bounds and change against the baseline."""

    lower_bound: Optional[float] = None
    upper_bound: Optional[float] = None
    min_improvement: Optional[float] = Field(
        default=None,
        description="How much better than the latest blessed model the candidate must be "
        "(negative: how much worse it may be). Ignored on the first run, when there is no baseline.",
    )
    per_slice: bool = Field(
        default=False, description="Apply to every slice in evaluation.slices too, not only to all data."
    )

    @model_validator(mode="after")
    def _some_bound(self) -> "ThresholdSection":
        if self.lower_bound is None and self.upper_bound is None and self.min_improvement is None:
            raise ValueError("empty threshold (expected lower_bound, upper_bound or min_improvement)")
        if self.lower_bound is not None and self.upper_bound is not None and self.lower_bound > self.upper_bound:
            raise ValueError(f"lower_bound {self.lower_bound} is above upper_bound {self.upper_bound}")
        return self


class EvaluationSection(Strict):
    """TFMA metrics and the thresholds that decide whether a model is blessed."""

    metrics: Optional[list[str]] = Field(default=None, description="Default depends on model.task.")
    thresholds: dict[str, ThresholdSection] = Field(default_factory=dict)
    slices: list[str] = Field(default_factory=list, description="Columns to slice metrics by.")


def check_metric_names(evaluation: EvaluationSection, task: str) -> Iterator[Problem]:
    """Every metric and threshold names a metric the Evaluator computes for `task`."""
    allowed = METRICS[task]
    for i, name in enumerate(evaluation.metrics or []):
        if name not in allowed:
            yield Problem(("evaluation", "metrics", i), _bad_metric(name, task))
    for name in evaluation.thresholds:
        if name not in allowed:
            yield Problem(("evaluation", "thresholds", name), _bad_metric(name, task), True)


def _bad_metric(name: str, task: str) -> str:
    return f"unknown metric '{name}' for a {task} model (expected one of: {', '.join(METRICS[task])})"


def check_thresholds(evaluation: EvaluationSection, task: str) -> Iterator[Problem]:
    """Bounds that no model can meet, or that bless only models worse than the bound."""
    for name, gate in evaluation.thresholds.items():
        if name not in METRICS[task]:
            continue  # an unknown metric: reported by check_metric_names
        path = ("evaluation", "thresholds", name)
        if name == "example_count":
            if gate.min_improvement is not None:
                yield Problem(path + ("min_improvement",), "min_improvement does not apply to example_count: a "
                              "count of examples is neither better nor worse (expected lower_bound or upper_bound)",
                              True)
            continue
        better = direction_of(name)
        if better == "max" and gate.upper_bound is not None and gate.lower_bound is None:
            yield Problem(path + ("upper_bound",), f"an upper_bound alone blesses only models whose {name} is at "
                          f"most {gate.upper_bound:g}, but higher is better for {name} (expected lower_bound)", True)
        if better == "min" and gate.lower_bound is not None and gate.upper_bound is None:
            yield Problem(path + ("lower_bound",), f"a lower_bound alone blesses only models whose {name} is at "
                          f"least {gate.lower_bound:g}, but lower is better for {name} (expected upper_bound)", True)
        if name in BETWEEN_0_AND_1 and gate.lower_bound is not None and gate.lower_bound > 1:
            yield Problem(path + ("lower_bound",), f"no model can reach lower_bound {gate.lower_bound:g}: {name} is "
                          "at most 1 (expected a bound between 0 and 1)")
        if better == "min" and gate.upper_bound is not None and gate.upper_bound < 0:
            yield Problem(path + ("upper_bound",), f"no model can reach upper_bound {gate.upper_bound:g}: {name} is "
                          "never negative (expected a bound >= 0)")
        if name in BETWEEN_0_AND_1 and gate.min_improvement is not None and gate.min_improvement >= 1:
            yield Problem(path + ("min_improvement",), f"no model can improve on its baseline by "
                          f"{gate.min_improvement:g}: {name} is between 0 and 1 (expected a change below 1; "
                          "negative: how much worse it may be)")
