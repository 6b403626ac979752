"""A ledger entry in words (domain/ledger_words.py): what the Tokens tab, `make try` and
`python -m ops ledger` print for each movement."""

from __future__ import annotations

from domain.errors import ErrorCode
from domain.ledger_words import EXCERPT_CHARS, REFUND_REASONS, describe, excerpt, refund_reason


def test_every_error_code_and_the_operator_delete_have_refund_words():
    for code in ErrorCode:
        assert code.value in REFUND_REASONS, code
    assert "deleted" in REFUND_REASONS


def test_a_refund_names_its_reason_in_words_and_its_video_by_prompt():
    line = describe("refund", ErrorCode.CONTENT_POLICY.value, "a gore scene in a dark alley")
    assert line == "Refund — blocked by the content policy · “a gore scene in a dark alley”"
    assert "content_policy" not in line


def test_a_debit_names_its_video_and_a_grant_its_reason():
    assert describe("debit", "generation", "a paper boat") == "Video “a paper boat”"
    assert describe("grant", "demo seed", None) == "Grant — demo seed"


def test_a_deleted_video_is_said_to_be_deleted_not_shown_as_an_id():
    assert "deleted" in describe("debit", "generation", None)
    assert "deleted" in describe("refund", "timeout", None)


def test_an_unknown_reason_still_reads_as_words():
    assert refund_reason("something_new") == "tokens given back"


def test_long_prompts_are_cut_at_a_word_with_an_ellipsis_on_one_line():
    prompt = "a very long\nprompt " + "about boats " * 30
    short = excerpt(prompt)
    assert short is not None and short.endswith("…") and len(short) <= EXCERPT_CHARS
    assert "\n" not in short
    assert excerpt("short one") == "short one"
