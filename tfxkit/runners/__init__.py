"""Run a spec: locally (LocalDagRunner) or on Apache Beam (BeamDagRunner)."""
