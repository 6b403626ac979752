"""Scheduled `checkalerts`: logs an ERROR with a stable message for each alert that holds,
so that a log-based alert policy can page someone."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ports import CreationStore

from adapters import log
from domain import metrics
from domain.metrics import Thresholds, Totals


def handle(limits: Thresholds, now: datetime | None = None, store: CreationStore | None = None) -> list[metrics.Alert]:
    """`store` defaults to Firestore's (checkalerts needs no other port)."""
    if store is None:
        from adapters import store as firestore_store

        store = firestore_store
    now = now or datetime.now(UTC)
    hour_ago = now - timedelta(hours=1)
    day_start = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    last_hour, today = Totals(), Totals()
    last_finalized = None
    for shard in store.metric_shards_since(min(day_start, metrics.bucket_start(hour_ago))):
        start = shard.get("bucketStart")
        if not isinstance(start, datetime) or start > now:
            continue  # malformed or from the future: not counted (and never a crash)
        if start >= metrics.bucket_start(hour_ago):
            last_hour.add(shard)
        if start >= day_start:
            today.add(shard)
        finalized = shard.get("lastFinalizedAt")
        if isinstance(finalized, datetime) and finalized <= now \
                and (last_finalized is None or finalized > last_finalized):
            last_finalized = finalized
    in_flight, oldest = store.in_flight_summary()
    alerts = metrics.evaluate_alerts(last_hour, today, in_flight, oldest, last_finalized, now, limits)
    for alert in alerts:
        log.alert(alert.message, alert.code, **alert.details)
    log.alert_check_done(alerts=[a.code for a in alerts], inFlight=in_flight,
             lastHourFinished=last_hour.finished, lastHourFailed=last_hour.failed, lastHourRefused=last_hour.refused,
             todaySpendUsd=round(today.get("veoCostUsd"), 2))
    return alerts
