"""The metric counters read and written outside a state change: a document set aside, the
alert check's shards and its in-flight summary. (Counters that move with a state change are
written in that transaction: firestore_tx.count.)"""
from __future__ import annotations

from datetime import datetime

from google.cloud import firestore

from adapters import usage
from adapters.firestore_tx import count_now, db
from domain import metrics
from domain.states import IN_FLIGHT

CREATIONS = "creations"
SHARDS = "shards"


def count_malformed(where: str) -> None:
    count_now(metrics.malformed(where))


def metric_shards_since(start: datetime) -> list[dict]:
    query = db().collection_group(SHARDS).where(
        filter=firestore.FieldFilter("bucketStart", ">=", start))
    shards = [snap.to_dict() for snap in query.stream()]
    usage.read(max(1, len(shards)))
    return shards


def in_flight_summary() -> tuple[int, datetime | None]:
    """How many creations are pending or processing, and when the oldest was created."""
    base = db().collection(CREATIONS).where(
        filter=firestore.FieldFilter("status", "in", [s.value for s in IN_FLIGHT]))
    count = base.count().get()[0][0].value
    oldest = list(base.order_by("createdAt").limit(1).stream())
    usage.read(2)  # an aggregation is billed as at least one read
    created = oldest[0].to_dict().get("createdAt") if oldest else None
    # A malformed createdAt (say, a string) must not break the alert arithmetic.
    return int(count), (created if isinstance(created, datetime) else None)


__all__ = ["count_now", "count_malformed", "metric_shards_since", "in_flight_summary"]
