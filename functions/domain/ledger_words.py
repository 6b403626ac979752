"""A ledger entry in words: what a person reads for each line of their token history (the web
client's Tokens tab, `make try`, `python -m ops ledger`), instead of raw ids and error codes.

Every refund reason the server writes (each ErrorCode's value, and `deleted`) has its words
here; tests/domain/test_ledger_words.py fails when a code has none, and checks the web
client's copy (clients/web/src/ledger-words.js) says the same.
"""

from __future__ import annotations

from domain.errors import ErrorCode

# The refund entry's `reason` -> why the tokens came back.
REFUND_REASONS: dict[str, str] = {
    ErrorCode.CONTENT_POLICY.value: "blocked by the content policy",
    ErrorCode.GENERATION_FAILED.value: "the video could not be generated",
    ErrorCode.TIMEOUT.value: "the video took too long to generate",
    # Raised before any token is taken, so no refund carries them; worded all the same.
    ErrorCode.INSUFFICIENT_TOKENS.value: "not enough tokens",
    ErrorCode.TOO_MANY_IN_FLIGHT.value: "too many videos in progress",
    ErrorCode.INVALID_REQUEST.value: "the request was not valid",
    ErrorCode.POLICY_COOLDOWN.value: "paused after prompts the content filter refused",
    ErrorCode.RATE_LIMITED.value: "too many requests in a short time",
    # Name codes live on a profile, never on a creation or a ledger entry; worded all the same.
    ErrorCode.INVALID_NAME.value: "the name could not be used",
    ErrorCode.NAME_TAKEN.value: "the name is taken",
    "deleted": "deleted while it was being made",
}
EXCERPT_CHARS = 60
DELETED_VIDEO = "(since deleted)"


def excerpt(prompt: str | None, limit: int = EXCERPT_CHARS) -> str | None:
    """The prompt on one line, cut at a word near `limit` with an ellipsis (None stays None)."""
    if not isinstance(prompt, str):
        return None
    flat = " ".join(prompt.split())
    if len(flat) <= limit:
        return flat
    cut = flat[: limit - 1]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit // 2 else cut).rstrip() + "…"


def refund_reason(reason: str | None) -> str:
    return REFUND_REASONS.get(reason or "", "tokens given back")


def describe(entry_type: str, reason: str | None, prompt: str | None) -> str:
    """One line: "Grant — demo seed", "Video “a paper boat…”", "Refund — blocked by the content
    policy · “a gore scene”". `prompt` is the creation's prompt, None when it no longer exists."""
    video = f"“{excerpt(prompt)}”" if prompt is not None else DELETED_VIDEO
    if entry_type == "grant":
        return f"Grant — {reason}" if reason else "Grant"
    if entry_type == "debit":
        return f"Video {video}"
    if entry_type == "refund":
        return f"Refund — {refund_reason(reason)} · {video}"
    return entry_type
