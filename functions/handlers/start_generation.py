"""onCreate of creations/{id}: check the request, take the tokens, queue the Veo start.

The start itself is the `startveo` task (handlers/start_veo.py), dispatched at the rate the
Veo quota allows: this trigger stays short whatever the burst.
"""
from __future__ import annotations

import time
from datetime import datetime, timezone

from adapters import admission_store, log, store, tasks
from domain.admission import estimate_start, task_id
from domain.contract import find_blocked_term, parse_request
from domain.errors import ErrorCode, Failure, failure
from domain.pricing import token_cost
from domain.states import Status
from handlers.services import Services


def handle(creation_id: str, data: dict | None, services: Services, incarnation: str | None = None) -> str:
    """Returns what happened (for tests and logs). Safe to run twice for one event.
    `incarnation` is the created document's create_time (as store.incarnation_of writes it):
    every write is for that document, never for a later one re-created under the same id."""
    started = time.monotonic()
    settings = services.settings
    if data is None:
        return "gone"

    request = parse_request(creation_id, data)
    if isinstance(request, Failure):
        return _reject(creation_id, data.get("userId"), request, incarnation)
    blocked = find_blocked_term(request.prompt, settings.blocked_terms)
    if blocked:
        return _reject(creation_id, request.user_id,
                       failure(ErrorCode.CONTENT_POLICY, f'The word "{blocked}" is not allowed.'), incarnation)

    cost = token_cost(request.duration_seconds, settings.tokens_per_second)
    try:
        debit = store.debit(creation_id, request.user_id, cost, settings.max_in_flight, incarnation)
    except store.MalformedDocument as exc:
        # Nothing was charged; the sweep fails it (without money) when it is old enough.
        log.warn("malformed document set aside", creationId=creation_id, where="startgeneration",
                 reason=str(exc))
        store.count_malformed("user")
        return "set_aside"
    if debit.result == store.DebitResult.REFUSED:
        log.state_change(creation_id, request.user_id, Status.PENDING, Status.FAILED,
                         error_code=debit.failure.code.value)
        return "refused"
    if debit.result != store.DebitResult.DEBITED:
        return _resume_repeated_event(creation_id, debit.result)
    log.ledger_movement(creation_id, request.user_id, "debit", cost, debit.balance_after)

    return _queue(creation_id, request, cost, debit, services, incarnation, started)


def _queue(creation_id: str, request, cost: int, debit, services: Services, incarnation: str | None,
           started: float) -> str:
    """Hands the paid request to the `startveo` queue, which starts it on Veo as quota allows,
    and shows the client where it stands (status stays pending)."""
    settings = services.settings
    job = {"prompt": request.prompt, "aspectRatio": request.aspect_ratio,
           "duration": request.duration_seconds, "mediaKey": debit.media_key,
           "userId": request.user_id, "cost": cost, "incarnation": incarnation}
    now = datetime.now(timezone.utc)
    try:
        ahead = admission_store.queued_ahead(now)
    except Exception as exc:  # noqa: BLE001 — an estimate is not worth failing a paid request
        log.warn("queue estimate unavailable", creationId=creation_id, reason=str(exc))
        ahead = 0
    try:
        # The id names this document: a repeated event cannot queue (nor start) it twice.
        tasks.enqueue_start(creation_id, job, task_id("start", creation_id, incarnation or ""))
    except Exception as exc:  # noqa: BLE001 — Cloud Tasks refused: give the tokens back now
        settlement = store.fail_and_refund(creation_id, failure(ErrorCode.GENERATION_FAILED))
        log.state_change(creation_id, request.user_id, Status.PENDING, Status.FAILED,
                         error_code=ErrorCode.GENERATION_FAILED.value, reason=f"not queued: {exc}")
        if settlement.refunded_tokens:
            log.ledger_movement(creation_id, request.user_id, "refund", settlement.refunded_tokens)
        return "not_queued"
    estimate = estimate_start(ahead, settings.veo_starts_per_minute, now)
    # Guarded: startveo may already have moved it on; then there is nothing to show.
    admission_store.mark_queued(creation_id, incarnation, estimate, now)
    log.info("generation queued", creationId=creation_id, userId=request.user_id,
             queuePosition=estimate.position, estimatedStartAt=estimate.estimated_start_at.isoformat(),
             duration_ms=int((time.monotonic() - started) * 1000))
    return "queued"


def _reject(creation_id: str, user_id, reason: Failure, incarnation: str | None) -> str:
    if store.reject(creation_id, reason, incarnation):
        log.state_change(creation_id, user_id if isinstance(user_id, str) else None, Status.PENDING,
                         Status.FAILED, error_code=reason.code.value)
    return "rejected"


def _resume_repeated_event(creation_id: str, result: store.DebitResult) -> str:
    """A re-delivered create event. If the first run got as far as Veo, make sure a finalize
    task exists (a duplicate task is harmless); otherwise leave it to the first run or,
    if that one died, to the orphan sweep."""
    if result == store.DebitResult.ALREADY_HANDLED:
        current = store.load_creation(creation_id) or {}
        if current.get("status") == Status.PROCESSING and current.get("operationName"):
            # One id per operation: a third delivery adds no third chain of polls.
            tasks.enqueue_finalize(creation_id, task_id=task_id("poll", creation_id,
                                                                str(current["operationName"]), "resume"))
            return "finalize_rescheduled"
    return "duplicate"
