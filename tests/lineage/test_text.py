"""tfxkit.lineage.text: the terminal views of runs and provenance (the key lines a person reads)."""

from __future__ import annotations

from tfxkit.lineage.provenance import provenance
from tfxkit.lineage.runs import list_runs
from tfxkit.lineage.text import format_provenance, format_runs


def test_runs_view(lineage_history):
    h = lineage_history
    text = format_runs("penguin", [r.to_json() for r in list_runs(h.store(), "penguin")])
    lines = text.splitlines()
    assert lines[0] == "pipeline penguin: 3 runs shown, newest first"
    assert lines[1].startswith(h.third.run_id) and "not blessed" in lines[1]
    assert "    why: model not blessed: accuracy 0.9600 is below lower_bound 0.999" in text
    assert f"    pushed {h.second.pushed_to}  (accuracy 0.9600)" in text
    assert "    cached: CsvExampleGen StatisticsGen ImportSchemaGen ExampleValidator Transform  complete: " in text


def test_provenance_view(lineage_history):
    h = lineage_history
    text = format_provenance(provenance(h.store(), "penguin"))
    assert text.startswith(f"pipeline penguin, model {h.second.model_id}, served now")
    assert f"pushed model  {h.second.pushed_to}" in text
    assert f"blessed, baseline model {h.first.model_id}" in text
    assert ("accuracy 0.9600  threshold lower_bound 0.9  baseline 0.9500 (change +0.0100, needs >= -0.02)  -> passed"
            in text)
    assert "dnn multiclass hidden 16, 8 dropout 0; adam, learning rate initial=0.005" in text
    assert "        hardware 1 replica (CPU), float32; global batch 16 (16 per replica)\n" in text
    assert f"{h.pipeline.data_file}  " in text and "splits: eval 86, train 258" in text
    assert f"spec {h.second.spec.spec_hash()} (run {h.second.run_id}" in text
    not_pushed = format_provenance(provenance(h.store(), "penguin", h.third.run_id))
    assert f"not pushed    run {h.third.run_id}: not blessed: model not blessed" in not_pushed
    assert "NOT blessed" in not_pushed and "-> FAILED" in not_pushed


def test_hardware_phrase():
    from tfxkit.lineage.text import hardware_text

    recorded = {"summary": "2 replicas (logical CPU), mixed_bfloat16", "global_batch_size": 32,
                "batch_size_per_replica": 16}
    assert hardware_text(recorded) == "2 replicas (logical CPU), mixed_bfloat16; global batch 32 (16 per replica)"
    assert hardware_text({"summary": "1 replica (CPU), float32"}) == "1 replica (CPU), float32"
