"""The public feed (feed/{id}) and the reconciliation cursors (system/{name})."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from google.cloud import firestore

from adapters import log, usage
from adapters.firestore_tx import after_document, db, get, get_all, get_many, in_transaction
from domain import media, moderation, profiles
from domain.states import Status

CREATIONS = "creations"
FEED = "feed"
PROFILES = "profiles"
# Server-only (no rule opens it): the report count of a feed entry and its review state.
MODERATION = "moderation"
# Server-only: a reporter's standing (domain/moderation.py), a name's holder, an operator's log.
REPORTERS = "reporters"
NAMES = "names"
# The name the feed shows for a user, and why a requested one was refused: server-written, the
# owner reads it (firestore.rules).
DISPLAY_NAMES = "displayNames"
AUDIT = "moderationAudit"
# Written by the app in the batch that publishes a creation (firestore.rules): its create and
# delete are what wake publishcreation (not every update of every creation).
PUBLICATIONS = "publications"


def _status(snap):
    return snap.to_dict().get("status") if snap.exists else None


def publish_to_feed(creation_id: str, media_url: str, poster_url: str | None = None) -> media.FeedWrite:
    """Writes feed/{id} from a creation that is still published and not taken down (a late
    event after a delete, an unpublish or a takedown writes nothing: REFUSED). The owner's
    accepted display name is read in the same transaction: a rename committed before this one
    is in the entry, and one committed after it finds the entry and updates it
    (handlers/rename_profile.py). An entry hidden by reports stays hidden when its creation is
    published again (HIDDEN: the caller removes the public copies it made). The entry keeps the
    creation's FIRST publishedAt: unpublishing and publishing again does not move it up the feed."""

    def run(tx) -> media.FeedWrite:
        cref = db().collection(CREATIONS).document(creation_id)
        snap = get(cref, tx)
        if _status(snap) != Status.PUBLISHED:
            return media.FeedWrite.REFUSED
        creation = snap.to_dict()
        if moderation.is_taken_down(creation):
            return media.FeedWrite.REFUSED
        name = profiles.display_name_of(_profile(creation.get("userId"), tx))
        review = get(db().collection(MODERATION).document(creation_id), tx)
        hidden = moderation.is_hidden(review.to_dict() if review.exists else None)
        first = media.first_published_at(creation)
        if first is not None and "firstPublishedAt" not in creation:
            tx.update(cref, {"firstPublishedAt": first})
        entry = media.feed_entry({**creation, "publishedAt": first}, media_url, name, poster_url, visible=not hidden)
        tx.set(db().collection(FEED).document(creation_id), entry)
        return media.FeedWrite.HIDDEN if hidden else media.FeedWrite.PUBLISHED

    return in_transaction(run)


def _profile(user_id, tx) -> dict | None:
    """The user's ACCEPTED name record (displayNames/{uid}), what the feed shows."""
    if not isinstance(user_id, str) or not user_id or "/" in user_id:
        return None
    snap = get(db().collection(DISPLAY_NAMES).document(user_id), tx)
    return snap.to_dict() if snap.exists else None


def accept_name(user_id: str) -> bool:
    """Judges the name the user asked for (profiles/{uid}.displayName) in one transaction: a
    valid name whose look-alike skeleton nobody else holds, within the renames allowed a day,
    becomes the name shown (displayNames/{uid}.name) and its skeleton is reserved for the user
    (names/{key}); the name they held before is released. A refused one leaves the shown name as
    it was and says why (displayNames/{uid}.error). Whether the shown name changed (the feed
    entries then follow: handlers/rename_profile.py). Writes nothing when nothing changes (the
    profile write that woke it is the only trigger)."""

    def run(tx) -> bool:
        now = datetime.now(UTC)
        pref = db().collection(PROFILES).document(user_id)
        sref = db().collection(DISPLAY_NAMES).document(user_id)
        snaps = get_all(tx, [pref, sref])
        profile, state_snap = snaps[pref.path], snaps[sref.path]
        requested = profile.to_dict().get("displayName") if profile.exists else None
        state = state_snap.to_dict() if state_snap.exists else {}
        shown = state.get("name") if isinstance(state.get("name"), str) else None
        new_ref = old_ref = None
        if isinstance(requested, str) and profiles.is_valid_display_name(requested):
            new_ref = db().collection(NAMES).document(profiles.name_key(requested))
        if shown is not None:
            old_ref = db().collection(NAMES).document(profiles.name_key(shown))
        refs = [r for r in (new_ref, old_ref) if r is not None]
        held = get_all(tx, refs) if refs else {}
        holder = None
        if new_ref is not None and held[new_ref.path].exists:
            holder = held[new_ref.path].to_dict().get("userId")
        decision = profiles.decide_name(requested, shown, holder, user_id, list(state.get("renames") or []), now)
        after = profiles.accepted_after(state, decision, requested, now)
        if after == state:
            return False
        changed = after.get("name") != shown
        if changed and old_ref is not None and (new_ref is None or new_ref.path != old_ref.path):
            old = held[old_ref.path]
            if old.exists and old.to_dict().get("userId") == user_id:  # released: someone else may take it
                tx.delete(old_ref)
        if changed and new_ref is not None and after.get("name") == requested and holder != user_id:
            tx.set(new_ref, {"userId": user_id, "at": firestore.SERVER_TIMESTAMP})
        tx.set(sref, after)
        if decision.error is not None:
            log.name_refused(user_id, decision.error.value)
        return changed

    return in_transaction(run)


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
        query = after_document(query, db().collection(CREATIONS), after_id)
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
        entry = db().collection(FEED).document(creation_id)
        # A published creation deleted by its owner leaves its publication behind: it goes too.
        publication = db().collection(PUBLICATIONS).document(creation_id)
        found = get_all(tx, [entry, publication])
        # Only what exists is deleted. The emulator fires publishcreation on a delete of a
        # missing publication, and publishcreation calls this: deleting it unconditionally was an
        # endless trigger loop, and its feed deletes reset every feed listener ~40 times a second
        # (a browser's other listeners then stalled).
        for ref in (entry, publication):
            if found[ref.path].exists:
                tx.delete(ref)
        return True

    return in_transaction(run)


def feed_page(after_id: str | None, limit: int) -> list[tuple[str, dict]]:
    """Up to `limit` feed entries in id order, after `after_id` (a cursor over the feed)."""
    query = db().collection(FEED).order_by("__name__")
    if after_id:
        query = after_document(query, db().collection(FEED), after_id)
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


# ---- reports and review: the server-only moderation/{id} and reporters/{uid} ---------------


def _has_paid(user_id: str) -> bool:
    """The server's half of a reporter's qualification: a debit in their ledger (they paid for
    a video). Read outside the transaction: a debit never goes away."""
    query = (
        db()
        .collection("users")
        .document(user_id)
        .collection("transactions")
        .where(filter=firestore.FieldFilter("type", "==", "debit"))
        .limit(1)
    )
    found = list(query.select([]).stream())
    usage.read()
    return bool(found)


def count_report(creation_id: str, reporter_id: str, threshold: int) -> tuple[int, bool] | None:
    """Counts one report once: the report document is stamped `countedAt` (and the weight it
    got) in the same transaction, so a re-delivered event counts nothing. The owner's own report
    (the rules refuse it; an older client or an admin write might not) is stamped and not
    counted. Weights, caps and the brigade check: domain/moderation.py.
    (reports, newly hidden), or None when nothing was counted."""
    qualified = _has_paid(reporter_id)

    def run(tx) -> tuple[int, bool] | None:
        now = datetime.now(UTC)
        report_ref = db().collection(FEED).document(creation_id).collection("reports").document(reporter_id)
        review_ref = db().collection(MODERATION).document(creation_id)
        feed_ref = db().collection(FEED).document(creation_id)
        cref = db().collection(CREATIONS).document(creation_id)
        standing_ref = db().collection(REPORTERS).document(reporter_id)
        snaps = get_all(tx, [report_ref, cref, review_ref, feed_ref, standing_ref])
        report, creation, review, entry, standing = (
            snaps[r.path] for r in (report_ref, cref, review_ref, feed_ref, standing_ref)
        )
        if not report.exists or report.to_dict().get("countedAt"):
            return None
        owner = creation.to_dict().get("userId") if creation.exists else None
        if owner == reporter_id:
            tx.update(report_ref, {"countedAt": firestore.SERVER_TIMESTAMP, "counted": False})
            return None
        review_doc = review.to_dict() if review.exists else None
        contributors: dict[str, dict] = {}
        if moderation.may_hide(review_doc, threshold):
            others = [uid for uid in moderation.round_reporters(review_doc) if uid != reporter_id]
            refs = [db().collection(REPORTERS).document(uid) for uid in others]
            got = get_all(tx, refs) if refs else {}
            contributors = {uid: (got[r.path].to_dict() or {}) for uid, r in zip(others, refs, strict=True)}
            contributors = {uid: d for uid, d in contributors.items() if d is not None}
        reason = str(report.to_dict().get("reason") or "other")
        plan = moderation.plan_report(
            creation_id,
            reporter_id,
            reason,
            review_doc,
            standing.to_dict() if standing.exists else None,
            qualified,
            contributors,
            threshold,
            now,
        )
        tx.update(
            report_ref, {"countedAt": firestore.SERVER_TIMESTAMP, "counted": plan.weight > 0, "weight": plan.weight}
        )
        standing_doc = plan.standing
        if reporter_id in plan.hid_with:
            standing_doc = moderation.with_hide(standing_doc, creation_id, now)
        tx.set(standing_ref, standing_doc)
        for uid in plan.hid_with:
            if uid != reporter_id and uid in contributors:
                tx.set(
                    db().collection(REPORTERS).document(uid), moderation.with_hide(contributors[uid], creation_id, now)
                )
        for uid in plan.flagged:
            if uid != reporter_id:
                tx.set(db().collection(REPORTERS).document(uid), moderation.flagged(contributors.get(uid)))
        decided = {moderation.DECIDED_AT: firestore.SERVER_TIMESTAMP} if plan.newly_hidden else {}
        tx.set(review_ref, {**plan.review, "updatedAt": firestore.SERVER_TIMESTAMP, **decided})
        if plan.flagged:
            log.brigade_flagged(creation_id, list(plan.flagged))
        if plan.newly_hidden:
            if entry.exists:
                tx.update(feed_ref, {"visible": False})
            if creation.exists and not moderation.is_taken_down(creation.to_dict()):
                tx.update(cref, {"moderation": {"state": moderation.UNDER_REVIEW, "at": firestore.SERVER_TIMESTAMP}})
        return int(plan.review["reports"]), plan.newly_hidden

    return in_transaction(run)


def _judge(tx, review_doc: dict | None, upheld: bool) -> list:
    """Every reporter whose report counted in this round: judged (reads first, then writes)."""
    uids = moderation.round_reporters(review_doc)
    refs = [db().collection(REPORTERS).document(uid) for uid in uids]
    got = get_all(tx, refs) if refs else {}
    return [(r, moderation.judged(got[r.path].to_dict() if got[r.path].exists else None, upheld)) for r in refs]


def _audit(tx, creation_id: str, action: str, by: str, reason: str | None = None) -> None:
    """The operator-only record of who did what (no rule opens it)."""
    tx.set(
        db().collection(AUDIT).document(),
        {"creationId": creation_id, "action": action, "by": by, "reason": reason, "at": firestore.SERVER_TIMESTAMP},
    )


def take_down(creation_id: str, reason: str, by: str) -> str | None:
    """An operator's takedown, in one transaction: the creation is marked (the owner reads what
    and why, never who; the rules and publish_to_feed refuse to publish it again), moved back to
    draft if it was published, its publication and feed entry deleted. Who did it goes to the
    server-only moderation/{id} and the audit log. The media (draft video and poster moved
    where the public cannot reach them, public copies deleted) follow from the moderation/{id}
    write (handlers/moderate_media.py). The reporters of the current round are judged right.
    Its status before, or None if there is no such creation."""

    def run(tx) -> str | None:
        cref = db().collection(CREATIONS).document(creation_id)
        review_ref = db().collection(MODERATION).document(creation_id)
        snap = get(cref, tx)
        if not snap.exists:
            return None
        review = get(review_ref, tx)
        review_doc = review.to_dict() if review.exists else None
        judged = _judge(tx, review_doc, upheld=True)
        before = _status(snap)
        mark = {"state": moderation.TAKEN_DOWN, "reason": reason, "at": firestore.SERVER_TIMESTAMP}
        change: dict = {"moderation": mark}
        if before == Status.PUBLISHED:
            change.update(status=Status.DRAFT.value, publishedAt=firestore.DELETE_FIELD)
        tx.update(cref, change)
        tx.delete(db().collection(FEED).document(creation_id))
        tx.delete(db().collection(PUBLICATIONS).document(creation_id))
        for ref, standing in judged:
            tx.set(ref, standing)
        # The held copy's key carries a secret no client ever reads (domain/media.held_key),
        # the same for every takedown of the creation: a restore keeps it (see held_secret).
        held = moderation.held_secret(review_doc) or secrets.token_urlsafe(24)
        fields = {
            "heldSecret": held,
            "takenDown": {"reason": reason, "by": by, "at": firestore.SERVER_TIMESTAMP},
            "hidden": False,
            "needsReview": False,
            "reporters": {},
            "weight": 0.0,
            "updatedAt": firestore.SERVER_TIMESTAMP,
            moderation.DECIDED_AT: firestore.SERVER_TIMESTAMP,
        }
        # merge= the field list: each of these fields is replaced whole (merge=True would merge
        # `reporters: {}` into the old map, i.e. keep it).
        tx.set(review_ref, fields, merge=list(fields))
        _audit(tx, creation_id, "takedown", by, reason)
        return before

    return in_transaction(run)


def restore(creation_id: str, by: str, threshold: int) -> str | None:
    """The review's other outcome: a taken-down creation becomes an ordinary draft again
    (publishable; its media come back from where they were held); an entry hidden by reports (or
    held for review after a brigade) is visible again, a new round begins that takes more
    weight to hide it, and the round's reporters are judged wrong. The moderation state it
    ended, or None if there was none."""

    def run(tx) -> str | None:
        cref = db().collection(CREATIONS).document(creation_id)
        review_ref = db().collection(MODERATION).document(creation_id)
        feed_ref = db().collection(FEED).document(creation_id)
        snap = get(cref, tx)
        review = get(review_ref, tx)
        entry = get(feed_ref, tx)
        review_doc = review.to_dict() if review.exists else None
        state = moderation.state_of(snap.to_dict()) if snap.exists else None
        hidden = moderation.is_hidden(review_doc)
        pending = bool((review_doc or {}).get("needsReview"))
        if state is None and not hidden and not pending:
            return None
        judged = _judge(tx, review_doc, upheld=False) if state != moderation.TAKEN_DOWN else []
        if snap.exists and state is not None:
            tx.update(cref, {"moderation": firestore.DELETE_FIELD})
        for ref, standing in judged:
            tx.set(ref, standing)
        cleared = moderation.cleared(review_doc, threshold)
        cleared["takenDown"] = firestore.DELETE_FIELD
        cleared["restored"] = {"by": by, "at": firestore.SERVER_TIMESTAMP}
        cleared["updatedAt"] = firestore.SERVER_TIMESTAMP
        cleared[moderation.DECIDED_AT] = firestore.SERVER_TIMESTAMP
        tx.set(review_ref, cleared, merge=list(cleared))  # each field replaced whole (see take_down)
        if entry.exists and _status(snap) == Status.PUBLISHED:
            tx.update(feed_ref, {"visible": True})
        _audit(tx, creation_id, "restore", by)
        return state or moderation.UNDER_REVIEW

    return in_transaction(run)


def hidden_pending_review(limit: int) -> list[tuple[str, dict]]:
    """The review queue: entries hidden by reports, and entries held for review after a brigade
    was seen, not yet restored or taken down."""
    found: dict[str, dict] = {}
    for field in ("hidden", "needsReview"):
        query = db().collection(MODERATION).where(filter=firestore.FieldFilter(field, "==", True)).limit(limit)
        found.update((snap.id, snap.to_dict()) for snap in query.stream())
    usage.read(max(1, len(found)))
    return sorted(found.items())[:limit]


def decided_since(since: datetime, limit: int) -> list[tuple[str, dict]]:
    """moderation/{id} whose media state was decided at or after `since`, oldest first, at most
    `limit` (one field: its automatic index serves it): the work grows with decisions, not with
    everything ever taken down."""
    query = (
        db()
        .collection(MODERATION)
        .where(filter=firestore.FieldFilter(moderation.DECIDED_AT, ">=", since))
        .order_by(moderation.DECIDED_AT)
        .limit(limit)
    )
    found = [(snap.id, snap.to_dict()) for snap in query.stream()]
    usage.read(max(1, len(found)))
    return found


def reporter_standings(uids: list[str]) -> dict[str, dict]:
    """reporters/{uid} of these users (the review queue shows how their reports were judged)."""
    return get_many([db().collection(REPORTERS).document(uid) for uid in uids])
