"""The operational figures outside any state change.

Alerts: no counter document sits in a money transaction (at 50 generations/s a
shared counter is written far more than once a second). A finished creation carries what the
alerts need: `status`, `completedAt`, `refunded` and `error.code`; a few count/sum
aggregations over a `completedAt` window (each billed as one read per 1000 index entries)
give the totals. Refusals (failed before any token moved: `refunded` false) are told apart
from failures of paid work (`refunded` true).

Rare counters (a document set aside, a repair) still go to metric shards, outside any money
transaction (count_now); the in-flight summary is one count and one ordered read.
"""

from __future__ import annotations

from datetime import datetime

from google.cloud import firestore

from adapters import usage
from adapters.firestore_tx import count_now, db
from domain import metrics
from domain.errors import ErrorCode
from domain.metrics import Totals
from domain.pricing import VEO_USD_PER_SECOND
from domain.states import IN_FLIGHT, Status

CREATIONS = "creations"
SHARDS = "shards"
DELIVERED = [Status.DRAFT.value, Status.PUBLISHED.value]


def count_malformed(where: str) -> None:
    count_now(metrics.malformed(where))


def metric_shards_since(start: datetime) -> list[dict]:
    """The rare counters' shards since `start` (the operator's report reads them)."""
    query = db().collection_group(SHARDS).where(filter=firestore.FieldFilter("bucketStart", ">=", start))
    shards = [snap.to_dict() for snap in query.stream()]
    usage.read(max(1, len(shards)))
    return shards


def in_flight_summary() -> tuple[int, datetime | None]:
    """How many creations are pending or processing, and when the oldest was created."""
    base = db().collection(CREATIONS).where(filter=firestore.FieldFilter("status", "in", [s.value for s in IN_FLIGHT]))
    count = base.count().get()[0][0].value
    oldest = list(base.order_by("createdAt").limit(1).stream())
    usage.read(2)  # an aggregation is billed as at least one read
    created = oldest[0].to_dict().get("createdAt") if oldest else None
    # A malformed createdAt (say, a string) must not break the alert arithmetic.
    return int(count), (created if isinstance(created, datetime) else None)


def _since(query, start: datetime, end: datetime | None):
    query = query.where(filter=firestore.FieldFilter("completedAt", ">=", start))
    if end is not None:
        query = query.where(filter=firestore.FieldFilter("completedAt", "<=", end))
    return query


def _count(query) -> int:
    usage.read()
    return int(query.count().get()[0][0].value)


def _sum(query, field: str) -> float:
    usage.read()
    value = query.sum(field).get()[0][0].value
    return float(value or 0)


def totals_since(start: datetime, usd_per_video_second: float, end: datetime | None = None) -> Totals:
    """Creations that finished in [start, end]: succeeded, failed by code (paid work, refunded),
    refused by code (nothing charged), video seconds and the estimated Veo spend."""
    creations = db().collection(CREATIONS)
    delivered = _since(creations.where(filter=firestore.FieldFilter("status", "in", DELIVERED)), start, end)
    totals = Totals()
    succeeded = _count(delivered)
    seconds = _sum(delivered, "duration") if succeeded else 0.0
    spend = metrics.veo_spend_usd(_seconds_by_option(delivered) if seconds else {}, seconds, usd_per_video_second)
    totals.add({"succeeded": succeeded, "videoSeconds": seconds, "veoCostUsd": spend})
    failed = creations.where(filter=firestore.FieldFilter("status", "==", Status.FAILED.value))
    for refunded, prefix in ((True, "failed_"), (False, "refused_")):
        kind = _since(failed.where(filter=firestore.FieldFilter("refunded", "==", refunded)), start, end)
        if not _count(kind):
            continue
        for code in ErrorCode:
            n = _count(kind.where(filter=firestore.FieldFilter("error.code", "==", code.value)))
            if n:
                totals.add({prefix + code.value: n})
    return totals


def _seconds_by_option(delivered) -> dict[tuple[str, str, bool], float]:
    """Delivered seconds per combination as the creations recorded it priced: one sum each
    (8 today), so the spend follows what Veo charges for each (index: firestore.indexes.json)."""
    by_option = {}
    for quality, resolution, audio in VEO_USD_PER_SECOND:
        query = (
            delivered.where(filter=firestore.FieldFilter("quality", "==", quality))
            .where(filter=firestore.FieldFilter("resolution", "==", resolution))
            .where(filter=firestore.FieldFilter("audio", "==", audio))
        )
        seconds = _sum(query, "duration")
        if seconds:
            by_option[(quality, resolution, audio)] = seconds
    return by_option


def last_finalized_at(now: datetime, look: int = 20) -> datetime | None:
    """When a worker last finished something: the newest completedAt that is not a sweep's
    timeout (a timeout says nothing about the workers being alive). None if none in the
    newest `look` endings: a sweep that failed that many at once is itself a stall."""
    query = (
        db()
        .collection(CREATIONS)
        .where(filter=firestore.FieldFilter("completedAt", "<=", now))
        .order_by("completedAt", direction=firestore.Query.DESCENDING)
        .limit(look)
    )
    snaps = list(query.stream())
    usage.read(max(1, len(snaps)))
    for snap in snaps:
        data = snap.to_dict()
        error = data.get("error")
        code = error.get("code") if isinstance(error, dict) else None
        at = data.get("completedAt")
        if code != ErrorCode.TIMEOUT.value and isinstance(at, datetime):
            return at
    return None


__all__ = [
    "count_now",
    "count_malformed",
    "in_flight_summary",
    "totals_since",
    "last_finalized_at",
]
