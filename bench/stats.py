"""Percentiles and their confidence intervals (pure; tests/bench/test_stats.py)."""

from __future__ import annotations

import random


def pct(values, p):
    """The nearest-rank percentile the bench has always reported (None for no values)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))]


def bootstrap_ci(values, p: float = 95, level: float = 0.95, draws: int = 2000, seed: int = 1):
    """A percentile bootstrap interval for the `p`th percentile of `values`: resample with
    replacement, take the percentile of each resample, keep the middle `level` of those.
    With few samples the upper end is the largest value seen (a p95 of 20 samples is
    nearly the maximum): the interval says how little such a figure pins down. None for
    fewer than 2 values."""
    if len(values) < 2:
        return None
    rng = random.Random(seed)
    n = len(values)
    estimates = sorted(pct([values[rng.randrange(n)] for _ in range(n)], p) for _ in range(draws))
    tail = (1 - level) / 2
    return [estimates[int(tail * (draws - 1))], estimates[int((1 - tail) * (draws - 1))]]
