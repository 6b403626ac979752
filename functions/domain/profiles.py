"""Public display names (profiles/{uid}.displayName): what a name may hold, which names look the
same, and what the feed shows for a user without an accepted one.

The same character rule is in firestore.rules (validDisplayName); the server re-checks here
because an operator (or an older rules version) may have written something the rules would
refuse. A name may hold letters, combining marks, digits, single inner spaces and . _ ' -; it
starts with a letter or a digit and ends without a space. So no control characters, no
zero-width or bidi-override characters (Unicode category Cf), no leading/trailing or doubled
spaces, and no character that renders as nothing (INVISIBLE: Unicode Default_Ignorable_Code_Point,
which covers the Hangul fillers, variation selectors, the combining grapheme joiner and the bidi
controls): the characters that make two different names look alike, or flip the text around them.

Two names that look alike are one name: a name is held by one user at a time, through its
skeleton (Unicode TS #39: NFKC, case folding, the confusables map), reserved in
`names/{skeleton hash}` (server-only) in the transaction that accepts the name
(adapters/feed_store.py). The feed shows a user's ACCEPTED name (`displayNames/{uid}.name`,
server-written, readable by its owner with `error` when a requested name was refused), never
the requested one (`profiles/{uid}.displayName`, written by the app).
"""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from .confusables_data import CONFUSABLES
from .errors import ErrorCode, failure

MIN_LENGTH = 2
MAX_LENGTH = 30
# What the feed shows for a user who never set a name (or whose name is not accepted).
FALLBACK_NAME = "Phoenix creator"
PUNCTUATION = frozenset("._'-")

# Unicode Default_Ignorable_Code_Point (DerivedCoreProperties.txt, Unicode 15.1, checked
# 2026-12-04), as ranges. firestore.rules' invisibleChars() holds the same list (a test
# compares them). Characters in it render as nothing, or not at all, in most fonts.
INVISIBLE_RANGES: tuple[tuple[int, int], ...] = (
    (0x00AD, 0x00AD),  # soft hyphen
    (0x034F, 0x034F),  # combining grapheme joiner
    (0x061C, 0x061C),  # Arabic letter mark
    (0x115F, 0x1160),  # Hangul choseong / jungseong fillers
    (0x17B4, 0x17B5),  # Khmer inherent vowels
    (0x180B, 0x180F),  # Mongolian variation selectors and vowel separator
    (0x200B, 0x200F),  # zero-width space, joiners, LRM, RLM
    (0x202A, 0x202E),  # bidi embeddings and overrides
    (0x2060, 0x206F),  # word joiner, invisible operators, bidi isolates
    (0x3164, 0x3164),  # Hangul filler
    (0xFE00, 0xFE0F),  # variation selectors
    (0xFEFF, 0xFEFF),  # zero-width no-break space
    (0xFFA0, 0xFFA0),  # halfwidth Hangul filler
    (0xFFF0, 0xFFF8),  # unassigned, default ignorable
    (0x1BCA0, 0x1BCA3),  # shorthand format controls
    (0x1D173, 0x1D17A),  # musical symbol format controls
    (0xE0000, 0xE0FFF),  # tags and variation selectors supplement
)

# How often a user's name may change: each accepted change rewrites every feed entry of theirs.
RENAMES_PER_DAY = 5
RENAME_WINDOW = timedelta(days=1)


def is_invisible(char: str) -> bool:
    code = ord(char)
    return any(low <= code <= high for low, high in INVISIBLE_RANGES)


def _word_char(char: str) -> bool:
    return (unicodedata.category(char)[0] in ("L", "M", "N") or char in PUNCTUATION) and not is_invisible(char)


def is_valid_display_name(name: object) -> bool:
    if not isinstance(name, str) or not MIN_LENGTH <= len(name) <= MAX_LENGTH:
        return False
    if unicodedata.category(name[0])[0] not in ("L", "N") or is_invisible(name[0]):
        return False
    return all(word and all(_word_char(c) for c in word) for word in name.split(" "))


def _load_confusables() -> dict[str, str]:
    table = {}
    for line in CONFUSABLES.strip().splitlines():
        source, target = line.split(";")
        table[chr(int(source, 16))] = "".join(chr(int(code, 16)) for code in target.split())
    return table


_PROTOTYPES = _load_confusables()


def skeleton(name: str) -> str:
    """Unicode TS #39's skeleton, made case- and compatibility-blind first: NFKC, case fold,
    invisible characters dropped, NFD, each character replaced by its prototype, NFD again.
    Two names with the same skeleton look the same ("Mara Lind", "MARA LIND", "Mаra Lind"
    with a Cyrillic а)."""
    text = unicodedata.normalize("NFKC", name).casefold()
    text = unicodedata.normalize("NFD", "".join(c for c in text if not is_invisible(c)))
    text = "".join(_PROTOTYPES.get(c, c) for c in text)
    return unicodedata.normalize("NFD", text)


def name_key(name: str) -> str:
    """The id of a name's reservation (names/{key}): a hash of its skeleton, a safe document id."""
    return hashlib.sha256(skeleton(name).encode("utf-8")).hexdigest()


def display_name_of(accepted: dict | None) -> str:
    """What the feed shows: the name the server accepted for this user (displayNames/{uid}),
    never a name it refused or has not yet judged."""
    name = (accepted or {}).get("name")
    return name if isinstance(name, str) and is_valid_display_name(name) else FALLBACK_NAME


@dataclass(frozen=True)
class NameDecision:
    """What becomes of a requested name. `accept`: the new shown name (None: the fallback);
    `error`: why it was refused (the shown name stays what it was)."""

    accept: bool
    shown: str | None
    error: ErrorCode | None = None


def decide_name(
    requested: object,
    shown_before: str | None,
    holder: str | None,
    user_id: str,
    recent_renames: list[datetime],
    now: datetime,
) -> NameDecision:
    """`holder`: who holds the requested name's skeleton now (None: nobody). A change of the
    shown name counts against RENAMES_PER_DAY; asking again for the name already shown is free."""
    if requested is None:
        return NameDecision(True, None)
    if not is_valid_display_name(requested):
        return NameDecision(False, shown_before, ErrorCode.INVALID_NAME)
    assert isinstance(requested, str)
    if skeleton(requested) == _FALLBACK_SKELETON or (holder is not None and holder != user_id):
        return NameDecision(False, shown_before, ErrorCode.NAME_TAKEN)
    if requested == shown_before:
        return NameDecision(True, requested)
    if len([t for t in recent_renames if now - t < RENAME_WINDOW]) >= RENAMES_PER_DAY:
        return NameDecision(False, shown_before, ErrorCode.RATE_LIMITED)
    return NameDecision(True, requested)


_FALLBACK_SKELETON = skeleton(FALLBACK_NAME)  # nobody may look like the name of the nameless


def accepted_after(state: dict | None, decision: NameDecision, requested: object, now: datetime) -> dict:
    """displayNames/{uid} after a decision: the name shown, the error of a refused request, and
    the times of the recent changes (what RENAMES_PER_DAY counts)."""
    state = dict(state or {})
    renames = [t for t in state.get("renames") or [] if isinstance(t, datetime) and now - t < RENAME_WINDOW]
    if decision.accept and decision.shown != state.get("name"):
        if decision.shown is not None:
            renames.append(now)
        state["name"] = decision.shown
    state["renames"] = renames[-RENAMES_PER_DAY:]
    state["requested"] = requested if isinstance(requested, str) else None
    state["error"] = None if decision.error is None else failure(decision.error).to_document()
    return state
