"""`tfxkit report FILE --models`: one self-contained page of every model version the pipeline pushed.

The same facts as `tfxkit models` (tfxkit.lineage.models): which version
serves, each version's run, data and metrics at push time, rollbacks and the
versions they took out of service; and a timeline per gate metric across the
versions, so a regression (and the rollback that answered it) shows at a glance.
"""

from __future__ import annotations

import datetime
from pathlib import Path

import jinja2

from tfxkit.lineage.models import ModelVersion, model_versions
from tfxkit.lineage.runs import spans_text
from tfxkit.lineage.shown import blank_none
from tfxkit.metadata.store import Store
from tfxkit.report.plots import timeline_svg

_TEMPLATES = Path(__file__).resolve().parent / "templates"


def render_models(store: Store, pipeline: str) -> str:
    """The page's HTML text."""
    versions = model_versions(store, pipeline)
    oldest_first = list(reversed(versions))
    metrics = sorted({name for v in versions for name in v.metrics})
    timelines = {name: timeline_svg(name, [(_label(v), v.metrics.get(name), v.status, v.kind == "rollback")
                                           for v in oldest_first]) for name in metrics}
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(_TEMPLATES), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True, finalize=blank_none)
    env.filters["spans"] = spans_text
    return env.get_template("models.html.j2").render(
        pipeline=pipeline, versions=versions, metrics=metrics, timelines=timelines,
        serving=next((v for v in versions if v.status == "serving"), None),
        generated=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"))


def _label(version: ModelVersion) -> str:
    return str(version.version) if version.version is not None else f"push {version.pushed_model_id}"
