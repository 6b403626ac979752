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


def test_no_accepted_name_or_an_invalid_one_shows_the_fallback():
    assert display_name_of(None) == FALLBACK_NAME
    assert display_name_of({"name": "Al\u202eB"}) == FALLBACK_NAME
    assert display_name_of({"name": "Ana"}) == "Ana"


def test_the_feed_never_shows_a_requested_name_only_an_accepted_one():
    # profiles/{uid}.displayName is the request; displayNames/{uid}.name what the server accepted.
    assert display_name_of({"displayName": "Ana"}) == FALLBACK_NAME


# ---- names that render blank or carry invisible characters ----------------------------------

BLANK_OR_INVISIBLE = [
    "\u3164\u3164",  # Hangul filler: renders blank
    "\u115f\u1160",  # Hangul choseong/jungseong fillers
    "\uffa0\uffa0",  # halfwidth Hangul filler
    "Mara Lind\u034f",  # combining grapheme joiner
    "Mara\ufe0f Lind",  # variation selector
    "Mara\U000e0100Lind",  # variation selector supplement
    "Ma\u00adra",  # soft hyphen
    "Mara\u2060Lind",  # word joiner
    "Mara\u180bLind",  # Mongolian variation selector
    "\u3164a",
]


@pytest.mark.parametrize("name", BLANK_OR_INVISIBLE, ids=repr)
def test_names_that_render_blank_or_hide_invisible_characters_are_refused(name):
    assert not is_valid_display_name(name)


def test_the_rules_refuse_exactly_the_invisible_ranges_of_the_domain():
    import os
    import re

    from domain.profiles import INVISIBLE_RANGES

    with open(os.path.join(os.path.dirname(__file__), "..", "..", "firestore.rules")) as f:
        rules = f.read()
    body = re.search(r"function invisibleChars\(\) \{\s*return \"(.*?)\";", rules).group(1)
    found = [
        (int(lo, 16), int(hi or lo, 16))
        for lo, hi in re.findall(r"\\\\x\{([0-9A-F]+)\}(?:-\\\\x\{([0-9A-F]+)\})?", body)
    ]
    assert found == list(INVISIBLE_RANGES)


def test_the_web_client_refuses_exactly_the_invisible_ranges_of_the_domain():
    import os
    import re

    from domain.profiles import INVISIBLE_RANGES

    with open(os.path.join(os.path.dirname(__file__), "..", "..", "clients", "web", "src", "names.js")) as f:
        body = re.search(r"export const INVISIBLE =\s*/\[(.*?)\]/u;", f.read()).group(1)
    found = [
        (int(lo, 16), int(hi or lo, 16)) for lo, hi in re.findall(r"\\u\{([0-9A-F]+)\}(?:-\\u\{([0-9A-F]+)\})?", body)
    ]
    assert found == list(INVISIBLE_RANGES)


# ---- look-alike names: one holder per skeleton --------------------------------------------------


@pytest.mark.parametrize(
    "other",
    [
        "Mara Lind",
        "MARA LIND",
        "mara lind",
        "M\u0430ra Lind",  # Cyrillic a
        "\uff2dara Lind",  # fullwidth M (NFKC)
        "Mara L\u0131nd",  # dotless i
        "Mara Lind\u200b",  # an invisible character (dropped from the skeleton too)
    ],
    ids=repr,
)
def test_names_that_look_the_same_have_the_same_skeleton(other):
    from domain.profiles import skeleton

    assert skeleton(other) == skeleton("Mara Lind")


def test_names_that_look_different_have_different_skeletons():
    from domain.profiles import name_key

    assert name_key("Mara Lind") != name_key("Mara Linde")
    assert name_key("Mara Lind") != name_key("MaraLind")


NOW = __import__("datetime").datetime(2026, 12, 4, 12, tzinfo=__import__("datetime").UTC)


def test_a_name_another_user_holds_is_refused_and_the_shown_name_stays():
    from domain.errors import ErrorCode
    from domain.profiles import decide_name

    decision = decide_name("Mara Lind", "Old Me", "someone-else", "me", [], NOW)
    assert not decision.accept and decision.shown == "Old Me" and decision.error == ErrorCode.NAME_TAKEN
    assert decide_name("Mara Lind", None, "me", "me", [], NOW).accept  # one's own reservation


def test_the_fallback_name_cannot_be_claimed():
    from domain.errors import ErrorCode
    from domain.profiles import decide_name

    assert decide_name("PHOENIX CREATOR", None, None, "me", [], NOW).error == ErrorCode.NAME_TAKEN


def test_renames_beyond_the_daily_limit_are_refused_asking_for_the_current_name_is_free():
    from datetime import timedelta

    from domain.errors import ErrorCode
    from domain.profiles import RENAMES_PER_DAY, decide_name

    recent = [NOW - timedelta(minutes=i) for i in range(RENAMES_PER_DAY)]
    assert decide_name("New Name", "Old", None, "me", recent, NOW).error == ErrorCode.RATE_LIMITED
    assert decide_name("Old", "Old", "me", "me", recent, NOW).accept
    day_old = [NOW - timedelta(days=1, minutes=i) for i in range(RENAMES_PER_DAY)]
    assert decide_name("New Name", "Old", None, "me", day_old, NOW).accept
