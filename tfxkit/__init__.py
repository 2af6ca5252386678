"""tfxkit: declarative TFX pipelines from one YAML file.

This package must stay cheap to import: `tfxkit validate` and `tfxkit plan`
never load TensorFlow, TFX or Beam. Heavy imports live in `dag.build`,
`modules`, `runners` and the gate components only.
"""

__version__ = "0.1.0"
