"""Render a run's report as one self-contained HTML page (inline CSS and SVG; no script, no network)."""

from __future__ import annotations

import datetime
from pathlib import Path

import jinja2

from tfxkit.lineage.dot import provenance_dot, svg_or_note
from tfxkit.lineage.shown import blank_none, shown
from tfxkit.lineage.text import hardware_text
from tfxkit.report.collect import ReportData
from tfxkit.report.dag import STATE_COLORS, run_dag, state_label
from tfxkit.report.plots import curve_svg, feature_svg

_TEMPLATES = Path(__file__).resolve().parent / "templates"


def render_report(data: ReportData) -> str:
    """The page's HTML text."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(_TEMPLATES), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True, finalize=blank_none)
    env.filters["num"] = _num
    env.filters["pct"] = lambda v: "" if v is None else f"{100 * v:.1f}%"
    env.filters["shown"] = shown
    env.filters["hardware"] = hardware_text
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
        dag_svg=svg_or_note(run_dag(data.nodes, data.edges)),
        lineage_svg=svg_or_note(provenance_dot(p)),
        feature_svgs={f.name: feature_svg(f) for f in data.features},
        state_colors=STATE_COLORS, state_label=state_label,
        blessing=p.get("blessing"), anomalies=p.get("anomalies"),
        started=run["started"], generated=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        title=f"{data.pipeline} run {run['run_id']}",
    )


def _num(value, digits: int = 4) -> str:
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:.{digits}f}"

