"""One module per YAML section of the spec: its pydantic model and the checks of its keys.

The code for a key such as `trainer.early_stopping.monitor` is in the module named
after its section (`tfxkit.config.sections.trainer`); rules that tie several
sections together are in `tfxkit.config.cross_section`, and `tfxkit.config.spec`
composes the sections into the whole spec.
"""
