"""The public feed (feed/{id}) and the reconciliation cursors (system/{name})."""

from __future__ import annotations

from google.cloud import firestore

from adapters import usage
from adapters.firestore_tx import db, get, get_many, in_transaction
from domain import media
from domain.states import Status

CREATIONS = "creations"
FEED = "feed"


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


def feed_entries(creation_ids: list[str]) -> dict[str, dict]:
    refs = [db().collection(FEED).document(cid) for cid in creation_ids]
    return get_many(refs)


def get_cursor(name: str) -> str | None:
    snap = db().collection("system").document(name).get()
    usage.read()
    return (snap.to_dict() or {}).get("after") if snap.exists else None


def set_cursor(name: str, after: str | None) -> None:
    db().collection("system").document(name).set({"after": after, "updatedAt": firestore.SERVER_TIMESTAMP})
    usage.wrote()
