"""What a generation costs. firestore.rules repeats this formula (tested to agree)."""

from __future__ import annotations

DURATIONS_SECONDS: tuple[int, ...] = (4, 6, 8)
ASPECT_RATIOS: tuple[str, ...] = ("16:9", "9:16")
DEFAULT_TOKENS_PER_SECOND = 10


def token_cost(duration_seconds: int, tokens_per_second: int = DEFAULT_TOKENS_PER_SECOND) -> int:
    if duration_seconds not in DURATIONS_SECONDS:
        raise ValueError(f"unsupported duration {duration_seconds!r}")
    if tokens_per_second <= 0:
        raise ValueError("tokens_per_second must be positive")
    return duration_seconds * tokens_per_second
