"""Training curves from the TensorBoard event files the Trainer (and each tuner trial) writes.

Keras' TensorBoard callback writes one scalar per epoch under `epoch_<metric>`
in a `train` and a `validation` folder. The files are read with TensorBoard's
own pure-Python record reader and event protos (its TensorFlow stub), so
reading them never imports TensorFlow.
"""

from __future__ import annotations

import glob
import os
from collections import defaultdict

Curves = dict[str, dict[str, list[tuple[int, float]]]]  # metric -> {"train"|"validation": [(epoch, value)]}

_PREFIX = "epoch_"


def read_curves(log_dir: str) -> Curves:
    """{metric: {run folder: [(epoch, value), ...]}} for every `epoch_*` scalar under `log_dir`."""
    curves: dict[str, dict[str, dict[int, float]]] = defaultdict(lambda: defaultdict(dict))
    for path in sorted(glob.glob(os.path.join(log_dir, "**", "events.out.tfevents.*"), recursive=True)):
        part = os.path.relpath(os.path.dirname(path), log_dir)
        for step, tag, value in _scalars(path):
            if tag.startswith(_PREFIX):
                curves[tag[len(_PREFIX):]][part][step + 1] = value  # epochs count from 1 for a person
    return {metric: {part: sorted(points.items()) for part, points in sorted(parts.items())}
            for metric, parts in sorted(curves.items())}


def _scalars(path: str):
    """(step, tag, value) of each scalar in one event file: TF2 tensor summaries and TF1 simple values."""
    from tensorboard.compat.proto import event_pb2
    from tensorboard.compat.tensorflow_stub import errors
    from tensorboard.compat.tensorflow_stub.pywrap_tensorflow import PyRecordReader_New
    from tensorboard.util import tensor_util

    reader = PyRecordReader_New(path)
    while True:
        try:
            reader.GetNext()
        except errors.OutOfRangeError:
            return
        except errors.DataLossError:  # a file still being written (a killed run): what was read stands
            return
        event = event_pb2.Event.FromString(reader.record())
        for value in event.summary.value:
            kind = value.WhichOneof("value")
            if kind == "simple_value":
                yield event.step, value.tag, float(value.simple_value)
            elif kind == "tensor" and value.metadata.plugin_data.plugin_name == "scalars":
                yield event.step, value.tag, float(tensor_util.make_ndarray(value.tensor).item())
