"""The public feed, and the bounded reads the scheduled functions make."""
from __future__ import annotations

from datetime import datetime

from google.cloud import firestore

from adapters import usage
from adapters.firestore_tx import db, get, in_transaction
from domain import media
from domain.states import IN_FLIGHT, Status

CREATIONS = "creations"
FEED = "feed"
SHARDS = "shards"


def _status(snap):
    return snap.to_dict().get("status") if snap.exists else None


def publish_to_feed(creation_id: str, media_url: str) -> bool:
    """Writes feed/{id} from a creation that is still published (a late event after a delete
    or on a re-delivery writes nothing new)."""

    def run(tx) -> bool:
        cref = db().collection(CREATIONS).document(creation_id)
        snap = get(cref, tx)
        if _status(snap) != Status.PUBLISHED:
            return False
        tx.set(db().collection(FEED).document(creation_id), media.feed_entry(snap.to_dict(), media_url))
        return True

    return in_transaction(run)


def remove_from_feed(creation_id: str) -> bool:
    """Removes feed/{id} unless creations/{id} exists and is published: a late delete event
    of an earlier document of this id must not take down the new owner's entry."""

    def run(tx) -> bool:
        snap = get(db().collection(CREATIONS).document(creation_id), tx)
        if _status(snap) == Status.PUBLISHED:
            return False
        tx.delete(db().collection(FEED).document(creation_id))
        return True

    return in_transaction(run)


def feed_page(after_id: str | None, limit: int) -> list[tuple[str, dict]]:
    """Up to `limit` feed entries in id order, after `after_id` (a cursor over the feed)."""
    query = db().collection(FEED).order_by("__name__")
    if after_id:
        query = query.start_after(db().collection(FEED).document(after_id))
    found = [(snap.id, snap.to_dict()) for snap in query.limit(limit).stream()]
    usage.read(max(1, len(found)))
    return found


def published_since(since: datetime, limit: int) -> list[tuple[str, dict]]:
    """Creations published at or after `since` (publishedAt exists only once published),
    oldest first, at most `limit`: the work grows with publishing traffic, not the library."""
    query = (db().collection(CREATIONS)
             .where(filter=firestore.FieldFilter("publishedAt", ">=", since))
             .order_by("publishedAt").limit(limit))
    found = [(snap.id, snap.to_dict()) for snap in query.stream()]
    usage.read(max(1, len(found)))
    return found


def feed_entries(creation_ids: list[str]) -> dict[str, dict]:
    refs = [db().collection(FEED).document(cid) for cid in creation_ids]
    return _get_many(refs)


def existing_creations(creation_ids: list[str]) -> dict[str, dict]:
    return _get_many([db().collection(CREATIONS).document(cid) for cid in creation_ids])


def _get_many(refs: list) -> dict[str, dict]:
    found = {}
    for start in range(0, len(refs), 300):
        usage.read(len(refs[start:start + 300]))
        for snap in db().get_all(refs[start:start + 300]):
            if snap.exists:
                found[snap.id] = snap.to_dict()
    return found


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


def get_cursor(name: str) -> str | None:
    snap = db().collection("system").document(name).get()
    usage.read()
    return (snap.to_dict() or {}).get("after") if snap.exists else None


def set_cursor(name: str, after: str | None) -> None:
    db().collection("system").document(name).set({"after": after, "updatedAt": firestore.SERVER_TIMESTAMP})
    usage.wrote()
