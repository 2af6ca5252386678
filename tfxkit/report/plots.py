"""The report's charts, drawn with matplotlib and returned as inline SVG text.

Only matplotlib's object API is used (a Figure with its own canvas, no pyplot),
so drawing never touches a global backend another library in the same process
may have chosen. Text stays text (`svg.fonttype: none`) and ids are salted with
a fixed string: a chart is small, and the same data draws the same bytes.
"""

from __future__ import annotations

import io
import re
from typing import Iterable

from tfxkit.report.features import FeatureStats

SPLIT_COLORS = ("#3182bd", "#e6550d", "#31a354", "#756bb1", "#636363")
_RC = {"svg.fonttype": "none", "svg.hashsalt": "tfxkit-report", "font.size": 7, "axes.titlesize": 8,
       "axes.spines.top": False, "axes.spines.right": False, "legend.fontsize": 6, "legend.frameon": False}
_METADATA = re.compile(r"<metadata>.*?</metadata>\s*", re.S)


def _svg(fig) -> str:
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None, "Creator": None})
    text = buffer.getvalue()
    text = _METADATA.sub("", text[text.index("<svg"):])  # no prolog, DOCTYPE or RDF block: inlined in HTML
    return text


def _figure(width: float, height: float):
    import matplotlib
    from matplotlib.figure import Figure

    context = matplotlib.rc_context(_RC)
    context.__enter__()
    fig = Figure(figsize=(width, height))
    return fig, context


def feature_svg(feature: FeatureStats) -> str:
    """A small chart of one feature: a histogram per split (numbers) or the top values (strings)."""
    fig, context = _figure(2.6, 1.3)
    try:
        ax = fig.subplots()
        splits = list(feature.splits.items())
        if feature.numeric:
            for i, (split, stats) in enumerate(splits):
                if not stats.histogram:
                    continue
                edges = [b[0] for b in stats.histogram] + [stats.histogram[-1][1]]
                total = sum(b[2] for b in stats.histogram) or 1.0
                ax.stairs([b[2] / total for b in stats.histogram], edges, label=split, color=_color(i),
                          fill=i == 0, alpha=0.35 if i == 0 else 1.0, linewidth=1)
            ax.set_ylabel("share")
        else:
            labels = _top_labels(s for _, s in splits)
            height = 0.8 / max(len(splits), 1)
            for i, (split, stats) in enumerate(splits):
                counts = dict(stats.top_values)
                total = stats.rows or 1
                ax.barh([j + i * height for j in range(len(labels))], [counts.get(v, 0) / total for v in labels],
                        height=height, label=split, color=_color(i))
            ax.set_yticks([j + 0.4 - height / 2 for j in range(len(labels))], [_short(v) for v in labels])
            ax.invert_yaxis()
            ax.set_xlabel("share")
        if len(splits) > 1:
            ax.legend(loc="lower right" if not feature.numeric else "best")
        return _svg(fig)
    finally:
        context.__exit__(None, None, None)


def curve_svg(metric: str, parts: dict[str, list[tuple[int, float]]], marks: dict[str, int | None]) -> str:
    """One metric per epoch, a line per folder (train, validation, ...), with the marked epochs dashed."""
    fig, context = _figure(3.4, 2.0)
    try:
        ax = fig.subplots()
        for i, (part, points) in enumerate(parts.items()):
            ax.plot([p[0] for p in points], [p[1] for p in points], marker="o" if len(points) < 30 else None,
                    markersize=2, linewidth=1.2, label=part, color=_color(i))
        for j, (label, epoch) in enumerate(marks.items()):
            if epoch:
                ax.axvline(epoch, linestyle="--", linewidth=0.8, color="#999999" if j else "#cb181d", label=label)
        ax.set_title(metric)
        ax.set_xlabel("epoch")
        ax.legend(loc="best")
        return _svg(fig)
    finally:
        context.__exit__(None, None, None)


def timeline_svg(metric: str, points: list[tuple[str, float | None, str, bool]]) -> str:
    """One gate metric across pushed versions, oldest first: a point per version (label, value, status, written
    by a rollback), the serving one green and larger, rolled-back ones red, the versions a rollback wrote hollow."""
    fig, context = _figure(3.4, 2.0)
    try:
        ax = fig.subplots()
        shown = [(i, value, status, copied) for i, (_, value, status, copied) in enumerate(points) if value is not None]
        ax.plot([i for i, *_ in shown], [v for _, v, _, _ in shown], linewidth=1.0, color=_color(0))
        for i, value, status, copied in shown:
            edge = {"serving": "#31a354", "rolled_back": "#cb181d"}.get(status, _color(0))
            face = "white" if copied else edge
            ax.plot([i], [value], marker="o", markersize=5 if status == "serving" else 3.5, color=edge,
                    markerfacecolor=face, linestyle="none")
        ax.set_xticks(range(len(points)), [_short(label, 8) for label, *_ in points], rotation=45, ha="right")
        ax.set_title(metric)
        ax.set_xlabel("version (oldest first)")
        return _svg(fig)
    finally:
        context.__exit__(None, None, None)


def _color(i: int) -> str:
    return SPLIT_COLORS[i % len(SPLIT_COLORS)]


def _top_labels(splits: Iterable) -> list[str]:
    seen: dict[str, float] = {}
    for stats in splits:
        for value, count in stats.top_values:
            seen[value] = seen.get(value, 0) + count
    return [v for v, _ in sorted(seen.items(), key=lambda kv: -kv[1])][:8]


def _short(value: str, width: int = 14) -> str:
    return value if len(value) <= width else value[: width - 1] + "…"
