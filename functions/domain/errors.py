"""The one set of error codes a client can see on a failed creation."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ErrorCode(StrEnum):
    INSUFFICIENT_TOKENS = "insufficient_tokens"
    CONTENT_POLICY = "content_policy"
    GENERATION_FAILED = "generation_failed"
    TIMEOUT = "timeout"
    TOO_MANY_IN_FLIGHT = "too_many_in_flight"
    INVALID_REQUEST = "invalid_request"
    # Too many of the user's recent requests were refused by Veo's own filter: new requests are
    # refused up front, before any charge, for a while (domain/admission.py POLICY_*).
    POLICY_COOLDOWN = "policy_cooldown"
    # On profiles/{uid}.nameError, not on a creation (domain/profiles.py).
    INVALID_NAME = "invalid_name"
    NAME_TAKEN = "name_taken"
    RATE_LIMITED = "rate_limited"


# What the user reads. A detail (e.g. Veo's own reason) may be appended after it.
MESSAGES: dict[ErrorCode, str] = {
    ErrorCode.INSUFFICIENT_TOKENS: "You don't have enough tokens for this video.",
    ErrorCode.CONTENT_POLICY: "This prompt can't be used because it breaks the content policy.",
    ErrorCode.GENERATION_FAILED: "The video could not be generated. Your tokens were refunded.",
    ErrorCode.TIMEOUT: "The video took too long to generate. Your tokens were refunded.",
    ErrorCode.TOO_MANY_IN_FLIGHT: "You already have the maximum number of videos in progress.",
    ErrorCode.INVALID_REQUEST: "The request is not valid.",
    ErrorCode.POLICY_COOLDOWN: "Too many of your recent prompts were refused by the content filter. Try again later.",
    ErrorCode.INVALID_NAME: "This name can't be used: it has characters that are not allowed or that don't show.",
    ErrorCode.NAME_TAKEN: "Another creator already uses this name, or one that looks the same.",
    ErrorCode.RATE_LIMITED: "Too many requests in a short time. Try again later.",
}

# Codes raised before any token is taken: nothing to refund.
BEFORE_DEBIT = frozenset(
    {
        ErrorCode.INSUFFICIENT_TOKENS,
        ErrorCode.TOO_MANY_IN_FLIGHT,
        ErrorCode.INVALID_REQUEST,
        ErrorCode.POLICY_COOLDOWN,
        ErrorCode.INVALID_NAME,
        ErrorCode.NAME_TAKEN,
        ErrorCode.RATE_LIMITED,
    }
)


@dataclass(frozen=True)
class Failure:
    code: ErrorCode
    message: str

    def to_document(self) -> dict[str, str]:
        return {"code": self.code.value, "message": self.message}


def failure(code: ErrorCode, detail: str | None = None) -> Failure:
    message = MESSAGES[code]
    if detail:
        message = f"{message} {detail.strip()}"
    return Failure(code=code, message=message)


class ExternalServiceError(Exception):
    """An error from Veo, GCS or R2, already sorted into retry-worthy or not.

    Adapters raise it so that handlers decide on retries without knowing any SDK.
    """

    def __init__(self, service: str, message: str, *, transient: bool, status: int | None = None):
        super().__init__(f"{service}: {message}")
        self.service = service
        self.transient = transient
        self.status = status
