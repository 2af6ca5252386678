"""Generic TFX user modules, referenced by import path from the generated pipeline.

`preprocessing.preprocessing_fn` (Transform) and `trainer.run_fn` (Trainer)
read the spec sections they need from `custom_config`, so one module serves
every pipeline. Their source hash is part of the components' cache key
(see `tfxkit.dag.build.modules_code_hash`).
"""
