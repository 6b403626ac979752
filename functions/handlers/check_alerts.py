"""Scheduled `checkalerts`: logs an ERROR with a stable message for each alert that holds,
so that a log-based alert policy can page someone."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from adapters import log, metrics_store, store
from domain import metrics
from domain.metrics import Thresholds


def handle(limits: Thresholds, now: datetime | None = None, usd_per_video_second: float | None = None) -> list[metrics.Alert]:
    now = now or datetime.now(timezone.utc)
    if usd_per_video_second is None:
        import config

        usd_per_video_second = config.settings().veo_usd_per_video_second
    hour_ago = now - timedelta(hours=1)
    day_start = now.astimezone(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
    # Aggregations over the creations (adapters/metrics_store.py): no counter documents.
    last_hour = metrics_store.totals_since(hour_ago, usd_per_video_second, end=now)
    today = metrics_store.totals_since(day_start, usd_per_video_second, end=now)
    last_finalized = metrics_store.last_finalized_at(now)
    in_flight, oldest = store.in_flight_summary()
    alerts = metrics.evaluate_alerts(last_hour, today, in_flight, oldest, last_finalized, now, limits)
    for alert in alerts:
        log.error(alert.message, alert=alert.code, **alert.details)
    log.info("alert check done", alerts=[a.code for a in alerts], inFlight=in_flight,
             lastHourFinished=last_hour.finished, lastHourFailed=last_hour.failed, lastHourRefused=last_hour.refused,
             todaySpendUsd=round(today.get("veoCostUsd"), 2))
    return alerts
