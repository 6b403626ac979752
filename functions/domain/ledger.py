"""Token accounting rules: when to debit, when to refund, and how to audit the ledger.

Every money movement writes one ledger entry with a deterministic id, inside the same
Firestore transaction that moves the balance, so a repeated event finds the entry and
does nothing.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal

from .errors import ErrorCode, Failure, failure
from .states import IN_FLIGHT, Status, parse_status, server_may_move


class EntryType(StrEnum):
    GRANT = "grant"
    DEBIT = "debit"
    REFUND = "refund"


def debit_id(creation_id: str) -> str:
    return f"debit_{creation_id}"


def refund_id(creation_id: str) -> str:
    return f"refund_{creation_id}"


# An id is chosen by the client and can be deleted and written again: the second document is
# another incarnation of the id. Every ledger entry of a creation carries the incarnation it
# was made for (the creation document's Firestore create_time, as text), so that money taken
# for one incarnation is never settled through another.
REUSED_ID_DETAIL = "This creation id was already used. Send the request again with a new id."
WRONG_OWNER_DETAIL = "userId must be the signed-in user's id."


def same_incarnation(
    entry_incarnation: str | None, entry_created_at, creation_incarnation: str | None, creation_created_at
) -> bool:
    """Whether a ledger entry belongs to this incarnation of its creation id.

    Entries written before incarnations existed carry none: an entry made for this document
    was written after the document was (same transaction or later), one for an earlier
    document of the same id before it. Unknown facts answer True (nothing to tell apart).
    """
    if creation_incarnation is None and creation_created_at is None:
        return True
    if entry_incarnation is not None and creation_incarnation is not None:
        return entry_incarnation == creation_incarnation
    if entry_created_at is not None and creation_created_at is not None:
        return entry_created_at >= creation_created_at
    return True


@dataclass(frozen=True)
class Account:
    tokens: int
    in_flight: int = 0


@dataclass(frozen=True)
class DebitDecision:
    failure: Failure | None
    account_after: Account


def decide_debit(account: Account, cost: int, max_in_flight: int) -> DebitDecision:
    """Debit only if the balance covers the cost and the user is under the in-flight limit."""
    if cost <= 0:
        raise ValueError("cost must be positive")
    if account.in_flight >= max_in_flight:
        detail = f"Wait for one to finish (limit {max_in_flight})."
        return DebitDecision(failure(ErrorCode.TOO_MANY_IN_FLIGHT, detail), account)
    if account.tokens < cost:
        detail = f"It costs {cost} tokens and you have {account.tokens}."
        return DebitDecision(failure(ErrorCode.INSUFFICIENT_TOKENS, detail), account)
    return DebitDecision(None, Account(account.tokens - cost, account.in_flight + 1))


@dataclass(frozen=True)
class RefundDecision:
    refund_amount: int  # 0 when nothing was taken or it was already given back
    account_after: Account


def decide_failure_refund(account: Account, debited_amount: int | None, already_refunded: bool) -> RefundDecision:
    """A failing in-flight creation gives back exactly what was debited, once."""
    if debited_amount is None or already_refunded:
        return RefundDecision(0, account)
    return RefundDecision(
        debited_amount,
        Account(account.tokens + debited_amount, max(0, account.in_flight - 1)),
    )


def release_in_flight(account: Account) -> Account:
    """A creation that finished successfully no longer counts against the in-flight limit."""
    return Account(account.tokens, max(0, account.in_flight - 1))


# ---- what one transaction does, given what it read ----------------------------------------
# The Firestore adapter reads the documents inside a transaction, asks one of these plans
# what to write, and writes it. Property tests drive the same plans with random events.


class DebitOutcome(StrEnum):
    DEBITED = "debited"
    REFUSED = "refused"  # failed before any token moved
    ALREADY_HANDLED = "already_handled"  # a repeated event: someone got here first
    GONE = "gone"


# One type per decision, so a type checker knows what each carries (no optional fields).
@dataclass(frozen=True)
class DebitApproved:
    account_after: Account
    outcome: Literal[DebitOutcome.DEBITED] = field(default=DebitOutcome.DEBITED, init=False)


@dataclass(frozen=True)
class DebitRefused:
    failure: Failure
    outcome: Literal[DebitOutcome.REFUSED] = field(default=DebitOutcome.REFUSED, init=False)


@dataclass(frozen=True)
class DebitSkipped:
    outcome: Literal[DebitOutcome.ALREADY_HANDLED, DebitOutcome.GONE]


DebitPlan = DebitApproved | DebitRefused | DebitSkipped


def plan_debit(
    status: str | None,
    debit_exists: bool,
    account: Account,
    cost: int,
    max_in_flight: int,
    *,
    debit_is_ours: bool = True,
    owner_matches: bool = True,
) -> DebitPlan:
    """`debit_is_ours`: an existing debit_{id} belongs to this incarnation (a repeated event).
    One made for an earlier document of the same id means the id was re-used: refused, and
    no token moves, because that debit is settled (or delivered) once and for all."""
    if status is None:
        return DebitSkipped(DebitOutcome.GONE)
    if debit_exists and not debit_is_ours and status == Status.PENDING:
        return DebitRefused(failure(ErrorCode.INVALID_REQUEST, REUSED_ID_DETAIL))
    if debit_exists or status != Status.PENDING:
        return DebitSkipped(DebitOutcome.ALREADY_HANDLED)
    if not owner_matches:
        return DebitRefused(failure(ErrorCode.INVALID_REQUEST, WRONG_OWNER_DETAIL))
    decision = decide_debit(account, cost, max_in_flight)
    if decision.failure is not None:
        return DebitRefused(decision.failure)
    return DebitApproved(decision.account_after)


@dataclass(frozen=True)
class FailureUnchanged:
    """Finished or gone: left alone."""

    changed: Literal[False] = False
    refund_amount: Literal[0] = 0
    refunded: bool = False
    user_gone: bool = False


@dataclass(frozen=True)
class FailWithoutRefund:
    """Failed, nothing given back now: never charged, already refunded, delivered, or the user is gone."""

    refunded: bool  # the creation's `refunded` flag
    user_gone: bool = False  # charged, but the user document is gone: nothing to give back to
    changed: Literal[True] = True
    refund_amount: Literal[0] = 0


@dataclass(frozen=True)
class FailWithRefund:
    refund_amount: int
    account_after: Account
    changed: Literal[True] = True
    refunded: Literal[True] = True
    user_gone: Literal[False] = False


FailurePlan = FailureUnchanged | FailWithoutRefund | FailWithRefund


def plan_failure(
    status: str | None,
    account: Account | None,
    debited_amount: int | None,
    refund_exists: bool,
    delivered: bool = False,
) -> FailurePlan:
    """Fail an in-flight creation; a finished or deleted one is left alone.

    `debited_amount` is the debit of THIS incarnation (None if it was never charged).
    `account` is None when the user document is gone (deleted user): the creation fails
    without a refund entry and without writing a ghost user document. A debit whose video
    was delivered is never refunded, whatever the creation's status says."""
    if status is None or not server_may_move(status, Status.FAILED):
        return FailureUnchanged()
    if debited_amount is not None and account is None:
        return FailWithoutRefund(refunded=False, user_gone=True)
    if delivered or account is None:
        return FailWithoutRefund(refunded=False)
    decision = decide_failure_refund(account, debited_amount, refund_exists)
    if decision.refund_amount:
        return FailWithRefund(decision.refund_amount, decision.account_after)
    return FailWithoutRefund(refunded=debited_amount is not None)


def plan_deletion_refund(
    account: Account | None, debited_amount: int | None, refund_exists: bool, delivered: bool
) -> RefundDecision | None:
    """A deleted creation's debit (of the deleted incarnation) is settled: refunded and its
    in-flight slot freed, unless its video was delivered or it was already refunded.
    None when the user document is gone (nothing to give back to)."""
    if account is None:
        return None
    if delivered:
        return RefundDecision(0, account)
    return decide_failure_refund(account, debited_amount, refund_exists)


def plan_draft(status: str | None) -> bool:
    """Whether processing → draft may happen; it frees one in-flight slot (release_in_flight)."""
    return status is not None and server_may_move(status, Status.DRAFT)


# ---- audit -------------------------------------------------------------------------------


@dataclass(frozen=True)
class LedgerEntry:
    user_id: str
    entry_id: str
    type: str
    amount: int
    creation_id: str | None
    incarnation: str | None = None  # the creation document's create_time it was made for
    created_at: object = None
    delivered: bool = False  # debit only: its video was delivered (draft made)


@dataclass(frozen=True)
class CreationFacts:
    creation_id: str
    user_id: str
    status: str
    refunded: bool
    incarnation: str | None = None
    created_at: object = None  # the document's create_time


@dataclass
class LedgerReport:
    problems: list[str] = field(default_factory=list)
    users_checked: int = 0
    entries_checked: int = 0
    creations_checked: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


def check_ledger(
    balances: dict[str, int],
    in_flight_counts: dict[str, int],
    entries: list[LedgerEntry],
    creations: list[CreationFacts],
) -> LedgerReport:
    """Every invariant the money rules promise, checked over a snapshot of the data."""
    report = LedgerReport(
        users_checked=len(balances),
        entries_checked=len(entries),
        creations_checked=len(creations),
    )
    expected: dict[str, int] = defaultdict(int)
    # Ledger entries are per user: (user, creation id) names one creation's money trail. Two
    # users may each have used an id (one after the other deleted it).
    debits: dict[tuple[str, str], LedgerEntry] = {}
    refunds: dict[tuple[str, str], LedgerEntry] = {}
    for entry in entries:
        if entry.amount <= 0:
            report.problems.append(f"{entry.user_id}/{entry.entry_id}: amount {entry.amount} is not positive")
        if entry.type == EntryType.GRANT:
            expected[entry.user_id] += entry.amount
        elif entry.type == EntryType.DEBIT:
            expected[entry.user_id] -= entry.amount
        elif entry.type == EntryType.REFUND:
            expected[entry.user_id] += entry.amount
        else:
            report.problems.append(f"{entry.user_id}/{entry.entry_id}: unknown type {entry.type!r}")
            continue
        if entry.type in (EntryType.DEBIT, EntryType.REFUND):
            if not entry.creation_id:
                report.problems.append(f"{entry.user_id}/{entry.entry_id}: {entry.type} without creationId")
                continue
            want_id = debit_id(entry.creation_id) if entry.type == EntryType.DEBIT else refund_id(entry.creation_id)
            if entry.entry_id != want_id:
                report.problems.append(f"{entry.user_id}/{entry.entry_id}: id should be {want_id}")
            target = debits if entry.type == EntryType.DEBIT else refunds
            key = (entry.user_id, entry.creation_id)
            if key in target:
                report.problems.append(f"creation {entry.creation_id}: 2 {entry.type} entries for {entry.user_id}")
            target[key] = entry
    for (user_id, cid), refund in refunds.items():
        debit = debits.get((user_id, cid))
        if debit is None:
            report.problems.append(f"creation {cid}: refunded but never debited")
            continue
        if refund.amount != debit.amount:
            report.problems.append(f"creation {cid}: refund {refund.amount} != debit {debit.amount}")
        # The free-video hole: a delivered video must never also be refunded, even once its
        # creation document is gone.
        if debit.delivered:
            report.problems.append(f"creation {cid}: refund of a debit whose video was delivered")
        if refund.incarnation is not None and debit.incarnation is not None and refund.incarnation != debit.incarnation:
            report.problems.append(f"creation {cid}: refund and debit of different incarnations")
    for user_id in sorted(set(balances) | set(expected)):
        balance = balances.get(user_id)
        if balance is None:
            report.problems.append(f"user {user_id}: ledger entries but no user document")
        elif balance != expected[user_id]:
            report.problems.append(f"user {user_id}: balance {balance} but ledger says {expected[user_id]}")
        elif balance < 0:
            report.problems.append(f"user {user_id}: negative balance {balance}")
    open_debits: Counter[str] = Counter()
    live_debits: set[tuple[str, str]] = set()
    for creation in creations:
        cid, status = creation.creation_id, parse_status(creation.status)
        if creation.user_id not in balances:
            continue  # a deleted user (user_gone): its creations fail without money, see docs
        key = (creation.user_id, cid)
        live_debit: LedgerEntry | None = debits.get(key)
        live_refund: LedgerEntry | None = refunds.get(key)
        if live_debit is not None and not same_incarnation(
            live_debit.incarnation, live_debit.created_at, creation.incarnation, creation.created_at
        ):
            # A re-used id: that debit belongs to an earlier document, this one took nothing.
            live_debit = live_refund = None
        if live_debit is not None:
            live_debits.add(key)
        was_debited, was_refunded = live_debit is not None, live_refund is not None
        if status == Status.FAILED and was_debited and not was_refunded:
            report.problems.append(f"creation {cid}: failed after a debit but not refunded")
        if status in (Status.DRAFT, Status.PUBLISHED) and was_refunded:
            report.problems.append(f"creation {cid}: {status} but refunded")
        if status in (Status.DRAFT, Status.PUBLISHED) and not was_debited:
            report.problems.append(f"creation {cid}: {status} but never debited")
        if creation.refunded != was_refunded:
            report.problems.append(f"creation {cid}: refunded flag {creation.refunded} but ledger says {was_refunded}")
        if status in IN_FLIGHT and was_debited and not was_refunded:
            open_debits[creation.user_id] += 1
    # A debit made for a document that is gone must be settled: delivered or refunded.
    # (Debits older than incarnations carry no delivery mark and are not judged here.)
    for key, debit in debits.items():
        if key in live_debits or debit.incarnation is None or debit.user_id not in balances:
            continue
        if not debit.delivered and key not in refunds:
            report.problems.append(f"creation {key[1]}: debit of a deleted creation neither delivered nor refunded")
    for user_id, count in in_flight_counts.items():
        if count != open_debits.get(user_id, 0):
            report.problems.append(
                f"user {user_id}: inFlight {count} but {open_debits.get(user_id, 0)} creations "
                "are debited and in flight"
            )
    return report
