"""Firestore side of admission: the queue estimate a client sees, and the checks of a start."""

from __future__ import annotations

from datetime import datetime

from google.cloud import firestore

from adapters import usage
from adapters.firestore_tx import db, get, in_transaction, incarnation_of
from domain.admission import QueueEstimate
from domain.states import Status
from ports import Waiting

CREATIONS = "creations"


def queued_ahead(now: datetime) -> int:
    """Requests queued before `now` and not started yet: one aggregation (billed as one read
    per 1000 index entries), index creations(status, queuedAt)."""
    query = (
        db()
        .collection(CREATIONS)
        .where(filter=firestore.FieldFilter("status", "==", Status.PENDING.value))
        .where(filter=firestore.FieldFilter("queuedAt", "<=", now))
    )
    usage.read()
    return int(query.count().get()[0][0].value)


def mark_queued(creation_id: str, incarnation: str | None, estimate: QueueEstimate, queued_at: datetime) -> bool:
    """pending stays pending, with when it was queued and an honest estimate of its start.
    Nothing if it moved on meanwhile (startveo may already have started it) or is another
    document of this id. No money here."""

    def run(tx) -> bool:
        ref = db().collection(CREATIONS).document(creation_id)
        snap = get(ref, tx)
        if not snap.exists or snap.to_dict().get("status") != Status.PENDING:
            return False
        if incarnation is not None and incarnation_of(snap.create_time) != incarnation:
            return False
        tx.update(
            ref,
            {
                # The moment the estimate was made from (not the commit's): the two compare.
                "queuedAt": queued_at,
                "queuePosition": estimate.position,
                "estimatedStartAt": estimate.estimated_start_at,
                "updatedAt": firestore.SERVER_TIMESTAMP,
            },
        )
        return True

    return in_transaction(run)


def still_waiting(creation_id: str, incarnation: str | None) -> Waiting:
    """Whether the queued request is still this document's, pending: only then is Veo asked."""
    usage.read()
    snap = db().collection(CREATIONS).document(creation_id).get()
    if not snap.exists:
        return Waiting(False)
    status = snap.to_dict().get("status")
    if incarnation is not None and incarnation_of(snap.create_time) != incarnation:
        return Waiting(False, status if isinstance(status, str) else None)
    return Waiting(status == Status.PENDING, status if isinstance(status, str) else None)
