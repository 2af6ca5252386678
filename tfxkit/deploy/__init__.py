"""Kubeflow: compile the same DAG for KFP v2, smoke-run the compiled spec, build the image, upload."""
