"""Served models: rollback, promotion and retention (gc), each recorded in ML Metadata like a run."""
