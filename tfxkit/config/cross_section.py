"""Rules that tie one section's names to another's: each holds alone, but together they must agree.

The label, the features and the slices must be columns of the data (as its CSV
header or its curated schema says); the label must not be a feature; the model
families name transformed columns, which must exist with a fitting transform.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator

from tfxkit.config.did_you_mean import closest
from tfxkit.config.problem import Problem, ProblemKind
from tfxkit.config.sections.transform import CATEGORICAL_TRANSFORMS

if TYPE_CHECKING:
    from tfxkit.config.spec import PipelineSpec


def check_columns(spec: "PipelineSpec", columns: list[str] | None) -> Iterator[Problem]:
    """The label, the features and the slices name columns of the data; the label is not a feature."""
    if columns is not None:
        yield from _unknown_column(("data", "label"), spec.data.label, columns, at_key=False)
        for name in spec.transform.features:
            yield from _unknown_column(("transform", "features", name), name, columns, at_key=True)
        for i, name in enumerate(spec.evaluation.slices):
            yield from _unknown_column(("evaluation", "slices", i), name, columns, at_key=False)
    if spec.data.label in spec.transform.features:
        yield Problem(("transform", "features", spec.data.label), "the label cannot be a model input "
                      "(expected feature columns only; the label is encoded automatically)", True)


def _unknown_column(path: tuple, name: str, columns: list[str], at_key: bool) -> Iterator[Problem]:
    if name not in columns:
        close = closest(name, columns)
        if close:  # a typo in the spec
            yield Problem(path, f"no column '{name}' in the data (did you mean '{close}'?)", at_key)
        else:  # a column the data lacks
            yield Problem(path, f"no column '{name}' in the data (expected one of: {', '.join(columns)})", at_key,
                          ProblemKind.DATA)


def check_model_references(spec: "PipelineSpec") -> Iterator[Problem]:
    """Model sections name transformed columns; they must exist and have the right transform."""
    if spec.transform.module_file:
        return  # a custom preprocessing_fn decides its outputs; checked when the Trainer runs
    features = spec.transform.features
    model = spec.model

    def need(path: tuple, name: str, kinds: tuple[str, ...], what: str) -> Iterator[Problem]:
        if name not in features:
            yield Problem(path, f"'{name}' is not in transform.features (expected {what})")
        elif features[name].transform not in kinds:
            yield Problem(path, f"'{name}' has transform '{features[name].transform}' (expected {what})")

    if model.cnn:
        yield from need(("model", "cnn", "image"), model.cnn.image, ("zscore", "scale_0_1", "passthrough"),
                        "a numeric column: zscore, scale_0_1 or passthrough")
    if model.text:
        yield from need(("model", "text", "feature"), model.text.feature, ("text",), "a column with transform: text")
    if model.wide_deep:
        for i, name in enumerate(model.wide_deep.wide):
            yield from need(("model", "wide_deep", "wide", i), name, CATEGORICAL_TRANSFORMS,
                            "a categorical column: vocabulary, bucketize or hash")
