"""Pusher executor whose push is atomic on a local filesystem: write aside, then rename.

TFX's Pusher copies the model straight into `<destination>/<version>/`, so a run
killed mid-copy leaves a half-written version folder that a model server
polling the destination may pick up. This executor copies into a hidden
`.<version>.partial` folder beside it and renames that into place (one
`rename(2)`: the version folder either holds the whole model or does not
exist). Stale partial folders of killed pushes are removed on the next push.
On remote filesystems (gs://, s3://), where rename is a copy, it falls back to
TFX's own copy.
"""

from __future__ import annotations

import os
import time
from typing import Any

from tfx import types
from tfx.components.pusher import executor as tfx_pusher
from tfx.proto import pusher_pb2
from tfx.types import artifact_utils, standard_component_specs
from tfx.utils import io_utils, proto_utils

from tfxkit.components.atomic_pusher.atomic_copy import atomic_copy_dir


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
        version = str(int(time.time()))
        serving_path = os.path.join(destination.filesystem.base_directory, version)
        atomic_copy_dir(model_path, serving_path)
        io_utils.copy_dir(model_path, model_push.uri)
        self._MarkPushed(model_push, pushed_destination=serving_path, pushed_version=version)
        return None
