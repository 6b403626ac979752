"""Scheduled `checkalerts`: logs an ERROR with a stable message for each alert that holds,
so that a log-based alert policy can page someone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from adapters import log
from domain import metrics
from domain.metrics import Thresholds
from ports import CreationStore


def handle(
    limits: Thresholds,
    now: datetime | None = None,
    *,
    store: CreationStore,
    usd_per_video_second: float,
) -> list[metrics.Alert]:
    """`store`: the only port checkalerts needs; `usd_per_video_second`: the fallback spend
    rate for videos recorded without options (both given by main.py)."""
    now = now or datetime.now(UTC)
    hour_ago = now - timedelta(hours=1)
    day_start = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    # Aggregations over the creations: no counter document sits in a money transaction.
    last_hour = store.totals_since(hour_ago, usd_per_video_second, end=now)
    today = store.totals_since(day_start, usd_per_video_second, end=now)
    last_finalized = store.last_finalized_at(now)
    in_flight, oldest = store.in_flight_summary()
    alerts = metrics.evaluate_alerts(last_hour, today, in_flight, oldest, last_finalized, now, limits)
    for alert in alerts:
        log.alert(alert.message, alert.code, **alert.details)
    log.alert_check_done(
        alerts=[a.code for a in alerts],
        inFlight=in_flight,
        lastHourFinished=last_hour.finished,
        lastHourFailed=last_hour.failed,
        lastHourRefused=last_hour.refused,
        todaySpendUsd=round(today.get("veoCostUsd"), 2),
    )
    return alerts
