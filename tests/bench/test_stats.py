"""The bench's percentile and its bootstrap interval."""

from __future__ import annotations

import random

from bench.stats import bootstrap_ci, pct


def test_percentile_is_nearest_rank():
    assert pct([], 95) is None
    assert pct([3.0, 1.0, 2.0], 50) == 2.0
    assert pct(list(range(101)), 95) == 95


def test_the_interval_holds_the_sample_p95_and_narrows_with_more_samples():
    rng = random.Random(3)
    few = [rng.uniform(0, 2) for _ in range(15)]
    many = [rng.uniform(0, 2) for _ in range(600)]
    lo_few, hi_few = bootstrap_ci(few)
    lo_many, hi_many = bootstrap_ci(many)
    assert lo_few <= pct(few, 95) <= hi_few
    assert lo_many <= pct(many, 95) <= hi_many
    assert hi_many - lo_many < hi_few - lo_few
    assert lo_many > 1.8 and hi_many < 2.0  # the true p95 of U(0, 2) is 1.9


def test_no_interval_from_fewer_than_two_samples():
    assert bootstrap_ci([1.0]) is None
