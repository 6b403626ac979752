"""onCreate of creations/{id}: check the request, take the tokens, start Veo, schedule finalize."""
from __future__ import annotations

import time
from datetime import datetime, timezone

from adapters import log, store, tasks
from adapters.gcs import temp_prefix_uri
from adapters.retry import with_retries
from domain.contract import find_blocked_term, parse_request
from domain.errors import ErrorCode, ExternalServiceError, Failure, failure
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

    output = temp_prefix_uri(settings.gcs_temp_bucket, creation_id) if settings.gcs_temp_bucket else None
    try:
        operation = with_retries(
            lambda: services.veo.start(request.prompt, request.aspect_ratio,
                                       request.duration_seconds, output),
            settings.retry,
        )
    except ExternalServiceError as exc:
        code = ErrorCode.CONTENT_POLICY if _is_policy_refusal(exc) else ErrorCode.GENERATION_FAILED
        settlement = store.fail_and_refund(creation_id, failure(code))
        log.state_change(creation_id, request.user_id, Status.PENDING, Status.FAILED,
                         error_code=code.value, reason=str(exc), transient=exc.transient)
        if settlement.refunded_tokens:
            log.ledger_movement(creation_id, request.user_id, "refund", settlement.refunded_tokens)
        return "veo_refused"

    if not store.mark_processing(creation_id, operation, cost, debit.media_key, incarnation):
        # The sweep (or a delete) ended it while Veo was being asked; its refund stands and
        # Veo's output, if any, is removed by the temp-bucket lifecycle / orphan sweep.
        log.warn("creation ended before Veo started", creationId=creation_id, operation=operation)
        return "ended_meanwhile"
    tasks.enqueue_finalize(creation_id, {
        "operationName": operation, "mediaKey": debit.media_key, "userId": request.user_id,
        "startedAt": datetime.now(timezone.utc).isoformat(),
    })
    log.state_change(creation_id, request.user_id, Status.PENDING, Status.PROCESSING,
                     duration_ms=int((time.monotonic() - started) * 1000), operation=operation)
    return "processing"


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
            tasks.enqueue_finalize(creation_id)
            return "finalize_rescheduled"
    return "duplicate"


def _is_policy_refusal(exc: ExternalServiceError) -> bool:
    text = str(exc).lower()
    return exc.status == 400 and ("usage guidelines" in text or "responsible ai" in text or "policy" in text)
