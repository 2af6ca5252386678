"""`lineage --format html`: one self-contained page (inline CSS and SVG, no network) a person can open,
attach to a review or keep as a CI artifact."""

from __future__ import annotations

from pathlib import Path

import jinja2

from tfxkit.lineage.dot import provenance_dot, svg_or_note
from tfxkit.lineage.shown import blank_none, shown

_TEMPLATES = Path(__file__).resolve().parent / "templates"


def provenance_html(p: dict) -> str:
    model = p.get("model")
    title = f"model {model['artifact_id']} of {p['pipeline']}" if model else f"run {p['run']['run_id']} of " \
        f"{p['pipeline']}" if p.get("run") else p["pipeline"]
    pushed = p.get("pushed")
    verdict = ("served now from " + pushed["destination"]) if pushed and pushed["is_served"] else (
        "pushed to " + pushed["destination"] + " (no longer the one served)" if pushed else
        "not pushed" + (f": {p['run']['reason']}" if p.get("run") and p["run"].get("reason") else ""))
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(_TEMPLATES), autoescape=True,
                             undefined=jinja2.StrictUndefined, finalize=blank_none)
    env.filters["shown"] = shown
    return env.get_template("lineage.html.j2").render(p=_Attr(p), title=title, verdict=verdict,
                                                      svg=svg_or_note(provenance_dot(p)))


class _Attr(dict):
    """A dict whose keys read as attributes in the template, with None for missing keys."""

    def __getattr__(self, name: str):
        value = self.get(name)
        if isinstance(value, dict):
            return _Attr(value)
        if isinstance(value, list):
            return [_Attr(v) if isinstance(v, dict) else v for v in value]
        return value
