"""NotifyOnExit: the spec's `notify` section on Kubeflow, as the pipeline's exit-handler task."""
