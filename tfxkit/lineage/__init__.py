"""Lineage audits over ML Metadata: runs, provenance of a model, diffs, reverse lineage.

Reads the store only through `tfxkit.metadata.store.Store` and never imports
TensorFlow, TFX or Beam (an import-linter contract keeps it so): every audit
question answers in about a second from the facts the runner recorded.
"""
