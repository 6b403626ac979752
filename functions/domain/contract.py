"""The generation request a client writes, checked again on the server (never trust the client)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from .errors import ErrorCode, Failure, failure
from .pricing import ASPECT_RATIOS, DURATIONS_SECONDS
from .states import Status

CLIENT_FIELDS = frozenset({"userId", "prompt", "aspectRatio", "duration", "status", "createdAt"})
SERVER_FIELDS = frozenset(
    {
        "tokenCost",
        "status",
        "progress",
        "error",
        "refunded",
        "mediaUrl",
        "startedAt",
        "queuedAt",
        "queuePosition",
        "estimatedStartAt",
        "completedAt",
        "updatedAt",
        "operationName",
        "mediaKey",
        "publishedAt",
    }
)
# Issue #16: the draft's poster, and the moderation state its owner is shown (taken down or
# under review). Server-written only.
FEED_SERVER_FIELDS = frozenset({"posterUrl", "moderation"})
SERVER_FIELDS = SERVER_FIELDS | FEED_SERVER_FIELDS
PROMPT_MAX_CHARS = 2000
CREATION_ID_MAX_CHARS = 128
# Firestore's auto-id alphabet: an id can never change the meaning of an object key or a URL.
CREATION_ID_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,128}")
USER_ID_MAX_CHARS = 128


def is_valid_creation_id(creation_id: object) -> bool:
    return isinstance(creation_id, str) and CREATION_ID_PATTERN.fullmatch(creation_id) is not None


def is_safe_user_id(user_id: object) -> bool:
    """A userId the server may build document paths from (Auth uids are shorter and plainer)."""
    return (
        isinstance(user_id, str)
        and 0 < len(user_id) <= USER_ID_MAX_CHARS
        and "/" not in user_id
        and user_id not in (".", "..")
        and not user_id.startswith("__")
    )


@dataclass(frozen=True)
class GenerationRequest:
    creation_id: str
    user_id: str
    prompt: str
    aspect_ratio: str
    duration_seconds: int


def parse_request(creation_id: str, data: dict) -> GenerationRequest | Failure:
    """The request, or the reason it breaks the contract (as an invalid_request failure)."""
    problem = _contract_problem(creation_id, data)
    if problem:
        return failure(ErrorCode.INVALID_REQUEST, problem)
    return GenerationRequest(
        creation_id=creation_id,
        user_id=data["userId"],
        prompt=data["prompt"],
        aspect_ratio=data["aspectRatio"],
        duration_seconds=data["duration"],
    )


def _contract_problem(creation_id: str, data: dict) -> str | None:
    if not is_valid_creation_id(creation_id):
        return f"The creation id must be 1 to {CREATION_ID_MAX_CHARS} characters among A-Z, a-z, 0-9, _ and -."
    keys = set(data)
    if keys != CLIENT_FIELDS:
        extra, missing = sorted(keys - CLIENT_FIELDS), sorted(CLIENT_FIELDS - keys)
        parts = []
        if missing:
            parts.append("missing " + ", ".join(missing))
        if extra:
            parts.append("unexpected " + ", ".join(extra))
        return "Fields: " + "; ".join(parts) + "."
    if not is_safe_user_id(data["userId"]):
        return "userId must be the signed-in user's id."
    prompt = data["prompt"]
    if not isinstance(prompt, str) or not prompt.strip():
        return "The prompt must be non-empty text."
    if len(prompt) > PROMPT_MAX_CHARS:
        return f"The prompt must be at most {PROMPT_MAX_CHARS} characters."
    if data["aspectRatio"] not in ASPECT_RATIOS:
        return "aspectRatio must be one of " + ", ".join(ASPECT_RATIOS) + "."
    duration = data["duration"]
    # bool is an int in Python; a float 4.0 is not what the contract allows either
    if type(duration) is not int or duration not in DURATIONS_SECONDS:
        return "duration must be one of " + ", ".join(map(str, DURATIONS_SECONDS)) + " seconds."
    if data["status"] != Status.PENDING:
        return 'status must be "pending" on create.'
    return None


# Look-alike letters (Cyrillic and Greek) that NFKC leaves alone, mapped to the Latin letter
# they imitate, so that "gоre" with a Cyrillic "о" is still "gore".
CONFUSABLES = str.maketrans(
    {
        # Cyrillic
        "а": "a",
        "в": "b",
        "е": "e",
        "ё": "e",
        "к": "k",
        "м": "m",
        "н": "h",
        "о": "o",
        "р": "p",
        "с": "c",
        "т": "t",
        "у": "y",
        "х": "x",
        "ѕ": "s",
        "і": "i",
        "ї": "i",
        "ј": "j",
        "ԁ": "d",
        "ԛ": "q",
        "ԝ": "w",
        "һ": "h",
        "ӏ": "l",
        "ɡ": "g",
        # Greek
        "α": "a",
        "β": "b",
        "ε": "e",
        "η": "n",
        "ι": "i",
        "κ": "k",
        "ν": "v",
        "ο": "o",
        "ρ": "p",
        "τ": "t",
        "υ": "u",
        "χ": "x",
        "γ": "y",
        "ω": "w",
        "ϲ": "c",
        "ѵ": "v",
        # Latin small capitals and other stand-ins
        "ı": "i",
        "ſ": "s",
    }
)


def normalize_for_matching(text: str) -> str:
    """What the blocked-term check compares: compatibility forms folded (NFKC: fullwidth,
    ligatures, superscripts), case folded, invisible format characters (zero-width joiners,
    soft hyphens: Unicode category Cf) and combining marks dropped, look-alikes mapped."""
    text = unicodedata.normalize("NFKC", text).casefold()
    decomposed = unicodedata.normalize("NFD", text)
    kept = "".join(ch for ch in decomposed if unicodedata.category(ch) not in ("Cf", "Mn", "Me"))
    return unicodedata.normalize("NFC", kept).translate(CONFUSABLES)


def find_blocked_term(prompt: str, blocked_terms: list[str] | tuple[str, ...]) -> str | None:
    """Our own content pre-check: the first blocked term found as a whole word, after both
    are normalised (see normalize_for_matching)."""
    text = normalize_for_matching(prompt)
    for term in blocked_terms:
        term = term.strip()
        wanted = normalize_for_matching(term)
        if wanted and re.search(rf"(?<!\w){re.escape(wanted)}(?!\w)", text):
            return term
    return None
