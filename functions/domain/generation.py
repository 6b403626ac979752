"""What a Veo operation's state means for a creation, and how patient to be with Veo."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from .errors import ErrorCode, Failure, failure


class OutcomeKind(StrEnum):
    RUNNING = "running"
    READY = "ready"
    FILTERED = "filtered"
    FAILED = "failed"


@dataclass(frozen=True)
class VeoOutcome:
    """A polled Veo operation, with no SDK types in it."""

    kind: OutcomeKind
    video_uri: str | None = None  # gs:// URI when Veo wrote to our temp bucket
    video_bytes: bytes | None = None  # inline video when no storageUri was given
    reason: str | None = None


def outcome_failure(outcome: VeoOutcome) -> Failure | None:
    """Our own message only: Veo's reason text can name projects and service agents, so it
    goes to the logs (the handler logs `outcome.reason`), never to the user."""
    if outcome.kind == OutcomeKind.FILTERED:
        return failure(ErrorCode.CONTENT_POLICY)
    if outcome.kind == OutcomeKind.FAILED:
        return failure(ErrorCode.GENERATION_FAILED)
    return None


# Veo answers these when a call may succeed if tried again later.
TRANSIENT_HTTP_STATUSES = frozenset({408, 429, 500, 502, 503, 504})


def is_transient_status(status: int | None) -> bool:
    """No status means the call never got an answer (network, deadline): worth retrying."""
    return status is None or status in TRANSIENT_HTTP_STATUSES


class VeoCall(StrEnum):
    START = "start"  # predictLongRunning: starts (and bills) a generation; NOT idempotent
    POLL = "poll"  # fetchPredictOperation: reads; idempotent


# Answers to a start that prove no generation was started, so a retry cannot bill twice.
# Only 429: a quota refusal happens when the request is admitted, before any work (our reading
# of RESOURCE_EXHAUSTED; Vertex does not document it for Veo). google.rpc.Code documents
# UNAVAILABLE (503) as "not always safe to retry non-idempotent operations", DEADLINE_EXCEEDED
# (504) as possibly returned "even if the operation has completed successfully", and INTERNAL
# (500) as a broken invariant with no promise about what happened: after any of them the
# generation may be running.
START_SAFE_RETRY_STATUSES = frozenset({429})


def is_safe_to_retry(status: int | None, *, request_sent: bool) -> bool:
    """Whether a failed START may be tried again without risking a second, billed generation.

    `status` is Vertex's HTTP answer (None: no answer). `request_sent` is False only when the
    request cannot have reached Vertex (the connection was never made). A read timeout, a
    reset or a half-read answer come after the request was sent: Vertex may have started the
    generation, and retrying would start (and bill) another one. Failing the creation and
    refunding the user costs less than paying Google twice behind the user's back.
    """
    if status is None:
        return not request_sent
    return status in START_SAFE_RETRY_STATUSES


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 4
    base_delay_s: float = 1.0
    max_delay_s: float = 16.0

    def delays(self) -> list[float]:
        """Waits between attempts: exponential, capped; len == attempts - 1."""
        return [min(self.max_delay_s, self.base_delay_s * 2**i) for i in range(self.attempts - 1)]


def estimate_progress(elapsed_s: float, expected_s: float) -> int:
    """Veo reports no progress; an honest guess from time elapsed against a typical run.

    Linear up to 90 at the expected time, then creeping towards 99 and never claiming 100
    before the video really exists.
    """
    if elapsed_s <= 0 or expected_s <= 0:
        return 0
    ratio = elapsed_s / expected_s
    if ratio <= 1:
        return int(90 * ratio)
    return min(99, 90 + int(9 * (1 - 1 / ratio)))


def same_operation(current: object, expected: str | None) -> bool:
    """Whether a finalizer of Veo operation `expected` may still move the creation whose
    document names `current`: a poll or an output event of an earlier document of a re-used
    id (or of a start given up) must not finish, fail or refund the document there now.
    `expected` None: the caller is not a finalizer (the sweep, an operator), no check."""
    return expected is None or current == expected
