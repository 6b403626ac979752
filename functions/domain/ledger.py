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
    """Every invariant the money rules promise, checked over a snapshot of the data: one
    function below per invariant (docs/operations.md, "ledger-check")."""
    report = LedgerReport(
        users_checked=len(balances),
        entries_checked=len(entries),
        creations_checked=len(creations),
    )
    trails = _index_entries(entries, report.problems)
    report.problems += _refunds_match_their_debits(trails)
    report.problems += _balances_equal_their_ledgers(balances, trails.expected)
    live = _creations_agree_with_their_money(creations, balances, trails, report.problems)
    report.problems += _debits_of_deleted_creations_are_settled(trails, live.keys, balances)
    report.problems += _in_flight_counts_match_open_debits(in_flight_counts, live.open_debits)
    return report


@dataclass
class _Trails:
    """The ledger indexed: what each balance should be, and each (user, creation id)'s debit
    and refund. Entries are per user: two users may each have used an id (one after the
    other deleted it)."""

    expected: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    debits: dict[tuple[str, str], LedgerEntry] = field(default_factory=dict)
    refunds: dict[tuple[str, str], LedgerEntry] = field(default_factory=dict)


_SIGN = {EntryType.GRANT.value: 1, EntryType.DEBIT.value: -1, EntryType.REFUND.value: 1}


def _index_entries(entries: list[LedgerEntry], problems: list[str]) -> _Trails:
    """Each entry is well formed: a positive amount, a known type, a creation's money under
    its deterministic id, at most one debit and one refund per creation and user."""
    trails = _Trails()
    for entry in entries:
        where = f"{entry.user_id}/{entry.entry_id}"
        if entry.amount <= 0:
            problems.append(f"{where}: amount {entry.amount} is not positive")
        sign = _SIGN.get(entry.type)
        if sign is None:
            problems.append(f"{where}: unknown type {entry.type!r}")
            continue
        trails.expected[entry.user_id] += sign * entry.amount
        if entry.type != EntryType.GRANT:
            _index_money_entry(entry, trails, problems)
    return trails


def _index_money_entry(entry: LedgerEntry, trails: _Trails, problems: list[str]) -> None:
    if not entry.creation_id:
        problems.append(f"{entry.user_id}/{entry.entry_id}: {entry.type} without creationId")
        return
    is_debit = entry.type == EntryType.DEBIT
    want_id = debit_id(entry.creation_id) if is_debit else refund_id(entry.creation_id)
    if entry.entry_id != want_id:
        problems.append(f"{entry.user_id}/{entry.entry_id}: id should be {want_id}")
    target = trails.debits if is_debit else trails.refunds
    key = (entry.user_id, entry.creation_id)
    if key in target:
        problems.append(f"creation {entry.creation_id}: 2 {entry.type} entries for {entry.user_id}")
    target[key] = entry


def _refunds_match_their_debits(trails: _Trails) -> list[str]:
    """A refund gives back exactly its debit, of the same incarnation, and never the debit of
    a delivered video (the free-video hole, even once its creation document is gone)."""
    problems = []
    for (user_id, cid), refund in trails.refunds.items():
        debit = trails.debits.get((user_id, cid))
        if debit is None:
            problems.append(f"creation {cid}: refunded but never debited")
            continue
        if refund.amount != debit.amount:
            problems.append(f"creation {cid}: refund {refund.amount} != debit {debit.amount}")
        if debit.delivered:
            problems.append(f"creation {cid}: refund of a debit whose video was delivered")
        if None not in (refund.incarnation, debit.incarnation) and refund.incarnation != debit.incarnation:
            problems.append(f"creation {cid}: refund and debit of different incarnations")
    return problems


def _balances_equal_their_ledgers(balances: dict[str, int], expected: dict[str, int]) -> list[str]:
    """balance = grants − debits + refunds, never negative, and no ledger without its user."""
    problems = []
    for user_id in sorted(set(balances) | set(expected)):
        balance = balances.get(user_id)
        if balance is None:
            problems.append(f"user {user_id}: ledger entries but no user document")
        elif balance != expected[user_id]:
            problems.append(f"user {user_id}: balance {balance} but ledger says {expected[user_id]}")
        elif balance < 0:
            problems.append(f"user {user_id}: negative balance {balance}")
    return problems


@dataclass
class _Live:
    keys: set[tuple[str, str]] = field(default_factory=set)  # debits whose creation document exists
    open_debits: Counter[str] = field(default_factory=Counter)  # per user: debited, in flight, not refunded


def _creations_agree_with_their_money(
    creations: list[CreationFacts], balances: dict[str, int], trails: _Trails, problems: list[str]
) -> _Live:
    """A creation's status and `refunded` flag agree with its own incarnation's debit and
    refund: failed after a debit means refunded; a delivered video was debited and not
    refunded. Creations of a deleted user fail without money (docs) and are not judged."""
    live = _Live()
    for creation in creations:
        if creation.user_id not in balances:
            continue
        key = (creation.user_id, creation.creation_id)
        debit, refund = _money_of(creation, trails.debits.get(key), trails.refunds.get(key))
        if debit is not None:
            live.keys.add(key)
        problems += _status_problems(creation, debit is not None, refund is not None)
        if parse_status(creation.status) in IN_FLIGHT and debit is not None and refund is None:
            live.open_debits[creation.user_id] += 1
    return live


def _money_of(
    creation: CreationFacts, debit: LedgerEntry | None, refund: LedgerEntry | None
) -> tuple[LedgerEntry | None, LedgerEntry | None]:
    """The debit and refund of THIS document: those of an earlier document of a re-used id
    are not its money (it took nothing)."""
    if debit is not None and not same_incarnation(
        debit.incarnation, debit.created_at, creation.incarnation, creation.created_at
    ):
        return None, None
    return debit, refund


def _status_problems(creation: CreationFacts, debited: bool, refunded: bool) -> list[str]:
    cid, status = creation.creation_id, parse_status(creation.status)
    delivered = status in (Status.DRAFT, Status.PUBLISHED)
    problems = []
    if status == Status.FAILED and debited and not refunded:
        problems.append(f"creation {cid}: failed after a debit but not refunded")
    if delivered and refunded:
        problems.append(f"creation {cid}: {status} but refunded")
    if delivered and not debited:
        problems.append(f"creation {cid}: {status} but never debited")
    if creation.refunded != refunded:
        problems.append(f"creation {cid}: refunded flag {creation.refunded} but ledger says {refunded}")
    return problems


def _debits_of_deleted_creations_are_settled(
    trails: _Trails, live_keys: set[tuple[str, str]], balances: dict[str, int]
) -> list[str]:
    """A debit made for a document that is gone is settled: delivered or refunded. (Debits
    older than incarnations carry no delivery mark and are not judged.)"""
    return [
        f"creation {key[1]}: debit of a deleted creation neither delivered nor refunded"
        for key, debit in trails.debits.items()
        if key not in live_keys
        and debit.incarnation is not None
        and debit.user_id in balances
        and not debit.delivered
        and key not in trails.refunds
    ]


def _in_flight_counts_match_open_debits(in_flight_counts: dict[str, int], open_debits: Counter[str]) -> list[str]:
    """A user's inFlight counts exactly their debited, unrefunded creations in flight."""
    return [
        f"user {user_id}: inFlight {count} but {open_debits.get(user_id, 0)} creations are debited and in flight"
        for user_id, count in in_flight_counts.items()
        if count != open_debits.get(user_id, 0)
    ]
