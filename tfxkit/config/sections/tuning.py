"""The `tuning` section: a KerasTuner search run by TFX's Tuner; the best values feed the Trainer.

Its checks need the model's task (the objective must be a metric the Trainer
computes, maximized or minimized the right way) and the models of the settings
each tunable sets: a search space that samples values those settings refuse
would fail trials, or the best one, long after the run started.
"""

from __future__ import annotations

from typing import Annotated, Any, Iterator, Literal, Optional, Union, get_args

from pydantic import ConfigDict, Field, model_validator

from tfxkit.config.metrics import direction_of, kind_of, not_computed, watchable
from tfxkit.config.problem import Problem
from tfxkit.config.sections.learning_rate import ConstantSchedule
from tfxkit.config.sections.model import ModelSection, RegularizationSection
from tfxkit.config.sections.strict import Strict
from tfxkit.config.sections.trainer import OptimizerSection

TunableName = Literal["learning_rate", "dropout", "units", "num_layers", "optimizer", "l2", "activation"]
TUNABLE: tuple[str, ...] = get_args(TunableName)


class SearchParameter(Strict):
    """One hyperparameter's range: choice of values, or an int or float range (optionally log-scaled)."""

    type: Literal["choice", "int", "float"]
    values: Optional[list[Union[int, float, str, bool]]] = Field(default=None, description="choice: the values.")
    min: Optional[float] = None
    max: Optional[float] = None
    step: Optional[float] = Field(default=None, gt=0.0)
    log: bool = Field(default=False, description="Sample on a log scale (min must be > 0).")

    @model_validator(mode="after")
    def _range(self) -> "SearchParameter":
        if self.type == "choice":
            if not self.values:
                raise ValueError("empty choice (expected values: a non-empty list)")
            if self.min is not None or self.max is not None or self.step is not None or self.log:
                raise ValueError("a choice takes only 'values' (min, max, step and log are for int and float)")
            return self
        if self.values is not None:
            raise ValueError(f"'values' is for type choice (type is '{self.type}')")
        if self.min is None or self.max is None:
            raise ValueError(f"an {self.type} range needs min and max")
        if self.min > self.max:
            raise ValueError(f"reversed bounds: min {self.min:g} is above max {self.max:g}")
        if self.min == self.max:
            raise ValueError(f"empty range: min and max are both {self.min:g} (expected min < max)")
        if self.log and self.min <= 0:
            raise ValueError(f"log scale needs min > 0 (got {self.min:g})")
        if self.log and self.step is not None:
            raise ValueError("give step or log, not both")
        if self.type == "int" and any(v is not None and v != int(v) for v in (self.min, self.max, self.step)):
            raise ValueError("an int range needs integer min, max and step")
        return self


class TuningSection(Strict):
    """Hyperparameter search by the TFX Tuner component with KerasTuner; the best values feed the Trainer."""

    algorithm: Literal["random", "bayesian", "hyperband", "grid"] = "random"
    max_trials: int = Field(default=10, ge=1, le=10_000)
    epochs_per_trial: int = Field(default=5, ge=1, le=10_000, description="hyperband: the most epochs a trial gets.")
    objective: Optional[str] = Field(default=None, description="Default: val_accuracy, or val_loss for regression.")
    direction: Literal["auto", "max", "min"] = "auto"
    search_space: dict[TunableName, SearchParameter] = Field(
        min_length=1, description=f"Parameters: {', '.join(TUNABLE)}."
    )


def check_tuning(tuning: TuningSection, task: str) -> Iterator[Problem]:
    """The objective is computed while training and compared the right way; the search space fits its targets."""
    declared = tuning.objective is not None
    objective = tuning.objective or ("val_loss" if task == "regression" else "val_accuracy")
    if declared and objective not in watchable(task):
        yield from not_computed(("tuning", "objective"), objective, task, "the tuner would have nothing to compare")
    elif tuning.direction != "auto":
        natural = direction_of(objective)
        if natural is not None and tuning.direction != natural:
            which = f"'{objective}'" + ("" if declared else " (the default objective)")
            verb = "maximize" if tuning.direction == "max" else "minimize"
            yield Problem(("tuning", "direction"), f"'{tuning.direction}' would {verb} {which}, for which "
                          f"{kind_of(objective)}: the tuner would pick the worst trial (expected {natural} or auto)")
    yield from _search_space(tuning)


# Tunable name -> (what it sets, the type and constraints that setting accepts, integers only)
_STRICT = ConfigDict(strict=True)
_TARGETS: dict[str, tuple[str, Any, bool]] = {
    "learning_rate": ("the initial learning rate", ConstantSchedule.model_fields["initial"], False),
    "dropout": ("model.dropout", ModelSection.model_fields["dropout"], False),
    "l2": ("model.regularization.l2", RegularizationSection.model_fields["l2"], False),
    "activation": ("model.activation", ModelSection.model_fields["activation"], False),
    "optimizer": ("trainer.optimizer", OptimizerSection.model_fields["name"], False),
    "units": ("the units of each hidden layer", Annotated[int, Field(ge=1, le=100_000)], True),
    "num_layers": ("the number of hidden layers", Annotated[int, Field(ge=1, le=1_000)], True),
}


def _adapter(target: Any) -> Any:
    from pydantic import TypeAdapter  # only for specs that tune: it costs validate ~0.1 s to import

    if hasattr(target, "annotation"):  # a model field: its type with its constraints
        target = Annotated[(target.annotation, *target.metadata)] if target.metadata else target.annotation
    return TypeAdapter(target, config=_STRICT)


def _search_space(tuning: TuningSection) -> Iterator[Problem]:
    for name, param in tuning.search_space.items():
        what, target, integers = _TARGETS[name]
        path = ("tuning", "search_space", name)
        adapter = _adapter(target)
        takes_names = not integers and _accepts_only_strings(adapter)
        if param.type != "choice" and takes_names:
            yield Problem(path + ("type",), f"{name} sets {what}, which takes names, not "
                          f"{'an' if param.type == 'int' else 'a'} {param.type} range (expected type: choice with "
                          "values)")
            continue
        if param.type == "float" and integers:
            yield Problem(path + ("type",), f"{name} sets {what}, which takes whole numbers (expected type: int or "
                          "choice)")
            continue
        if param.type == "choice":
            candidates = [(("values", i), value) for i, value in enumerate(param.values or [])]
        else:
            candidates = [(("min",), param.min), (("max",), param.max)]
        for where, value in candidates:
            if integers and isinstance(value, float) and value == int(value):
                value = int(value)
            problem = _refused(adapter, value)
            if problem:
                number = f"{value:g}" if isinstance(value, float) else repr(value)
                shown = f"{where[0]} {number}" if where[0] in ("min", "max") else number
                yield Problem(path + where, f"{shown} does not fit {what} ({problem})")


def _accepts_only_strings(adapter: Any) -> bool:
    schema = adapter.core_schema
    return schema.get("type") in ("literal", "str") and all(isinstance(v, str) for v in schema.get("expected", ["x"]))


def _refused(adapter: Any, value: Any) -> Optional[str]:
    """Why `value` is refused, as '(expected ...)' text, or None if accepted."""
    from pydantic import ValidationError

    if isinstance(value, bool):
        return "expected a number or a name, got true or false"
    try:
        adapter.validate_python(value)
    except ValidationError as exc:
        err = exc.errors()[0]
        ctx = err.get("ctx", {})
        for key, sign in (("ge", ">="), ("gt", ">"), ("le", "<="), ("lt", "<")):
            if key in ctx:
                return f"expected {sign} {ctx[key]}"
        if "expected" in ctx:
            return f"expected {ctx['expected']}"
        return f"expected {err['msg'][0].lower()}{err['msg'][1:]}"
    return None
