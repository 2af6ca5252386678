"""The pipeline spec: YAML loading with positions, one model and its checks per section, JSON Schema.

Import from the modules (`tfxkit.config.load` to load a spec file,
`tfxkit.config.spec` for `PipelineSpec`, `tfxkit.config.sections.<section>` for a
section's model and checks): this package imports nothing, so a command that needs
one small module (the metadata URL parser) does not pay for pydantic.
"""
