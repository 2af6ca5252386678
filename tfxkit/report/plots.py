"""The report's charts, written as inline SVG elements.

A report has few and small charts of three kinds: a histogram or bar chart per
feature, a line per training metric, a timeline per gate metric. They were drawn
with matplotlib, whose import and drawing (with tight bounding boxes) took 1.5-2 s
of every report, written at the end of every run: penguin's nine charts took 0.6 s
to import and 0.9-1.4 s to draw on 2 loaded cores. Written directly they take a few
milliseconds. Text stays text, in the page's fonts, and the same data draws the
same bytes. Margins are sized from the labels' lengths, as a tight bounding box
would, with the characters' average advance.
"""

from __future__ import annotations

import math
from html import escape
from typing import Iterable

from tfxkit.report.features import FeatureStats

SPLIT_COLORS = ("#3182bd", "#e6550d", "#31a354", "#756bb1", "#636363")
FONT = 7.0  # points, as every chart is sized (a 2.6 x 1.3 in chart is 187 x 94)
TITLE_FONT = 8.0
CHAR = 0.58 * FONT  # average advance of a sans-serif character, for laying labels out
TICK = 3.0
_AXIS = "#333333"
_MARK_FIRST, _MARK_OTHER = "#cb181d", "#999999"


def _n(value: float) -> str:
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round values (1, 2, 2.5 or 5 times a power of ten apart) covering [low, high], about `count` of them."""
    if not (math.isfinite(low) and math.isfinite(high)):
        return []
    if not high > low:
        low, high = low - 0.5, high + 0.5
    raw = (high - low) / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw * 0.999)
    first = math.ceil(low / step - 1e-9)
    return [round(i * step, 12) for i in range(first, math.floor(high / step + 1e-9) + 1)]


def tick_label(value: float, values: list[float]) -> str:
    """`value` with the fewest decimals that write every one of `values` (its axis' ticks) exactly."""
    decimals = next((d for d in range(7) if all(abs(round(v, d) - v) < 1e-9 for v in values)), 6)
    return f"{value:.{decimals}f}"


class _Chart:
    """One chart: axes from data ranges to a plot area inside margins, and the SVG elements drawn so far."""

    def __init__(self, width: float, height: float, x_range: tuple[float, float], y_range: tuple[float, float],
                 left: float, bottom: float, top: float, right: float = 6.0, y_down: bool = False):
        self.width, self.height = width, height
        self.x0, self.x1 = left, width - right
        self.y0, self.y1 = height - bottom, top  # y0 is the bottom edge of the plot area
        self.x_range, self.y_range, self.y_down = x_range, y_range, y_down
        self.parts: list[str] = []

    def x(self, value: float) -> float:
        low, high = self.x_range
        return self.x0 + (value - low) / ((high - low) or 1.0) * (self.x1 - self.x0)

    def y(self, value: float) -> float:
        low, high = self.y_range
        share = (value - low) / ((high - low) or 1.0)
        return self.y1 + share * (self.y0 - self.y1) if self.y_down else self.y0 - share * (self.y0 - self.y1)

    def path(self, points: Iterable[tuple[float, float]], color: str, width: float = 1.0, dash: str | None = None,
             fill: str | None = None, opacity: float | None = None) -> None:
        d = " ".join(f"{'M' if i == 0 else 'L'}{_n(px)} {_n(py)}" for i, (px, py) in enumerate(points))
        attrs = f'd="{d}{" Z" if fill else ""}" fill="{fill or "none"}"'
        attrs += f' stroke="{color}" stroke-width="{_n(width)}"' if width else ' stroke="none"'
        if dash:
            attrs += f' stroke-dasharray="{dash}"'
        if opacity is not None:
            attrs += f' fill-opacity="{_n(opacity)}"'
        self.parts.append(f"<path {attrs}/>")

    def rect(self, x: float, y: float, width: float, height: float, color: str) -> None:
        self.parts.append(f'<rect x="{_n(x)}" y="{_n(y)}" width="{_n(width)}" height="{_n(height)}" fill="{color}"/>')

    def dot(self, x: float, y: float, radius: float, edge: str, face: str) -> None:
        self.parts.append(f'<circle cx="{_n(x)}" cy="{_n(y)}" r="{_n(radius)}" fill="{face}" stroke="{edge}" '
                          f'stroke-width="0.8"/>')

    def text(self, x: float, y: float, text: str, anchor: str = "middle", size: float = FONT,
             rotate: float | None = None) -> None:
        turn = f' transform="rotate({_n(rotate)} {_n(x)} {_n(y)})"' if rotate else ""
        self.parts.append(f'<text x="{_n(x)}" y="{_n(y)}" font-size="{_n(size)}" text-anchor="{anchor}"{turn}>'
                          f"{escape(text)}</text>")

    def x_axis(self, values: list[float], labels: list[str], label: str = "", rotated: bool = False) -> None:
        self.path([(self.x0, self.y0), (self.x1, self.y0)], _AXIS, 0.8)
        for value, text in zip(values, labels):
            px = self.x(value)
            self.path([(px, self.y0), (px, self.y0 + TICK)], _AXIS, 0.8)
            if rotated:
                self.text(px + 2, self.y0 + TICK + FONT * 0.9, text, anchor="end", rotate=-45)
            else:
                self.text(px, self.y0 + TICK + FONT + 1, text)
        if label:
            self.text((self.x0 + self.x1) / 2, self.height - 2, label)

    def y_axis(self, values: list[float], labels: list[str], label: str = "") -> None:
        self.path([(self.x0, self.y0), (self.x0, self.y1)], _AXIS, 0.8)
        for value, text in zip(values, labels):
            py = self.y(value)
            self.path([(self.x0 - TICK, py), (self.x0, py)], _AXIS, 0.8)
            self.text(self.x0 - TICK - 1.5, py + FONT * 0.35, text, anchor="end")
        if label:
            self.text(FONT, (self.y0 + self.y1) / 2, label, rotate=-90)

    def title(self, text: str) -> None:
        self.text((self.x0 + self.x1) / 2, TITLE_FONT + 1, text, size=TITLE_FONT)

    def _legend_box(self, entries: list[tuple[str, str, str]], corner: str) -> tuple[float, float, float, float]:
        width = 14 + max(len(label) for label, _, _ in entries) * CHAR
        height = (FONT + 2) * len(entries)
        left = self.x1 - width - 2 if corner.endswith("right") else self.x0 + 4
        top = self.y1 + 2 if corner.startswith("upper") else self.y0 - height - 2
        return left, top, width, height

    def legend(self, entries: list[tuple[str, str, str]], covered: list[tuple[float, float, float, float]]) -> None:
        """(label, color, kind: 'box' | 'line' | 'dash') entries, in the corner of the plot area where they cover
        the least of `covered` (data as pixel boxes: x, y, width, height), as matplotlib's 'best' does."""
        if not entries:
            return

        def overlap(box: tuple[float, float, float, float]) -> float:
            left, top, width, height = box
            return sum(max(0.0, min(left + width, x + w) - max(left, x)) * max(0.0, min(top + height, y + h) - max(top, y))
                       for x, y, w, h in covered)

        corners = ("upper right", "upper left", "lower right", "lower left")
        left, top, width, height = min((self._legend_box(entries, c) for c in corners), key=overlap)
        self.parts.append(f'<rect x="{_n(left - 1)}" y="{_n(top)}" width="{_n(width)}" height="{_n(height)}" '
                          'fill="white" fill-opacity="0.8"/>')  # legible where no corner was free of data
        row = FONT + 2
        for i, (label, color, kind) in enumerate(entries):
            middle = top + row * i + row / 2
            if kind == "box":
                self.rect(left, middle - 2.5, 8, 5, color)
            else:
                self.path([(left, middle), (left + 8, middle)], color, 1.2, dash="3 2" if kind == "dash" else None)
            self.text(left + 11, middle + FONT * 0.35, label, anchor="start")

    def along(self, points: list[tuple[float, float]], every: float = 2.0) -> list[tuple[float, float, float, float]]:
        """A line through `points` (data values) as small pixel boxes every `every` pixels, for `legend`."""
        boxes = []
        pixels = [(self.x(vx), self.y(vy)) for vx, vy in points]
        for (ax, ay), (bx, by) in zip(pixels, pixels[1:]):
            steps = max(1, int(math.hypot(bx - ax, by - ay) / every))
            boxes += [(ax + (bx - ax) * k / steps - 1, ay + (by - ay) * k / steps - 1, 2.0, 2.0) for k in range(steps)]
        return boxes + [(px - 1, py - 1, 2.0, 2.0) for px, py in pixels[-1:]]

    def svg(self) -> str:
        return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{_n(self.width)}pt" height="{_n(self.height)}pt" '
                f'viewBox="0 0 {_n(self.width)} {_n(self.height)}" font-family="DejaVu Sans, Arial, sans-serif" '
                f'fill="{_AXIS}">' + "".join(self.parts) + "</svg>")


def _left_margin(labels: Iterable[str], axis_label: bool) -> float:
    return max((len(text) for text in labels), default=1) * CHAR + TICK + 4 + (FONT + 3 if axis_label else 0)


def _padded(low: float, high: float, share: float = 0.05) -> tuple[float, float]:
    pad = (high - low) * share or 0.5
    return low - pad, high + pad


def _value_axis(values: list[float]) -> tuple[tuple[float, float], list[float], list[str]]:
    """An axis over values (a metric's, a histogram's edges): its range (the values' padded), the ticks inside it
    and their labels."""
    shown = _padded(min(values, default=0.0), max(values, default=1.0))
    at = [v for v in ticks(*shown) if shown[0] <= v <= shown[1]]
    return shown, at, [tick_label(v, at) for v in at]


def feature_svg(feature: FeatureStats) -> str:
    """A small chart of one feature: a histogram per split (numbers) or the top values (strings)."""
    splits = list(feature.splits.items())
    if feature.numeric:
        return _histograms(splits)
    return _top_value_bars(splits)


def _histograms(splits: list) -> str:
    finite = [(i, split, [b for b in stats.histogram if math.isfinite(b[0]) and math.isfinite(b[1])])
              for i, (split, stats) in enumerate(splits)]  # a bucket reaching an infinite value has no width to draw
    shown = [(i, split, bins) for i, split, bins in finite if bins]
    edges = [edge for _, _, bins in shown for low, high, _ in bins for edge in (low, high)]
    shares = {split: [count / (sum(b[2] for b in bins) or 1.0) for _, _, count in bins] for _, split, bins in shown}
    top = max((v for values in shares.values() for v in values), default=1.0) or 1.0
    y_values = ticks(0.0, top)
    y_labels = [tick_label(v, y_values) for v in y_values]
    x_range, x_values, x_labels = _value_axis(edges)
    chart = _Chart(187.2, 93.6, x_range, (0.0, max(top, y_values[-1]) * 1.02), left=_left_margin(y_labels, True),
                   bottom=TICK + FONT + 5, top=4)
    for i, split, bins in shown:
        steps = [(bins[0][0], 0.0)]
        for (low, high, _), share in zip(bins, shares[split]):
            steps += [(low, share), (high, share)]
        steps.append((bins[-1][1], 0.0))
        points = [(chart.x(vx), chart.y(vy)) for vx, vy in steps]
        if i == shown[0][0]:
            chart.path(points, _color(i), width=0, fill=_color(i), opacity=0.35)
        else:
            chart.path(points, _color(i), 1.0)
    chart.x_axis(x_values, x_labels)
    chart.y_axis(y_values, y_labels, "share")
    if len(splits) > 1:
        bars = [(chart.x(low), chart.y(share), chart.x(high) - chart.x(low), chart.y0 - chart.y(share))
                for _, split, bins in shown for (low, high, _), share in zip(bins, shares[split])]
        chart.legend([(split, _color(i), "box" if i == shown[0][0] else "line") for i, split, _ in shown], bars)
    return chart.svg()


def _top_value_bars(splits: list) -> str:
    labels = _top_labels(s for _, s in splits)
    height = 0.8 / max(len(splits), 1)
    shares = [[dict(stats.top_values).get(v, 0) / (stats.rows or 1) for v in labels] for _, stats in splits]
    top = max((v for row in shares for v in row), default=1.0) or 1.0
    x_values = ticks(0.0, top, 4)
    shown_labels = [_short(v) for v in labels]
    chart = _Chart(187.2, 93.6, (0.0, max(top, x_values[-1]) * 1.02), (-0.2, max(len(labels), 1) - 0.2),
                   left=_left_margin(shown_labels, False), bottom=TICK + 2 * FONT + 6, top=4, y_down=True)
    bars = []
    for i, row in enumerate(shares):
        for j, share in enumerate(row):
            bars.append((chart.x(0.0), chart.y(j + i * height), chart.x(share) - chart.x(0.0),
                         chart.y(j + (i + 1) * height) - chart.y(j + i * height)))
            chart.rect(*bars[-1], _color(i))
    chart.x_axis(x_values, [tick_label(v, x_values) for v in x_values], "share")
    chart.y_axis([j + 0.4 - height / 2 for j in range(len(labels))], shown_labels)
    if len(splits) > 1:
        chart.legend([(split, _color(i), "box") for i, (split, _) in enumerate(splits)], bars)
    return chart.svg()


def curve_svg(metric: str, parts: dict[str, list[tuple[int, float]]], marks: dict[str, int | None]) -> str:
    """One metric per epoch, a line per folder (train, validation, ...), with the marked epochs dashed."""
    parts = {part: [(e, v) for e, v in line if math.isfinite(v)] for part, line in parts.items()}  # a NaN loss: a gap
    points = [p for line in parts.values() for p in line]
    epochs = [e for e, _ in points] + [e for e in marks.values() if e]
    y_range, y_values, y_labels = _value_axis([v for _, v in points])
    x_range = _padded(min(epochs, default=1), max(epochs, default=1))
    x_values = [v for v in ticks(*x_range, 10) if x_range[0] <= v <= x_range[1] and float(v).is_integer()]
    chart = _Chart(244.8, 144.0, x_range, y_range, left=_left_margin(y_labels, False),
                   bottom=TICK + 2 * FONT + 6, top=TITLE_FONT + 6)
    entries, covered = [], []
    for i, (part, line) in enumerate(parts.items()):
        color = _color(i)
        covered += chart.along(line)
        chart.path([(chart.x(e), chart.y(v)) for e, v in line], color, 1.2)
        if len(line) < 30:
            for e, v in line:
                chart.dot(chart.x(e), chart.y(v), 1.2, color, color)
        entries.append((part, color, "line"))
    for j, (label, epoch) in enumerate(marks.items()):
        if epoch:
            color = _MARK_OTHER if j else _MARK_FIRST
            chart.path([(chart.x(epoch), chart.y0), (chart.x(epoch), chart.y1)], color, 0.8, dash="3 2")
            covered.append((chart.x(epoch) - 1, chart.y1, 2.0, chart.y0 - chart.y1))
            entries.append((label, color, "dash"))
    chart.title(metric)
    chart.x_axis(x_values, [str(int(v)) for v in x_values], "epoch")
    chart.y_axis(y_values, y_labels)
    chart.legend(entries, covered)
    return chart.svg()


def timeline_svg(metric: str, points: list[tuple[str, float | None, str, bool]]) -> str:
    """One gate metric across pushed versions, oldest first: a point per version (label, value, status, written
    by a rollback), the serving one green and larger, rolled-back ones red, the versions a rollback wrote hollow."""
    shown = [(i, value, status, copied) for i, (_, value, status, copied) in enumerate(points)
             if value is not None and math.isfinite(value)]
    y_range, y_values, y_labels = _value_axis([v for _, v, _, _ in shown])
    x_labels = [_short(label, 8) for label, *_ in points]
    below = TICK + max((len(text) for text in x_labels), default=1) * CHAR * 0.72 + 2.5 * FONT + 6
    chart = _Chart(244.8, 144.0 + below - (TICK + 2 * FONT + 6), _padded(0, max(len(points) - 1, 0)), y_range,
                   left=_left_margin(y_labels, False), bottom=below, top=TITLE_FONT + 6)
    chart.path([(chart.x(i), chart.y(v)) for i, v, _, _ in shown], _color(0), 1.0)
    for i, value, status, copied in shown:
        edge = {"serving": "#31a354", "rolled_back": _MARK_FIRST}.get(status, _color(0))
        chart.dot(chart.x(i), chart.y(value), 2.5 if status == "serving" else 1.75, edge, "white" if copied else edge)
    chart.title(metric)
    chart.x_axis(list(range(len(points))), x_labels, "version (oldest first)", rotated=True)
    chart.y_axis(y_values, y_labels)
    return chart.svg()


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
