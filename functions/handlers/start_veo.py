"""Task `startveo`: start a queued generation on Veo, at the rate Veo's quota allows.

startgeneration took the tokens and queued the request; the queue's dispatch rate
(VEO_STARTS_PER_MINUTE) is the admission control. A quota refusal that still happens (the
quota is shared, or a retry burst) is not a failure: the task raises and Cloud Tasks tries
it again later, while the creation stays `pending` (queued). Only a permanent refusal, or a
start that may have reached Veo without an answer, fails it and refunds the tokens.
"""

from __future__ import annotations

import uuid
from enum import StrEnum

from adapters import log
from adapters.gcs import temp_prefix_uri
from domain.admission import StartClaim, StartVerdict, classify_start_error, poll_delay, task_id
from domain.errors import ErrorCode, ExternalServiceError, Failure, failure
from domain.states import Status
from handlers import common, image_inputs
from ports import Services

JOB_FIELDS = ("prompt", "aspectRatio", "duration", "mediaKey", "userId", "cost")


class StartVeoOutcome(StrEnum):
    MALFORMED = "malformed"  # a task without its fields: the sweep fails and refunds the creation later
    NOT_PENDING = "not_pending"  # started by a twin task, swept, deleted or re-created
    VEO_REFUSED = "veo_refused"  # refused for good (or may have started): failed and refunded
    ENDED_MEANWHILE = "ended_meanwhile"  # swept or deleted while Veo was being asked
    PROCESSING = "processing"
    POLL_RESUMED = "poll_resumed"  # dispatched again after Veo took it: its first poll queued (again)


class RetryLater(Exception):
    """Raised to make Cloud Tasks dispatch this start again later (its retry config backs off)."""


def handle(creation_id: str, job: dict, services: Services) -> StartVeoOutcome:
    """Safe to run again, and twice at once, for one creation: it asks Veo only after claiming
    the start of a pending creation (one claim per document), and a start that raced a sweep
    or a delete is caught by mark_processing's guard. Raises RetryLater when Veo refused for
    quota, or another delivery holds the claim (the task is then dispatched again)."""
    store, clock = services.store, services.clock
    started = clock.monotonic()
    settings = services.settings
    if not all(job.get(f) for f in JOB_FIELDS):
        log.start_task_malformed(creation_id)
        return StartVeoOutcome.MALFORMED
    incarnation = job.get("incarnation")
    # Claimed before Veo is asked: of two deliveries of this task, one starts (and bills) it.
    claim = uuid.uuid4().hex
    claimed = store.claim_start(creation_id, incarnation, claim)
    if claimed == StartClaim.NOT_PENDING:
        return _resume_first_poll(creation_id, job, services)
    if claimed == StartClaim.TAKEN:
        # A twin delivery is starting it (or died doing so: the sweep then fails and refunds
        # it). Not a success, so this task stays queued: if the twin meets a quota refusal
        # and gives the claim back, a later dispatch of this task starts it.
        raise RetryLater("start claimed by another delivery of this task")

    try:
        # The photos, read again and re-encoded without their metadata (EXIF, GPS).
        prepared = image_inputs.clean_for_veo(creation_id, job, services) if job.get("image") else {}
    except ExternalServiceError as exc:
        log.image_unreadable(creation_id, "image", str(exc))
        store.release_start(creation_id, claim)
        raise RetryLater(f"uploads unreadable: {exc}") from exc
    if isinstance(prepared, Failure):
        settlement = store.fail_and_refund(creation_id, prepared)
        common.failure_settled(
            creation_id, job["userId"], Status.PENDING, prepared.code.value, settlement, reason=prepared.message
        )
        return StartVeoOutcome.VEO_REFUSED
    images: dict = prepared

    output = temp_prefix_uri(settings.gcs_temp_bucket, creation_id) if settings.gcs_temp_bucket else None
    try:
        # One try: every wait belongs to the queue, not to an instance.
        operation = services.veo.start(
            job["prompt"], job["aspectRatio"], int(job["duration"]), output, **_paid_options(job), **images
        )
    except ExternalServiceError as exc:
        if classify_start_error(exc.status, exc.transient) == StartVerdict.RETRY_LATER:
            log.veo_start_deferred(creation_id, exc.status, str(exc))
            store.release_start(creation_id, claim)  # nothing started: the retry may claim it
            raise RetryLater(f"veo answered {exc.status}: retried by the queue") from exc
        code = ErrorCode.CONTENT_POLICY if _is_policy_refusal(exc) else ErrorCode.GENERATION_FAILED
        settlement = store.fail_and_refund(creation_id, failure(code))
        common.failure_settled(
            creation_id, job["userId"], Status.PENDING, code.value, settlement, reason=str(exc), transient=exc.transient
        )
        return StartVeoOutcome.VEO_REFUSED

    if not store.mark_processing(
        creation_id, operation, int(job["cost"]), job["mediaKey"], incarnation, job.get("charged")
    ):
        # Swept or deleted while Veo was being asked: its refund stands, and Veo's output, if
        # any, is removed by the temp-bucket lifecycle.
        log.ended_before_veo_started(creation_id, operation)
        return StartVeoOutcome.ENDED_MEANWHILE
    _enqueue_first_poll(creation_id, operation, job, services)
    log.state_change(
        creation_id,
        job["userId"],
        Status.PENDING,
        Status.PROCESSING,
        duration_ms=int((clock.monotonic() - started) * 1000),
        operation=operation,
    )
    return StartVeoOutcome.PROCESSING


def _paid_options(job: dict) -> dict:
    """The options the request paid for. A job queued before they existed carries none: it
    was priced as today's default (the configured model, 720p, with sound)."""
    options: dict = {}
    if job.get("model"):
        options["model"] = job["model"]
    if isinstance(job.get("audio"), bool):
        options["audio"] = job["audio"]
    if job.get("resolution"):
        options["resolution"] = job["resolution"]
    if job.get("negativePrompt"):
        options["negative_prompt"] = job["negativePrompt"]
    if job.get("seed") is not None:
        options["seed"] = int(job["seed"])
    return options


def _is_policy_refusal(exc: ExternalServiceError) -> bool:
    text = str(exc).lower()
    return exc.status == 400 and ("usage guidelines" in text or "responsible ai" in text or "policy" in text)


def _enqueue_first_poll(creation_id: str, operation: str, job: dict, services: Services) -> bool:
    """True when queued now, False when the first poll of this operation was queued before."""
    settings = services.settings
    first_poll = poll_delay(0.0, settings.veo_min_seconds, settings.poll_interval_s, settings.poll_coarse_interval_s)
    return services.tasks.enqueue_finalize(
        creation_id,
        {
            "operationName": operation,
            "mediaKey": job["mediaKey"],
            "userId": job["userId"],
            "startedAt": services.clock.now().isoformat(),
        },
        delay_seconds=first_poll,
        # One id per operation: a resumed first poll is refused if the first one was queued.
        task_id=task_id("poll", creation_id, operation, "0"),
    )


def _resume_first_poll(creation_id: str, job: dict, services: Services) -> StartVeoOutcome:
    """A start dispatched again after Veo took it: the run before died (or Cloud Tasks refused
    its poll) between recording the operation and queueing the first poll. Without a poll the
    sweep would refund a video Veo bills us for and the user never gets: queue it now."""
    current = services.store.load_creation(creation_id) or {}
    operation = current.get("operationName")
    if current.get("status") != Status.PROCESSING or not isinstance(operation, str) or not operation:
        return StartVeoOutcome.NOT_PENDING
    if current.get("mediaKey") != job["mediaKey"]:
        return StartVeoOutcome.NOT_PENDING  # another document of this id: not this task's start
    if _enqueue_first_poll(creation_id, operation, job, services):
        return StartVeoOutcome.POLL_RESUMED
    return StartVeoOutcome.NOT_PENDING  # a twin delivery after a start that went well
