"""Public display names (profiles/{uid}.displayName): what a name may hold, and what the feed
shows for a user without a valid one.

The same rule is in firestore.rules (validDisplayName); the server re-checks here because an
operator (or an older rules version) may have written something the rules would refuse.
A name may hold letters, combining marks, digits, single inner spaces and . _ ' -; it starts
with a letter or a digit and ends without a space. So no control characters, no zero-width
or bidi-override characters (Unicode category Cf), no leading/trailing or doubled spaces:
the characters that make two different names look alike, or flip the text around them.
"""

from __future__ import annotations

import unicodedata

MIN_LENGTH = 2
MAX_LENGTH = 30
# What the feed shows for a user who never set a name (or whose name is no longer valid).
FALLBACK_NAME = "Phoenix creator"
PUNCTUATION = frozenset("._'-")


def _word_char(char: str) -> bool:
    return unicodedata.category(char)[0] in ("L", "M", "N") or char in PUNCTUATION


def is_valid_display_name(name: object) -> bool:
    if not isinstance(name, str) or not MIN_LENGTH <= len(name) <= MAX_LENGTH:
        return False
    if unicodedata.category(name[0])[0] not in ("L", "N"):
        return False
    return all(word and all(_word_char(c) for c in word) for word in name.split(" "))


def display_name_of(profile: dict | None) -> str:
    name = (profile or {}).get("displayName")
    return name if isinstance(name, str) and is_valid_display_name(name) else FALLBACK_NAME
