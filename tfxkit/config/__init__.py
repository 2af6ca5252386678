"""The pipeline spec: YAML loading with positions, models, checks, JSON Schema.

Import from the modules (`tfxkit.config.load`, `tfxkit.config.models`): this
package imports nothing, so a command that needs one small module (the
metadata URL parser) does not pay for pydantic.
"""
