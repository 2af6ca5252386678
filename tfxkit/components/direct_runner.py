"""Whether a component's Beam pipeline runs on Beam's DirectRunner (the local and `beam` runners).

There, tfxkit's executors may do in one process what TFX spreads over Beam workers;
on every other runner (Flink, Spark, Dataflow, a portable job server) they keep
TFX's Beam path.
"""

from __future__ import annotations

import apache_beam as beam
from apache_beam.runners.direct.direct_runner import BundleBasedDirectRunner, SwitchingDirectRunner
from apache_beam.runners.portability.fn_api_runner import FnApiRunner

_DIRECT_RUNNERS = (SwitchingDirectRunner, BundleBasedDirectRunner, FnApiRunner)


def on_direct_runner(pipeline: beam.Pipeline) -> bool:
    """True when `pipeline` (made, not run) would run on Beam's DirectRunner."""
    return isinstance(pipeline.runner, _DIRECT_RUNNERS)
