"""Firestore side of push notifications: the outbox document the finishing transaction writes,
the user's devices (users/{uid}/devices/{deviceId}, written by the app through the rules) and
preferences (profiles/{uid}.notify). This module is the NotificationStore port."""

from __future__ import annotations

from google.cloud import firestore

from adapters import usage
from adapters.firestore_tx import count_now, db, get, in_transaction
from domain import metrics
from domain.notifications import DEVICES, MAX_DEVICES, OUTBOX, Device, device_from, outbox_document, outbox_id
from domain.states import Status

PROFILES = "profiles"
USERS = "users"


def write_outbox(
    tx,
    creation_id: str,
    user_id: str | None,
    status: Status,
    incarnation: str | None,
    *,
    error_code: str | None = None,
    refunded: bool = False,
) -> None:
    """The one extra write of a finishing transaction (draft or failed): a set, so the SDK's
    retry of the transaction writes the same document; its creation wakes sendnotification."""
    if not user_id:
        return  # no owner to notify (a malformed creation)
    doc = outbox_document(creation_id, user_id, status, error_code=error_code, refunded=refunded)
    doc["createdAt"] = firestore.SERVER_TIMESTAMP
    tx.set(db().collection(OUTBOX).document(outbox_id(creation_id, status.value, incarnation)), doc)


def preferences(user_id: str) -> dict | None:
    snap = db().collection(PROFILES).document(user_id).get()
    usage.read()
    notify = snap.to_dict().get("notify") if snap.exists else None
    return notify if isinstance(notify, dict) else None


def devices(user_id: str) -> list[Device]:
    """The newest devices, and a few older ones for the sender to prune: a user who wrote
    thousands (the rules cannot count) costs a bounded read per notification, and loses a
    batch of the oldest each time."""
    query = (
        db()
        .collection(USERS)
        .document(user_id)
        .collection(DEVICES)
        .order_by("updatedAt", direction=firestore.Query.DESCENDING)
        .limit(MAX_DEVICES * 3)
    )
    found = []
    for snap in query.stream():
        usage.read()
        device = device_from(snap.id, snap.to_dict())
        if device is not None:
            found.append(device)
    return found


def remove_device(user_id: str, device_id: str, token: str | None = None) -> bool:
    """Deletes a device document; with `token`, only if it still holds that token (the app may
    have registered a fresh one since the send that found the old one stale)."""
    ref = db().collection(USERS).document(user_id).collection(DEVICES).document(device_id)

    def run(tx) -> bool:
        snap = get(ref, tx)
        if not snap.exists or (token is not None and snap.to_dict().get("token") != token):
            return False
        tx.delete(ref)
        return True

    return in_transaction(run)


def mark_sent(outbox_id_: str, device_id: str, message_name: str | None) -> None:
    """Which devices got this notification: a re-delivered trigger event skips them."""
    db().collection(OUTBOX).document(outbox_id_).set(
        {"sent": {device_id: message_name or ""}, "updatedAt": firestore.SERVER_TIMESTAMP}, merge=True
    )
    usage.wrote()


def record_outcome(outbox_id_: str, outcome: dict) -> None:
    """The run's summary on the outbox document, and the counters the ops report reads."""
    db().collection(OUTBOX).document(outbox_id_).set(
        {"outcome": outcome, "updatedAt": firestore.SERVER_TIMESTAMP}, merge=True
    )
    usage.wrote()
    increments = metrics.notifications(
        sent=int(outcome.get("sent", 0)),
        failed=int(outcome.get("failed", 0)),
        pruned=int(outcome.get("stale", 0)) + int(outcome.get("pruned", 0)),
    )
    if increments:
        count_now(increments)
