"""Provenance of a model: pushed model <- blessing <- model <- transform <- examples <- data files,
schema, statistics and anomalies, and the spec and stack that ran.

`provenance` answers "where did this served model come from, and why did it
ship?" as one JSON-ready dict (documented in docs/lineage.md, stable). The target is
`latest` (the model being served: the version a model server loads, after a rollback
the rolled-back-to model, reached through the rollback) or anything that names a
model (`resolve_target`). A run stopped before training (the data gate) has no model:
its provenance shows the data, the anomalies and that nothing was trained.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass

from tfxkit.lineage.errors import LineageError
from tfxkit.lineage.graph import Graph
from tfxkit.lineage.models import pushes, served_push
from tfxkit.lineage.runs import find_run, pipeline_runs, run_row
from tfxkit.lineage.shown import with_article
from tfxkit.metadata import keys
from tfxkit.metadata.store import Artifact, Execution, Store


@dataclass
class Anchor:
    """What the audit starts from: a model, a push of it, and/or a run."""

    model: Artifact | None = None
    push: Artifact | None = None
    run_id: str | None = None


def served_statistics(store: Store, pipeline: str) -> tuple[Artifact, str] | None:
    """StatisticsGen's statistics of the data the served model was trained on, and the run that pushed it.

    The baseline a new run's data is compared with for drift: the served
    model's Trainer read Transform's output, whose raw examples StatisticsGen
    described. None when no model has been served (or its lineage is gone).
    """
    push = served_push(store, pipeline)
    if push is None:
        return None
    graph = Graph(store, pipeline)
    pusher = graph.producer(push.id)
    trainer = graph.producer(graph.inputs(pusher, "model").id) if graph.inputs(pusher, "model") else None
    transform_graph = graph.inputs(trainer, "transform_graph")
    transform = graph.producer(transform_graph.id) if transform_graph else None
    statistics = _first_output(graph, newest_examples(graph.all_inputs(transform, "examples")),
                               "StatisticsGen", "statistics")
    return (statistics, graph.run_of(pusher) or "?") if statistics is not None else None


def push_destination(push: Artifact) -> str:
    return str(push.properties.get("pushed_destination") or push.uri)


def resolve_target(graph: Graph, target: str) -> Anchor:
    """Turn what a user pastes into the model (and its push, run) to audit.

    `latest`; a run id or its prefix; a Model, ModelBlessing or PushedModel
    artifact id; the Trainer's model folder; a serving version folder; a serving
    base folder (its newest version). A model reached without a push (a model or
    blessing id, the Trainer's folder) is given its push, so every way of naming
    the same model gives the same answer.
    """
    store, pipeline = graph.store, graph.pipeline
    pipeline_runs(store, pipeline)  # an empty store or another pipeline's: a clear error first
    if target == "latest":
        push = served_push(store, pipeline)
        if push is None:
            raise LineageError(f"no model of pipeline '{pipeline}' has been pushed yet; name a run id "
                               "(see `tfxkit runs`) to audit a model that was not pushed")
        return Anchor(model=graph.inputs(graph.producer(push.id), "model"), push=push)
    if target.isdigit():  # an artifact id, unless it is only the start of a run id (runs start with the date)
        try:
            return _artifact_anchor(graph, int(target))
        except LineageError:
            if not any(r.id.startswith(target) for r in store.runs(pipeline)):
                raise
    if os.sep in target or os.path.isdir(target):
        return _folder_anchor(graph, target)
    run = find_run(store, pipeline, target)
    executions = {e.node_id: e for e in store.run_executions(pipeline, run.id)}
    pusher = (executions.get("Pusher") or executions.get(keys.ROLLBACK_NODE)  # a rollback's run: the model it served
              or executions.get(keys.PROMOTE_NODE))  # a promotion's run: the model it copied
    model = graph.output(executions.get("Trainer"), "model") or graph.inputs(pusher, "model")
    push = graph.output(pusher, "pushed_model")
    return Anchor(model=model, push=push if push and push.properties.get("pushed") == 1 else None, run_id=run.id)


def _model_anchor(graph: Graph, model: Artifact | None) -> Anchor:
    """A model with its push: the served push of it if it is served, else its latest push (None: never pushed)."""
    if model is None:
        return Anchor()
    served = served_push(graph.store, graph.pipeline)
    own = [p for p in pushes(graph.store, graph.pipeline) if _pushed_model_id(graph, p) == model.id]
    push = served if served is not None and any(p.id == served.id for p in own) else (own[-1] if own else None)
    return Anchor(model=model, push=push)


def _pushed_model_id(graph: Graph, push: Artifact) -> int | None:
    model = graph.inputs(graph.producer(push.id), "model")
    return model.id if model is not None else None


def _artifact_anchor(graph: Graph, artifact_id: int) -> Anchor:
    models = [a.id for a in graph.store.artifacts_of_type("Model", graph.pipeline)]
    artifact = graph.artifact(artifact_id)
    mine = artifact is not None and graph.producer(artifact_id) is not None
    if not mine:
        closest = min(models, key=lambda m: abs(m - artifact_id), default=None)
        hint = f" (did you mean model {closest}?)" if closest is not None else ""
        raise LineageError(f"no artifact {artifact_id} in pipeline '{graph.pipeline}'{hint}")
    if artifact.type == "Model":
        return _model_anchor(graph, artifact)
    if artifact.type == "PushedModel":
        return Anchor(model=graph.inputs(graph.producer(artifact.id), "model"),
                      push=artifact if artifact.properties.get("pushed") == 1 else None)
    if artifact.type == "ModelBlessing" and "current_model_id" in artifact.properties:
        return _model_anchor(graph, graph.artifact(int(artifact.properties["current_model_id"])))
    raise LineageError(f"artifact {artifact_id} is {with_article(artifact.type)}, not a model "
                       f"(models of '{graph.pipeline}': {', '.join(map(str, models[-5:])) or 'none'})")


def _folder_anchor(graph: Graph, target: str) -> Anchor:
    folder = os.path.realpath(target)
    candidates = pushes(graph.store, graph.pipeline)
    for push in reversed(candidates):  # a serving version folder, or the PushedModel's own copy
        if folder in (os.path.realpath(push_destination(push)), os.path.realpath(push.uri)):
            return Anchor(model=graph.inputs(graph.producer(push.id), "model"), push=push)
    for model in graph.store.artifacts_of_type("Model", graph.pipeline):  # the Trainer's model folder or inside it
        uri = os.path.realpath(model.uri)
        if folder == uri or folder.startswith(uri + os.sep):
            return _model_anchor(graph, model)
    under = [p for p in candidates if os.path.dirname(os.path.realpath(push_destination(p))) == folder]
    if under:  # a serving base folder: its newest version is what a model server serves
        newest = max(under, key=lambda p: (_version_number(p), p.id))
        return Anchor(model=graph.inputs(graph.producer(newest.id), "model"), push=newest)
    if not os.path.exists(target):
        raise LineageError(f"{target}: no such folder, and not a run id or artifact id of '{graph.pipeline}'")
    shown = ", ".join(push_destination(p) for p in candidates[-3:]) or "none yet"
    raise LineageError(f"{target} is not a model pushed by pipeline '{graph.pipeline}' (latest pushes: {shown})")


def _version_number(push: Artifact) -> int:
    name = os.path.basename(push_destination(push).rstrip(os.sep))
    return int(name) if name.isdigit() else -1


def provenance(store: Store, pipeline: str, target: str = "latest") -> dict:
    """The whole provenance chain of the target's model, as a JSON-ready dict."""
    graph = Graph(store, pipeline)
    anchor = resolve_target(graph, target)
    served = served_push(store, pipeline)
    pusher = graph.producer(anchor.push.id) if anchor.push else None
    trainer = graph.producer(anchor.model.id) if anchor.model else None
    run_executions = {e.node_id: e for e in store.run_executions(pipeline, anchor.run_id)} if anchor.run_id else {}

    blessing = graph.inputs(pusher, "model_blessing") if pusher else None
    if blessing is None and anchor.model is not None:
        evaluator = run_executions.get("Evaluator")
        if evaluator is None:
            evaluators = graph.consumers(anchor.model.id, "Evaluator", key="model")
            evaluator = evaluators[-1] if evaluators else None
        blessing = graph.output(evaluator, "blessing")
    evaluation = graph.output(graph.producer(blessing.id), "evaluation") if blessing else None

    transform_graph = graph.inputs(trainer, "transform_graph")
    transform = graph.producer(transform_graph.id) if transform_graph else None
    examples = newest_examples(graph.all_inputs(transform, "examples"))
    schema = graph.inputs(transform, "schema") if transform else None
    if examples is None:  # no model (a gated or failed run): the run's own data
        # The run's own ExampleGen's, or with spans the newest span's (StatisticsGen and the gate read it).
        examples = newest_examples([a for n, e in run_executions.items() if "ExampleGen" in n
                                    for a in [graph.output(e, "examples")] if a is not None])
        schema_node = run_executions.get("ImportSchemaGen") or run_executions.get("SchemaGen")
        schema = graph.output(schema_node, "schema")
    statistics = _first_output(graph, examples, "StatisticsGen", "statistics")
    anomalies = _anomalies_for(graph, statistics, schema, run_executions.get("ExampleValidator"))

    main_run = anchor.run_id or graph.run_of(trainer) or graph.run_of(pusher)
    run = store.run(main_run) if main_run else None
    row = run_row(store, pipeline, run) if run else None
    return {
        "pipeline": pipeline,
        "target": target,
        "served": _served(served),
        "pushed": _pushed(graph, anchor.push, served),
        "rollback": _rollback(graph, pusher),
        "blessing": _blessing(graph, blessing, evaluation),
        "model": _model(graph, anchor.model, trainer),
        "transform": _artifact_ref(graph, transform_graph),
        "examples": _examples(graph, examples),
        # Data in spans: every span's Examples behind the model (Transform read their union), oldest first.
        "spans": _spans(graph, transform, row.spans if row else []),
        "schema": _schema(graph, schema),
        "statistics": _artifact_ref(graph, statistics),
        "anomalies": _anomalies(graph, anomalies),
        "run": row.to_json() if row else None,
        "spec": _spec(run),
    }


def newest_examples(examples: list[Artifact]) -> Artifact | None:
    """Of a run's Examples, the newest span's (newest version): the data StatisticsGen, and so the data gate and
    the drift baseline, described in that run. A plain data path has one Examples, its own newest."""
    return max(examples, key=lambda e: (int(e.properties.get("span") or 0), int(e.properties.get("version") or 0)),
               default=None)


def _spans(graph: Graph, transform: Execution | None, run_spans: list[dict]) -> list[dict]:
    """Every span's Examples behind the model (Transform read their union), oldest first, each labelled as the
    run labelled it (its date, for a date pattern)."""
    labels = {s["span"]: s.get("label") for s in run_spans}
    spans = [_examples(graph, e) for e in graph.all_inputs(transform, "examples") if e.properties.get("span")]
    return [{**e, "label": labels.get(e["span"]) or str(e["span"])}
            for e in sorted(spans, key=lambda e: (e["span"], e["version"] or 0))]


def _first_output(graph: Graph, artifact: Artifact | None, node: str, key: str) -> Artifact | None:
    if artifact is None:
        return None
    for execution in graph.consumers(artifact.id, node):
        found = graph.output(execution, key)
        if found is not None:
            return found
    return None


def _anomalies_for(graph: Graph, statistics: Artifact | None, schema: Artifact | None,
                   in_run: Execution | None) -> Artifact | None:
    """The anomalies found in these statistics against this schema (the run's own validation first)."""
    if in_run is not None:
        return graph.output(in_run, "anomalies")
    if statistics is None:
        return None
    validators = graph.consumers(statistics.id, "ExampleValidator", key="statistics")
    matching = [v for v in validators if schema is None or (graph.inputs(v, "schema") or schema).id == schema.id]
    return graph.output((matching or validators)[0], "anomalies") if validators else None


def _artifact_ref(graph: Graph, artifact: Artifact | None) -> dict | None:
    if artifact is None:
        return None
    producer = graph.producer(artifact.id)
    return {"artifact_id": artifact.id, "type": artifact.type, "uri": artifact.uri,
            "node": producer.node_id if producer else None, "run": graph.run_of(producer)}


def _served(push: Artifact | None) -> dict | None:
    return None if push is None else {"artifact_id": push.id, "destination": push_destination(push)}


def _pushed(graph: Graph, push: Artifact | None, served: Artifact | None) -> dict | None:
    if push is None:
        return None
    return {**_artifact_ref(graph, push), "destination": push_destination(push),
            "is_served": served is not None and served.id == push.id}


def _rollback(graph: Graph, pusher: Execution | None) -> dict | None:
    """Who put the model back in service, when and why, when its push was a rollback (`tfxkit rollback`)."""
    if pusher is None or pusher.type != keys.ROLLBACK_TYPE:
        return None
    props = pusher.properties
    return {"execution_id": pusher.id, "run": graph.run_of(pusher),
            **{name: props.get(name) for name in (keys.FROM_VERSION, keys.FROM_PUSHED_MODEL, keys.REPLACED_VERSION,
                                                  keys.REPLACED_PUSHED_MODEL, keys.USER, keys.TIME, keys.REASON)}}


def _blessing(graph: Graph, blessing: Artifact | None, evaluation: Artifact | None) -> dict | None:
    if blessing is None:
        return None
    baseline = blessing.properties.get("baseline_model_id")
    return {**_artifact_ref(graph, blessing), "blessed": blessing.properties.get("blessed") == 1,
            "baseline_model_id": int(baseline) if baseline is not None else None,
            "evaluation_uri": evaluation.uri if evaluation else None,
            "checks": graph.fact(blessing, keys.CHECKS) or []}


def _model(graph: Graph, model: Artifact | None, trainer: Execution | None) -> dict | None:
    if model is None:
        return None
    training = graph.fact(model, keys.TRAINING) or {}
    tuned = graph.inputs(trainer, "hyperparameters")
    return {**_artifact_ref(graph, model), "training": training,
            "hyperparameters_artifact_id": tuned.id if tuned else None}


def _examples(graph: Graph, examples: Artifact | None) -> dict | None:
    if examples is None:
        return None
    props = examples.properties
    return {**_artifact_ref(graph, examples), "files": graph.fact(examples, keys.FILES) or [],
            "split_sizes": graph.fact(examples, keys.SPLIT_SIZES) or {},
            "span": props.get("span"), "version": props.get("version"),
            "tfx_input_fingerprint": props.get("input_fingerprint")}


def _schema(graph: Graph, schema: Artifact | None) -> dict | None:
    if schema is None:
        return None
    ref = _artifact_ref(graph, schema)
    if ref["node"] == "ImportSchemaGen":
        return {**ref, "source": "curated", "file": graph.fact(schema, keys.SCHEMA_FILE)}
    return {**ref, "source": "inferred from statistics", "file": None}


def _anomalies(graph: Graph, anomalies: Artifact | None) -> dict | None:
    if anomalies is None:
        return None
    found = graph.fact(anomalies, keys.ANOMALIES)
    return {**_artifact_ref(graph, anomalies), "found": found}


def _spec(run) -> dict | None:
    if run is None or keys.SPEC not in run.properties:
        return None
    return {"hash": run.properties.get(keys.SPEC_HASH), "resolved": json.loads(str(run.properties[keys.SPEC])),
            "versions": (run.json_property(keys.RUN) or {}).get("versions", {})}
