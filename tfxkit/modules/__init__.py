"""Generic TFX user modules, referenced by import path from the generated pipeline.

`preprocessing.preprocessing_fn` (Transform) and `trainer.run_fn` (Trainer)
read the spec sections they need from `custom_config`, so one module serves
every pipeline. Their source hash is part of the components' cache key
(see `tfxkit.dag.plan.modules_code_hash`).
"""

# The file the Trainer writes into its model_run output: what was trained and how it went.
TRAINED_CONFIG = "trained_config.json"
# The folder, inside the Tuner's tuner_results output, with one TensorBoard folder per trial.
TRIAL_LOGS = "tensorboard"
