"""Names of the custom properties tfxkit records in the metadata store (what an audit reads)."""

RUN = "tfxkit_run"  # on a run: outcome, node states, metrics, timings, versions, planned nodes
PIPELINE = "tfxkit_pipeline"  # on a run: the pipeline it belongs to
SPEC = "tfxkit_spec"  # on a run: the resolved spec (canonical JSON) ...
SPEC_HASH = "tfxkit_spec_hash"  # ... and its hash
FILES = "tfxkit_files"  # on Examples: the data files read; on Schema: the curated schema file
SPLIT_SIZES = "tfxkit_split_sizes"  # on Examples and ExampleStatistics: examples per split
ANOMALIES = "tfxkit_anomalies"  # on ExampleAnomalies: {split: [one line per anomaly]}, {} when clean
TRAINING = "tfxkit_training"  # on Model: trained config, tuned values, epochs, time, TensorBoard dir
CHECKS = "tfxkit_checks"  # on ModelBlessing: each metric vs its threshold and the baseline
FINGERPRINT = "tfxkit_fingerprint"  # on a successful run: what the up-to-date check compares
OUTCOME = "tfxkit_outcome"  # on a successful run: what an up-to-date run reports again
