"""Dollars from counted operations (bench/costs.py): pure arithmetic over bench/prices.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import costs
from bench.prices import PRICES

ROOT = Path(__file__).resolve().parents[2]


def test_declared_memory_is_read_from_the_functions_table():
    memory = costs.declared_memory(ROOT / "functions" / "main.py")
    assert memory["finalizegeneration"] == 1.0
    assert memory["startgeneration"] == 0.5


def test_instance_time_shared_by_all_threads_costs_a_threads_th_of_running_alone():
    out = costs.per_video(
        {"reads": 6, "writes": 8, "invocations": 4, "taskDeliveries": 1},
        {"startgeneration": 2.0, "finalizegeneration": 10.0},
        {"startgeneration": 0.5, "finalizegeneration": 1.0},
        threads=20,
        clip_bytes=2**30,
        video_seconds=4,
    )
    assert out["instanceVcpuSeconds"] == 12.0
    assert out["instanceGibSeconds"] == 11.0
    assert out["computeUsdShared"] == pytest.approx(out["computeUsdAlone"] / 20)
    assert out["egressUsd"] == pytest.approx(PRICES["egress_internet_gib"].usd)
    assert out["cloudTasksUsd"] == pytest.approx(2 * PRICES["cloud_tasks_op"].usd)  # enqueue + delivery
    assert out["veoUsd"] == pytest.approx(0.60)


def test_a_sweep_that_lists_the_bucket_costs_8640_reads_per_stored_video_a_month():
    listing = costs.recurring_per_stored_video_month(2_200_000, sweep_lists_bucket=True)
    incremental = costs.recurring_per_stored_video_month(2_200_000, sweep_lists_bucket=False)
    assert listing["mediaSweepReads"] == 288 * 30
    # the figure: ~$259 a month at 100k stored videos
    assert listing["mediaSweepUsd"] * 100_000 == pytest.approx(259, rel=0.05)
    assert incremental["mediaSweepUsd"] == 0
    assert incremental["r2StorageUsd"] == pytest.approx(0.015 * 0.0022)


def test_every_price_names_its_source():
    assert all(p.source and p.usd > 0 for p in PRICES.values())
