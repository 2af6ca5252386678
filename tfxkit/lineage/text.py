"""Plain-text views of runs, provenance, diffs and reverse lineage, for a terminal."""

from __future__ import annotations

from tfxkit.lineage.diff import value_text
from tfxkit.lineage.runs import spans_text
from tfxkit.lineage.shown import shown


def _when(iso: str) -> str:
    return iso.replace("T", " ").replace("+00:00", " UTC")


def _seconds(value: float | None) -> str:
    return f"{value:.0f} s" if value is not None else "?"


def format_runs(pipeline: str, rows: list[dict]) -> str:
    lines = [f"pipeline {pipeline}: {len(rows)} run{'s' if len(rows) != 1 else ''} shown, newest first"]
    for row in rows:
        outcome = row["status"].replace("_", " ")
        spans = spans_text(row.get("spans") or [])
        lines.append(f"{row['run_id']}  {_when(row['started'])}  {_seconds(row['seconds']):>6}  {outcome:<11}  "
                     f"spec {row['spec_hash'] or '?'}" + (f"  spans {spans}" if spans else ""))
        metrics = "  ".join(f"{k} {v:.4f}" for k, v in sorted(row["metrics"].items()))
        if row["pushed_to"]:
            lines.append(f"    pushed {row['pushed_to']}" + (f"  ({metrics})" if metrics else ""))
        elif metrics:
            lines.append(f"    {metrics}")
        if row["reason"] and row["status"] not in ("pushed", "unchanged"):
            reason = row["reason"]
            lines.append(f"    why: {reason}" + (f" (in {row['failed_node']})"
                                                  if row["failed_node"] and row["failed_node"] not in reason else ""))
        if row.get("error") and row["status"] in ("failed", "gated"):
            error_lines = row["error"].splitlines()
            lines += [f"      {line.strip()}" for line in error_lines[:6]]
            if len(error_lines) > 6:
                lines.append(f"      ... {len(error_lines) - 6} more lines (--format json has them all)")
        by_state: dict[str, list[str]] = {}
        for node, state in row["nodes"].items():
            by_state.setdefault(state, []).append(node)
        lines.append("    " + "  ".join(f"{state}: {' '.join(nodes)}" for state, nodes in by_state.items()))
    return "\n".join(lines)


def _check_line(check: dict) -> str:
    value = check.get("value")
    shown = f"{value:.4f}" if value is not None else "?"
    parts = [f"{check['metric']} {shown}"]
    threshold = check.get("threshold") or {}
    bounds = [f"{k} {threshold[k]:g}" for k in ("lower_bound", "upper_bound") if k in threshold]
    if bounds:
        parts.append("threshold " + ", ".join(bounds))
    if check.get("baseline") is not None:
        change = check.get("change")
        needs = f", needs >= {threshold['min_improvement']:g}" if "min_improvement" in threshold else ""
        parts.append(f"baseline {check['baseline']:.4f} (change {change:+.4f}{needs})" if change is not None
                     else f"baseline {check['baseline']:.4f}")
    verdict = {True: "passed", False: "FAILED", None: "no threshold"}[check.get("passed")]
    line = "  ".join(parts) + f"  -> {verdict}"
    return line + "".join(f"\n            {failure}" for failure in check.get("failures", []))


def format_provenance(p: dict) -> str:
    """The provenance chain for people: push, blessing, model, transform, data, schema, anomalies, spec."""
    model, pushed, blessing = p.get("model"), p.get("pushed"), p.get("blessing")
    run = p.get("run") or {}
    head = f"pipeline {p['pipeline']}, " + (f"model {model['artifact_id']}" if model else "no model")
    if pushed:
        head += ", served now" if pushed["is_served"] else ", pushed earlier (not the one served now)"
    elif model:
        head += ", not pushed"
    lines = [head]
    if pushed:
        lines.append(f"pushed model  {pushed['destination']}  (artifact {pushed['artifact_id']}, run {pushed['run']})")
        rollback = p.get("rollback")
        if rollback:
            lines.append(f"<- rollback   run {rollback['run']} by {rollback['user']} at {rollback['time']}: version "
                         f"{rollback['from_version']} served again in place of {rollback['replaced_version']}, "
                         f"because: {rollback['reason']}")
    elif run:
        lines.append(f"not pushed    run {run['run_id']}: {run['status'].replace('_', ' ')}"
                     + (f": {run['reason']}" if run.get("reason") else ""))
    if blessing:
        verdict = "blessed" if blessing["blessed"] else "NOT blessed"
        baseline = blessing.get("baseline_model_id")
        lines.append(f"<- blessing   {blessing['artifact_id']} (run {blessing['run']}): {verdict}, baseline "
                     + (f"model {baseline}" if baseline else "none (first blessed model)"))
        lines += [f"        {_check_line(c)}" for c in blessing.get("checks", [])]
    if model:
        lines += _model_lines(model)
    if p.get("transform"):
        lines.append(f"<- transform  {p['transform']['artifact_id']} (run {p['transform']['run']})  "
                     f"{p['transform']['uri']}")
    lines += _data_lines(p)
    if not model and run:
        lines.append("nothing was trained in this run")
    spec = p.get("spec")
    if spec:
        versions = ", ".join(f"{k} {v}" for k, v in spec.get("versions", {}).items())
        lines.append(f"spec {spec['hash']} (run {run.get('run_id')}; --spec prints it)")
        if versions:
            lines.append(f"stack {versions}")
    return "\n".join(lines)


def _model_lines(model: dict) -> list[str]:
    """The model, how it was built and trained, its tuned hyperparameters and TensorBoard logs."""
    training = model.get("training") or {}
    lines = [f"<- model      {model['artifact_id']} (trained in run {model['run']})  {model['uri']}"]
    m, t = training.get("model") or {}, training.get("trainer") or {}
    if m:
        rate = t.get("learning_rate") or {}
        rate_text = " ".join(f"{k}={shown(v)}" for k, v in rate.items() if v not in (None, 0) or k == "initial")
        optimizer = (t.get("optimizer") or {}).get("name")
        lines.append(f"        {shown(m.get('type'))} {shown(m.get('task'))} hidden {shown(m.get('hidden_units'))} dropout "
                     f"{shown(m.get('dropout'))}; {shown(optimizer)}, learning rate {rate_text}; "
                     f"batch {shown(t.get('batch_size'))}")
    summary = training.get("training") or {}
    if summary:
        stop = (f"early stop at epoch {summary['early_stopped_at_epoch']} (best {summary['best_epoch']})"
                if summary.get("early_stopped_at_epoch") else "no early stop")
        lines.append(f"        epochs run {shown(summary.get('epochs_run'))} of {shown(summary.get('max_epochs'))}, "
                     f"{stop}, training {shown(summary.get('seconds'))} s")
    if training.get("hardware"):
        lines.append(f"        hardware {hardware_text(training['hardware'])}")
    if training.get("hyperparameters"):
        tuned = ", ".join(f"{k}={shown(v)}" for k, v in sorted(training["hyperparameters"].items()))
        lines.append(f"        tuned hyperparameters: {tuned} (artifact {model.get('hyperparameters_artifact_id')})")
    if training.get("tensorboard"):
        lines.append(f"        tensorboard {training['tensorboard']}")
    return lines


def hardware_text(hardware: dict) -> str:
    """The Trainer's recorded hardware plan in one phrase: "2 replicas (logical CPU), mixed_bfloat16; global
    batch 32 (16 per replica)". Models trained before tfxkit recorded it have none, and show no line."""
    text = shown(hardware.get("summary"))
    if hardware.get("global_batch_size") is not None:
        text += (f"; global batch {hardware['global_batch_size']} "
                 f"({shown(hardware.get('batch_size_per_replica'))} per replica)")
    return text


def _data_lines(p: dict) -> list[str]:
    """The examples and their files, the schema, the statistics and the anomalies found."""
    lines = []
    examples = p.get("examples")
    if p.get("spans"):
        lines += _span_lines(p["spans"])
    elif examples:
        sizes = ", ".join(f"{k} {v}" for k, v in sorted(examples.get("split_sizes", {}).items()))
        span = "".join(f"; {key} {shown(examples[key])}" for key in ("span", "version") if examples.get(key) is not None)
        lines.append(f"<- examples   {examples['artifact_id']} ({examples['node']}, run {examples['run']})  "
                     f"splits: {sizes or '?'}{span}")
        for f in examples.get("files", []):
            lines.append(f"        {f['path']}  {f['size']} bytes  modified {_when(f['modified'])}  "
                         f"sha256 {f['sha256']}")
        if not examples.get("files"):
            lines.append("        (input files were not recorded: run by an older tfxkit or another tool)")
    schema = p.get("schema")
    if schema:
        where = (f"curated {schema['file']['path']}  sha256 {schema['file']['sha256']}"
                 if schema.get("file") else schema["source"])
        lines.append(f"<- schema     {schema['artifact_id']} ({schema['node']}): {where}")
    if p.get("statistics"):
        lines.append(f"<- statistics {p['statistics']['artifact_id']}  {p['statistics']['uri']}")
    anomalies = p.get("anomalies")
    if anomalies:
        found = anomalies.get("found")
        if found is None:
            lines.append(f"<- anomalies  {anomalies['artifact_id']}: not recorded")
        elif not found:
            lines.append(f"<- anomalies  {anomalies['artifact_id']}: none")
        else:
            lines.append(f"<- anomalies  {anomalies['artifact_id']}:")
            lines += [f"        [{split}] {item}" for split, items in found.items() for item in items]
    return lines


def format_diff(d: dict) -> str:
    lines = [f"pipeline {d['pipeline']}: run {d['old']} -> run {d['new']}"]

    def section(title: str, changes: list[dict]) -> None:
        if not changes:
            lines.append(f"{title}: unchanged")
            return
        lines.append(f"{title}:")
        lines.extend(f"    {c['key']}: {value_text(c['old'])} -> {value_text(c['new'])}" for c in changes)

    section("spec", d["spec"])
    lines.append(_span_diff_line(d.get("spans") or {}))
    section("data files (sha256)", d["files"])
    section("schema", d["schema"])
    section("hyperparameters and training", d["hyperparameters"])
    lines.append("metrics:")
    for m in d["metrics"]:
        old = f"{m['old']:.4f}" if m["old"] is not None else "(none)"
        new = f"{m['new']:.4f}" if m["new"] is not None else "(none)"
        delta = f"  ({m['delta']:+.4f})" if m["delta"] is not None else ""
        lines.append(f"    {m['metric']}: {old} -> {new}{delta}")
    if not d["metrics"]:
        lines.append("    (none recorded)")
    components = d["components"]
    lines.append(f"components re-run: {' '.join(components['reran']) or 'none'}")
    lines.append(f"components cached: {' '.join(components['cached']) or 'none'}")
    for node, state in components["other"].items():
        lines.append(f"component {node}: {state}")
    lines.append(f"outcome: {d['outcome']['old']} -> {d['outcome']['new']}; "
                 f"model {d['models']['old']} -> {d['models']['new']}")
    return "\n".join(lines)


def _span_diff_line(spans: dict) -> str:
    """'spans: added 4; dropped 2; 3 version 1 -> 2', or 'spans: unchanged'."""
    parts = [f"{what} {spans_text(spans[key])}" for key, what in (("added", "added"), ("dropped", "dropped"))
             if spans.get(key)]
    parts += [f"{s.get('label') or s['span']} version {value_text(s['old'])} -> {value_text(s['new'])}"
              for s in spans.get("new_version") or []]
    return "spans: " + ("; ".join(parts) or "unchanged")


def _span_lines(spans: list[dict]) -> list[str]:
    """The spans behind the model, one block each: span and version, its Examples, rows per split, files."""
    lines = [f"<- spans      {len(spans)}: {spans_text(spans)} (Transform and Trainer read their union)"]
    for s in spans:
        sizes = ", ".join(f"{k} {v}" for k, v in sorted((s.get("split_sizes") or {}).items())) or "not recorded"
        version = f" version {s['version']}" if s.get("version") is not None else ""
        name = s.get("label") or str(s["span"])
        name += f" (span {s['span']})" if name != str(s["span"]) else ""
        lines.append(f"        span {name}{version}: examples {s['artifact_id']} ({s['node']}, run {s['run']})  "
                     f"rows: {sizes}")
        for f in s.get("files") or []:
            lines.append(f"            {f['path']}  {f['size']} bytes  sha256 {f['sha256']}")
        if not s.get("files"):
            lines.append("            (input files were not recorded)")
    return lines


def format_reverse(r: dict) -> str:
    models = r["models"]
    lines = [f"data {r['data']}: {len(models)} model{'s' if len(models) != 1 else ''} trained on it"]
    for m in models:
        state = "SERVED NOW" if m["is_served"] else ("pushed" if m["pushed_to"] else "not pushed")
        lines.append(f"model {m['model_id']} ({m['pipeline']}, run {m['trained_in_run']}): {state}")
        for dest in m["pushed_to"]:
            lines.append(f"    pushed to {dest}")
        for f in m["files"]:
            lines.append(f"    read {f['path']} (sha256 {f['sha256'][:16]}..., matched by {f['matched_by']})")
    return "\n".join(lines)


def format_models(m: dict) -> str:
    """`tfxkit models`: every pushed version, highest first, with its status and where its model came from."""
    versions = m["versions"]
    lines = [f"pipeline {m['pipeline']}: {len(versions)} model version{'s' if len(versions) != 1 else ''}, "
             "highest first (a model server loads the one serving in each destination)"]
    for v in versions:
        metrics = "  ".join(f"{k} {value:.4f}" for k, value in sorted(v["metrics"].items()))
        lines.append(f"{v['version'] if v['version'] is not None else '?':<11} {v['status'].replace('_', ' '):<11}  "
                     f"{_when(v['pushed'])}  {v['kind']:<8}  run {v['run_id'] or '?'}  model {v['model_id']}"
                     + (f"  {metrics}" if metrics else ""))
        rollback = v.get("rollback")
        if rollback:
            lines.append(f"    rollback: version {rollback['from_version']} served again in place of "
                         f"{rollback['replaced_version']}, by {rollback['user']} at {rollback['time']}: "
                         f"{rollback['reason']}")
        promotion = v.get("promotion")
        if promotion:
            lines.append(f"    promoted: version {promotion['from_version']} (model {promotion['from_model_id']}) "
                         f"copied to {promotion['promoted_to']}, by {promotion['user']} at {promotion['time']}"
                         + (f": {promotion['reason']}" if promotion.get("reason") else ""))
        if v.get("rolled_back_by"):
            by = v["rolled_back_by"]
            lines.append("    rolled back" + (f" by version {by['version']}" if by.get("version") else "")
                         + f" (run {by['run_id']}): {by['reason']}")
        spans = spans_text(v.get("spans") or [])
        data = f"data {v['data']}" if v.get("data") else ""
        named = f"{v['destination_name']}: " if v.get("destination_name") else ""  # status is per destination
        lines.append(f"    {named}{v['destination']}" + (f"  {data}" if data else "") + (f"  spans {spans}" if spans else ""))
    return "\n".join(lines)
