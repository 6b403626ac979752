"""The operational figures, computed from the creations themselves with aggregation queries.

No counter document sits in a money transaction (issue #14: at 50 generations/s a shared
counter is written far more than once a second). A finished creation carries what the
alerts need: `status`, `completedAt`, `refunded` and `error.code`; a few count/sum
aggregations over a `completedAt` window (each billed as one read per 1000 index entries)
give the same totals the shards did. Refusals (failed before any token moved: `refunded`
false) are told apart from failures of paid work (`refunded` true).
"""
from __future__ import annotations

from datetime import datetime

from google.cloud import firestore

from adapters import usage
from adapters.firestore_tx import db
from domain.errors import ErrorCode
from domain.metrics import Totals
from domain.states import Status

CREATIONS = "creations"
DELIVERED = [Status.DRAFT.value, Status.PUBLISHED.value]


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
    totals.add({"succeeded": succeeded, "videoSeconds": seconds,
                "veoCostUsd": round(seconds * usd_per_video_second, 4)})
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


def last_finalized_at(now: datetime, look: int = 20) -> datetime | None:
    """When a worker last finished something: the newest completedAt that is not a sweep's
    timeout (a timeout says nothing about the workers being alive). None if none in the
    newest `look` endings: a sweep that failed that many at once is itself a stall."""
    query = (db().collection(CREATIONS)
             .where(filter=firestore.FieldFilter("completedAt", "<=", now))
             .order_by("completedAt", direction=firestore.Query.DESCENDING).limit(look))
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
