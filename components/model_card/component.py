"""ModelCard: a model card written beside the pushed model, from the run's own artifacts.

A served model should carry what a reviewer asks first: how good is it, on
which slices, trained on what data and how, and which pipeline spec produced
it. ModelCard reads the Evaluator's metrics (overall and per slice, with the
blessing verdict), StatisticsGen's data statistics, the Trainer's training
settings (trained_config.json in the model_run folder, when the trainer writes
one), fingerprints of the examples it computes itself, and the lineage facts
the orchestrator passes in `run_facts` (tfxkit fills it: spec hash, pipeline,
sha256 of the source data files and the curated schema). It writes
model_card.md, model_card.html and model_card.json into its ModelCard
artifact and, when the Pusher pushed, into the pushed model's folder.
"""

from typing import Optional

from tfx import types
from tfx.dsl.components.base import base_component, executor_spec
from tfx.types import standard_artifacts
from tfx.types.component_spec import ChannelParameter, ExecutionParameter

from components.model_card import executor


class ModelCard(types.Artifact):
    """A folder holding model_card.md, model_card.html and model_card.json."""

    # namespace.Name: the form Kubeflow V2 (and Vertex) require of a custom artifact type's schema title.
    TYPE_NAME = "components.ModelCard"


class ModelCardGenSpec(types.ComponentSpec):
    """Evaluation in (the rest optional), a ModelCard out."""

    PARAMETERS = {
        "title": ExecutionParameter(type=str, optional=True),
        "run_facts": ExecutionParameter(type=str, optional=True),
    }
    INPUTS = {
        "evaluation": ChannelParameter(type=standard_artifacts.ModelEvaluation),
        "blessing": ChannelParameter(type=standard_artifacts.ModelBlessing, optional=True),
        "statistics": ChannelParameter(type=standard_artifacts.ExampleStatistics, optional=True),
        "examples": ChannelParameter(type=standard_artifacts.Examples, optional=True),
        "model_run": ChannelParameter(type=standard_artifacts.ModelRun, optional=True),
        "pushed_model": ChannelParameter(type=standard_artifacts.PushedModel, optional=True),
    }
    OUTPUTS = {
        "model_card": ChannelParameter(type=ModelCard),
    }


class ModelCardGen(base_component.BaseComponent):
    """Writes a model card from the evaluation, statistics, training settings and lineage facts."""

    SPEC_CLASS = ModelCardGenSpec
    EXECUTOR_SPEC = executor_spec.ExecutorClassSpec(executor.Executor)

    def __init__(
        self,
        evaluation: types.BaseChannel,
        blessing: Optional[types.BaseChannel] = None,
        statistics: Optional[types.BaseChannel] = None,
        examples: Optional[types.BaseChannel] = None,
        model_run: Optional[types.BaseChannel] = None,
        pushed_model: Optional[types.BaseChannel] = None,
        title: Optional[str] = None,
        run_facts: Optional[str] = None,
    ):
        """Args:
          evaluation: Evaluator.evaluation (metrics overall and per slice).
          blessing: Evaluator.blessing (whether the model passed its thresholds).
          statistics: StatisticsGen.statistics (per split and feature).
          examples: ExampleGen.examples (the card fingerprints the ingested splits).
          model_run: Trainer.model_run (training settings, from trained_config.json).
          pushed_model: Pusher.pushed_model (the card is also written beside a pushed model).
          title: the card's heading (default: the pipeline's name, or 'Model card').
          run_facts: JSON of lineage facts from the orchestrator (tfxkit fills it; not set by hand).
        """
        spec = ModelCardGenSpec(
            evaluation=evaluation,
            blessing=blessing,
            statistics=statistics,
            examples=examples,
            model_run=model_run,
            pushed_model=pushed_model,
            title=title,
            run_facts=run_facts,
            model_card=types.Channel(type=ModelCard),
        )
        super().__init__(spec=spec)
