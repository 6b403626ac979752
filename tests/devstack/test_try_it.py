"""`make try`'s last lines: what happened to the tokens, in words (no dicts, no bare balances)."""

from __future__ import annotations

from devstack.try_it import tokens_line
from domain.pricing import price


def test_a_refunded_failure_says_taken_and_refunded():
    cost = price(4)
    assert tokens_line(cost, cost, 200, 200) == f"Tokens: {cost} taken, {cost} refunded (balance 200 → 200)"


def test_a_draft_says_what_it_took():
    cost = price(4)
    assert tokens_line(cost, 0, 200, 200 - cost) == f"Tokens: {cost} taken (balance 200 → {200 - cost})"


def test_a_request_refused_before_charging_says_none_were_taken():
    assert tokens_line(0, 0, 10, 10) == "Tokens: no tokens taken (balance 10 → 10)"
