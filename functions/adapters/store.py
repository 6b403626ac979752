"""The Firestore transactions that move a creation and its tokens together.

Each transaction re-reads the creation and the ledger inside it, asks the domain what to
do, and writes everything or nothing. Deterministic ledger ids make a repeat a no-op, and
every ledger entry of a creation names the incarnation (the creation document's
create_time) it was made for, so a deleted and re-created id never reaches old money.

Over 400 lines on purpose: one job (the money transactions), whose seven transactions share
the money trail (_trail) and the failure settlement; reads, counters and the feed live in
creation_reads.py, metrics_store.py and feed_store.py (re-exported at the bottom: this module
is the CreationStore port).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from google.cloud import firestore

from adapters.firestore_tx import count, count_now, db, get, get_all, in_transaction, incarnation_of  # noqa: F401
from adapters.notification_store import write_outbox
from domain import admission, contract, layouts, ledger, media, metrics
from domain.errors import ErrorCode, Failure, failure
from domain.generation import same_operation
from domain.layouts import DELIVERED_FIELD
from domain.ledger import Account, EntryType
from domain.states import IN_FLIGHT, Status, parse_status, server_may_move

# What the transactions return (and raise) crosses the port: declared there, kept importable here.
from ports import (  # noqa: F401
    Completion,
    Debit,
    Debited,
    DebitRefused,
    DebitResult,
    DebitSkipped,
    DeletionSettlement,
    MalformedDocument,
    Settlement,
)

CREATIONS = "creations"
USERS = "users"
TRANSACTIONS = "transactions"
FEED = "feed"
METRICS = "metrics"
SHARDS = "shards"


def _db():
    return db()


def creation_ref(creation_id: str):
    return _db().collection(CREATIONS).document(creation_id)


def user_ref(user_id: str):
    return _db().collection(USERS).document(user_id)


def ledger_ref(user_id: str, entry_id: str):
    return user_ref(user_id).collection(TRANSACTIONS).document(entry_id)


def _account(user_snap) -> Account | None:
    """None when the user document does not exist (a deleted user)."""
    if not user_snap.exists:
        return None
    data = user_snap.to_dict()
    tokens, in_flight = data.get("tokens", 0), data.get("inFlight", 0)
    if not all(type(v) is int for v in (tokens, in_flight)):
        raise MalformedDocument(f"user {user_snap.id}: tokens/inFlight are not integers")
    return Account(tokens=tokens, in_flight=in_flight)


def _ledger_doc(
    kind: EntryType,
    amount: int,
    balance_after: int,
    creation_id: str | None,
    reason: str,
    incarnation: str | None = None,
):
    return layouts.ledger_entry(
        kind, amount, balance_after, creation_id, reason, incarnation, firestore.SERVER_TIMESTAMP
    )


# ---- the money trail of one creation, read inside a transaction --------------------------


@dataclass
class _Trail:
    user_id: str
    incarnation: str | None
    account: Account | None
    debit: Any  # snapshot of debit_{id} (the SDK's DocumentSnapshot: untyped)
    refund: Any  # snapshot of refund_{id}
    debit_ours: bool  # debit_{id} exists and belongs to this incarnation
    account_error: bool = False  # the user document is malformed (e.g. a string balance)
    user_doc: dict | None = None  # users/{uid} as read (the policy strikes live there)

    @property
    def debited(self) -> int | None:
        return int(self.debit.get("amount")) if self.debit_ours else None

    @property
    def delivered(self) -> bool:
        return self.debit_ours and bool(self.debit.to_dict().get(DELIVERED_FIELD))


def _trail(tx, creation_id: str, user_id: str, incarnation: str | None, created_at) -> _Trail:
    uref = user_ref(user_id)
    dref = ledger_ref(user_id, ledger.debit_id(creation_id))
    rref = ledger_ref(user_id, ledger.refund_id(creation_id))
    snaps = get_all(tx, [uref, dref, rref])
    debit_snap = snaps[dref.path]
    ours = debit_snap.exists and _entry_is_of(debit_snap, incarnation, created_at)
    try:
        account, broken = _account(snaps[uref.path]), False
    except MalformedDocument:
        account, broken = Account(0, 0), True
    user_doc = snaps[uref.path].to_dict() if snaps[uref.path].exists else None
    return _Trail(user_id, incarnation, account, debit_snap, snaps[rref.path], ours, broken, user_doc)


def _entry_is_of(entry_snap, incarnation: str | None, created_at) -> bool:
    data = entry_snap.to_dict()
    return ledger.same_incarnation(data.get("incarnation"), data.get("createdAt"), incarnation, created_at)


def _owner(snap) -> str | None:
    user_id = snap.to_dict().get("userId") if snap.exists else None
    return user_id if contract.is_safe_user_id(user_id) else None


def _settle_failure(
    tx, cref, snap, trail: _Trail | None, status: str, failure: Failure, refused: bool = False
) -> Settlement:
    """Fails an in-flight creation in `tx` and refunds this incarnation's debit, once."""
    if trail is None:  # no usable userId: no ledger can be found, nothing can be refunded
        tx.update(cref, _failed_fields(failure, refunded=False))
        count(tx, metrics.malformed("creation"))
        return Settlement(True, 0, status, malformed=True)
    if trail.account_error:
        if trail.debited is not None and not trail.refund.exists and not trail.delivered:
            # Money is owed and the balance cannot be read: set aside, never guess.
            raise MalformedDocument(f"user {trail.user_id}: balance unreadable, refund of {cref.id} waits")
        tx.update(cref, _failed_fields(failure, refunded=trail.debit_ours and trail.refund.exists))
        count(tx, metrics.malformed("user"))
        return Settlement(True, 0, status, malformed=True)
    plan = ledger.plan_failure(status, trail.account, trail.debited, trail.refund.exists, trail.delivered)
    if isinstance(plan, ledger.FailWithRefund):
        after = plan.account_after
        tx.create(
            ledger_ref(trail.user_id, ledger.refund_id(cref.id)),
            _ledger_doc(
                EntryType.REFUND, plan.refund_amount, after.tokens, cref.id, failure.code.value, trail.incarnation
            ),
        )
        account_fields = layouts.account(after.tokens, after.in_flight)
        if failure.code == ErrorCode.CONTENT_POLICY and not refused:
            # Veo's own filter refused it (our pre-check is `refused`): one strike.
            account_fields.update(admission.policy_strike(trail.user_doc, datetime.now(UTC)))
        tx.update(user_ref(trail.user_id), account_fields)
    fields = _failed_fields(failure, refunded=plan.refunded)
    if trail.debited is not None:
        fields["tokenCost"] = trail.debited
    tx.update(cref, fields)
    if trail.debited is not None:
        # Work the user paid for failed: the push notification's outbox document, sent by its own
        # trigger. A refusal before any charge is not notified: the app shows it at once.
        write_outbox(
            tx,
            cref.id,
            trail.user_id,
            Status.FAILED,
            trail.incarnation,
            error_code=failure.code,
            refunded=plan.refunded,
        )
    # No counter here: at 50 generations/s a shared counter would be the hot document of
    # every money transaction. The creation itself is the record the alerts aggregate
    # (adapters/metrics_store.py).
    return Settlement(True, plan.refund_amount, status, user_gone=plan.user_gone)


def reject(creation_id: str, failure: Failure, incarnation: str | None = None, refusals_per_hour: int = 20) -> bool:
    """Fail a pending creation the server refuses (bad request, blocked prompt). Never leaves
    a debit behind: if this incarnation was already charged (a repeated create event after a
    configuration change), the debit is refunded in the same transaction."""

    def run(tx) -> bool:
        ref = creation_ref(creation_id)
        snap = get(ref, tx)
        # Only a pending request: a processing one must go through fail_and_refund,
        # whatever a late or malformed event says.
        if _status(snap) != Status.PENDING:
            return False
        if incarnation is not None and incarnation_of(snap.create_time) != incarnation:
            return False  # the event of an earlier document of this id
        user_id = _owner(snap)
        trail = (
            _trail(tx, creation_id, user_id, incarnation_of(snap.create_time), snap.create_time) if user_id else None
        )
        if trail is None:
            tx.update(ref, _failed_fields(failure, refunded=False))
            return True
        _settle_failure(tx, ref, snap, trail, Status.PENDING, failure, refused=True)
        if trail.debited is None and trail.user_doc is not None:
            _spend_refused_id(tx, trail.user_id, creation_id, trail.user_doc, refusals_per_hour)
        return True

    return in_transaction(run)


def spent_ref(user_id: str, creation_id: str):
    """users/{uid}/spentIds/{id}: an id the server refused before any charge (server-only; the
    rules refuse to create it again, as they do an id that carried a debit)."""
    return user_ref(user_id).collection("spentIds").document(creation_id)


def _spend_refused_id(tx, user_id: str, creation_id: str, user_doc: dict, limit: int) -> None:
    """A refused, never-charged id is spent for good, and the refusal counts towards the
    refusal cooldown (domain/admission.py). Only when nothing else writes the user document in
    this transaction (no refund)."""
    tx.set(spent_ref(user_id, creation_id), {"at": firestore.SERVER_TIMESTAMP})
    tx.update(user_ref(user_id), admission.refusal(user_doc, datetime.now(UTC), limit))


def debit(
    creation_id: str,
    user_id: str,
    cost: int,
    max_in_flight: int,
    incarnation: str | None = None,
    refusals_per_hour: int = 20,
) -> Debit:
    """Take `cost` tokens for a pending creation, or fail it without taking anything.
    `incarnation` is the create event's document: a newer document of the same id is not
    charged by an old event."""

    def run(tx) -> Debit:
        cref, uref = creation_ref(creation_id), user_ref(user_id)
        dref = ledger_ref(user_id, ledger.debit_id(creation_id))
        snaps = get_all(tx, [cref, uref, dref])
        creation, user, prior = snaps[cref.path], snaps[uref.path], snaps[dref.path]
        current = incarnation_of(creation.create_time) if creation.exists else None
        if creation.exists and incarnation is not None and current != incarnation:
            return DebitSkipped(DebitResult.GONE)  # ours was deleted; the new document has its own event
        account = _account(user) or Account(0, 0)
        cooling = admission.cooldown_code(user.to_dict() if user.exists else None, datetime.now(UTC))
        if not prior.exists and _status(creation) == Status.PENDING and cooling is not None:
            refused = failure(cooling)
            tx.update(cref, _failed_fields(refused, refunded=False))
            return DebitRefused(refused)
        plan = ledger.plan_debit(
            _status(creation),
            prior.exists,
            account,
            cost,
            max_in_flight,
            debit_is_ours=prior.exists and _entry_is_of(prior, current, creation.create_time),
            owner_matches=creation.exists and creation.to_dict().get("userId") == user_id,
        )
        if isinstance(plan, ledger.DebitRefused):
            tx.update(cref, _failed_fields(plan.failure, refunded=False))
            if user.exists and creation.exists and not prior.exists:
                _spend_refused_id(tx, user_id, creation_id, user.to_dict(), refusals_per_hour)
            return DebitRefused(plan.failure)
        if isinstance(plan, ledger.DebitSkipped):
            return DebitSkipped(plan.outcome)
        after = plan.account_after
        media_key = media.draft_key(user_id, creation_id, secrets.token_urlsafe(18))
        tx.create(dref, _ledger_doc(EntryType.DEBIT, cost, after.tokens, creation_id, "generation", current))
        tx.update(uref, layouts.account(after.tokens, after.in_flight))
        # The creation document itself is not touched here: the ledger entry marks it as
        # charged, and every update of a creation also wakes publishcreation.
        return Debited(after.tokens, media_key)

    return in_transaction(run)


def mark_processing(
    creation_id: str,
    operation_name: str,
    cost: int,
    media_key: str,
    incarnation: str | None = None,
    charged: dict | None = None,
) -> bool:
    """`charged`: the options as priced and the tokens taken (pricing.charged_fields), recorded
    on the creation; a task queued before they existed carries none."""

    def run(tx) -> bool:
        ref = creation_ref(creation_id)
        snap = get(ref, tx)
        if not snap.exists or not server_may_move(snap.to_dict().get("status"), Status.PROCESSING):
            return False
        if incarnation is not None and incarnation_of(snap.create_time) != incarnation:
            return False  # deleted and re-created meanwhile: not the document we charged
        tx.update(ref, layouts.processing(operation_name, cost, media_key, charged, firestore.SERVER_TIMESTAMP))
        return True

    return in_transaction(run)


def record_progress(creation_id: str, progress: int) -> Status | None:
    """Raise `progress` on a processing creation; returns the status seen (None if deleted
    or unreadable)."""

    def run(tx) -> Status | None:
        ref = creation_ref(creation_id)
        snap = get(ref, tx)
        if not snap.exists:
            return None
        data = snap.to_dict()
        status = parse_status(data.get("status"))
        shown = data.get("progress")
        shown = shown if type(shown) is int else 0
        if status == Status.PROCESSING and progress > shown:
            tx.update(ref, layouts.progress(progress, firestore.SERVER_TIMESTAMP))
        return status

    return in_transaction(run)


def complete_draft(creation_id: str, media_url: str, *, operation: str | None = None) -> Completion:
    """processing → draft: the user's in-flight slot is freed and the debit is marked
    delivered (a delivered debit is never refunded, even after a delete). False if it
    already ended. (No spend is counted here: it is aggregated from the creations'
    durations, adapters/metrics_store.py.) `operation`: only if the document still runs that
    Veo operation (domain.generation.same_operation)."""

    def run(tx) -> Completion:
        ref = creation_ref(creation_id)
        snap = get(ref, tx)
        if not ledger.plan_draft(_status(snap)) or not same_operation(_field(snap, "operationName"), operation):
            return Completion(False)
        user_id = _owner(snap)
        user_gone = True
        if user_id:
            trail = _trail(tx, creation_id, user_id, incarnation_of(snap.create_time), snap.create_time)
            if trail.account is not None and not trail.account_error:
                user_gone = False
                after = ledger.release_in_flight(trail.account)
                tx.update(user_ref(user_id), {"inFlight": after.in_flight})
            if trail.debit_ours:
                tx.update(trail.debit.reference, layouts.delivered(firestore.SERVER_TIMESTAMP))
        tx.update(ref, layouts.draft(media_url, firestore.SERVER_TIMESTAMP))
        write_outbox(tx, creation_id, user_id, Status.DRAFT, incarnation_of(snap.create_time))
        return Completion(True, user_gone)

    return in_transaction(run)


def fail_and_refund(creation_id: str, failure: Failure, *, operation: str | None = None) -> Settlement:
    """Fail an in-flight creation and give back exactly what its incarnation was charged, once.
    `operation`: only if the document still runs that Veo operation (a finalizer's failure).
    Raises MalformedDocument when it cannot be settled safely (e.g. a non-numeric balance)."""

    def run(tx) -> Settlement:
        cref = creation_ref(creation_id)
        snap = get(cref, tx)
        status = _status(snap)
        if (
            status is None
            or not server_may_move(status, Status.FAILED)
            or not same_operation(_field(snap, "operationName"), operation)
        ):
            return Settlement(False, status_before=status if isinstance(status, str) else None)
        user_id = _owner(snap)
        trail = (
            _trail(tx, creation_id, user_id, incarnation_of(snap.create_time), snap.create_time) if user_id else None
        )
        return _settle_failure(tx, cref, snap, trail, status, failure)

    return in_transaction(run)


def settle_deletion(creation_id: str, deleted: dict, incarnation: str | None) -> DeletionSettlement:
    """A deleted creation's money: the debit of the DELETED incarnation, if it was still in
    flight (never delivered) and not refunded, is refunded (reason "deleted") and its
    in-flight slot freed. Safe to repeat, and a no-op for a newer document of the same id."""
    user_id = deleted.get("userId")
    status = parse_status(deleted.get("status"))

    def run(tx) -> DeletionSettlement:
        current = get(creation_ref(creation_id), tx)
        current_inc = incarnation_of(current.create_time) if current.exists else None
        recreated = current.exists and current_inc != incarnation
        if not contract.is_safe_user_id(user_id) or status not in IN_FLIGHT:
            # Finished: a draft/published one was delivered, a failed one already settled.
            return DeletionSettlement(recreated=recreated)
        owner = str(user_id)  # is_safe_user_id: a str
        uref = user_ref(owner)
        dref = ledger_ref(owner, ledger.debit_id(creation_id))
        rref = ledger_ref(owner, ledger.refund_id(creation_id))
        snaps = get_all(tx, [uref, dref, rref])
        debit_snap = snaps[dref.path]
        if not debit_snap.exists:
            return DeletionSettlement(recreated=recreated)
        if incarnation is not None:
            ours = _entry_is_of(debit_snap, incarnation, None)
        else:  # no incarnation in the event: the debit is ours unless a live document owns it
            ours = not (current.exists and _entry_is_of(debit_snap, current_inc, current.create_time))
        if not ours:
            return DeletionSettlement(recreated=recreated)
        account = _account(snaps[uref.path])
        delivered = bool(debit_snap.to_dict().get(DELIVERED_FIELD))
        decision = ledger.plan_deletion_refund(
            account, int(debit_snap.get("amount")), snaps[rref.path].exists, delivered
        )
        if decision is None:
            return DeletionSettlement(user_gone=True, recreated=recreated)
        if decision.refund_amount:
            after = decision.account_after
            tx.create(
                rref,
                _ledger_doc(
                    EntryType.REFUND,
                    decision.refund_amount,
                    after.tokens,
                    creation_id,
                    "deleted",
                    debit_snap.to_dict().get("incarnation") or incarnation,
                ),
            )
            tx.update(uref, layouts.account(after.tokens, after.in_flight))
        return DeletionSettlement(decision.refund_amount, recreated=recreated)

    return in_transaction(run)


def _status(snap) -> str | None:
    return snap.to_dict().get("status") if snap.exists else None


def _field(snap, name: str) -> object:
    return snap.to_dict().get(name) if snap.exists else None


def _failed_fields(failure: Failure, *, refunded: bool) -> dict:
    return layouts.failed(failure, refunded=refunded, now=firestore.SERVER_TIMESTAMP)


def grant(user_id: str, amount: int, reason: str, grant_id: str | None = None) -> int:
    """Add tokens to a user (creating the user document if needed); returns the new balance."""
    if amount <= 0:
        raise ValueError("a grant must be a positive number of tokens")
    entry_id = grant_id or f"grant_{secrets.token_hex(8)}"

    def run(tx) -> int:
        uref, gref = user_ref(user_id), ledger_ref(user_id, entry_id)
        snaps = get_all(tx, [uref, gref])
        account = _account(snaps[uref.path]) or Account(0, 0)
        if snaps[gref.path].exists:
            return account.tokens
        balance = account.tokens + amount
        tx.create(gref, _ledger_doc(EntryType.GRANT, amount, balance, None, reason))
        # The one write that may create a user document: a grant is how a user gets one.
        tx.set(uref, layouts.account(balance, account.in_flight), merge=True)
        return balance

    return in_transaction(run)


# The rest of the CreationStore port lives with its own job; the port is this module.
from adapters.admission_store import (  # noqa: E402,F401
    claim_start,
    mark_queued,
    queued_ahead,
    release_start,
)
from adapters.creation_reads import (  # noqa: E402,F401
    existing_creations,
    in_flight_older_than,
    in_flight_without_a_time,
    load_creation,
    published_since,
    uploads_in_use,
)
from adapters.feed_store import feed_entries, feed_page, get_cursor, publish_to_feed, remove_from_feed, set_cursor  # noqa: E402,F401
from adapters.metrics_store import (  # noqa: E402,F401
    count_malformed,
    in_flight_summary,
    last_finalized_at,
    totals_since,
)
from adapters.upload_intents import forget as forget_upload  # noqa: E402,F401
from adapters.upload_intents import older_than as upload_intents_older_than  # noqa: E402,F401
from adapters.upload_intents import record as record_upload  # noqa: E402,F401
