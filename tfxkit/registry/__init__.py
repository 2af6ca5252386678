"""Served models: putting an earlier model back in service (rollback), recorded in ML Metadata like a run."""
