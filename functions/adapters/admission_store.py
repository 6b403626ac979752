"""Firestore side of admission: the queue estimate a client sees, the checks of a start, and
the claim that lets only one run of a start ask Veo."""

from __future__ import annotations

from datetime import datetime

from google.cloud import firestore

from adapters import usage
from adapters.firestore_tx import db, get, in_transaction, incarnation_of
from domain.admission import QueueEstimate, StartClaim, claim_verdict
from domain.states import Status

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


def mark_queued(
    creation_id: str,
    incarnation: str | None,
    estimate: QueueEstimate,
    queued_at: datetime,
    charged: dict | None = None,
) -> bool:
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
                **(charged or {}),  # the options as priced and the tokens taken
                # The moment the estimate was made from (not the commit's): the two compare.
                "queuedAt": queued_at,
                "queuePosition": estimate.position,
                "estimatedStartAt": estimate.estimated_start_at,
                "updatedAt": firestore.SERVER_TIMESTAMP,
            },
        )
        return True

    return in_transaction(run)


def claim_start(creation_id: str, incarnation: str | None, claim: str) -> StartClaim:
    """Claim the Veo start of a pending creation for one startveo run (`claim`: that run's
    token), in a transaction: of two overlapping runs of one start, one claims it and the
    other finds it taken (domain.admission.claim_verdict). No money here."""

    def run(tx) -> StartClaim:
        ref = db().collection(CREATIONS).document(creation_id)
        snap = get(ref, tx)
        if not snap.exists:
            return StartClaim.NOT_PENDING
        data = snap.to_dict()
        same = incarnation is None or incarnation_of(snap.create_time) == incarnation
        verdict = claim_verdict(data.get("status"), data.get("startClaim"), same)
        if verdict == StartClaim.CLAIMED:
            tx.update(
                ref,
                {
                    "startClaim": claim,
                    "startClaimedAt": firestore.SERVER_TIMESTAMP,
                    "updatedAt": firestore.SERVER_TIMESTAMP,
                },
            )
        return verdict

    return in_transaction(run)


def release_start(creation_id: str, claim: str) -> bool:
    """Give a claimed start back when Veo proved it started nothing (a quota refusal), so the
    queue's retry may claim it again. Only the claim's own run releases it, and only while
    the creation is still pending."""

    def run(tx) -> bool:
        ref = db().collection(CREATIONS).document(creation_id)
        snap = get(ref, tx)
        if not snap.exists:
            return False
        data = snap.to_dict()
        if data.get("status") != Status.PENDING or data.get("startClaim") != claim:
            return False
        tx.update(
            ref,
            {
                "startClaim": firestore.DELETE_FIELD,
                "startClaimedAt": firestore.DELETE_FIELD,
                "updatedAt": firestore.SERVER_TIMESTAMP,
            },
        )
        return True

    return in_transaction(run)
