"""The public feed (feed/{id}) and the reconciliation cursors (system/{name})."""

from __future__ import annotations

from google.cloud import firestore

from adapters import usage
from adapters.firestore_tx import db, get, get_many, in_transaction
from domain import media, moderation, profiles
from domain.states import Status

CREATIONS = "creations"
FEED = "feed"
PROFILES = "profiles"
# Server-only (no rule opens it): the report count of a feed entry and its review state.
MODERATION = "moderation"


def _status(snap):
    return snap.to_dict().get("status") if snap.exists else None


def publish_to_feed(creation_id: str, media_url: str, poster_url: str | None = None) -> bool:
    """Writes feed/{id} from a creation that is still published and not taken down (a late
    event after a delete, an unpublish or a takedown writes nothing). The owner's display name
    is read in the same transaction: a rename committed before this one is in the entry, and
    one committed after it finds the entry and updates it (handlers/rename_profile.py). An
    entry hidden by reports stays hidden when its creation is published again."""

    def run(tx) -> bool:
        cref = db().collection(CREATIONS).document(creation_id)
        snap = get(cref, tx)
        if _status(snap) != Status.PUBLISHED:
            return False
        creation = snap.to_dict()
        if moderation.is_taken_down(creation):
            return False
        name = profiles.display_name_of(_profile(creation.get("userId"), tx))
        review = get(db().collection(MODERATION).document(creation_id), tx)
        hidden = moderation.is_hidden(review.to_dict() if review.exists else None)
        entry = media.feed_entry(creation, media_url, name, poster_url, visible=not hidden)
        tx.set(db().collection(FEED).document(creation_id), entry)
        return True

    return in_transaction(run)


def _profile(user_id, tx) -> dict | None:
    if not isinstance(user_id, str) or not user_id or "/" in user_id:
        return None
    snap = get(db().collection(PROFILES).document(user_id), tx)
    return snap.to_dict() if snap.exists else None


def set_poster(creation_id: str, media_key: str, poster_url: str) -> str | None:
    """posterUrl on the creation that still holds this video (same mediaKey: not a document
    re-created under the id) as a draft or published; its status then, or None if not set."""

    def run(tx) -> str | None:
        ref = db().collection(CREATIONS).document(creation_id)
        snap = get(ref, tx)
        if not snap.exists or snap.to_dict().get("mediaKey") != media_key:
            return None
        status = _status(snap)
        if status not in (Status.DRAFT, Status.PUBLISHED):
            return None
        tx.update(ref, {"posterUrl": poster_url})
        return status

    return in_transaction(run)


def published_by(user_id: str, after_id: str | None, limit: int) -> list[str]:
    """Ids of up to `limit` published creations of one user, in id order after `after_id`:
    the pages a rename walks (equality filters only: Firestore's single-field indexes serve it)."""
    query = (
        db()
        .collection(CREATIONS)
        .where(filter=firestore.FieldFilter("userId", "==", user_id))
        .where(filter=firestore.FieldFilter("status", "==", Status.PUBLISHED.value))
        .order_by("__name__")
    )
    if after_id:
        query = query.start_after(db().collection(CREATIONS).document(after_id))
    found = [snap.id for snap in query.select([]).limit(limit).stream()]
    usage.read(max(1, len(found)))
    return found


def rename_in_feed(creation_id: str, user_id: str) -> bool:
    """Sets feed/{id}.displayName to the owner's name as it is NOW (not the event's value), so
    events delivered twice or out of order end on the latest name. Only an existing entry of a
    creation this user still owns is touched."""

    def run(tx) -> bool:
        snap = get(db().collection(CREATIONS).document(creation_id), tx)
        if not snap.exists or snap.to_dict().get("userId") != user_id:
            return False
        fref = db().collection(FEED).document(creation_id)
        entry = get(fref, tx)
        if not entry.exists:
            return False
        name = profiles.display_name_of(_profile(user_id, tx))
        if entry.to_dict().get("displayName") == name:
            return False
        tx.update(fref, {"displayName": name})
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
