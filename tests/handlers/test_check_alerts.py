"""checkalerts: which finished creations are aggregated, which are not, and the alerts that
follow — against a fake store, Given / When / Then. (The figures come from the
creations themselves, never from counters written in the money transactions.)"""

from __future__ import annotations

from datetime import timedelta
from itertools import count

from domain.metrics import Thresholds
from handlers.check_alerts import handle
from tests.handlers.fakes import T0

LIMITS = Thresholds()
_ids = count()


def finished(world, at, status="draft", code=None, refunded=None, duration=4):
    """A creation that ended at `at`: a draft, a failure of paid work (refunded) or a refusal."""
    doc = {"status": status, "completedAt": at, "duration": duration, "createdAt": at - timedelta(minutes=2)}
    if status == "failed":
        doc |= {"error": {"code": code, "message": "x"}, "refunded": refunded}
    world.store.creations[f"c{next(_ids)}"] = doc


def test_a_quiet_system_raises_no_alert(world):
    assert handle(LIMITS, T0, store=world.store, usd_per_video_second=0.15) == []


def test_a_failure_rate_over_the_limit_in_the_last_hour_alerts(world):
    # Given 5 finished in the last hour, 3 of them failed after a charge (refunded)
    for _ in range(2):
        finished(world, T0 - timedelta(minutes=10))
    for _ in range(3):
        finished(world, T0 - timedelta(minutes=5), "failed", "generation_failed", refunded=True)
    # When the check runs
    codes = [a.code for a in handle(LIMITS, T0, store=world.store, usd_per_video_second=0.15)]
    # Then the failure-rate alert holds
    assert codes == ["failure_rate_high"]


def test_refusals_never_move_the_failure_rate(world):
    # Given 5 drafts and 20 refusals (nothing charged: refunded false) in the last hour
    for _ in range(5):
        finished(world, T0 - timedelta(minutes=10))
    for _ in range(20):
        finished(world, T0 - timedelta(minutes=5), "failed", "insufficient_tokens", refunded=False)
    # When the check runs
    # Then nothing alerts
    assert handle(LIMITS, T0, store=world.store, usd_per_video_second=0.15) == []


def test_failures_older_than_an_hour_count_for_today_only(world):
    # Given failures two hours ago and today's spend over the limit (1000 s × $0.15)
    finished(world, T0 - timedelta(hours=2), duration=1000)
    for _ in range(9):
        finished(world, T0 - timedelta(hours=2), "failed", "timeout", refunded=True)
    # When the check runs
    codes = [a.code for a in handle(LIMITS, T0, store=world.store, usd_per_video_second=0.15)]
    # Then only the daily spend alerts
    assert codes == ["daily_spend_high"]


def test_creations_ending_without_a_time_or_in_the_future_are_not_counted(world):
    # Given failures with a string completedAt and one from the future
    finished(world, T0 + timedelta(hours=1), "failed", "timeout", refunded=True)
    world.store.creations["odd"] = {
        "status": "failed",
        "completedAt": "yesterday",
        "refunded": True,
        "error": {"code": "timeout"},
    }
    finished(world, T0 - timedelta(minutes=1))
    # When the check runs
    # Then nothing alerts (and nothing crashes)
    assert handle(LIMITS, T0, store=world.store, usd_per_video_second=0.15) == []


def test_work_waiting_with_nothing_finished_lately_is_a_stall(world):
    # Given a creation in flight for 20 minutes, and the last real finalize 30 minutes ago
    world.store.creations["c1"] = {"status": "processing", "createdAt": T0 - timedelta(minutes=20)}
    finished(world, T0 - timedelta(minutes=30))
    finished(world, T0 - timedelta(minutes=40))
    # A sweep's timeout since then says nothing about the workers; a future one is ignored
    finished(world, T0 - timedelta(minutes=2), "failed", "timeout", refunded=True)
    finished(world, T0 + timedelta(minutes=5))
    # When the check runs
    alerts = handle(LIMITS, T0, store=world.store, usd_per_video_second=0.15)
    # Then workers_stalled holds, measured from the latest real finalize
    assert [a.code for a in alerts] == ["workers_stalled"]
    assert alerts[0].details["minutesSinceLastFinalized"] == 30.0


def test_without_a_time_the_check_uses_the_current_time(world):
    assert handle(LIMITS, store=world.store, usd_per_video_second=0.15) == []


def test_just_after_midnight_the_last_hour_reaches_into_yesterday_but_today_does_not(world):
    # Given failures at 23:50 and a check at 00:20, and yesterday's spend over the daily limit
    now = T0.replace(hour=0, minute=20)
    finished(world, now - timedelta(minutes=30), duration=5000)
    for _ in range(5):
        finished(world, now - timedelta(minutes=30), "failed", "timeout", refunded=True)
    # When the check runs
    codes = [a.code for a in handle(LIMITS, now, store=world.store, usd_per_video_second=0.15)]
    # Then the failure rate alerts (last hour) and the spend does not (a new day)
    assert codes == ["failure_rate_high"]
