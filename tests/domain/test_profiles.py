"""Display names: the server's copy of the rules' validDisplayName (tests/rules/test_rules_feed.py
proves the rules refuse the same names)."""

from __future__ import annotations

import pytest

from domain.profiles import FALLBACK_NAME, display_name_of, is_valid_display_name

VALID = ["Al", "Ana María", "zoé_99", "O'Neil", "Jean-Luc P.", "日本", "x" * 30]
INVALID = [
    "a",  # too short
    "x" * 31,  # too long
    " Al",  # leading space
    "Al ",  # trailing space
    "Al  B",  # doubled space
    ".Al",  # starts with punctuation
    "Al\u200bB",  # zero-width space
    "Al\u202eB",  # right-to-left override
    "Al\nB",  # control character
    "Al\tB",
    "Al<b>",
    "",
    None,
    42,
]


@pytest.mark.parametrize("name", VALID)
def test_letters_digits_single_spaces_and_light_punctuation_are_valid_names(name):
    assert is_valid_display_name(name)


@pytest.mark.parametrize("name", INVALID, ids=repr)
def test_names_that_could_impersonate_or_break_layout_are_refused(name):
    assert not is_valid_display_name(name)


def test_no_profile_or_an_invalid_name_shows_the_fallback():
    assert display_name_of(None) == FALLBACK_NAME
    assert display_name_of({"displayName": "Al\u202eB"}) == FALLBACK_NAME
    assert display_name_of({"displayName": "Ana"}) == "Ana"
