"""Every check of a model-valid spec, in one pass: each section's own, then the rules across sections.

The models catch what a value alone reveals; these checks catch what the file
system (data, schema, module and component files) and the other sections reveal.
Each yields `Problem`s (key paths); `tfxkit.config.load` pins them to the file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Union

from tfxkit.config.cross_section import check_columns, check_model_references
from tfxkit.config.errors import SpecError
from tfxkit.config.node_ids import COMPONENT_IDS, RESOLVER_ID
from tfxkit.config.problem import Problem
from tfxkit.config.sections.components import check_components
from tfxkit.config.sections.data import look_at_data
from tfxkit.config.sections.evaluation import check_metric_names, check_thresholds
from tfxkit.config.sections.kubeflow import check_kubeflow
from tfxkit.config.sections.schema import look_at_schema_file
from tfxkit.config.sections.trainer import check_replicas, check_training_monitors
from tfxkit.config.sections.transform import check_module_file
from tfxkit.config.sections.tuning import check_tuning
from tfxkit.config.spec import PipelineSpec


def check_spec(spec: PipelineSpec, base_dir: Path) -> list[Union[Problem, SpecError]]:
    """Every problem in a model-valid spec that the outside world or another section reveals; a SpecError
    when it is located in another file (the curated schema)."""
    data = look_at_data(spec.data, base_dir)
    schema = look_at_schema_file(spec.schema_, base_dir)
    columns = data.columns if data.columns is not None else schema.columns
    task = spec.model.task
    problems: list[Union[Problem, SpecError]] = [*data.problems, *schema.problems]
    problems += check_module_file(spec.transform, base_dir)
    problems += check_columns(spec, columns)
    problems += check_model_references(spec)
    if spec.tuning is not None:
        problems += check_tuning(spec.tuning, task)
    problems += check_training_monitors(spec.trainer, task)
    problems += check_replicas(spec.trainer)
    problems += check_thresholds(spec.evaluation, task)
    problems += check_metric_names(spec.evaluation, task)
    problems += check_components(spec.components, base_dir, COMPONENT_IDS + (RESOLVER_ID,))
    if spec.kubeflow is not None:
        problems += check_kubeflow(spec.kubeflow, tuple(c.name for c in spec.components))
    return problems
