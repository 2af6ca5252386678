"""The ids of the standard nodes tfxkit plans, known here, below the DAG, so that validate checks names.

`kubeflow.components` keys and custom component names are checked against these
at load time; `tfxkit.dag.plan` gives its nodes the same ids.
"""

COMPONENT_IDS = ("CsvExampleGen", "ImportExampleGen", "ParquetExampleGen", "AvroExampleGen", "StatisticsGen", "SchemaGen", "ImportSchemaGen",
                 "ExampleValidator", "AnomaliesGate", "Transform", "Tuner", "Trainer", "Evaluator", "Pusher")
RESOLVER_ID = "latest_blessed_model_resolver"  # tfxkit.dag.plan's resolver node
# Aliases a spec may use for nodes whose id depends on the spec (csv vs tfrecord, curated vs inferred schema).
# With spans, each selected span has its own ExampleGen, `<id>-span-<N>`; the alias names the newest span's.
ALIASES = {"ExampleGen": ("CsvExampleGen", "ImportExampleGen", "ParquetExampleGen", "AvroExampleGen"), "SchemaGen": ("ImportSchemaGen", "SchemaGen")}
