"""Render a run's report as one self-contained HTML page (inline CSS and SVG; no script, no network)."""

from __future__ import annotations

import datetime
import html
from pathlib import Path

import jinja2

from tfxkit.lineage.dot import provenance_dot, render_svg
from tfxkit.lineage.errors import LineageError
from tfxkit.report.collect import ReportData
from tfxkit.report.dag import STATE_COLORS, run_dag, state_label
from tfxkit.report.plots import curve_svg, feature_svg

_TEMPLATES = Path(__file__).resolve().parent / "templates"


def render_report(data: ReportData) -> str:
    """The page's HTML text."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(_TEMPLATES), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["num"] = _num
    env.filters["pct"] = lambda v: "" if v is None else f"{100 * v:.1f}%"
    env.filters["json"] = _json
    training = data.training
    trainer = (training or {}).get("trainer") or {}
    schedule = (trainer.get("learning_rate") or {}).get("schedule")
    stats = (training or {}).get("training") or {}
    marks = {"early stop": stats.get("early_stopped_at_epoch"), "best epoch": stats.get("best_epoch")}
    curves = {metric: curve_svg(metric, parts, marks) for metric, parts in data.curves.items()
              if metric != "learning_rate" or (schedule and schedule != "constant")}
    p = data.provenance
    run = data.run
    model = p.get("model")
    return env.get_template("report.html.j2").render(
        d=data, run=run, p=p, model=model, training=training, stats=stats, schedule=schedule, curves=curves,
        dag_svg=_svg_or_note(lambda: run_dag(data.nodes, data.edges)),
        lineage_svg=_svg_or_note(lambda: provenance_dot(p)),
        feature_svgs={f.name: feature_svg(f) for f in data.features},
        state_colors=STATE_COLORS, state_label=state_label,
        blessing=p.get("blessing"), anomalies=p.get("anomalies"),
        started=run["started"], generated=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        title=f"{data.pipeline} run {run['run_id']}",
    )


def _svg_or_note(make_dot) -> str:
    """Graphviz's SVG, or one line saying why the graph is missing (the rest of the page still renders)."""
    try:
        return render_svg(make_dot())
    except LineageError as exc:
        return f'<p class="note">{html.escape(str(exc))}</p>'


def _num(value, digits: int = 4) -> str:
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:.{digits}f}"


def _json(value) -> str:
    import json

    return json.dumps(value, sort_keys=True)
