"""The CreationStore port's contract, asserted on the fake and on the Firestore adapter alike.

Field sets are compared with the layouts both writers build from (domain/layouts.py): a
writer that drops or adds a field fails here on its own side.
"""

from __future__ import annotations

from datetime import datetime

from domain import layouts, ledger, pricing
from domain.admission import StartClaim
from domain.errors import ErrorCode, failure
from domain.ledger import EntryType
from domain.states import Status
from ports import Debited, DebitRefused, DebitSkipped
from tests.handlers.conftest import request

COST = pricing.price(4)
FAILURE = failure(ErrorCode.TIMEOUT)


def charged(side, ids, tokens: int = 100) -> tuple[str, str, Debited]:
    """Given: a granted user whose pending request was debited."""
    cid, uid = ids["creation"], ids["user"]
    side.grant(uid, tokens)
    inc = side.create(cid, request(user=uid))
    debit = side.store.debit(cid, uid, COST, 3, inc)
    assert isinstance(debit, Debited)
    return cid, inc, debit


def processing(side, ids, tokens: int = 100) -> tuple[str, str, Debited]:
    cid, inc, debit = charged(side, ids, tokens)
    assert side.store.mark_processing(cid, "operations/op-1", COST, debit.media_key, inc)
    return cid, inc, debit


def fields_after(written: dict) -> set[str]:
    return set(request()) | set(written)


def test_a_debit_takes_the_cost_holds_a_slot_and_names_its_incarnation(side, ids):
    cid, inc, debit = charged(side, ids)
    assert debit.balance_after == 100 - COST
    assert side.account(ids["user"]) == layouts.account(100 - COST, 1)
    entry = side.entry(ids["user"], ledger.debit_id(cid))
    assert set(entry) == set(layouts.ledger_entry(EntryType.DEBIT, COST, 0, cid, "generation", inc, None))
    assert (entry["type"], entry["amount"], entry["balanceAfter"], entry["incarnation"]) == (
        EntryType.DEBIT.value,
        COST,
        100 - COST,
        inc,
    )
    # The debit leaves the creation document as the client wrote it.
    assert side.creation(cid) == request(user=ids["user"])


def test_a_debit_repeated_is_skipped_and_charges_once(side, ids):
    cid, inc, _ = charged(side, ids)
    again = side.store.debit(cid, ids["user"], COST, 3, inc)
    assert isinstance(again, DebitSkipped)
    assert side.account(ids["user"])["tokens"] == 100 - COST


def test_a_debit_without_enough_tokens_fails_the_request_with_the_refusal_layout(side, ids):
    cid, uid = ids["creation"], ids["user"]
    side.grant(uid, COST - 1)
    inc = side.create(cid, request(user=uid))
    refused = side.store.debit(cid, uid, COST, 3, inc)
    assert isinstance(refused, DebitRefused) and refused.failure.code == ErrorCode.INSUFFICIENT_TOKENS
    doc = side.creation(cid)
    assert set(doc) == fields_after(layouts.failed(refused.failure, refunded=False, now=None))
    assert doc["status"] == Status.FAILED and doc["refunded"] is False
    assert doc["error"]["code"] == ErrorCode.INSUFFICIENT_TOKENS
    assert side.entry(uid, ledger.debit_id(cid)) is None and side.account(uid)["tokens"] == COST - 1


def test_a_debit_past_the_in_flight_limit_fails_the_request_without_a_ledger_entry(side, ids):
    charged(side, ids)  # holds the user's one slot
    second, uid = f"{ids['creation']}-2", ids["user"]
    inc = side.create(second, request(user=uid))
    refused = side.store.debit(second, uid, COST, 1, inc)
    assert isinstance(refused, DebitRefused) and refused.failure.code == ErrorCode.TOO_MANY_IN_FLIGHT
    doc = side.creation(second)
    assert doc["status"] == Status.FAILED and doc["refunded"] is False
    assert side.entry(uid, ledger.debit_id(second)) is None
    account = side.account(uid)
    assert (account["tokens"], account["inFlight"]) == (100 - COST, 1)


def test_an_event_of_a_deleted_document_does_not_charge_its_successor(side, ids):
    cid, uid = ids["creation"], ids["user"]
    side.grant(uid, 100)
    old = side.create(cid, request(user=uid))
    side.delete(cid)
    side.create(cid, request(user=uid))
    assert side.store.debit(cid, uid, COST, 3, old) == DebitSkipped(ledger.DebitOutcome.GONE)
    assert side.account(uid)["tokens"] == 100


def test_mark_processing_writes_the_processing_layout_once(side, ids):
    cid, inc, debit = charged(side, ids)
    options = {"quality": "fast"}
    assert side.store.mark_processing(cid, "operations/op-1", COST, debit.media_key, inc, options)
    doc = side.creation(cid)
    assert set(doc) == fields_after(layouts.processing("op", COST, "key", options, None))
    assert (doc["status"], doc["operationName"], doc["tokenCost"], doc["progress"], doc["mediaKey"]) == (
        Status.PROCESSING,
        "operations/op-1",
        COST,
        0,
        debit.media_key,
    )
    assert isinstance(doc["startedAt"], datetime) and doc["quality"] == "fast"
    assert not side.store.mark_processing(cid, "operations/op-2", COST, debit.media_key, inc)


def test_progress_only_rises_and_reports_the_status(side, ids):
    cid, _, _ = processing(side, ids)
    assert side.store.record_progress(cid, 50) == Status.PROCESSING
    assert side.store.record_progress(cid, 25) == Status.PROCESSING
    assert side.creation(cid)["progress"] == 50
    assert side.store.record_progress("no-such-creation-" + cid, 10) is None


def test_a_draft_frees_the_slot_marks_the_debit_delivered_and_ends_once(side, ids):
    cid, _, _ = processing(side, ids)
    assert side.store.complete_draft(cid, "https://media.test/v.mp4")
    doc = side.creation(cid)
    assert set(doc) == fields_after(layouts.processing("op", COST, "k", None, None)) | set(layouts.draft("u", None))
    assert (doc["status"], doc["mediaUrl"], doc["progress"]) == (Status.DRAFT, "https://media.test/v.mp4", 100)
    assert side.account(ids["user"]) == layouts.account(100 - COST, 0)
    assert side.entry(ids["user"], ledger.debit_id(cid))[layouts.DELIVERED_FIELD]
    assert not side.store.complete_draft(cid, "https://media.test/other.mp4")
    # A delivered video is never refunded.
    assert not side.store.fail_and_refund(cid, FAILURE).changed


def test_a_failure_refunds_the_debit_once_with_the_failure_layout(side, ids):
    cid, inc, _ = processing(side, ids)
    settled = side.store.fail_and_refund(cid, FAILURE)
    assert settled.changed and settled.refunded_tokens == COST and settled.status_before == Status.PROCESSING
    doc = side.creation(cid)
    assert set(doc) == fields_after(layouts.processing("op", COST, "k", None, None)) | set(
        layouts.failed(FAILURE, refunded=True, now=None)
    )
    assert doc["status"] == Status.FAILED and doc["refunded"] is True and doc["error"]["code"] == ErrorCode.TIMEOUT
    refund = side.entry(ids["user"], ledger.refund_id(cid))
    assert (refund["type"], refund["amount"], refund["reason"], refund["incarnation"]) == (
        EntryType.REFUND.value,
        COST,
        ErrorCode.TIMEOUT.value,
        inc,
    )
    assert side.account(ids["user"]) == layouts.account(100, 0)
    assert not side.store.fail_and_refund(cid, FAILURE).changed
    assert side.account(ids["user"])["tokens"] == 100


def test_a_rejected_request_fails_without_a_ledger_entry(side, ids):
    cid, uid = ids["creation"], ids["user"]
    side.grant(uid, 100)
    inc = side.create(cid, request(user=uid))
    bad = failure(ErrorCode.INVALID_REQUEST)
    assert side.store.reject(cid, bad, inc)
    doc = side.creation(cid)
    assert set(doc) == fields_after(layouts.failed(bad, refunded=False, now=None))
    assert doc["refunded"] is False and side.entry(uid, ledger.debit_id(cid)) is None
    assert not side.store.reject(cid, bad, inc)  # only a pending request


def test_a_rejection_after_a_charge_refunds_it(side, ids):
    cid, inc, _ = charged(side, ids)
    assert side.store.reject(cid, failure(ErrorCode.INVALID_REQUEST), inc)
    assert side.account(ids["user"]) == layouts.account(100, 0)
    assert side.creation(cid)["refunded"] is True


def test_a_deleted_in_flight_creation_is_refunded_once_as_deleted(side, ids):
    cid, _, _ = processing(side, ids)
    deleted, inc = side.delete(cid)
    settled = side.store.settle_deletion(cid, deleted, inc)
    assert settled.refunded_tokens == COST and not settled.recreated
    refund = side.entry(ids["user"], ledger.refund_id(cid))
    assert (refund["amount"], refund["reason"]) == (COST, "deleted")
    assert side.account(ids["user"]) == layouts.account(100, 0)
    assert side.store.settle_deletion(cid, deleted, inc).refunded_tokens == 0
    assert side.account(ids["user"])["tokens"] == 100


def test_a_deleted_draft_keeps_its_charge(side, ids):
    cid, _, _ = processing(side, ids)
    assert side.store.complete_draft(cid, "https://media.test/v.mp4")
    deleted, inc = side.delete(cid)
    assert side.store.settle_deletion(cid, deleted, inc).refunded_tokens == 0
    assert side.account(ids["user"])["tokens"] == 100 - COST


def test_one_run_claims_a_start_and_a_twin_finds_it_taken(side, ids):
    cid, uid = ids["creation"], ids["user"]
    side.grant(uid, 100)
    inc = side.create(cid, request(user=uid))
    assert side.store.claim_start(cid, inc, "run-a") == StartClaim.CLAIMED
    assert side.store.claim_start(cid, inc, "run-b") == StartClaim.TAKEN
    doc = side.creation(cid)
    assert doc["startClaim"] == "run-a" and doc["startClaimedAt"]
    assert not side.store.release_start(cid, "run-b")
    assert side.store.release_start(cid, "run-a")
    assert "startClaim" not in side.creation(cid)
    assert side.store.claim_start(cid, inc, "run-b") == StartClaim.CLAIMED


def test_a_started_creation_cannot_be_claimed(side, ids):
    cid, inc, _ = processing(side, ids)
    assert side.store.claim_start(cid, inc, "run-a") == StartClaim.NOT_PENDING
    assert side.store.claim_start("gone-" + cid, None, "run-a") == StartClaim.NOT_PENDING


def test_reads_return_documents_as_stored(side, ids):
    cid, _, _ = processing(side, ids)
    assert side.store.load_creation(cid)["status"] == Status.PROCESSING
    assert side.store.load_creation("gone-" + cid) is None
    found = side.store.existing_creations([cid, "gone-" + cid])
    assert list(found) == [cid] and found[cid]["userId"] == ids["user"]
