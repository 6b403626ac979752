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


# ---- reports and review: the server-only moderation/{id} ------------------------


def count_report(creation_id: str, reporter_id: str, threshold: int) -> tuple[int, bool] | None:
    """Counts one report once: the report document is stamped `countedAt` in the same
    transaction, so a re-delivered event counts nothing. The owner's own report (the rules
    refuse it; an older client or an admin write might not) is stamped and not counted.
    (reports, newly hidden), or None when nothing was counted."""

    def run(tx) -> tuple[int, bool] | None:
        report_ref = db().collection(FEED).document(creation_id).collection("reports").document(reporter_id)
        review_ref = db().collection(MODERATION).document(creation_id)
        feed_ref = db().collection(FEED).document(creation_id)
        cref = db().collection(CREATIONS).document(creation_id)
        report = get(report_ref, tx)
        if not report.exists or report.to_dict().get("countedAt"):
            return None
        creation = get(cref, tx)
        review = get(review_ref, tx)
        entry = get(feed_ref, tx)
        owner = creation.to_dict().get("userId") if creation.exists else None
        tx.update(report_ref, {"countedAt": firestore.SERVER_TIMESTAMP, "counted": owner != reporter_id})
        if owner == reporter_id:
            return None
        counted = moderation.count_report(review.to_dict() if review.exists else None, threshold)
        tx.set(review_ref, {**counted.review, "updatedAt": firestore.SERVER_TIMESTAMP})
        if counted.newly_hidden:
            if entry.exists:
                tx.update(feed_ref, {"visible": False})
            if creation.exists and not moderation.is_taken_down(creation.to_dict()):
                tx.update(cref, {"moderation": {"state": moderation.UNDER_REVIEW, "at": firestore.SERVER_TIMESTAMP}})
        return counted.review["reports"], counted.newly_hidden

    return in_transaction(run)


def take_down(creation_id: str, reason: str, by: str) -> str | None:
    """An operator's takedown, in one transaction: the creation is marked (the owner reads
    why; the rules and publish_to_feed refuse to publish it again), moved back to draft if it
    was published, and its feed entry deleted. The public copies go with the published ->
    draft change (publishcreation's unpublish, or the reconciliation). Its status before, or
    None if there is no such creation."""

    def run(tx) -> str | None:
        cref = db().collection(CREATIONS).document(creation_id)
        snap = get(cref, tx)
        if not snap.exists:
            return None
        before = _status(snap)
        mark = {"state": moderation.TAKEN_DOWN, "reason": reason, "by": by, "at": firestore.SERVER_TIMESTAMP}
        change: dict = {"moderation": mark}
        if before == Status.PUBLISHED:
            change.update(status=Status.DRAFT.value, publishedAt=firestore.DELETE_FIELD)
        tx.update(cref, change)
        tx.delete(db().collection(FEED).document(creation_id))
        tx.set(
            db().collection(MODERATION).document(creation_id),
            {"takenDown": {"reason": reason, "by": by, "at": firestore.SERVER_TIMESTAMP}, "hidden": False},
            merge=True,
        )
        return before

    return in_transaction(run)


def restore(creation_id: str, by: str, threshold: int) -> str | None:
    """The review's other outcome: a taken-down creation becomes an ordinary draft again
    (publishable); an entry hidden by reports is visible again and takes `threshold` new
    reporters to hide again. The moderation state it ended, or None if there was none."""

    def run(tx) -> str | None:
        cref = db().collection(CREATIONS).document(creation_id)
        review_ref = db().collection(MODERATION).document(creation_id)
        feed_ref = db().collection(FEED).document(creation_id)
        snap = get(cref, tx)
        review = get(review_ref, tx)
        entry = get(feed_ref, tx)
        state = moderation.state_of(snap.to_dict()) if snap.exists else None
        hidden = moderation.is_hidden(review.to_dict() if review.exists else None)
        if state is None and not hidden:
            return None
        if snap.exists and state is not None:
            tx.update(cref, {"moderation": firestore.DELETE_FIELD})
        cleared = moderation.cleared(review.to_dict() if review.exists else None, threshold)
        tx.set(review_ref, {**cleared, "restored": {"by": by, "at": firestore.SERVER_TIMESTAMP}}, merge=True)
        if entry.exists and _status(snap) == Status.PUBLISHED:
            tx.update(feed_ref, {"visible": True})
        return state or moderation.UNDER_REVIEW

    return in_transaction(run)


def hidden_pending_review(limit: int) -> list[tuple[str, dict]]:
    """The review queue: entries hidden by reports, not yet restored or taken down."""
    query = db().collection(MODERATION).where(filter=firestore.FieldFilter("hidden", "==", True)).limit(limit)
    found = [(snap.id, snap.to_dict()) for snap in query.stream()]
    usage.read(max(1, len(found)))
    return found
