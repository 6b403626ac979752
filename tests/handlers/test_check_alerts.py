"""checkalerts: which counters are read, which are not, and the alerts that follow — against
a fake store, Given / When / Then."""
from __future__ import annotations

from datetime import timedelta

from domain import metrics
from domain.metrics import Thresholds
from handlers.check_alerts import handle
from tests.handlers.fakes import T0

LIMITS = Thresholds()


def shard(start, **counts):
    return {"bucketStart": start, **counts}


def test_a_quiet_system_raises_no_alert(world):
    assert handle(LIMITS, T0, store=world.store) == []


def test_a_failure_rate_over_the_limit_in_the_last_hour_alerts(world):
    # Given 5 finished in the last hour, 3 of them failed
    world.store.shards.append(shard(metrics.bucket_start(T0), succeeded=2, failed_generation_failed=3))
    # When the check runs
    codes = [a.code for a in handle(LIMITS, T0, store=world.store)]
    # Then the failure-rate alert holds
    assert codes == ["failure_rate_high"]


def test_failures_older_than_an_hour_count_for_today_only(world):
    # Given failures two hours ago and today's spend over the limit in the same shard
    world.store.shards.append(shard(T0 - timedelta(hours=2), succeeded=1, failed_timeout=9, veoCostUsd=150.0))
    # When the check runs
    codes = [a.code for a in handle(LIMITS, T0, store=world.store)]
    # Then only the daily spend alerts
    assert codes == ["daily_spend_high"]


def test_malformed_and_future_shards_are_not_counted(world):
    # Given a shard without a time and one from the future, both full of failures
    world.store.shards.append(shard("yesterday", failed_timeout=50, succeeded=1))
    world.store.shards.append(shard(T0 + timedelta(hours=1), failed_timeout=50, succeeded=1))
    # When the check runs
    # Then nothing alerts (and nothing crashes)
    assert handle(LIMITS, T0, store=world.store) == []


def test_work_waiting_with_nothing_finished_lately_is_a_stall(world):
    # Given a creation in flight for 20 minutes, and the last finalize 30 minutes ago
    world.store.creations["c1"] = {"status": "processing", "createdAt": T0 - timedelta(minutes=20)}
    world.store.shards.append(shard(metrics.bucket_start(T0 - timedelta(minutes=30)),
                                    lastFinalizedAt=T0 - timedelta(minutes=30)))
    # A later finalize time from the future is ignored, an earlier one loses to the later
    world.store.shards.append(shard(metrics.bucket_start(T0), lastFinalizedAt=T0 + timedelta(minutes=5)))
    world.store.shards.append(shard(metrics.bucket_start(T0 - timedelta(minutes=40)),
                                    lastFinalizedAt=T0 - timedelta(minutes=40)))
    # When the check runs
    alerts = handle(LIMITS, T0, store=world.store)
    # Then workers_stalled holds, measured from the latest real finalize
    assert [a.code for a in alerts] == ["workers_stalled"]
    assert alerts[0].details["minutesSinceLastFinalized"] == 30.0


def test_without_a_time_the_check_uses_the_current_time(world):
    assert handle(LIMITS, store=world.store) == []


def test_just_after_midnight_the_last_hour_reaches_into_yesterday_but_today_does_not(world):
    # Given failures at 23:50 and a check at 00:20, and yesterday's spend over the daily limit
    now = T0.replace(hour=0, minute=20)
    world.store.shards.append(shard(now - timedelta(minutes=30), succeeded=1, failed_timeout=5, veoCostUsd=500.0))
    # When the check runs
    codes = [a.code for a in handle(LIMITS, now, store=world.store)]
    # Then the failure rate alerts (last hour) and the spend does not (a new day)
    assert codes == ["failure_rate_high"]
