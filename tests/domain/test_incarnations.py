"""A creation id can be deleted and written again: money is bound to one incarnation."""

from domain import ledger
from domain.errors import ErrorCode
from domain.ledger import (
    Account,
    CreationFacts,
    DebitOutcome,
    LedgerEntry,
    check_ledger,
    plan_debit,
    plan_deletion_refund,
    plan_failure,
    same_incarnation,
)


def test_a_reused_id_is_refused_with_a_clear_message_and_nothing_moves():
    plan = plan_debit("pending", True, Account(100, 0), 40, 3, debit_is_ours=False)
    assert plan.outcome == DebitOutcome.REFUSED and not hasattr(plan, "account_after")
    assert plan.failure.code == ErrorCode.INVALID_REQUEST
    assert "already used" in plan.failure.message and "new id" in plan.failure.message


def test_a_repeated_event_of_the_same_document_is_still_already_handled():
    assert plan_debit("pending", True, Account(100, 1), 40, 3).outcome == DebitOutcome.ALREADY_HANDLED


def test_the_debit_refuses_a_creation_owned_by_someone_else():
    plan = plan_debit("pending", False, Account(100, 0), 40, 3, owner_matches=False)
    assert plan.outcome == DebitOutcome.REFUSED and plan.failure.code == ErrorCode.INVALID_REQUEST


def test_incarnations_compare_by_create_time_and_fall_back_to_entry_age():
    assert same_incarnation("t1", None, "t1", None)
    assert not same_incarnation("t1", None, "t2", None)
    # entries written before incarnations: one made before the document is an older one's
    assert same_incarnation(None, 10, None, 10) and not same_incarnation(None, 9, "t", 10)


def test_a_delivered_debit_is_never_refunded_by_a_failure_or_a_deletion():
    assert plan_failure("processing", Account(0, 1), 40, False, delivered=True).refund_amount == 0
    assert plan_deletion_refund(Account(0, 1), 40, False, delivered=True).refund_amount == 0


def test_deleting_a_charged_in_flight_creation_refunds_it_and_frees_the_slot_once():
    decision = plan_deletion_refund(Account(60, 1), 40, False, delivered=False)
    assert decision.refund_amount == 40 and decision.account_after == Account(100, 0)
    assert plan_deletion_refund(Account(100, 0), 40, True, delivered=False).refund_amount == 0


def test_a_refund_for_a_deleted_user_writes_nothing():
    plan = plan_failure("processing", None, 40, False)
    assert plan.changed and plan.user_gone and plan.refund_amount == 0 and not plan.refunded
    assert plan_deletion_refund(None, 40, False, False) is None


def debit(cid, amount=40, inc="i1", delivered=False, uid="u"):
    return LedgerEntry(uid, f"debit_{cid}", "debit", amount, cid, incarnation=inc, delivered=delivered)


def refund(cid, amount=40, inc="i1", uid="u"):
    return LedgerEntry(uid, f"refund_{cid}", "refund", amount, cid, incarnation=inc)


def grant(amount, uid="u"):
    return LedgerEntry(uid, f"grant_{amount}", "grant", amount, None)


def test_ledger_check_finds_the_refund_of_a_delivered_video_after_its_creation_was_deleted():
    # The free-video hole: delivered, deleted, re-created, the old debit refunded by the sweep.
    entries = [grant(100), debit("x", delivered=True), refund("x")]
    creations = [CreationFacts("x", "u", "failed", True, incarnation="i2")]
    report = check_ledger({"u": 100}, {"u": 0}, entries, creations)
    assert any("refund of a debit whose video was delivered" in p for p in report.problems)


def test_a_refused_reuse_of_a_delivered_id_is_a_clean_ledger():
    entries = [grant(100), debit("x", delivered=True)]
    creations = [CreationFacts("x", "u", "failed", False, incarnation="i2")]
    report = check_ledger({"u": 60}, {"u": 0}, entries, creations)
    assert report.ok, report.problems


def test_ledger_check_finds_a_deleted_in_flight_debit_never_settled():
    report = check_ledger({"u": 60}, {"u": 1}, [grant(100), debit("x")], [])
    assert any("neither delivered nor refunded" in p for p in report.problems)
    settled = check_ledger({"u": 100}, {"u": 0}, [grant(100), debit("x"), refund("x")], [])
    assert settled.ok, settled.problems


def test_two_users_may_each_have_used_an_id():
    entries = [grant(100, "a"), debit("x", uid="a", delivered=True), grant(100, "b"), debit("x", uid="b", inc="i2")]
    creations = [CreationFacts("x", "b", "processing", False, incarnation="i2")]
    report = check_ledger({"a": 60, "b": 60}, {"a": 0, "b": 1}, entries, creations)
    assert report.ok, report.problems


def test_creations_of_a_deleted_user_are_not_judged():
    report = check_ledger({}, {}, [], [CreationFacts("x", "gone", "failed", False)])
    assert report.ok, report.problems
    assert ledger.debit_id("x") == "debit_x"
