"""Firestore reads and the transactions that move a creation and its tokens together.

Each transaction re-reads the creation and the ledger inside it, asks the domain what to
do, and writes everything or nothing. Deterministic ledger ids make a repeat a no-op.
"""
from __future__ import annotations

import random
import secrets
from dataclasses import dataclass
from datetime import datetime, timezone

from google.cloud import firestore

from adapters import usage
from adapters.firebase_app import firestore_client
from domain import ledger, media, metrics
from domain.errors import ErrorCode
from domain.errors import Failure
from domain.ledger import Account, EntryType
from domain.states import IN_FLIGHT, Status, server_may_move

CREATIONS = "creations"
USERS = "users"
TRANSACTIONS = "transactions"
FEED = "feed"
METRICS = "metrics"
SHARDS = "shards"


def _db():
    return firestore_client()


def creation_ref(creation_id: str):
    return _db().collection(CREATIONS).document(creation_id)


def user_ref(user_id: str):
    return _db().collection(USERS).document(user_id)


def ledger_ref(user_id: str, entry_id: str):
    return user_ref(user_id).collection(TRANSACTIONS).document(entry_id)


def _account(user_snap) -> Account:
    data = user_snap.to_dict() if user_snap.exists else {}
    return Account(tokens=int(data.get("tokens", 0)), in_flight=int(data.get("inFlight", 0)))


def _ledger_doc(kind: EntryType, amount: int, balance_after: int, creation_id: str | None, reason: str):
    return {
        "type": kind.value,
        "amount": amount,
        "balanceAfter": balance_after,
        "creationId": creation_id,
        "reason": reason,
        "createdAt": firestore.SERVER_TIMESTAMP,
    }


def load_creation(creation_id: str) -> dict | None:
    usage.read()
    snap = creation_ref(creation_id).get()
    return snap.to_dict() if snap.exists else None


DebitResult = ledger.DebitOutcome


@dataclass(frozen=True)
class Debit:
    result: DebitResult
    failure: Failure | None = None
    balance_after: int | None = None
    media_key: str | None = None


def reject(creation_id: str, failure: Failure) -> bool:
    """Fail a pending creation that was never charged (bad request, blocked prompt)."""

    def run(tx) -> bool:
        ref = creation_ref(creation_id)
        snap = _get(ref, tx)
        # Only a request nobody has charged yet: a processing one must go through
        # fail_and_refund, whatever a late or malformed event says.
        if _status(snap) != Status.PENDING:
            return False
        tx.update(ref, _failed_fields(failure, refunded=False))
        _count(tx, metrics.rejected(failure.code))
        return True

    return _in_transaction(run)


def debit(creation_id: str, user_id: str, cost: int, max_in_flight: int) -> Debit:
    """Take `cost` tokens for a pending creation, or fail it without taking anything."""

    def run(tx) -> Debit:
        cref, uref = creation_ref(creation_id), user_ref(user_id)
        dref = ledger_ref(user_id, ledger.debit_id(creation_id))
        snaps = {s.reference.path: s for s in _get_all(tx, [cref, uref, dref])}
        creation, user, prior = snaps[cref.path], snaps[uref.path], snaps[dref.path]
        plan = ledger.plan_debit(_status(creation), prior.exists, _account(user), cost, max_in_flight)
        if plan.outcome == DebitResult.REFUSED:
            tx.update(cref, _failed_fields(plan.failure, refunded=False))
            _count(tx, metrics.rejected(plan.failure.code))
        if plan.outcome != DebitResult.DEBITED:
            return Debit(plan.outcome, failure=plan.failure)
        after = plan.account_after
        media_key = media.draft_key(user_id, creation_id, secrets.token_urlsafe(18))
        tx.create(dref, _ledger_doc(EntryType.DEBIT, cost, after.tokens, creation_id, "generation"))
        tx.set(uref, {"tokens": after.tokens, "inFlight": after.in_flight}, merge=True)
        # The creation document itself is not touched here: the ledger entry marks it as
        # charged, and every update of a creation also wakes publishcreation.
        _count(tx, metrics.requested())
        return Debit(DebitResult.DEBITED, balance_after=after.tokens, media_key=media_key)

    return _in_transaction(run)


def mark_processing(creation_id: str, operation_name: str, cost: int, media_key: str) -> bool:
    def run(tx) -> bool:
        ref = creation_ref(creation_id)
        snap = _get(ref, tx)
        if not snap.exists or not server_may_move(snap.get("status"), Status.PROCESSING):
            return False
        tx.update(ref, {
            "status": Status.PROCESSING.value,
            "operationName": operation_name,
            "tokenCost": cost,
            "refunded": False,
            "progress": 0,
            "mediaKey": media_key,
            "startedAt": firestore.SERVER_TIMESTAMP,
            "updatedAt": firestore.SERVER_TIMESTAMP,
        })
        return True

    return _in_transaction(run)


def record_progress(creation_id: str, progress: int) -> Status | None:
    """Raise `progress` on a processing creation; returns the status seen (None if deleted)."""

    def run(tx) -> Status | None:
        ref = creation_ref(creation_id)
        snap = _get(ref, tx)
        if not snap.exists:
            return None
        data = snap.to_dict()
        status = Status(data.get("status"))
        if status == Status.PROCESSING and progress > int(data.get("progress") or 0):
            tx.update(ref, {"progress": progress, "updatedAt": firestore.SERVER_TIMESTAMP})
        return status

    return _in_transaction(run)


def complete_draft(creation_id: str, media_url: str, usd_per_video_second: float) -> bool:
    """processing → draft, and the user's in-flight slot is freed. False if it already ended."""

    def run(tx) -> bool:
        ref = creation_ref(creation_id)
        snap = _get(ref, tx)
        if not ledger.plan_draft(_status(snap)):
            return False
        # Frees the user's in-flight slot without reading the user: a processing creation
        # always holds one (the debit took it), so the counter cannot go below zero.
        tx.update(user_ref(snap.get("userId")), {"inFlight": firestore.Increment(-1)})
        tx.update(ref, {
            "status": Status.DRAFT.value,
            "mediaUrl": media_url,
            "progress": 100,
            "completedAt": firestore.SERVER_TIMESTAMP,
            "updatedAt": firestore.SERVER_TIMESTAMP,
        })
        _count(tx, metrics.succeeded(int(snap.get("duration")), _seconds_since(snap.get("startedAt")),
                                     usd_per_video_second), finalized=True)
        return True

    return _in_transaction(run)


@dataclass(frozen=True)
class Settlement:
    changed: bool
    refunded_tokens: int = 0
    status_before: str | None = None


def fail_and_refund(creation_id: str, failure: Failure) -> Settlement:
    """Fail an in-flight creation and give back exactly what it was charged, once."""

    def run(tx) -> Settlement:
        cref = creation_ref(creation_id)
        snap = _get(cref, tx)
        status = _status(snap)
        if status is None or not server_may_move(status, Status.FAILED):
            return Settlement(False, status_before=status)
        user_id = snap.get("userId")
        uref = user_ref(user_id)
        dref = ledger_ref(user_id, ledger.debit_id(creation_id))
        rref = ledger_ref(user_id, ledger.refund_id(creation_id))
        snaps = {s.reference.path: s for s in _get_all(tx, [uref, dref, rref])}
        user, debit_snap, refund_snap = snaps[uref.path], snaps[dref.path], snaps[rref.path]
        debited = int(debit_snap.get("amount")) if debit_snap.exists else None
        plan = ledger.plan_failure(status, _account(user), debited, refund_snap.exists)
        if plan.refund_amount:
            after = plan.account_after
            tx.create(rref, _ledger_doc(EntryType.REFUND, plan.refund_amount, after.tokens,
                                        creation_id, failure.code.value))
            tx.set(uref, {"tokens": after.tokens, "inFlight": after.in_flight}, merge=True)
        fields = _failed_fields(failure, refunded=plan.refunded)
        if debited is not None:
            fields["tokenCost"] = debited
        tx.update(cref, fields)
        # A sweep's timeout says nothing about the workers being alive.
        _count(tx, metrics.failed(failure.code, plan.refund_amount),
               finalized=failure.code != ErrorCode.TIMEOUT)
        return Settlement(True, plan.refund_amount, status)

    return _in_transaction(run)


def _in_transaction(body):
    """Runs body(tx) as a Firestore transaction (retried on contention) and counts the
    writes of the attempt that committed."""
    written = [0]

    def counted(tx):
        result = body(tx)
        written[0] = len(tx._write_pbs)  # the writes this attempt queued for its commit
        return result

    result = firestore.transactional(counted)(_db().transaction())
    usage.wrote(written[0])
    return result


def _get(ref, tx):
    usage.read()
    return ref.get(transaction=tx)


def _get_all(tx, refs: list):
    usage.read(len(refs))
    return list(tx.get_all(refs))


def _count(tx, increments: dict, finalized: bool = False) -> None:
    """Adds to this 10-minute bucket's counters in the caller's transaction (no read: no contention)."""
    now = datetime.now(timezone.utc)
    bucket = metrics.bucket_id(now)
    ref = (_db().collection(METRICS).document(bucket)
           .collection(SHARDS).document(str(random.randrange(metrics.SHARDS))))
    fields = {key: firestore.Increment(value) for key, value in increments.items()}
    fields.update({"bucketStart": metrics.bucket_start(now), "day": metrics.day_id(now)})
    if finalized:
        fields["lastFinalizedAt"] = firestore.SERVER_TIMESTAMP
    tx.set(ref, fields, merge=True)


def _seconds_since(moment) -> float:
    if not isinstance(moment, datetime):
        return 0.0
    return max(0.0, (datetime.now(timezone.utc) - moment).total_seconds())


def _status(snap) -> str | None:
    return snap.get("status") if snap.exists else None


def _failed_fields(failure: Failure, *, refunded: bool) -> dict:
    return {
        "status": Status.FAILED.value,
        "error": failure.to_document(),
        "refunded": refunded,
        "completedAt": firestore.SERVER_TIMESTAMP,
        "updatedAt": firestore.SERVER_TIMESTAMP,
    }


def in_flight_older_than(cutoff) -> list[tuple[str, dict]]:
    """Creations still pending or processing that were created before `cutoff`."""
    query = (
        _db().collection(CREATIONS)
        .where(filter=firestore.FieldFilter("status", "in", [s.value for s in IN_FLIGHT]))
        .where(filter=firestore.FieldFilter("createdAt", "<", cutoff))
    )
    found = [(snap.id, snap.to_dict()) for snap in query.stream()]
    usage.read(max(1, len(found)))  # a query costs at least one read
    return found


def grant(user_id: str, amount: int, reason: str, grant_id: str | None = None) -> int:
    """Add tokens to a user (creating the user document if needed); returns the new balance."""
    if amount <= 0:
        raise ValueError("a grant must be a positive number of tokens")
    entry_id = grant_id or f"grant_{secrets.token_hex(8)}"

    def run(tx) -> int:
        uref, gref = user_ref(user_id), ledger_ref(user_id, entry_id)
        snaps = {s.reference.path: s for s in _get_all(tx, [uref, gref])}
        account = _account(snaps[uref.path])
        if snaps[gref.path].exists:
            return account.tokens
        balance = account.tokens + amount
        tx.create(gref, _ledger_doc(EntryType.GRANT, amount, balance, None, reason))
        tx.set(uref, {"tokens": balance, "inFlight": account.in_flight}, merge=True)
        return balance

    return _in_transaction(run)


def publish_to_feed(creation_id: str, media_url: str) -> bool:
    """Writes feed/{id} from a creation that is still published (a late event after a delete
    or on a re-delivery writes nothing new)."""

    def run(tx) -> bool:
        cref = creation_ref(creation_id)
        snap = _get(cref, tx)
        if _status(snap) != Status.PUBLISHED:
            return False
        tx.set(_db().collection(FEED).document(creation_id), media.feed_entry(snap.to_dict(), media_url))
        return True

    return _in_transaction(run)


def remove_from_feed(creation_id: str) -> None:
    _db().collection(FEED).document(creation_id).delete()
    usage.wrote()


def existing_creations(creation_ids: list[str]) -> dict[str, dict]:
    refs = [creation_ref(cid) for cid in creation_ids]
    found = {}
    for start in range(0, len(refs), 300):
        usage.read(len(refs[start:start + 300]))
        for snap in _db().get_all(refs[start:start + 300]):
            if snap.exists:
                found[snap.id] = snap.to_dict()
    return found


def metric_shards_since(start: datetime) -> list[dict]:
    query = _db().collection_group(SHARDS).where(
        filter=firestore.FieldFilter("bucketStart", ">=", start))
    shards = [snap.to_dict() for snap in query.stream()]
    usage.read(max(1, len(shards)))
    return shards


def in_flight_summary() -> tuple[int, datetime | None]:
    """How many creations are pending or processing, and when the oldest was created."""
    base = _db().collection(CREATIONS).where(
        filter=firestore.FieldFilter("status", "in", [s.value for s in IN_FLIGHT]))
    count = base.count().get()[0][0].value
    oldest = list(base.order_by("createdAt").limit(1).stream())
    usage.read(2)  # an aggregation is billed as at least one read
    return int(count), (oldest[0].get("createdAt") if oldest else None)
