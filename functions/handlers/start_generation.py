"""onCreate of creations/{id}: check the request, take the tokens, start Veo, schedule finalize."""
from __future__ import annotations

from enum import StrEnum

from bootstrap import Services
from ports import DebitRefused, DebitSkipped, MalformedDocument

from adapters import log
from adapters.gcs import temp_prefix_uri
from adapters.retry import with_retries
from domain.contract import find_blocked_term, parse_request
from domain.errors import ErrorCode, ExternalServiceError, Failure, failure
from domain.ledger import DebitOutcome
from domain.pricing import token_cost
from domain.states import Status
from handlers import common


class StartOutcome(StrEnum):
    GONE = "gone"  # the event carries no document
    REJECTED = "rejected"  # a bad request or a blocked prompt: failed, nothing charged
    SET_ASIDE = "set_aside"  # the user document is malformed: nothing charged, the sweep fails it
    REFUSED = "refused"  # the debit was refused (tokens, in-flight limit, re-used id, wrong owner)
    VEO_REFUSED = "veo_refused"  # charged, Veo said no: failed and refunded
    ENDED_MEANWHILE = "ended_meanwhile"  # swept or deleted while Veo was being asked
    PROCESSING = "processing"
    FINALIZE_RESCHEDULED = "finalize_rescheduled"  # a repeated event after Veo started
    DUPLICATE = "duplicate"  # a repeated event: the first run owns it


def handle(creation_id: str, data: dict | None, services: Services, incarnation: str | None = None) -> StartOutcome:
    """Safe to run twice for one event. `incarnation` is the created document's create_time
    (as firestore_tx.incarnation_of writes it): every write is for that document, never for a
    later one re-created under the same id."""
    store, clock = services.store, services.clock
    started = clock.monotonic()
    settings = services.settings
    if data is None:
        return StartOutcome.GONE

    request = parse_request(creation_id, data)
    if isinstance(request, Failure):
        return _reject(creation_id, data.get("userId"), request, incarnation, services)
    blocked = find_blocked_term(request.prompt, settings.blocked_terms)
    if blocked:
        return _reject(creation_id, request.user_id,
                       failure(ErrorCode.CONTENT_POLICY, f'The word "{blocked}" is not allowed.'), incarnation,
                       services)

    cost = token_cost(request.duration_seconds, settings.tokens_per_second)
    try:
        debit = store.debit(creation_id, request.user_id, cost, settings.max_in_flight, incarnation)
    except MalformedDocument as exc:
        # Nothing was charged; the sweep fails it (without money) when it is old enough.
        common.set_aside(creation_id, "startgeneration", str(exc), services, counter="user")
        return StartOutcome.SET_ASIDE
    if isinstance(debit, DebitRefused):
        log.state_change(creation_id, request.user_id, Status.PENDING, Status.FAILED,
                         error_code=debit.failure.code.value)
        return StartOutcome.REFUSED
    if isinstance(debit, DebitSkipped):
        return _resume_repeated_event(creation_id, debit.result, services)
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
        common.failure_settled(creation_id, request.user_id, Status.PENDING, code.value, settlement,
                               reason=str(exc), transient=exc.transient)
        return StartOutcome.VEO_REFUSED

    if not store.mark_processing(creation_id, operation, cost, debit.media_key, incarnation):
        # The sweep (or a delete) ended it while Veo was being asked; its refund stands and
        # Veo's output, if any, is removed by the temp-bucket lifecycle / orphan sweep.
        log.ended_before_veo_started(creation_id, operation)
        return StartOutcome.ENDED_MEANWHILE
    services.tasks.enqueue_finalize(creation_id, {
        "operationName": operation, "mediaKey": debit.media_key, "userId": request.user_id,
        "startedAt": clock.now().isoformat(),
    })
    log.state_change(creation_id, request.user_id, Status.PENDING, Status.PROCESSING,
                     duration_ms=int((clock.monotonic() - started) * 1000), operation=operation)
    return StartOutcome.PROCESSING


def _reject(creation_id: str, user_id, reason: Failure, incarnation: str | None, services: Services) -> StartOutcome:
    if services.store.reject(creation_id, reason, incarnation):
        log.state_change(creation_id, user_id if isinstance(user_id, str) else None, Status.PENDING,
                         Status.FAILED, error_code=reason.code.value)
    return StartOutcome.REJECTED


def _resume_repeated_event(creation_id: str, result: DebitOutcome, services: Services) -> StartOutcome:
    """A re-delivered create event. If the first run got as far as Veo, make sure a finalize
    task exists (a duplicate task is harmless); otherwise leave it to the first run or,
    if that one died, to the orphan sweep."""
    if result == DebitOutcome.ALREADY_HANDLED:
        current = services.store.load_creation(creation_id) or {}
        if current.get("status") == Status.PROCESSING and current.get("operationName"):
            services.tasks.enqueue_finalize(creation_id)
            return StartOutcome.FINALIZE_RESCHEDULED
    return StartOutcome.DUPLICATE


def _is_policy_refusal(exc: ExternalServiceError) -> bool:
    text = str(exc).lower()
    return exc.status == 400 and ("usage guidelines" in text or "responsible ai" in text or "policy" in text)
