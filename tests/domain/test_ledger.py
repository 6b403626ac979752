from domain.errors import ErrorCode
from domain.ledger import (
    Account,
    CreationFacts,
    LedgerEntry,
    check_ledger,
    debit_id,
    decide_debit,
    decide_failure_refund,
    refund_id,
    release_in_flight,
)


def test_debit_takes_the_cost_and_one_in_flight_slot():
    decision = decide_debit(Account(100, 1), 40, max_in_flight=3)
    assert decision.failure is None and decision.account_after == Account(60, 2)


def test_debit_refused_when_the_balance_is_short_and_nothing_moves():
    decision = decide_debit(Account(39, 0), 40, max_in_flight=3)
    assert decision.failure.code == ErrorCode.INSUFFICIENT_TOKENS
    assert "40" in decision.failure.message and "39" in decision.failure.message
    assert decision.account_after == Account(39, 0)


def test_exact_balance_is_enough():
    assert decide_debit(Account(40, 0), 40, 3).account_after == Account(0, 1)


def test_debit_refused_at_the_in_flight_limit():
    decision = decide_debit(Account(1000, 3), 40, max_in_flight=3)
    assert decision.failure.code == ErrorCode.TOO_MANY_IN_FLIGHT
    assert decision.account_after == Account(1000, 3)


def test_refund_gives_back_exactly_the_debit_once():
    assert decide_failure_refund(Account(60, 1), 40, False).account_after == Account(100, 0)
    assert decide_failure_refund(Account(100, 0), 40, True).refund_amount == 0
    assert decide_failure_refund(Account(100, 0), None, False).refund_amount == 0


def test_success_frees_the_slot_but_keeps_the_tokens():
    assert release_in_flight(Account(60, 1)) == Account(60, 0)
    assert release_in_flight(Account(60, 0)) == Account(60, 0)


def test_ledger_ids_are_deterministic():
    assert debit_id("abc") == "debit_abc" and refund_id("abc") == "refund_abc"


def entry(kind, amount, cid=None, uid="u"):
    eid = {"grant": f"grant_{amount}", "debit": f"debit_{cid}", "refund": f"refund_{cid}"}[kind]
    return LedgerEntry(uid, eid, kind, amount, cid)


def test_a_consistent_ledger_passes():
    entries = [
        entry("grant", 100),
        entry("debit", 40, "a"),
        entry("debit", 40, "b"),
        entry("refund", 40, "b"),
        entry("debit", 40, "c"),
    ]
    creations = [
        CreationFacts("a", "u", "draft", False),
        CreationFacts("b", "u", "failed", True),
        CreationFacts("c", "u", "processing", False),
    ]
    report = check_ledger({"u": 20}, {"u": 1}, entries, creations)
    assert report.ok, report.problems


def test_the_check_names_every_broken_invariant():
    entries = [
        entry("grant", 100),
        entry("debit", 40, "a"),
        entry("debit", 40, "a"),
        entry("debit", 40, "f"),
        entry("refund", 40, "d"),
        entry("debit", 40, "d"),
    ]
    creations = [
        CreationFacts("a", "u", "draft", False),
        CreationFacts("f", "u", "failed", False),
        CreationFacts("d", "u", "draft", True),
    ]
    report = check_ledger({"u": 55}, {"u": 2}, entries, creations)
    text = "\n".join(report.problems)
    assert "balance 55 but ledger says -20" in text
    assert "creation a: 2 debit entries" in text
    assert "creation f: failed after a debit but not refunded" in text
    assert "creation d: draft but refunded" in text
    assert "inFlight 2" in text
    assert not report.ok
