"""Pydantic models of the pipeline spec (version 1).

The models are the single source of truth for what a spec may say: they forbid
unknown keys (so a typo is an error, not a silently ignored setting), carry the
defaults, and generate the JSON Schema that editors use. Checks that need the
file system (does the data exist, which columns does it have) live in
`tfxkit.config.checks`, not here.
"""

from __future__ import annotations

import os
from typing import Annotated, Any, Literal, Optional, Union

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from tfxkit.config.pipeline_section import PipelineSection, Strict

TASKS = ("binary", "multiclass", "regression")

# Friendly metric names -> TFMA / Keras metric class, per task. A name that is not
# valid for the declared task is a spec error, caught before anything runs.
METRICS: dict[str, dict[str, str]] = {
    "binary": {
        "accuracy": "BinaryAccuracy",
        "auc": "AUC",
        "precision": "Precision",
        "recall": "Recall",
        "loss": "BinaryCrossentropy",
        "example_count": "ExampleCount",
    },
    "multiclass": {
        "accuracy": "SparseCategoricalAccuracy",
        "loss": "SparseCategoricalCrossentropy",
        "example_count": "ExampleCount",
    },
    "regression": {
        "mse": "MeanSquaredError",
        "mae": "MeanAbsoluteError",
        "rmse": "RootMeanSquaredError",
        "example_count": "ExampleCount",
    },
}
LOWER_IS_BETTER = {"loss", "mse", "mae", "rmse"}
DEFAULT_METRICS = {
    "binary": ["accuracy", "auc"],
    "multiclass": ["accuracy"],
    "regression": ["mse", "mae"],
}

OPTIMIZERS = ("adam", "sgd", "rmsprop", "adagrad", "adamw")
FEATURE_TRANSFORMS = ("zscore", "scale_0_1", "vocabulary", "bucketize", "hash", "passthrough", "text")
CATEGORICAL_TRANSFORMS = ("vocabulary", "bucketize", "hash")


class SplitSection(Strict):
    """Train/eval split by hash buckets (deterministic across runs)."""

    train: int = Field(default=2, ge=1, le=100)
    eval: int = Field(default=1, ge=1, le=100)


class DataSection(Strict):
    """Where the examples come from."""

    path: str = Field(
        description="A file, folder or glob; 'pkg://package/relative/path' names data shipped in "
        "an installed Python package."
    )
    format: Optional[Literal["csv", "tfrecord"]] = Field(default=None, description="Default: from the file extension.")
    label: str = Field(description="Label column.")
    delimiter: Literal[",", ";", "\t", "|"] = Field(default=",", description="CSV column separator.")
    split: SplitSection = Field(default_factory=SplitSection)


class SchemaSection(Strict):
    """Inferred by SchemaGen unless a curated schema file is given (ImportSchemaGen)."""

    file: Optional[str] = Field(default=None, description="Curated schema.pbtxt; omit to infer.")


class DriftSection(Strict):
    """Each run's data compared with the data behind the model being served (TFDV's drift comparators)."""

    enabled: Union[Literal["auto"], bool] = Field(
        default="auto", description="auto: on once a model has been served; false turns the check off.")
    jensen_shannon: float = Field(default=0.1, gt=0, le=1, description="Numeric columns: largest approximate "
                                  "Jensen-Shannon divergence of the histograms allowed.")
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


class FeatureTransform(Strict):
    """How one raw column becomes a model input."""

    transform: Literal["zscore", "scale_0_1", "vocabulary", "bucketize", "hash", "passthrough", "text"]
    fill_value: Optional[Union[float, int, str]] = Field(
        default=None, description="Value for missing entries (default 0 for numbers, '' for strings)."
    )
    top_k: Optional[int] = Field(default=None, ge=1, description="vocabulary and text: keep the k most frequent "
                                 "values (tokens).")
    sequence_length: Optional[int] = Field(default=None, ge=1, le=100_000,
                                           description="text: tokens kept per example (padded or truncated; "
                                           "default 200).")
    num_oov_buckets: int = Field(default=1, ge=0, description="vocabulary: buckets for unseen values.")
    num_buckets: Optional[int] = Field(default=None, ge=2, description="bucketize and hash: number of buckets.")

    @model_validator(mode="after")
    def _options_fit_transform(self) -> "FeatureTransform":
        if self.transform in ("bucketize", "hash") and self.num_buckets is None:
            raise ValueError(f"'{self.transform}' needs num_buckets (expected an integer >= 2)")
        if self.transform not in ("bucketize", "hash") and self.num_buckets is not None:
            raise ValueError(f"num_buckets does not apply to '{self.transform}' (only bucketize and hash)")
        if self.transform not in ("vocabulary", "text") and self.top_k is not None:
            raise ValueError(f"top_k does not apply to '{self.transform}' (only vocabulary and text)")
        if self.transform != "text" and self.sequence_length is not None:
            raise ValueError(f"sequence_length does not apply to '{self.transform}' (only text)")
        return self


class TransformSection(Strict):
    """Per-feature transforms, generated as a tf.Transform preprocessing_fn, or a module file."""

    features: dict[str, FeatureTransform] = Field(
        default_factory=dict,
        description="column -> transform name, or a mapping with 'transform' and its options.",
    )
    module_file: Optional[str] = Field(
        default=None,
        description="Python file defining preprocessing_fn(inputs) for full control; its outputs "
        "must include '<label>_xf'.",
    )

    @field_validator("features", mode="before")
    @classmethod
    def _short_form(cls, value):
        if isinstance(value, dict):
            return {k: ({"transform": v} if isinstance(v, str) else v) for k, v in value.items()}
        return value

    @model_validator(mode="after")
    def _one_source(self) -> "TransformSection":
        if bool(self.features) == bool(self.module_file):
            raise ValueError("give either 'features' or 'module_file' (expected exactly one)")
        return self


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


class OptimizerSection(Strict):
    """The optimizer and its options; `optimizer: adam` is short for `{name: adam}`."""

    name: Literal["adam", "sgd", "rmsprop", "adagrad", "adamw"] = "adam"
    momentum: Optional[float] = Field(default=None, ge=0.0, lt=1.0, description="sgd and rmsprop only.")
    nesterov: Optional[bool] = Field(default=None, description="sgd only.")
    weight_decay: Optional[float] = Field(default=None, ge=0.0, lt=1.0, description="adamw (default 0.004).")
    clipnorm: Optional[float] = Field(default=None, gt=0.0, description="Clip each gradient to this L2 norm.")
    clipvalue: Optional[float] = Field(default=None, gt=0.0, description="Clip gradient values to [-v, v].")

    @model_validator(mode="after")
    def _options_fit_optimizer(self) -> "OptimizerSection":
        if self.momentum is not None and self.name not in ("sgd", "rmsprop"):
            raise ValueError(f"momentum does not apply to '{self.name}' (only sgd and rmsprop)")
        if self.nesterov is not None and self.name != "sgd":
            raise ValueError(f"nesterov does not apply to '{self.name}' (only sgd)")
        if self.weight_decay is not None and self.name != "adamw":
            raise ValueError(f"weight_decay does not apply to '{self.name}' (only adamw; use "
                             "model.regularization for the others)")
        if self.clipnorm is not None and self.clipvalue is not None:
            raise ValueError("give clipnorm or clipvalue, not both")
        return self


class _Schedule(Strict):
    initial: float = Field(gt=0.0, le=10.0, description="Learning rate at the start (after warm-up).")
    warmup_steps: int = Field(default=0, ge=0, description="Linear warm-up from 0 over this many steps.")


class ConstantSchedule(_Schedule):
    schedule: Literal["constant"] = "constant"


class ExponentialSchedule(_Schedule):
    schedule: Literal["exponential"]
    decay_steps: int = Field(ge=1)
    decay_rate: float = Field(gt=0.0, le=1.0)
    staircase: bool = False


class PiecewiseSchedule(Strict):
    schedule: Literal["piecewise"]
    boundaries: list[int] = Field(min_length=1, description="Steps at which the rate changes.")
    values: list[float] = Field(min_length=2, description="One more value than boundaries.")
    warmup_steps: int = Field(default=0, ge=0)

    @model_validator(mode="after")
    def _shape(self) -> "PiecewiseSchedule":
        if len(self.values) != len(self.boundaries) + 1:
            raise ValueError(f"{len(self.boundaries)} boundaries need {len(self.boundaries) + 1} values, "
                             f"got {len(self.values)}")
        if any(b <= a for a, b in zip(self.boundaries, self.boundaries[1:])) or self.boundaries[0] < 1:
            raise ValueError("boundaries must be increasing positive steps")
        if any(v <= 0 for v in self.values):
            raise ValueError("learning rates must be > 0")
        return self

    @property
    def initial(self) -> float:
        return self.values[0]


class CosineSchedule(_Schedule):
    schedule: Literal["cosine"]
    decay_steps: int = Field(ge=1)
    alpha: float = Field(default=0.0, ge=0.0, le=1.0, description="Final rate as a fraction of initial.")


class CosineRestartsSchedule(_Schedule):
    schedule: Literal["cosine_restarts"]
    first_decay_steps: int = Field(ge=1)
    t_mul: float = Field(default=2.0, gt=0.0)
    m_mul: float = Field(default=1.0, gt=0.0, le=1.0)
    alpha: float = Field(default=0.0, ge=0.0, le=1.0)


class PolynomialSchedule(_Schedule):
    schedule: Literal["polynomial"]
    decay_steps: int = Field(ge=1)
    end_learning_rate: float = Field(default=0.0001, ge=0.0)
    power: float = Field(default=1.0, gt=0.0)
    cycle: bool = False


class ReduceOnPlateauSchedule(Strict):
    schedule: Literal["reduce_on_plateau"]
    initial: float = Field(gt=0.0, le=10.0)
    monitor: str = "val_loss"
    factor: float = Field(default=0.5, gt=0.0, lt=1.0)
    patience: int = Field(default=2, ge=0)
    min_delta: float = Field(default=0.0001, ge=0.0)
    cooldown: int = Field(default=0, ge=0)
    min_lr: float = Field(default=0.0, ge=0.0)


Schedule = Annotated[
    Union[ConstantSchedule, ExponentialSchedule, PiecewiseSchedule, CosineSchedule, CosineRestartsSchedule,
          PolynomialSchedule, ReduceOnPlateauSchedule],
    Field(discriminator="schedule"),
]
SCHEDULES = ("constant", "exponential", "piecewise", "cosine", "cosine_restarts", "polynomial", "reduce_on_plateau")


class EarlyStoppingSection(Strict):
    """Stop when the monitored metric stops improving."""

    monitor: str = "val_loss"
    mode: Literal["auto", "min", "max"] = "auto"
    patience: int = Field(default=3, ge=0)
    min_delta: float = Field(default=0.0, ge=0.0)
    restore_best_weights: bool = True


class TrainerSection(Strict):
    """Training loop: budget, batch, optimizer, learning rate, stopping, hardware."""

    epochs: int = Field(default=10, ge=1, le=100_000, description="Maximum number of epochs.")
    max_steps: Optional[int] = Field(default=None, ge=1, description="Stop after this many steps in all.")
    batch_size: int = Field(default=32, ge=1, le=1_000_000, description="Per replica; the global batch "
                            "is this times the number of replicas.")
    optimizer: OptimizerSection = Field(default_factory=OptimizerSection)
    learning_rate: Schedule = Field(default_factory=lambda: ConstantSchedule(initial=0.001))
    early_stopping: Optional[EarlyStoppingSection] = None
    distribution: Literal["auto", "default", "mirrored"] = Field(
        default="auto", description="auto: MirroredStrategy when a GPU is visible, else the default strategy."
    )
    mixed_precision: Literal["auto", "on", "off"] = Field(
        default="auto", description="auto: mixed_float16 on GPU only."
    )

    @field_validator("optimizer", mode="before")
    @classmethod
    def _optimizer_short_form(cls, value):
        if isinstance(value, str):
            return {"name": value}
        if isinstance(value, (dict, BaseModel)):
            return value
        raise ValueError(f"expected an optimizer name ({', '.join(OPTIMIZERS)}) or a mapping with 'name', "
                         f"got {'a list' if isinstance(value, list) else repr(value)}")

    @field_validator("learning_rate", mode="before")
    @classmethod
    def _rate_short_form(cls, value):
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return {"schedule": "constant", "initial": float(value)}
        if isinstance(value, dict):
            return value if "schedule" in value else {"schedule": "constant", **value}
        if isinstance(value, BaseModel):
            return value
        raise ValueError(f"expected a number or a mapping with 'schedule' (one of: {', '.join(SCHEDULES)}), "
                         f"got {value!r}")


TUNABLE = ("learning_rate", "dropout", "units", "num_layers", "optimizer", "l2", "activation")


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
    search_space: dict[Literal[TUNABLE], SearchParameter] = Field(  # type: ignore[valid-type]
        min_length=1, description=f"Parameters: {', '.join(TUNABLE)}."
    )


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


class PushSection(Strict):
    """Where blessed models go."""

    destination: Optional[str] = Field(
        default=None, description="Folder the Pusher copies blessed models into. Default: <root>/serving."
    )


class ResourcesSection(Strict):
    """Kubernetes requests for one task; checked at load time (`cpu: lots` is an error)."""

    cpu: Optional[Union[str, int, float]] = Field(default=None, description="vCPUs: 2, 0.5 or '500m'.")
    memory: Optional[str] = Field(default=None, description="Memory: '4Gi', '512Mi', '8G'.")
    gpu: int = Field(default=0, ge=0, le=16, description="GPU count (needs accelerator).")
    accelerator: Optional[str] = Field(default=None, description="GPU type, e.g. NVIDIA_TESLA_T4 or nvidia.com/gpu.")


class MountSection(Strict):
    """A PersistentVolumeClaim mounted into every task: paths under `path` are readable on the cluster."""

    pvc: str = Field(description="PersistentVolumeClaim name.")
    path: str = Field(description="Mount path inside the container, e.g. /mnt/data.")


class KubeflowSection(Strict):
    """Where and how the pipeline runs on Kubeflow Pipelines (`tfxkit compile --target kubeflow`).

    Kubeflow brings its own metadata store, so `pipeline.metadata` and the local
    `pipeline.root` are not used there.
    """

    name: Optional[str] = Field(default=None, description="Pipeline name on Kubeflow ([a-z0-9][a-z0-9-]*). "
                                "Default: pipeline.name lower-cased, '_' as '-'.")
    image: Optional[str] = Field(default=None, description="Container image with the lock, tfxkit and the "
                                 "project (see `tfxkit image`). Flag: --image.")
    pipeline_root: Optional[str] = Field(default=None, description="Remote root for artifacts: gs://, s3://, "
                                         "minio://, or a path under a declared mount. Flag: --pipeline-root.")
    data: Optional[str] = Field(default=None, description="Where the data is read on the cluster: a remote URI, a "
                                "path under a mount, or 'baked' (data.path copied into the image).")
    push_destination: Optional[str] = Field(default=None, description="Default: <pipeline_root>/serving.")
    workdir: str = Field(default="/app", description="The project folder inside the image.")
    resources: ResourcesSection = Field(default_factory=ResourcesSection, description="Every task's default.")
    components: dict[str, ResourcesSection] = Field(default_factory=dict,
                                                    description="Per component id, e.g. Trainer.")
    env: dict[str, str] = Field(default_factory=dict, description="Plain environment variables for every task.")
    secrets: dict[str, str] = Field(default_factory=dict, description="ENV_VAR: secret-name/key (names only, "
                                    "never values).")
    mounts: list[MountSection] = Field(default_factory=list)
    service_account: Optional[str] = Field(default=None, description="Kubernetes service account for runs.")


COMPONENT_NAME = r"^[A-Za-z][A-Za-z0-9_]{0,62}$"


class CustomComponentSection(Strict):
    """A custom TFX component added to the DAG (see components/ and README "Custom components")."""

    name: str = Field(pattern=COMPONENT_NAME, description="Its node id in the DAG, e.g. ServingCheck.")
    class_: str = Field(alias="class", min_length=1, description="package.module.ClassName (looked up from the "
                        "spec's folder upward, then sys.path), or path/to/file.py:ClassName relative to the spec.")
    inputs: dict[str, str] = Field(default_factory=dict, description="Input name -> upstream output, e.g. "
                                   "model: Trainer.model (ExampleGen and SchemaGen name whichever the spec uses).")
    parameters: dict[str, Any] = Field(default_factory=dict, description="Execution parameters, checked against "
                                       "the component's ComponentSpec.")
    before_push: bool = Field(default=False, description="The Pusher waits for it; an InfraBlessing output gates "
                              "the Pusher (its infra_blessing input).")



class PipelineSpec(Strict):
    """A whole tfxkit pipeline (spec version 1)."""

    version: Literal[1] = 1
    pipeline: PipelineSection
    data: DataSection
    schema_: SchemaSection = Field(default_factory=SchemaSection, alias="schema")
    validation: ValidationSection = Field(default_factory=ValidationSection)
    transform: TransformSection
    model: ModelSection
    trainer: TrainerSection = Field(default_factory=TrainerSection)
    tuning: Optional[TuningSection] = None
    evaluation: EvaluationSection = Field(default_factory=EvaluationSection)
    push: PushSection = Field(default_factory=PushSection)
    kubeflow: Optional[KubeflowSection] = None
    components: list[CustomComponentSection] = Field(default_factory=list, description="Custom TFX components "
                                                      "added to the DAG.")

    model_config = ConfigDict(extra="forbid", validate_default=True, populate_by_name=True, strict=True)

    def push_destination(self) -> str:
        """The declared push folder, or `serving` under the pipeline root."""
        return self.push.destination or os.path.join(self.pipeline.root, "serving")

    def metric_names(self) -> list[str]:
        """The metrics to compute: declared ones, plus every metric a threshold names."""
        names = list(self.evaluation.metrics or DEFAULT_METRICS[self.model.task])
        names += [m for m in self.evaluation.thresholds if m not in names]
        return names
