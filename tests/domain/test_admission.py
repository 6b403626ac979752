"""Admission under the Veo quota and the poll schedule: the pure rules."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from domain.admission import (
    SAFETY_FINE_POLLS,
    TAIL_MAX_COARSE,
    StartClaim,
    StartVerdict,
    claim_verdict,
    classify_start_error,
    dispatches_per_second,
    estimate_start,
    overdue,
    poll_delay,
    polls_for,
    task_id,
)

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def test_the_start_queue_releases_exactly_the_veo_quota():
    assert dispatches_per_second(50) == 50 / 60
    assert dispatches_per_second(600) == 10
    assert dispatches_per_second(0) == 1 / 60  # a zero quota would stop the queue for good


def test_the_queue_estimate_grows_with_the_requests_ahead_at_the_quota_rate():
    first = estimate_start(0, 50, NOW)
    assert first.position == 1 and first.estimated_start_at == NOW
    later = estimate_start(100, 50, NOW)
    assert later.position == 101 and later.estimated_start_at == NOW + timedelta(seconds=120)
    assert estimate_start(-3, 50, NOW).position == 1


def test_a_quota_refusal_waits_in_the_queue_and_only_a_final_answer_fails():
    assert classify_start_error(429, transient=True) == StartVerdict.RETRY_LATER
    assert classify_start_error(None, transient=True) == StartVerdict.RETRY_LATER  # never reached Veo
    assert classify_start_error(400, transient=False) == StartVerdict.FAIL
    # May have started (and billed) a generation: failed and refunded, never started twice.
    assert classify_start_error(503, transient=False) == StartVerdict.FAIL
    assert classify_start_error(None, transient=False) == StartVerdict.FAIL


def test_task_ids_name_one_piece_of_work_in_the_alphabet_cloud_tasks_accepts():
    a = task_id("start", "c-1", "2026-11-28T12:00:00.000000001Z")
    assert a == task_id("start", "c-1", "2026-11-28T12:00:00.000000001Z")
    assert a != task_id("start", "c-1", "2026-11-28T12:00:00.000000002Z")  # a re-created id
    assert a != task_id("poll", "c-1", "2026-11-28T12:00:00.000000001Z")
    assert all(ch.isalnum() or ch == "-" for ch in task_id("start", "a/b c?", "é"))


def test_a_queued_request_is_not_swept_until_its_queue_wait_is_over():
    queued = {"status": "pending", "queuedAt": NOW - timedelta(minutes=30)}
    assert not overdue(queued, NOW, orphan_after_minutes=15, queue_max_wait_minutes=60)
    assert overdue(queued, NOW + timedelta(minutes=31), 15, 60)
    # Started after a long wait: aged from its start, not from its creation.
    started = {"status": "processing", "queuedAt": NOW - timedelta(minutes=50), "startedAt": NOW - timedelta(minutes=2)}
    assert not overdue(started, NOW, 15, 60)
    assert overdue(started, NOW + timedelta(minutes=14), 15, 60)
    # Charged but never queued (its trigger died): the old rule, by creation time.
    assert overdue({"status": "pending"}, NOW, 15, 60)
    assert overdue({"status": "processing", "startedAt": "garbage"}, NOW, 15, 60)


def test_only_an_unclaimed_pending_start_of_this_document_may_be_claimed():
    assert claim_verdict("pending", None, same_document=True) == StartClaim.CLAIMED
    # Held by another delivery, alive or dead: never taken over (Veo may have been asked)
    assert claim_verdict("pending", "a1b2", same_document=True) == StartClaim.TAKEN
    assert claim_verdict("processing", None, True) == StartClaim.NOT_PENDING
    assert claim_verdict("failed", "a1b2", True) == StartClaim.NOT_PENDING
    assert claim_verdict("pending", None, same_document=False) == StartClaim.NOT_PENDING  # re-created id


def test_a_claimed_start_that_never_reached_processing_is_swept_from_its_claim_like_a_started_one():
    # Queued 50 minutes ago (queue wait 60), claimed 5 minutes ago: its run may be asking Veo
    claimed = {
        "status": "pending",
        "queuedAt": NOW - timedelta(minutes=50),
        "startClaimedAt": NOW - timedelta(minutes=5),
    }
    assert not overdue(claimed, NOW, orphan_after_minutes=15, queue_max_wait_minutes=60)
    # 16 minutes after the claim, still pending: its run died around the Veo call
    assert overdue(claimed, NOW + timedelta(minutes=11), 15, 60)


def test_polls_are_coarse_before_veo_can_be_done_and_land_on_that_moment():
    assert poll_delay(0, 30, 1, 10) == 10
    assert poll_delay(25, 30, 1, 10) == 5  # never steps over the first moment Veo may be done
    assert poll_delay(30, 30, 1, 10) == 1
    assert poll_delay(0, 30, 1, 0.5) == 1  # a coarse interval finer than fine is ignored


def test_fine_polls_cover_veo_s_typical_range_then_the_gap_grows_to_a_bound():
    # Production: first look at 30 s, then 25 s apart: 30, 55, 80, 105, 130
    times, elapsed = [], 0.0
    while elapsed < 600:
        elapsed += poll_delay(elapsed, 30, 25, 30)
        times.append(elapsed)
    assert times[:SAFETY_FINE_POLLS] == [30, 55, 80, 105, 130]
    gaps = [b - a for a, b in zip(times[4:], times[5:], strict=False)]
    assert gaps == sorted(gaps) and gaps[0] > 25  # past Veo's range: further and further apart
    assert max(gaps) == TAIL_MAX_COARSE * 30
    assert len(times) <= 10  # a lost operation: a handful of polls in the sweep's 15 minutes


def test_production_schedule_costs_at_most_6_polls_per_delivered_video():
    """The event finishes a delivered video: it costs the polls due before Veo is done, the
    event's own look and the one poll already queued (polls_for + 1); a failure that writes no
    object is seen by the next poll, at most one fine interval late."""
    rng = random.Random(14)
    delivered, late = [], []
    for _ in range(20_000):
        veo_time = rng.uniform(30, 120)
        delivered.append(polls_for(veo_time, 30, 25, 30) + 1)
        elapsed = 0.0
        while elapsed < veo_time:
            elapsed += poll_delay(elapsed, 30, 25, 30)
        late.append(elapsed - veo_time)
    assert max(delivered) <= 6
    assert 4.0 <= sum(delivered) / len(delivered) <= 4.6
    assert max(late) <= 25
    assert polls_for(30, 30, 25, 30) == 1 and polls_for(120, 30, 25, 30) == 5
