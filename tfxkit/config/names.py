"""Patterns for names in a spec, shared by the models and the quick paths that skip them."""

PIPELINE_NAME = r"^[A-Za-z][A-Za-z0-9_-]{0,62}$"
