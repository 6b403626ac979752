"""Admission under the Veo quota, and the poll schedule of a running generation (pure rules).

Veo accepts a fixed number of starts per minute per project. Requests beyond it wait in the
`startveo` task queue, whose dispatch rate is that quota; a quota refusal (429) that still
happens is retried by the queue, never failed and never refunded: a user does not pay, nor
lose a request, for our own limits.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from .states import Status

# Cloud Tasks' own floor for a queue's rate; Veo quotas are whole starts per minute.
MIN_DISPATCHES_PER_SECOND = 1 / 60


def dispatches_per_second(starts_per_minute: int) -> float:
    """The `startveo` queue's rate for a Veo quota of `starts_per_minute` (at least 1/min)."""
    return max(MIN_DISPATCHES_PER_SECOND, max(1, int(starts_per_minute)) / 60)


@dataclass(frozen=True)
class QueueEstimate:
    position: int  # 1 = next to start
    estimated_start_at: datetime


def estimate_start(ahead: int, starts_per_minute: int, now: datetime) -> QueueEstimate:
    """`ahead`: requests queued before this one and not started yet. The queue releases
    `starts_per_minute` a minute, so this one starts after the ones ahead of it have gone.
    An estimate at queue time (the client shows it as such): retries after a 429 make it later."""
    ahead = max(0, int(ahead))
    seconds = ahead * 60 / max(1, int(starts_per_minute))
    return QueueEstimate(ahead + 1, now + timedelta(seconds=math.ceil(seconds)))


class StartVerdict:
    RETRY_LATER = "retry_later"  # nothing started, try again when quota frees (the queue's retry)
    FAIL = "fail"  # refused for good, or it may have started: fail and refund


def classify_start_error(status: int | None, transient: bool) -> str:
    """`transient` comes from the Veo adapter, which marks a failed start transient only when
    no generation can have started (a 429, or a connection never made: see
    domain.generation.is_safe_to_retry). Those wait in the queue; anything else fails."""
    return StartVerdict.RETRY_LATER if transient or status == 429 else StartVerdict.FAIL


class StartClaim(StrEnum):
    """What a startveo run finds when it claims the start (adapters/admission_store.claim_start)."""

    CLAIMED = "claimed"  # this run may ask Veo, once
    NOT_PENDING = "not_pending"  # started, ended, deleted, or another document of the id
    TAKEN = "taken"  # another run of this start (a re-delivered task) claimed it first


def claim_verdict(status: object, claimed_by: object, same_document: bool) -> StartClaim:
    """Cloud Tasks delivers a task at least once: two runs of one start may overlap. Only the
    run that claims the start (in the transaction that reads this) asks Veo, so a creation is
    started at most once. A claim is never taken over, even when its run may have died: after
    the claim nothing tells whether Veo was asked, and a second start is billed twice. A
    claimed start that never reached `processing` is failed and refunded by the sweep
    (`overdue`); the start that was lost with it costs us, never the user."""
    if status != Status.PENDING or not same_document:
        return StartClaim.NOT_PENDING
    return StartClaim.TAKEN if claimed_by else StartClaim.CLAIMED


def task_id(kind: str, *parts: str) -> str:
    """A Cloud Tasks id (letters, digits, hyphens) that names one piece of work: the queue
    refuses a second task of the same id, so a repeated event cannot start Veo twice."""
    digest = hashlib.sha256("\x00".join(parts).encode()).hexdigest()[:40]
    return f"{kind}-{digest}"


def overdue(creation: dict, now: datetime, orphan_after_minutes: int, queue_max_wait_minutes: int) -> bool:
    """Whether the sweep fails (and refunds) an in-flight creation. A queued request waits for
    quota, so it gets QUEUE_MAX_WAIT_MINUTES from when it was queued; a started one gets
    ORPHAN_AFTER_MINUTES from its start (not its creation: it may have waited). Anything
    else (never queued: its trigger died after the debit) ages from its creation, which the
    sweep's query already checked. A start claimed but never marked processing (its run
    died around the Veo call) gets ORPHAN_AFTER_MINUTES from its claim, like a started one."""
    status = creation.get("status")
    started, queued = creation.get("startedAt"), creation.get("queuedAt")
    claimed = creation.get("startClaimedAt")
    if status == Status.PROCESSING and isinstance(started, datetime):
        return now - started > timedelta(minutes=orphan_after_minutes)
    if status == Status.PENDING and isinstance(claimed, datetime):
        return now - claimed > timedelta(minutes=orphan_after_minutes)
    if status == Status.PENDING and isinstance(queued, datetime):
        return now - queued > timedelta(minutes=queue_max_wait_minutes)
    return True


# ---- the poll schedule of a running generation -----------------------------------------
# Veo's output object finalizing in the temp bucket finishes a delivered video (the
# `finishgeneration` event). Polls are the safety net for what writes no object (a filtered
# or failed generation, a lost operation) and for an event that never comes, so they follow
# Veo's time distribution instead of chasing every second: nothing before its shortest time,
# SAFETY_FINE_POLLS polls `fine_s` apart (the first on that time) over its typical range, then further and further
# apart (see docs/architecture.md, "Finish on the event").

# Polls `fine_s` apart once Veo may be done: with production settings (30 s, 25 s) they fall
# at 30, 55, 80, 105 and 130 s, covering Veo's typical 30-120 s.
SAFETY_FINE_POLLS = 5
# Past that range the gap grows with the operation's age, up to this many coarse intervals.
TAIL_MAX_COARSE = 4


def poll_delay(elapsed_s: float, fine_after_s: float, fine_s: float, coarse_s: float) -> float:
    """Seconds until the next poll of an operation `elapsed_s` old.

    Coarse while Veo cannot plausibly be done (before `fine_after_s`, its shortest time),
    never stepping over that moment; then every `fine_s` until SAFETY_FINE_POLLS polls were due from it; then a
    gap as long as the time spent since `fine_after_s` (about doubling), at most
    TAIL_MAX_COARSE coarse intervals, so a long or lost operation costs a few polls, not
    hundreds, before the sweep ends it."""
    fine_s = max(0.1, fine_s)
    if coarse_s > fine_s and elapsed_s < fine_after_s:
        return max(fine_s, min(coarse_s, fine_after_s - elapsed_s))
    if elapsed_s < fine_after_s + (SAFETY_FINE_POLLS - 1) * fine_s - 1e-9:
        return fine_s
    return max(fine_s, min(TAIL_MAX_COARSE * max(coarse_s, fine_s), elapsed_s - fine_after_s))


def polls_for(generation_s: float, fine_after_s: float, fine_s: float, coarse_s: float) -> int:
    """How many polls a generation of `generation_s` seconds costs under poll_delay until one
    finds it done (the first poll comes one delay after the start). With the finalize event,
    a delivered video costs the polls due before its event (this minus one, or this when
    the event comes after the poll) plus the event's own look at the operation."""
    elapsed, polls = 0.0, 0
    while True:
        elapsed += poll_delay(elapsed, fine_after_s, fine_s, coarse_s)
        polls += 1
        if elapsed >= generation_s:
            return polls


# ---- Veo's own filter: a user whose requests it keeps refusing waits (no free queue holding) ----
# A request Veo's filter refuses was charged, queued, started and refunded: at no net cost to
# its sender, it held a place in the admission queue and a Veo start. After POLICY_STRIKES such
# refusals within POLICY_WINDOW, the user's new requests are refused up front (policy_cooldown,
# before any charge and in the rules) until POLICY_COOLDOWN has passed.
POLICY_STRIKES = 3
POLICY_WINDOW = timedelta(hours=1)
POLICY_COOLDOWN = timedelta(hours=1)


def in_policy_cooldown(user: dict | None, now: datetime) -> bool:
    until = (user or {}).get("policyCooldownUntil")
    return isinstance(until, datetime) and until > now


def policy_strike(user: dict | None, now: datetime) -> dict:
    """The fields of users/{uid} after one more refusal by Veo's filter."""
    strikes = [
        t for t in (user or {}).get("policyStrikes") or [] if isinstance(t, datetime) and now - t < POLICY_WINDOW
    ]
    strikes = (strikes + [now])[-POLICY_STRIKES:]
    fields: dict = {"policyStrikes": strikes}
    if len(strikes) >= POLICY_STRIKES:
        fields["policyCooldownUntil"] = now + POLICY_COOLDOWN
    return fields


# Requests the server refuses before any charge (a blocked term, an invalid request, the
# in-flight limit...) cost a function run each, and their ids are spent (never created again):
# after REFUSALS_PER_WINDOW of them within REFUSAL_WINDOW, new requests are refused up front
# (rate_limited, in the rules and before any charge) until REFUSAL_COOLDOWN has passed.
REFUSALS_PER_WINDOW = 20  # the default of the REFUSALS_PER_HOUR param
REFUSAL_WINDOW = timedelta(hours=1)
REFUSAL_COOLDOWN = timedelta(hours=1)


def refusal(user: dict | None, now: datetime, limit: int = REFUSALS_PER_WINDOW) -> dict:
    """The fields of users/{uid} after one more refused request (the last `limit` are kept)."""
    limit = max(1, int(limit))
    times = [t for t in (user or {}).get("refusals") or [] if isinstance(t, datetime) and now - t < REFUSAL_WINDOW]
    times = (times + [now])[-min(limit, 100) :]
    fields: dict = {"refusals": times}
    if len(times) >= limit:
        fields["refusalCooldownUntil"] = now + REFUSAL_COOLDOWN
    return fields


def cooldown_code(user: dict | None, now: datetime):
    """Why a new request of this user is refused up front right now, or None."""
    from .errors import ErrorCode

    if in_policy_cooldown(user, now):
        return ErrorCode.POLICY_COOLDOWN
    until = (user or {}).get("refusalCooldownUntil")
    if isinstance(until, datetime) and until > now:
        return ErrorCode.RATE_LIMITED
    return None
