"""Names of the custom properties tfxkit records in the metadata store (what an audit reads).

All of them live on a run (its pipeline_run context). Facts about an artifact are
kept per artifact id under FACTS on the run that produced it, never on the
artifact: TFX's cache key hashes input artifacts' full records.
"""

RUN = "tfxkit_run"  # on a run: outcome, node states, metrics, timings, versions, planned nodes
PIPELINE = "tfxkit_pipeline"  # on a run: the pipeline it belongs to
SPEC = "tfxkit_spec"  # on a run: the resolved spec (canonical JSON) ...
SPEC_HASH = "tfxkit_spec_hash"  # ... and its hash
FACTS = "tfxkit_facts"  # on a run: {artifact id: {fact name: value}} for the artifacts it produced
# The facts, by artifact type:
FILES = "files"  # Examples: the data files read
SCHEMA_FILE = "schema_file"  # Schema (imported): the curated schema file
SPLIT_SIZES = "split_sizes"  # Examples: examples per split
ANOMALIES = "anomalies"  # ExampleAnomalies: {split: [one line per anomaly]}, {} when clean
TRAINING = "training"  # Model: trained config, tuned values, epochs, time, TensorBoard dir
CHECKS = "checks"  # ModelBlessing: each metric vs its threshold and the baseline
SLICES = "slices"  # ModelBlessing: each slice's metrics, candidate and baseline (the run report)
FINGERPRINT = "tfxkit_fingerprint"  # on a successful run: what the up-to-date check compares
OUTCOME = "tfxkit_outcome"  # on a successful run: what an up-to-date run reports again
# A rollback (`tfxkit rollback`): an execution of its own, in a run of its own, in the pipeline's context.
ROLLBACK_TYPE = "tfxkit.Rollback"  # its execution type
ROLLBACK_NODE = "Rollback"  # its node: `<pipeline>.Rollback`
ROLLBACK_STATUS = "rolled_back"  # its run's status in the run summary (RUN)
# Its properties: the push (and Model) whose bytes it served again, the push it took out of service, who, when, why.
FROM_PUSHED_MODEL, FROM_MODEL, FROM_VERSION = "from_pushed_model_id", "from_model_id", "from_version"
REPLACED_PUSHED_MODEL, REPLACED_VERSION = "replaced_pushed_model_id", "replaced_version"
USER, TIME, REASON = "user", "time", "reason"
# A promotion (`tfxkit promote`): a copy of a blessed model into another named destination (push.destinations),
# recorded like a rollback. Its PushedModel carries PROMOTED_TO (the destination's name): the pipeline's own
# serving rule (tfxkit.metadata.serving) leaves such pushes out, so a promotion never changes its baseline.
PROMOTE_TYPE = "tfxkit.Promote"  # its execution type
PROMOTE_NODE = "Promote"  # its node: `<pipeline>.Promote`
PROMOTE_STATUS = "promoted"  # its run's status in the run summary (RUN)
PROMOTED_TO = "promoted_to"  # on the PushedModel and the execution: the destination's name
DESTINATION = "destination"  # on the execution: the destination's folder
