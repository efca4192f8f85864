"""The median read from value counts (SQLite's grouped_medians) is the plain median."""

from __future__ import annotations

import random
import statistics

import pytest

from medoffice.reports.kpis_access_common import _median_of_counts


@pytest.mark.parametrize("seed", range(20))
def test_median_of_counts_matches_statistics_median(seed):
    rng = random.Random(seed)
    values = [rng.choice([1, 2, 2, 3, 5, 8, 13, 40]) for _ in range(rng.randint(1, 30))]
    counts: dict[int, int] = {}
    for v in values:
        counts[v] = counts.get(v, 0) + 1
    assert _median_of_counts(counts) == statistics.median(values)


def test_no_values_no_median():
    assert _median_of_counts({}) is None
