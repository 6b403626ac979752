"""The generation request a client writes, checked again on the server (never trust the client)."""
from __future__ import annotations

import re
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
        "completedAt",
        "updatedAt",
        "operationName",
        "mediaKey",
        "publishedAt",
    }
)
PROMPT_MAX_CHARS = 2000
CREATION_ID_MAX_CHARS = 128


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
    if not creation_id or len(creation_id) > CREATION_ID_MAX_CHARS:
        return f"The creation id must be 1 to {CREATION_ID_MAX_CHARS} characters."
    keys = set(data)
    if keys != CLIENT_FIELDS:
        extra, missing = sorted(keys - CLIENT_FIELDS), sorted(CLIENT_FIELDS - keys)
        parts = []
        if missing:
            parts.append("missing " + ", ".join(missing))
        if extra:
            parts.append("unexpected " + ", ".join(extra))
        return "Fields: " + "; ".join(parts) + "."
    if not isinstance(data["userId"], str) or not data["userId"]:
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


def find_blocked_term(prompt: str, blocked_terms: list[str] | tuple[str, ...]) -> str | None:
    """Our own content pre-check: the first blocked term found as a whole word, ignoring case."""
    for term in blocked_terms:
        term = term.strip()
        if term and re.search(rf"(?<!\w){re.escape(term)}(?!\w)", prompt, re.IGNORECASE):
            return term
    return None
