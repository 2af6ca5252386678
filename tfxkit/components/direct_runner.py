"""Whether a component's Beam pipeline runs on Beam's DirectRunner (the local and `beam` runners).

There, tfxkit's executors may do in one process what TFX spreads over Beam workers;
on every other runner (Flink, Spark, Dataflow, a portable job server) they keep
TFX's Beam path.
"""

from __future__ import annotations

import multiprocessing

import apache_beam as beam
from apache_beam.options.pipeline_options import DirectOptions
from apache_beam.runners.direct.direct_runner import BundleBasedDirectRunner, SwitchingDirectRunner
from apache_beam.runners.portability.fn_api_runner import FnApiRunner

_DIRECT_RUNNERS = (SwitchingDirectRunner, BundleBasedDirectRunner, FnApiRunner)


def on_direct_runner(pipeline: beam.Pipeline) -> bool:
    """True when `pipeline` (made, not run) would run on Beam's DirectRunner."""
    return isinstance(pipeline.runner, _DIRECT_RUNNERS)


def worker_count(pipeline: beam.Pipeline) -> int:
    """How many workers the DirectRunner runs `pipeline`'s bundles on, as its FnApiRunner counts them."""
    options = pipeline.options.view_as(DirectOptions)
    if options.direct_running_mode == "in_memory":
        return 1
    return options.direct_num_workers or multiprocessing.cpu_count()
