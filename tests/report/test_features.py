"""tfxkit.report.features and curves: StatisticsGen's FeatureStats.pb and Keras' TensorBoard logs, without TF."""

from __future__ import annotations

from tests.mlmd_store import write_curves, write_statistics
from tfxkit.report.curves import read_curves
from tfxkit.report.features import read_statistics, split_order
from tfxkit.report.plots import curve_svg, feature_svg


def test_rows_per_split_and_each_feature_s_distribution(tmp_path):
    write_statistics(str(tmp_path), {"eval": 86, "train": 258})
    rows, features = read_statistics(str(tmp_path))
    assert list(rows.items()) == [("train", 258), ("eval", 86)]  # train first
    by_name = {f.name: f for f in features}
    mass = by_name["body_mass_g"]
    assert mass.kind == "FLOAT" and mass.numeric and list(mass.splits) == ["train", "eval"]
    assert mass.splits["train"].missing == 1 / 258 and mass.splits["train"].minimum == 2700.0
    assert len(mass.splits["train"].histogram) == 4
    island = by_name["island"]
    assert island.kind == "STRING" and not island.numeric and island.splits["train"].unique == 3
    assert island.splits["train"].top_values[0] == ("Biscoe", 103)
    assert sorted(["eval", "test", "train"], key=split_order) == ["train", "eval", "test"]
    assert feature_svg(mass).startswith("<svg") and feature_svg(mass) == feature_svg(mass)


def test_training_curves_count_epochs_from_one(tmp_path):
    write_curves(str(tmp_path), {"loss": [0.9, 0.5, 0.3]})
    curves = read_curves(str(tmp_path))
    assert list(curves) == ["loss"] and list(curves["loss"]) == ["train", "validation"]
    assert [(e, round(v, 4)) for e, v in curves["loss"]["train"]] == [(1, 0.9), (2, 0.5), (3, 0.3)]
    assert [round(v, 4) for _, v in curves["loss"]["validation"]] == [0.88, 0.48, 0.28]
    assert read_curves(str(tmp_path / "none")) == {}
    assert 'loss' in curve_svg("loss", curves["loss"], {"early stop": 2})
