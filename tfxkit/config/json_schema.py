"""JSON Schema of the spec, for editor completion and checking (e.g. yaml-language-server)."""

from __future__ import annotations

from typing import Any

from tfxkit.config.sections.trainer import OPTIMIZERS
from tfxkit.config.sections.transform import FEATURE_TRANSFORMS
from tfxkit.config.spec import PipelineSpec


def spec_json_schema() -> dict[str, Any]:
    """The JSON Schema of spec version 1, including the short forms (`column: transform`,
    `optimizer: adam`, `learning_rate: 0.01`)."""
    schema = PipelineSpec.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "tfxkit pipeline spec (version 1)"
    features = schema["$defs"]["TransformSection"]["properties"]["features"]
    features["additionalProperties"] = {
        "anyOf": [features["additionalProperties"], {"type": "string", "enum": list(FEATURE_TRANSFORMS)}]
    }
    trainer = schema["$defs"]["TrainerSection"]["properties"]
    trainer["optimizer"] = {"anyOf": [trainer["optimizer"], {"type": "string", "enum": list(OPTIMIZERS)}],
                            "description": "A name, or a mapping with 'name' and options."}
    trainer["learning_rate"] = {"anyOf": [trainer["learning_rate"], {"type": "number", "exclusiveMinimum": 0}],
                                "description": "A constant rate, or a mapping with 'schedule' and its options."}
    return schema
