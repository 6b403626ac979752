"""Task `startveo`: start a queued generation on Veo, at the rate Veo's quota allows.

startgeneration took the tokens and queued the request; the queue's dispatch rate
(VEO_STARTS_PER_MINUTE) is the admission control. A quota refusal that still happens (the
quota is shared, or a retry burst) is not a failure: the task raises and Cloud Tasks tries
it again later, while the creation stays `pending` (queued). Only a permanent refusal, or a
start that may have reached Veo without an answer, fails it and refunds the tokens.
"""
from __future__ import annotations

import time
from datetime import datetime, timezone

from adapters import admission_store, log, store, tasks
from adapters.gcs import temp_prefix_uri
from domain.admission import StartVerdict, classify_start_error, task_id
from domain.errors import ErrorCode, ExternalServiceError, failure
from domain.states import Status
from handlers.services import Services

JOB_FIELDS = ("prompt", "aspectRatio", "duration", "mediaKey", "userId", "cost")


class RetryLater(Exception):
    """Raised to make Cloud Tasks dispatch this start again later (its retry config backs off)."""


def handle(creation_id: str, job: dict, services: Services) -> str:
    """Safe to run again for one creation: it starts Veo only while the creation is pending,
    and a start that raced another is caught by mark_processing's guard."""
    started = time.monotonic()
    settings = services.settings
    if not all(job.get(f) for f in JOB_FIELDS):
        log.warn("malformed start task set aside", creationId=creation_id, where="startveo")
        return "malformed"  # the sweep fails and refunds the creation after QUEUE_MAX_WAIT_MINUTES
    incarnation = job.get("incarnation")
    waiting = admission_store.still_waiting(creation_id, incarnation)
    if not waiting.still_pending:
        return "not_pending"  # started by a twin task, swept, deleted or re-created

    output = temp_prefix_uri(settings.gcs_temp_bucket, creation_id) if settings.gcs_temp_bucket else None
    try:
        # One try: every wait belongs to the queue, not to an instance.
        operation = services.veo.start(job["prompt"], job["aspectRatio"], int(job["duration"]), output)
    except ExternalServiceError as exc:
        if classify_start_error(exc.status, exc.transient) == StartVerdict.RETRY_LATER:
            log.info("veo start deferred", creationId=creation_id, status=exc.status, reason=str(exc))
            raise RetryLater(f"veo answered {exc.status}: retried by the queue") from exc
        code = ErrorCode.CONTENT_POLICY if _is_policy_refusal(exc) else ErrorCode.GENERATION_FAILED
        settlement = store.fail_and_refund(creation_id, failure(code))
        log.state_change(creation_id, job["userId"], Status.PENDING, Status.FAILED,
                         error_code=code.value, reason=str(exc), transient=exc.transient)
        if settlement.refunded_tokens:
            log.ledger_movement(creation_id, job["userId"], "refund", settlement.refunded_tokens)
        return "veo_refused"

    if not store.mark_processing(creation_id, operation, int(job["cost"]), job["mediaKey"], incarnation):
        # Swept or deleted while Veo was being asked: its refund stands, and Veo's output, if
        # any, is removed by the temp-bucket lifecycle.
        log.warn("creation ended before Veo started", creationId=creation_id, operation=operation)
        return "ended_meanwhile"
    tasks.enqueue_finalize(creation_id, {
        "operationName": operation, "mediaKey": job["mediaKey"], "userId": job["userId"],
        "startedAt": datetime.now(timezone.utc).isoformat(),
    }, delay_seconds=_first_poll_delay(services), task_id=task_id("poll", creation_id, operation, "0"))
    log.state_change(creation_id, job["userId"], Status.PENDING, Status.PROCESSING,
                     duration_ms=int((time.monotonic() - started) * 1000), operation=operation)
    return "processing"


def _first_poll_delay(services: Services) -> float:
    from domain.admission import poll_delay

    s = services.settings
    return poll_delay(0.0, s.veo_min_seconds, s.poll_interval_s, s.poll_coarse_interval_s)


def _is_policy_refusal(exc: ExternalServiceError) -> bool:
    text = str(exc).lower()
    return exc.status == 400 and ("usage guidelines" in text or "responsible ai" in text or "policy" in text)
