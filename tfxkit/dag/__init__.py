"""Spec -> TFX pipeline. `plan` is pure Python; `build` imports TFX."""
