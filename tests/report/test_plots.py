"""The report's charts: well-formed SVG, readable axes, legends off the data, the same bytes for the same data."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from tfxkit.report.features import FeatureStats, SplitStats
from tfxkit.report.plots import SPLIT_COLORS, curve_svg, feature_svg, tick_label, ticks, timeline_svg

NS = "{http://www.w3.org/2000/svg}"


def _parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{NS}svg"
    return root


def _texts(root: ET.Element) -> list[str]:
    return [t.text for t in root.iter(f"{NS}text")]


@pytest.mark.parametrize("low, high, expected", [
    (0.0, 0.31, [0.0, 0.1, 0.2, 0.3]),
    (2700, 6300, [3000, 4000, 5000, 6000]),
    (0.0, 1.0, [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]),
    (0.78, 1.01, [0.8, 0.85, 0.9, 0.95, 1.0]),
    (5.0, 5.0, [4.6, 4.8, 5.0, 5.2, 5.4]),  # one value: a unit around it
])
def test_ticks_are_round_values_covering_the_range(low, high, expected):
    assert ticks(low, high) == pytest.approx(expected)


def test_tick_labels_carry_the_decimals_their_spacing_needs():
    assert [tick_label(v, [0.0, 0.1, 0.2]) for v in (0.0, 0.1)] == ["0.0", "0.1"]
    assert tick_label(3000.0, [3000.0, 4000.0]) == "3000"
    assert tick_label(0.85, [0.8, 0.85, 0.9]) == "0.85"
    assert tick_label(0.5, [0.0, 0.25, 0.5]) == "0.50"


def _numeric(train_peak_right: bool = True) -> FeatureStats:
    bins = [(0.0, 1.0), (1.0, 2.0), (2.0, 3.0), (3.0, 4.0)]
    counts = [1, 1, 1, 20] if train_peak_right else [20, 1, 1, 1]
    return FeatureStats("mass", "FLOAT", {
        "train": SplitStats(rows=23, missing=0.0, histogram=[(lo, hi, c) for (lo, hi), c in zip(bins, counts)]),
        "eval": SplitStats(rows=23, missing=0.0, histogram=[(lo, hi, c) for (lo, hi), c in zip(bins, counts)])})


def test_a_numeric_feature_is_a_filled_histogram_then_an_outline_per_split_with_the_same_bytes_each_time():
    svg = feature_svg(_numeric())
    root = _parse(svg)
    paths = [p for p in root.iter(f"{NS}path") if p.get("fill") != "none"]
    assert paths[0].get("fill") == SPLIT_COLORS[0] and paths[0].get("fill-opacity") == "0.35"
    assert any(p.get("stroke") == SPLIT_COLORS[1] for p in root.iter(f"{NS}path"))
    assert {"share", "train", "eval", "0", "2", "4"} <= set(_texts(root))
    assert svg == feature_svg(_numeric())


def _legend_x(root: ET.Element) -> float:
    return float(next(t for t in root.iter(f"{NS}text") if t.text == "train").get("x"))


def test_the_legend_goes_where_the_data_is_not():
    right_heavy, left_heavy = _parse(feature_svg(_numeric(True))), _parse(feature_svg(_numeric(False)))
    width = float(right_heavy.get("viewBox").split()[2])
    assert _legend_x(right_heavy) < width / 2 < _legend_x(left_heavy)


def test_string_features_are_bars_of_their_top_values_with_labels_escaped_and_shortened():
    feature = FeatureStats("city", "STRING", {
        "train": SplitStats(rows=10, missing=0.0, top_values=[("<b>&Co", 6), ("a very long city name", 4)])})
    root = _parse(feature_svg(feature))
    assert len(list(root.iter(f"{NS}rect"))) == 2
    assert "<b>&Co" in _texts(root) and "a very long c…" in _texts(root)
    assert "train" not in _texts(root)  # one split: no legend


def test_curves_have_a_line_per_part_dots_and_dashed_marks_in_the_legend():
    root = _parse(curve_svg("loss", {"train": [(1, 0.9), (2, 0.5), (3, 0.3)],
                                     "validation": [(1, 0.88), (2, 0.48), (3, 0.28)]}, {"early stop": 2, "none": None}))
    assert len(list(root.iter(f"{NS}circle"))) == 6
    assert sum(1 for p in root.iter(f"{NS}path") if p.get("stroke-dasharray")) == 2  # the mark and its legend entry
    assert {"loss", "epoch", "train", "validation", "early stop", "1", "2", "3"} <= set(_texts(root))
    assert "none" not in _texts(root)


def test_a_timeline_marks_the_serving_version_and_hollows_what_a_rollback_wrote():
    root = _parse(timeline_svg("accuracy", [("v1", 0.91, "pushed", False), ("v2", 0.95, "rolled_back", False),
                                            ("v3", 0.93, "serving", True), ("v4", None, "pushed", False)]))
    dots = list(root.iter(f"{NS}circle"))
    assert [(d.get("stroke"), d.get("fill")) for d in dots] == [
        (SPLIT_COLORS[0], SPLIT_COLORS[0]), ("#cb181d", "#cb181d"), ("#31a354", "white")]
    assert float(dots[2].get("r")) > float(dots[0].get("r"))
    assert {"v1", "v2", "v3", "v4", "accuracy", "version (oldest first)"} <= set(_texts(root))


def test_infinite_buckets_and_nan_metrics_leave_gaps_not_errors():
    feature = FeatureStats("x", "FLOAT", {"train": SplitStats(rows=3, missing=0.0, histogram=[
        (float("-inf"), 0.0, 1.0), (0.0, 1.0, 2.0)])})
    assert _parse(feature_svg(feature)).iter(f"{NS}path")
    root = _parse(curve_svg("loss", {"train": [(1, float("nan")), (2, 0.5), (3, 0.4)]}, {}))
    assert len(list(root.iter(f"{NS}circle"))) == 2
    assert _parse(timeline_svg("auc", [("v1", float("nan"), "serving", False)]))
