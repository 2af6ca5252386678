"""ServingCheck: a serving smoke test that runs wherever the pipeline runs.

TFX's InfraValidator loads the model into a real model server, which needs
Docker or Kubernetes. ServingCheck loads the candidate SavedModel in-process
and calls its serving signature on a sample of raw examples (serialized
tf.Examples, exactly what a client sends): every output must have one row per
example, the declared dtype and no NaN or infinity, and single-example latency
p50/p95 must stay within the declared budgets. The verdict is an InfraBlessing
artifact; wired to the Pusher's `infra_blessing` input (`before_push: true` in
a tfxkit spec), the Pusher refuses a model that failed.
"""

from typing import List, Optional

from tfx import types
from tfx.dsl.components.base import base_component, executor_spec
from tfx.types import standard_artifacts
from tfx.types.component_spec import ChannelParameter, ExecutionParameter

from components.serving_check import executor


class ServingCheckSpec(types.ComponentSpec):
    """Inputs: the candidate model and raw examples; output: the verdict."""

    PARAMETERS = {
        "signature_name": ExecutionParameter(type=str, optional=True),
        "split": ExecutionParameter(type=str, optional=True),
        "num_examples": ExecutionParameter(type=int, optional=True),
        "latency_requests": ExecutionParameter(type=int, optional=True),
        "max_latency_p50_ms": ExecutionParameter(type=float, optional=True),
        "max_latency_p95_ms": ExecutionParameter(type=float, optional=True),
        "required_outputs": ExecutionParameter(type=List[str], optional=True),
        "output_dtype": ExecutionParameter(type=str, optional=True),
    }
    INPUTS = {
        "model": ChannelParameter(type=standard_artifacts.Model),
        "examples": ChannelParameter(type=standard_artifacts.Examples),
    }
    OUTPUTS = {
        "blessing": ChannelParameter(type=standard_artifacts.InfraBlessing),
    }


class ServingCheck(base_component.BaseComponent):
    """Blesses (or not) a model for serving after calling its signature on raw examples."""

    SPEC_CLASS = ServingCheckSpec
    EXECUTOR_SPEC = executor_spec.ExecutorClassSpec(executor.Executor)

    def __init__(
        self,
        model: types.BaseChannel,
        examples: types.BaseChannel,
        signature_name: str = "serving_default",
        split: str = "eval",
        num_examples: int = 100,
        latency_requests: int = 50,
        max_latency_p50_ms: Optional[float] = None,
        max_latency_p95_ms: Optional[float] = None,
        required_outputs: Optional[List[str]] = None,
        output_dtype: Optional[str] = None,
    ):
        """Args:
          model: the candidate (Trainer.model).
          examples: raw examples (ExampleGen.examples); `split` names the split sampled.
          signature_name: the signature a client calls; it must take serialized tf.Examples.
          num_examples: examples sampled for the batch call (shape, dtype, NaN checks).
          latency_requests: single-example calls timed for p50/p95 (after one warm-up call).
          max_latency_p50_ms, max_latency_p95_ms: latency budgets (none: measured, not gated).
          required_outputs: output keys the signature must return.
          output_dtype: e.g. float32; every output must have it (none: any float type).
        """
        spec = ServingCheckSpec(
            model=model,
            examples=examples,
            signature_name=signature_name,
            split=split,
            num_examples=num_examples,
            latency_requests=latency_requests,
            max_latency_p50_ms=max_latency_p50_ms,
            max_latency_p95_ms=max_latency_p95_ms,
            required_outputs=required_outputs,
            output_dtype=output_dtype,
            blessing=types.Channel(type=standard_artifacts.InfraBlessing),
        )
        super().__init__(spec=spec)
