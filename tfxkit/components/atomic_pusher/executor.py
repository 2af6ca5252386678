"""Pusher executor whose push is atomic on a local or shared filesystem (see versions.py).

TFX's Pusher copies the model straight into `<destination>/<current second>/`:
a run killed mid-copy leaves a half-written version folder that a model server
polling the destination may pick up, and a second push in the same second finds
the folder taken. This executor claims a version no other push has, copies
aside, renames the whole model into place, and records the push only once the
version folder holds this run's model. On remote filesystems (gs://, s3://),
where rename is a copy, it falls back to TFX's own copy.
"""

from __future__ import annotations

import os
from typing import Any

from tfx import types
from tfx.components.pusher import executor as tfx_pusher
from tfx.proto import pusher_pb2
from tfx.types import artifact_utils, standard_component_specs
from tfx.utils import io_utils, proto_utils

from tfxkit.components.atomic_pusher.versions import push_version


class Executor(tfx_pusher.Executor):
    """TFX's Pusher, with the filesystem push made atomic (see module docstring)."""

    def Do(self, input_dict: dict[str, list[types.Artifact]], output_dict: dict[str, list[types.Artifact]],
           exec_properties: dict[str, Any]) -> None:
        destination = pusher_pb2.PushDestination()
        proto_utils.json_to_proto(exec_properties[standard_component_specs.PUSH_DESTINATION_KEY], destination)
        if destination.WhichOneof("destination") != "filesystem" or "://" in destination.filesystem.base_directory:
            return super().Do(input_dict, output_dict, exec_properties)

        self._log_startup(input_dict, output_dict, exec_properties)
        model_push = artifact_utils.get_single_instance(output_dict[standard_component_specs.PUSHED_MODEL_KEY])
        if not self.CheckBlessing(input_dict):
            self._MarkNotPushed(model_push)
            return None
        model_path = self.GetModelPath(input_dict)
        base = destination.filesystem.base_directory
        version = push_version(model_path, base)
        serving_path = os.path.join(base, version)
        io_utils.copy_dir(model_path, model_push.uri)
        self._MarkPushed(model_push, pushed_destination=serving_path, pushed_version=version)
        return None
