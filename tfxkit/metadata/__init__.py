"""ML Metadata connections from the spec's metadata URL."""
