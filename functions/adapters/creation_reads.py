"""Reads of creations outside a transaction: one document, and the bounded queries of the
scheduled functions (the sweep's in-flight ages, the reconciliation's recent publishes)."""

from __future__ import annotations

from datetime import datetime

from google.cloud import firestore

from adapters import usage
from adapters.firestore_tx import db, get_many
from domain.states import IN_FLIGHT

CREATIONS = "creations"


def _db():
    return db()


def load_creation(creation_id: str) -> dict | None:
    usage.read()
    snap = _db().collection(CREATIONS).document(creation_id).get()
    return snap.to_dict() if snap.exists else None


def in_flight_older_than(cutoff) -> list[tuple[str, dict]]:
    """Creations still pending or processing that were created before `cutoff`."""
    query = (
        _db()
        .collection(CREATIONS)
        .where(filter=firestore.FieldFilter("status", "in", [s.value for s in IN_FLIGHT]))
        .where(filter=firestore.FieldFilter("createdAt", "<", cutoff))
    )
    found = [(snap.id, snap.to_dict()) for snap in query.stream()]
    usage.read(max(1, len(found)))  # a query costs at least one read
    return found


def in_flight_without_a_time(cutoff, limit: int = 50) -> list[tuple[str, dict]]:
    """In-flight creations whose createdAt is not a timestamp (e.g. a string written by an
    admin tool): the age query above never sees them, so they are aged by the document's own
    create_time. Firestore orders strings after timestamps, hence `>= ""`; bounded per run."""
    query = (
        _db()
        .collection(CREATIONS)
        .where(filter=firestore.FieldFilter("status", "in", [s.value for s in IN_FLIGHT]))
        .where(filter=firestore.FieldFilter("createdAt", ">=", ""))
        .limit(limit)
    )
    snaps = list(query.stream())
    usage.read(max(1, len(snaps)))
    return [(snap.id, snap.to_dict()) for snap in snaps if snap.create_time and snap.create_time < cutoff]


def published_since(since: datetime, limit: int) -> list[tuple[str, dict]]:
    """Creations published at or after `since` (publishedAt exists only once published),
    oldest first, at most `limit`: the work grows with publishing traffic, not the library."""
    query = (
        _db()
        .collection(CREATIONS)
        .where(filter=firestore.FieldFilter("publishedAt", ">=", since))
        .order_by("publishedAt")
        .limit(limit)
    )
    found = [(snap.id, snap.to_dict()) for snap in query.stream()]
    usage.read(max(1, len(found)))
    return found


def existing_creations(creation_ids: list[str]) -> dict[str, dict]:
    return get_many([_db().collection(CREATIONS).document(cid) for cid in creation_ids])


def uploads_in_use(paths: list[str]) -> set[str]:
    """The uploads among `paths` that a creation not failed still names as image or lastFrame
    (Firestore's `in` takes 30 values: one query per field and chunk)."""
    found: set[str] = set()
    wanted = sorted(set(paths))
    for start in range(0, len(wanted), 30):
        chunk = wanted[start : start + 30]
        for field in ("image", "lastFrame"):
            query = _db().collection(CREATIONS).where(filter=firestore.FieldFilter(field, "in", chunk))
            snaps = list(query.stream())
            usage.read(max(1, len(snaps)))
            for snap in snaps:
                data = snap.to_dict() or {}
                if data.get("status") != "failed" and data.get(field) in chunk:
                    found.add(data[field])
    return found
