"""The numeric drift comparator on samples: silent between samples of one distribution however long its tails,
loud on a change of units, an offset, or a moved share of a few repeated values."""

from __future__ import annotations

import numpy as np
import pytest

from tfxkit.components.data_gate.divergence import jensen_shannon

BUCKETS = 10  # TFDV's default number of quantiles-histogram buckets


def buckets(values: np.ndarray) -> list[tuple[float, float, float]]:
    """A quantiles histogram as TFDV writes it: BUCKETS buckets of (nearly) equal counts between quantiles."""
    edges = np.quantile(values, np.linspace(0, 1, BUCKETS + 1))
    return [(float(lo), float(hi), len(values) / BUCKETS) for lo, hi in zip(edges, edges[1:])]


def long_tailed(rng: np.random.Generator, n: int) -> np.ndarray:
    """Fares: a lognormal body and a few extreme values that set an equal-width histogram's range."""
    values = rng.lognormal(2.3, 0.6, size=n)
    values[rng.integers(0, n, size=max(n // 5000, 1))] = rng.uniform(300, 3000)
    return values


@pytest.mark.parametrize("n", [700, 2_000, 100_000])
def test_two_samples_of_one_long_tailed_distribution_do_not_drift(n):
    a, b = long_tailed(np.random.default_rng(1), n), long_tailed(np.random.default_rng(2), n)
    assert jensen_shannon(buckets(b), buckets(a)) < 0.02


def test_two_samples_of_a_column_of_few_repeated_values_do_not_drift():
    rng = np.random.default_rng(3)
    a, b = (rng.choice([1, 8, 8, 8, 24, 32, 32, 76], size=5_000).astype(float) for _ in range(2))
    assert jensen_shannon(buckets(b), buckets(a)) < 0.02


@pytest.mark.parametrize("change", [lambda v: v * 1000, lambda v: v + 60, lambda v: v * 2])
def test_a_change_of_units_or_an_offset_drifts(change):
    a = np.random.default_rng(4).normal(200, 14, size=340)
    b = change(np.random.default_rng(5).normal(200, 14, size=340))
    assert jensen_shannon(buckets(b), buckets(a)) > 0.5


def test_a_moved_share_of_repeated_values_drifts():
    rng = np.random.default_rng(6)
    a = rng.choice([0.0, 1.0], p=[0.9, 0.1], size=5_000)
    b = rng.choice([0.0, 1.0], p=[0.3, 0.7], size=5_000)
    assert jensen_shannon(buckets(b), buckets(a)) > 0.1


def test_a_column_without_values_on_either_side_has_no_divergence():
    assert jensen_shannon([], buckets(np.arange(10.0))) is None
    assert jensen_shannon(buckets(np.arange(10.0)), []) is None
