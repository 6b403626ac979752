"""The production model's building blocks (bench/model.py): pure SimPy, no stack, fast."""

from __future__ import annotations

import math

import pytest
import simpy

from bench import model
from bench.model import Calibration, MinuteQuota, Pacer, Platform

# The pipeline before the finalize event: a poll every second once Veo may be done.
POLL_ONLY = {"finish_on_event": False, "poll_fine_s": 1.0, "poll_coarse_s": 10.0}


def test_pacer_spaces_tokens_at_its_rate_once_the_burst_is_spent():
    env = simpy.Environment()
    pacer = Pacer(env, rate=2.0, burst=3)
    waits = [pacer.delay() for _ in range(6)]
    assert waits[:3] == [0.0, 0.0, 0.0]
    assert waits[3:] == pytest.approx([0.5, 1.0, 1.5])


def test_pacer_refuses_without_booking_past_the_give_up_time():
    env = simpy.Environment()
    pacer = Pacer(env, rate=1.0, burst=1)
    assert pacer.delay(give_up=2) == 0.0
    assert pacer.delay(give_up=2) == 1.0
    assert pacer.delay(give_up=2) == 2.0
    assert pacer.delay(give_up=2) is None  # would wait 3 s
    assert pacer.delay(give_up=3) == 3.0  # the refusal booked nothing


def test_firestore_ramp_allows_500_then_fifty_percent_more_every_five_minutes():
    rate = model.ramp_rate(Platform())
    assert rate(0) == 500
    assert rate(299) == 500
    assert rate(300) == 750
    assert rate(600) == pytest.approx(1125)
    assert model.ramp_rate(Platform(db_warm=True))(0) == math.inf


def test_veo_quota_refuses_past_the_limit_until_the_window_ends():
    quota = MinuteQuota(2)
    assert [quota.take(0), quota.take(1), quota.take(59)] == [True, True, False]
    assert quota.take(60) is True
    assert quota.refused == 1
    assert all(MinuteQuota(0).take(t) for t in range(100))  # 0: no quota


def test_designed_polls_coarse_until_veo_can_be_done_then_every_second():
    p = Platform(poll_coarse_s=10, poll_fine_s=1, designed_fine_after_s=30)
    assert [model.designed_poll_delay(t, p) for t in (0, 10, 20, 25, 30, 90)] == [10, 10, 10, 5, 1, 1]


def test_today_polls_coarse_until_seventy_percent_of_the_expected_time():
    p = Platform(poll_coarse_s=10, poll_fine_s=1, today_expected_s=90)
    assert model.today_poll_delay(50, p) == 10  # 50 + 10 <= 63
    assert model.today_poll_delay(54, p) == 1


def test_pool_cold_starts_one_instance_per_threads_requests():
    env = simpy.Environment()
    pool = model.Pool(env, max_instances=3, threads=2, cold_start_s=1.0)
    for _ in range(5):
        env.process(pool.serve(10))
    env.run()
    assert pool.cold_starts == 3
    assert env.now == pytest.approx(11)


def test_pool_queues_requests_beyond_instances_times_threads():
    env = simpy.Environment()
    pool = model.Pool(env, max_instances=1, threads=2, cold_start_s=0.0)
    for _ in range(3):
        env.process(pool.serve(5))
    env.run()
    assert env.now == pytest.approx(10)  # the third waited for a thread


QUICK = dict(burst_s=30, platform=Platform(veo_quota_per_min=50, queue_max_wait_s=600))


def test_designed_system_queues_a_burst_over_the_veo_quota_and_refunds_nothing():
    outcome = model.simulate("designed", 2.0, **QUICK)  # 60 requests, quota 50/min
    assert outcome.failed_by_our_limits == 0
    assert outcome.drafts == outcome.generations == 60
    assert outcome.admission_p95_s > 10  # they waited their turn instead
    assert outcome.detection_p95_s < 2.0


def test_today_and_naive_refund_what_the_veo_quota_refuses():
    for design in ("today", "naive"):
        outcome = model.simulate(design, 2.0, **QUICK)
        assert outcome.failed_causes.get("veo_quota_refused", 0) >= 5, design
        assert outcome.drafts < outcome.generations


def test_today_misses_two_seconds_with_production_polls_on_short_generations():
    outcome = model.simulate("today", 0.5, burst_s=20, platform=Platform(veo_min_s=30, veo_max_s=60))
    assert outcome.failed_by_our_limits == 0
    assert outcome.detection_p95_s > 5  # coarse 10 s polls until 63 s: most are found late


def test_hot_metric_shards_abort_debits_above_about_two_generations_a_second():
    fast = Platform(veo_quota_per_min=10_000, doc_burst=1, txn_give_up_s=2)
    assert model.simulate("today", 1.0, burst_s=30, platform=fast).failed_by_our_limits == 0
    busy = model.simulate("today", 6.0, burst_s=30, platform=fast)
    assert busy.failed_causes.get("debit_aborted_hot_metric_shard", 0) > 0
    assert busy.limit_hits.get("hot_metric_shard", 0) > 0


def test_one_poll_queue_caps_the_designed_system_and_more_queues_lift_it():
    cal = Calibration()
    # Each creation has one poll in flight: 200 creations polling every ~1.3 s need ~150
    # dispatches/s from a queue that gives 50.
    one = model.simulate(
        "designed",
        5.0,
        burst_s=40,
        cal=cal,
        platform=Platform(veo_quota_per_min=10_000, queue_max_rate=50, db_warm=True, poll_queues=1, **POLL_ONLY),
    )
    four = model.simulate(
        "designed",
        5.0,
        burst_s=40,
        cal=cal,
        platform=Platform(veo_quota_per_min=10_000, queue_max_rate=50, db_warm=True, poll_queues=4, **POLL_ONLY),
    )
    assert one.limit_hits.get("poll_queue_500_per_s", 0) > 0
    assert one.detection_p95_s > 2 > four.detection_p95_s


def test_the_model_polls_over_as_many_shards_as_the_functions_declare_each_with_its_own_instances():
    from domain.shards import POLL_SHARDS

    assert Platform().poll_queues == POLL_SHARDS
    # One instance with one thread per shard, 0.3 s a poll: ~3 polls/s per shard. 50
    # creations polling every ~1.3 s need ~40/s: one shard's instance cannot keep up, eight can.
    tight = {"veo_quota_per_min": 10_000, "db_warm": True, "finalize_max_instances": 1, "threads": 1, **POLL_ONLY}
    one = model.simulate("designed", 2.0, burst_s=25, platform=Platform(**tight, poll_queues=1))
    eight = model.simulate("designed", 2.0, burst_s=25, platform=Platform(**tight, poll_queues=8))
    assert one.detection_p95_s > 2 * eight.detection_p95_s


def test_knee_scan_stops_at_the_first_rate_that_fails():
    warm = Calibration(cold_start_s=0.0)
    found = model.knee("designed", [0.5, 1.0], burst_s=20, platform=Platform(queue_max_wait_s=600), cal=warm)
    assert found["knee"] == 1.0 and found["capacity"] == 1.0
    assert len(found["outcomes"]) == 2


def test_unknown_design_is_refused():
    with pytest.raises(ValueError):
        model.simulate("serverless-magic", 1.0)


def test_a_naive_onCreate_holding_its_instance_for_the_generation_starves_later_requests():
    small = Platform(
        start_max_instances=1,
        startveo_max_instances=1,
        finalize_max_instances=1,
        threads=4,
        naive_max_instances=1,
        naive_concurrency=4,
        veo_quota_per_min=10_000,
        db_warm=True,
    )
    naive = model.simulate("naive", 1.0, burst_s=30, platform=small)
    designed = model.simulate("designed", 1.0, burst_s=30, platform=small)
    assert naive.admission_p95_s > 60 and not naive.served  # 4 threads held for 30-120 s each
    assert designed.served and designed.admission_p95_s < 5


WARM = {"veo_quota_per_min": 100_000, "db_warm": True}


def test_with_the_finalize_event_a_delivered_video_costs_a_handful_of_polls_and_detection_is_the_event():
    cal = Calibration(cold_start_s=0.0, event_latency_s=0.5, finish_s=0.4, listen_s=0.05, veo_call_s=0.3)
    outcome = model.simulate("designed", 2.0, burst_s=60, platform=Platform(**WARM), cal=cal)
    assert outcome.drafts == outcome.generations
    assert outcome.polls_per_video <= 6
    assert outcome.detection_p95_s == pytest.approx(0.5 + 0.3 + 0.4 + 0.05, abs=0.05)


def test_sequential_index_writes_past_500_a_second_abort_debits():
    few = Calibration(cold_start_s=0.0, sequential_index_writes_per_video=2)
    many = Calibration(cold_start_s=0.0, sequential_index_writes_per_video=8)
    # 100/s x 2 = 200 writes/s at the index's end; x 8 = 800/s once debits and drafts overlap
    assert model.simulate("designed", 100.0, burst_s=120, platform=Platform(**WARM), cal=few, max_generations=12_000).ok
    hot = model.simulate("designed", 100.0, burst_s=120, platform=Platform(**WARM), cal=many, max_generations=12_000)
    assert hot.limit_hits.get("sequential_index_500_per_s", 0) > 0
    assert hot.failed_causes.get("debit_aborted_sequential_index", 0) > 0


def test_reads_count_toward_the_new_database_ramp():
    light = Calibration(cold_start_s=0.0, writes_per_video=4, reads_per_video=0)
    heavy = Calibration(cold_start_s=0.0, writes_per_video=16, reads_per_video=16)
    new_db = Platform(veo_quota_per_min=100_000)
    # 30/s x 4 ops = 120 ops/s; x 32 = 960 ops/s once debits and drafts overlap: over 500
    assert model.simulate("designed", 30.0, burst_s=120, platform=new_db, cal=light).ok
    assert not model.simulate("designed", 30.0, burst_s=120, platform=new_db, cal=heavy).ok


def test_start_dispatches_at_a_realistic_vertex_start_time_bound_the_start_rate():
    cal = Calibration(cold_start_s=0.0, veo_start_s=2.0)
    narrow = model.simulate(
        "designed", 60.0, burst_s=30, platform=Platform(**WARM, startveo_max_concurrent=50), cal=cal
    )
    wide = model.simulate("designed", 60.0, burst_s=30, platform=Platform(**WARM), cal=cal)
    assert narrow.limit_hits.get("startveo_max_concurrent_dispatches", 0) > 0  # 50 / 2 s = 25 starts/s
    assert narrow.admission_p95_s > 10 > wide.admission_p95_s
    assert Platform().startveo_max_concurrent <= Platform().startveo_max_instances * Platform().threads
