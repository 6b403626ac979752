"""onCreate of creations/{id}: check the request, take the tokens, queue the Veo start.

The start itself is the `startveo` task (handlers/start_veo.py), dispatched at the rate the
Veo quota allows: this trigger stays short whatever the burst.
"""

from __future__ import annotations

from enum import StrEnum

from adapters import log
from domain.admission import estimate_start, task_id
from domain.contract import find_blocked_in, parse_request
from domain.errors import ErrorCode, Failure, failure
from domain.ledger import DebitOutcome
from domain.pricing import charged_fields, price
from domain.states import Status
from handlers import common, image_inputs
from ports import DebitRefused, DebitSkipped, MalformedDocument, Services


class StartOutcome(StrEnum):
    GONE = "gone"  # the event carries no document
    REJECTED = "rejected"  # a bad request or a blocked prompt: failed, nothing charged
    SET_ASIDE = "set_aside"  # the user document is malformed: nothing charged, the sweep fails it
    REFUSED = "refused"  # the debit was refused (tokens, in-flight limit, re-used id, wrong owner)
    QUEUED = "queued"  # charged and queued for startveo: pending until Veo takes it
    NOT_QUEUED = "not_queued"  # charged, Cloud Tasks refused the task: failed and refunded at once
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
    blocked = find_blocked_in(request, settings.blocked_terms)
    if blocked:
        return _reject(
            creation_id,
            request.user_id,
            failure(ErrorCode.CONTENT_POLICY, f'The word "{blocked}" is not allowed.'),
            incarnation,
            services,
        )

    # The photos, read and decoded before any token moves: a refusal costs the user nothing.
    refused = image_inputs.check(request, services) if request.images else None
    if refused:
        return _reject(creation_id, request.user_id, refused, incarnation, services)

    # The price table, never the client's figure: the rules' balance check is only a first gate.
    cost = price(request.duration_seconds, request.options)
    try:
        debit = store.debit(
            creation_id, request.user_id, cost, settings.max_in_flight, incarnation, settings.refusals_per_hour
        )
    except MalformedDocument as exc:
        # Nothing was charged; the sweep fails it (without money) when it is old enough.
        common.set_aside(creation_id, "startgeneration", str(exc), services, counter="user")
        return StartOutcome.SET_ASIDE
    if isinstance(debit, DebitRefused):
        log.state_change(
            creation_id, request.user_id, Status.PENDING, Status.FAILED, error_code=debit.failure.code.value
        )
        return StartOutcome.REFUSED
    if isinstance(debit, DebitSkipped):
        return _resume_repeated_event(creation_id, debit.result, services)
    log.ledger_movement(creation_id, request.user_id, "debit", cost, debit.balance_after)

    return _queue(creation_id, request, cost, debit.media_key, services, incarnation, started)


def _queue(
    creation_id: str, request, cost: int, media_key: str, services: Services, incarnation: str | None, started: float
) -> StartOutcome:
    """Hands the paid request to the `startveo` queue, which starts it on Veo as quota allows,
    and shows the client where it stands (status stays pending)."""
    store, clock = services.store, services.clock
    job = {
        "prompt": request.prompt,
        "aspectRatio": request.aspect_ratio,
        "duration": request.duration_seconds,
        "mediaKey": media_key,
        "userId": request.user_id,
        "cost": cost,
        "incarnation": incarnation,
        # What was paid for: startveo asks Veo for exactly this.
        "model": request.model,
        "audio": request.audio,
        "resolution": request.resolution,
        "negativePrompt": request.negative_prompt,
        "seed": request.seed,
        # The photos by path (startveo reads and cleans them: a task holds 1 MB at most).
        "image": request.image,
        "lastFrame": request.last_frame,
        # What the creation records as chosen and charged (written with the queue position
        # and again with processing: whichever of the two comes first shows it).
        "charged": charged_fields(request.options, cost),
    }
    now = clock.now()
    try:
        ahead = store.queued_ahead(now)
    except Exception as exc:  # noqa: BLE001 — an estimate is not worth failing a paid request
        log.queue_estimate_unavailable(creation_id, str(exc))
        ahead = 0
    try:
        # The id names this document: a repeated event cannot queue (nor start) it twice.
        services.tasks.enqueue_start(creation_id, job, task_id("start", creation_id, incarnation or ""))
    except Exception as exc:  # noqa: BLE001 — Cloud Tasks refused: give the tokens back now
        settlement = store.fail_and_refund(creation_id, failure(ErrorCode.GENERATION_FAILED))
        common.failure_settled(
            creation_id,
            request.user_id,
            Status.PENDING,
            ErrorCode.GENERATION_FAILED.value,
            settlement,
            reason=f"not queued: {exc}",
        )
        return StartOutcome.NOT_QUEUED
    estimate = estimate_start(ahead, services.settings.veo_starts_per_minute, now)
    # Guarded: startveo may already have moved it on; then there is nothing to show.
    store.mark_queued(creation_id, incarnation, estimate, now, job["charged"])
    log.generation_queued(
        creation_id,
        request.user_id,
        estimate.position,
        estimate.estimated_start_at.isoformat(),
        duration_ms=int((clock.monotonic() - started) * 1000),
    )
    return StartOutcome.QUEUED


def _reject(creation_id: str, user_id, reason: Failure, incarnation: str | None, services: Services) -> StartOutcome:
    if services.store.reject(creation_id, reason, incarnation, services.settings.refusals_per_hour):
        log.state_change(
            creation_id,
            user_id if isinstance(user_id, str) else None,
            Status.PENDING,
            Status.FAILED,
            error_code=reason.code.value,
        )
    return StartOutcome.REJECTED


def _resume_repeated_event(creation_id: str, result: DebitOutcome, services: Services) -> StartOutcome:
    """A re-delivered create event. If the first run got as far as Veo, make sure a finalize
    task exists (a duplicate task is harmless); otherwise leave it to the first run or,
    if that one died, to the orphan sweep."""
    if result == DebitOutcome.ALREADY_HANDLED:
        current = services.store.load_creation(creation_id) or {}
        if current.get("status") == Status.PROCESSING and current.get("operationName"):
            # One id per operation: a third delivery adds no third chain of polls.
            services.tasks.enqueue_finalize(
                creation_id, task_id=task_id("poll", creation_id, str(current["operationName"]), "resume")
            )
            return StartOutcome.FINALIZE_RESCHEDULED
    return StartOutcome.DUPLICATE
