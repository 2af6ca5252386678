"""JSON Schema of the spec, for editor completion and checking (e.g. yaml-language-server)."""

from __future__ import annotations

from typing import Any

from tfxkit.spec.models import FEATURE_TRANSFORMS, PipelineSpec


def spec_json_schema() -> dict[str, Any]:
    """The JSON Schema of spec version 1, including the `column: transform` short form."""
    schema = PipelineSpec.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "tfxkit pipeline spec (version 1)"
    features = schema["$defs"]["TransformSection"]["properties"]["features"]
    features["additionalProperties"] = {
        "anyOf": [features["additionalProperties"], {"type": "string", "enum": list(FEATURE_TRANSFORMS)}]
    }
    return schema
