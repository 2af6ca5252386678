"""Settings that each validate alone but contradict each other, so a run would be silently wrong.

A tuner that maximizes a loss, early stopping that watches a metric the model
never computes, a gate that blesses only models worse than a bound, a search
space that samples values the model refuses: each of these runs to the end and
produces a plausible, wrong result. They are spec errors here, before anything
runs. Each check yields (key path, message, at_key) like `tfxkit.config.checks`.
"""

from __future__ import annotations

import difflib
from typing import Annotated, Any, Iterator, Optional

from pydantic import ConfigDict, Field

from tfxkit.config.models import (
    LOWER_IS_BETTER,
    METRICS,
    ConstantSchedule,
    ModelSection,
    OptimizerSection,
    RegularizationSection,
)

Problem = tuple[tuple, str, bool]

# What the generic Trainer compiles per task (tfxkit/modules/model_builder.py): the loss plus these
# metrics, each also as val_<name> on the eval split. These are all that early stopping, the
# learning-rate plateau and the tuner objective can watch. (Regression's loss is the MSE.)
TRAINING_METRICS: dict[str, tuple[str, ...]] = {
    "binary": ("loss", "accuracy", "auc"),
    "multiclass": ("loss", "accuracy"),
    "regression": ("loss", "mae"),
}
HIGHER_IS_BETTER = {"accuracy", "auc", "precision", "recall"}
BETWEEN_0_AND_1 = {"accuracy", "auc", "precision", "recall"}


def check_consistency(spec: Any) -> Iterator[Problem]:
    """Every contradiction between settings of a model-valid spec."""
    yield from _tuning(spec)
    yield from _training_monitors(spec)
    yield from _thresholds(spec)


def watchable(task: str) -> list[str]:
    """Names a Keras callback or the tuner can watch for `task`: val_<metric> first, then training."""
    names = TRAINING_METRICS[task]
    return [f"val_{name}" for name in names] + list(names)


def direction_of(name: str) -> Optional[str]:
    """'max' for accuracy-like names, 'min' for losses and errors, None when unknown."""
    base = name.removeprefix("val_")
    if base in HIGHER_IS_BETTER:
        return "max"
    if base in LOWER_IS_BETTER or base == "loss":
        return "min"
    return None


def _kind(name: str) -> str:
    return "higher is better" if direction_of(name) == "max" else "lower is better"


def _not_computed(path: tuple, name: str, task: str, what: str) -> Iterator[Problem]:
    if name in watchable(task):
        return
    choices = watchable(task)
    close = difflib.get_close_matches(name, choices, n=1, cutoff=0.6)
    hint = f"did you mean '{close[0]}'?" if close else f"expected one of: {', '.join(choices)}"
    if name.removeprefix("val_") in METRICS[task]:  # e.g. rmse: a TFMA metric the Evaluator computes
        hint = f"{name.removeprefix('val_')} is computed by the Evaluator only; expected one of: {', '.join(choices)}"
    yield path, f"'{name}' is not computed while training a {task} model, so {what} ({hint})", False


def _tuning(spec: Any) -> Iterator[Problem]:
    tuning = spec.tuning
    if tuning is None:
        return
    task = spec.model.task
    declared = tuning.objective is not None
    objective = tuning.objective or ("val_loss" if task == "regression" else "val_accuracy")
    if declared and objective not in watchable(task):
        yield from _not_computed(("tuning", "objective"), objective, task, "the tuner would have nothing to compare")
    elif tuning.direction != "auto":
        natural = direction_of(objective)
        if natural is not None and tuning.direction != natural:
            which = f"'{objective}'" + ("" if declared else " (the default objective)")
            verb = "maximize" if tuning.direction == "max" else "minimize"
            yield ("tuning", "direction"), f"'{tuning.direction}' would {verb} {which}, for which " \
                f"{_kind(objective)}: the tuner would pick the worst trial (expected {natural} or auto)", False
    yield from _search_space(spec)


def _training_monitors(spec: Any) -> Iterator[Problem]:
    task = spec.model.task
    stop = spec.trainer.early_stopping
    rate = spec.trainer.learning_rate
    if stop is not None:
        path = ("trainer", "early_stopping")
        if stop.monitor not in watchable(task):
            yield from _not_computed(path + ("monitor",), stop.monitor, task, "early stopping would never trigger")
        elif stop.mode != "auto" and direction_of(stop.monitor) not in (None, stop.mode):
            natural = direction_of(stop.monitor)
            yield path + ("mode",), f"mode '{stop.mode}' treats '{stop.monitor}' as {'higher' if stop.mode == 'max' else 'lower'}" \
                f" is better, but {_kind(stop.monitor)}: training would stop while the model improves " \
                f"(expected {natural} or auto)", False
    if rate.schedule == "reduce_on_plateau":
        path = ("trainer", "learning_rate")
        if rate.monitor not in watchable(task):
            yield from _not_computed(path + ("monitor",), rate.monitor, task, "the rate would never be reduced")
        elif direction_of(rate.monitor) == "max" and "acc" not in rate.monitor:
            yield path + ("monitor",), f"Keras' ReduceLROnPlateau treats '{rate.monitor}' as lower is better " \
                "(it counts only names with 'acc' as higher is better), so the rate would drop while the model " \
                f"improves (expected a loss or an accuracy: {', '.join(m for m in watchable(task) if direction_of(m) == 'min' or 'acc' in m)})", False
        elif (stop is not None and stop.monitor == rate.monitor and stop.patience <= rate.patience
              and stop.mode in ("auto", direction_of(stop.monitor))):
            yield ("trainer", "early_stopping", "patience"), f"early stopping after {stop.patience} epochs without " \
                f"improvement ends training before reduce_on_plateau (patience {rate.patience}) ever lowers the rate " \
                f"(expected a patience above {rate.patience})", False


def _thresholds(spec: Any) -> Iterator[Problem]:
    task = spec.model.task
    for name, gate in spec.evaluation.thresholds.items():
        if name not in METRICS[task]:
            continue  # an unknown metric: reported by checks
        path = ("evaluation", "thresholds", name)
        if name == "example_count":
            if gate.min_improvement is not None:
                yield path + ("min_improvement",), "min_improvement does not apply to example_count: a count of " \
                    "examples is neither better nor worse (expected lower_bound or upper_bound)", True
            continue
        better = direction_of(name)
        if better == "max" and gate.upper_bound is not None and gate.lower_bound is None:
            yield path + ("upper_bound",), f"an upper_bound alone blesses only models whose {name} is at most " \
                f"{gate.upper_bound:g}, but higher is better for {name} (expected lower_bound)", True
        if better == "min" and gate.lower_bound is not None and gate.upper_bound is None:
            yield path + ("lower_bound",), f"a lower_bound alone blesses only models whose {name} is at least " \
                f"{gate.lower_bound:g}, but lower is better for {name} (expected upper_bound)", True
        if name in BETWEEN_0_AND_1 and gate.lower_bound is not None and gate.lower_bound > 1:
            yield path + ("lower_bound",), f"no model can reach lower_bound {gate.lower_bound:g}: {name} is at " \
                "most 1 (expected a bound between 0 and 1)", False
        if better == "min" and gate.upper_bound is not None and gate.upper_bound < 0:
            yield path + ("upper_bound",), f"no model can reach upper_bound {gate.upper_bound:g}: {name} is never " \
                "negative (expected a bound >= 0)", False
        if name in BETWEEN_0_AND_1 and gate.min_improvement is not None and gate.min_improvement >= 1:
            yield path + ("min_improvement",), f"no model can improve on its baseline by {gate.min_improvement:g}: " \
                f"{name} is between 0 and 1 (expected a change below 1; negative: how much worse it may be)", False


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


def _search_space(spec: Any) -> Iterator[Problem]:
    for name, param in spec.tuning.search_space.items():
        what, target, integers = _TARGETS[name]
        path = ("tuning", "search_space", name)
        adapter = _adapter(target)
        takes_names = not integers and _accepts_only_strings(adapter)
        if param.type != "choice" and takes_names:
            yield path + ("type",), f"{name} sets {what}, which takes names, not {'an' if param.type == 'int' else 'a'} {param.type} range " \
                "(expected type: choice with values)", False
            continue
        if param.type == "float" and integers:
            yield path + ("type",), f"{name} sets {what}, which takes whole numbers (expected type: int or choice)", False
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
                yield path + where, f"{shown} does not fit {what} ({problem})", False


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
