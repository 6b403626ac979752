from datetime import UTC, datetime, timedelta

from domain import metrics
from domain.errors import ErrorCode
from domain.metrics import Thresholds, Totals, evaluate_alerts

NOW = datetime(2026, 11, 28, 12, 37, tzinfo=UTC)
LIMITS = Thresholds()


def totals(*increments):
    t = Totals()
    for inc in increments:
        t.add(inc)
    return t


# The keys adapters/metrics_store.totals_since aggregates from the creations.
SUCCEEDED = {"succeeded": 1}


def failed(code: ErrorCode) -> dict:
    return {f"failed_{code.value}": 1}


def refused(code: ErrorCode) -> dict:
    return {f"refused_{code.value}": 1}


def codes(alerts):
    return sorted(a.code for a in alerts)


def test_buckets_are_ten_minutes_wide():
    assert metrics.bucket_id(NOW) == "20261128-123"
    assert metrics.bucket_start(NOW) == NOW.replace(minute=30)
    assert metrics.day_id(NOW) == "2026-11-28"


def test_quiet_system_raises_no_alert():
    assert evaluate_alerts(Totals(), Totals(), 0, None, None, NOW, LIMITS) == []


def test_failure_rate_alert_fires_above_the_threshold_only():
    ok = totals(*[SUCCEEDED] * 8, *[failed(ErrorCode.TIMEOUT)] * 2)
    bad = totals(*[SUCCEEDED] * 7, *[failed(ErrorCode.TIMEOUT)] * 3)
    assert evaluate_alerts(ok, ok, 0, None, None, NOW, LIMITS) == []  # exactly 20%
    fired = evaluate_alerts(bad, bad, 0, None, None, NOW, LIMITS)
    assert codes(fired) == ["failure_rate_high"]
    assert fired[0].message == "PHOENIX_ALERT failure_rate_high" and fired[0].details["failureRate"] == 0.3


def test_a_few_failures_are_not_a_rate():
    two = totals(failed(ErrorCode.TIMEOUT), failed(ErrorCode.TIMEOUT))
    assert evaluate_alerts(two, two, 0, None, None, NOW, LIMITS) == []


def test_stalled_workers_alert_needs_old_work_and_no_recent_finish():
    old = NOW - timedelta(minutes=6)
    assert codes(evaluate_alerts(Totals(), Totals(), 2, old, None, NOW, LIMITS)) == ["workers_stalled"]
    assert codes(evaluate_alerts(Totals(), Totals(), 2, old, NOW - timedelta(minutes=7), NOW, LIMITS)) == [
        "workers_stalled"
    ]
    assert evaluate_alerts(Totals(), Totals(), 2, old, NOW - timedelta(minutes=1), NOW, LIMITS) == []
    assert evaluate_alerts(Totals(), Totals(), 2, NOW - timedelta(minutes=1), None, NOW, LIMITS) == []


def test_backlog_and_spend_alerts():
    assert "backlog_high" in codes(evaluate_alerts(Totals(), Totals(), 101, NOW, NOW, NOW, LIMITS))
    assert evaluate_alerts(Totals(), Totals(), 100, NOW, NOW, NOW, LIMITS) == []
    rich = totals({"veoCostUsd": 100.5})
    assert codes(evaluate_alerts(Totals(), rich, 0, None, None, NOW, LIMITS)) == ["daily_spend_high"]


def test_refusals_are_not_failures_so_a_spammer_cannot_fire_the_failure_rate_alert():
    # One user with 40 tokens: one video, then 40 refused creates (no tokens, too many, ...).
    spam = totals(
        SUCCEEDED,
        *[refused(ErrorCode.INSUFFICIENT_TOKENS)] * 30,
        *[refused(ErrorCode.TOO_MANY_IN_FLIGHT)] * 5,
        *[refused(ErrorCode.INVALID_REQUEST)] * 5,
    )
    assert spam.refused == 40 and spam.failed == 0
    assert evaluate_alerts(spam, spam, 0, None, None, NOW, LIMITS) == []


def test_veo_spend_prices_each_option_and_the_seconds_without_options_at_the_fallback():
    from domain.metrics import veo_spend_usd

    by_option = {("standard", "720p", True): 8.0, ("fast", "720p", False): 4.0}
    assert veo_spend_usd(by_option, total_seconds=18.0, fallback_usd_per_second=0.15) == round(
        8 * 0.40 + 4 * 0.10 + 6 * 0.15, 4
    )
    assert veo_spend_usd({}, 0.0, 0.15) == 0.0
