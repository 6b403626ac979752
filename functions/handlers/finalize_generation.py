"""Task `finalizegeneration`: poll Veo, then store the video in R2 and make the draft.

Runs any number of times for one creation (task retries, re-delivered create events, a
continuation task): every write is guarded by the creation's state, so only the first
to finish counts and a late result never revives a failed or deleted creation.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from enum import StrEnum

from bootstrap import Services
from ports import MalformedDocument

from adapters import log
from adapters.retry import with_retries
from domain.errors import ErrorCode, ExternalServiceError, Failure, failure
from domain.generation import OutcomeKind, VeoOutcome, estimate_progress, next_poll_delay, outcome_failure
from domain.states import Status
from handlers import common

JOB_FIELDS = ("operationName", "mediaKey", "userId", "startedAt")
STATUS_LOOK_SECONDS = 60


class FinalizeOutcome(StrEnum):
    NOT_PROCESSING = "not_processing"  # no job, and the creation is gone or not processing
    NO_OPERATION = "no_operation"
    ENDED_MEANWHILE = "ended_meanwhile"  # swept, deleted or finished by another finalizer
    CONTINUED = "continued"  # handed over to a fresh task
    DRAFT = "draft"
    FAILED = "failed"  # failed and refunded
    SET_ASIDE = "set_aside"  # could not be settled safely (malformed user document)


def handle(creation_id: str, services: Services, job: dict | None = None,
           clock: Callable[[], float] | None = None, sleep: Callable[[float], None] | None = None) -> FinalizeOutcome:
    """`job` is what startgeneration put in the task; with it no read is needed up front
    (a creation that ended meanwhile is caught by the guarded writes below). `clock` and
    `sleep` default to the services' clock."""
    clock = clock or services.clock.monotonic
    sleep = sleep or services.clock.sleep
    settings, store = services.settings, services.store
    if job and all(job.get(f) for f in JOB_FIELDS):
        creation = {**job, "startedAt": datetime.fromisoformat(job["startedAt"]), "progress": 0}
    else:
        loaded = store.load_creation(creation_id)
        if loaded is None or loaded.get("status") != Status.PROCESSING:
            return FinalizeOutcome.NOT_PROCESSING
        creation = loaded
    operation = creation.get("operationName")
    if not operation:
        return FinalizeOutcome.NO_OPERATION

    deadline = clock() + settings.poll_budget_s
    progress = creation.get("progress")
    shown: int = progress if isinstance(progress, int) and type(progress) is int else 0
    last_look = clock()
    while True:
        try:
            outcome = with_retries(lambda: services.veo.poll(operation), settings.retry)
        except ExternalServiceError as exc:
            return _fail(creation_id, creation, failure(ErrorCode.GENERATION_FAILED), services, reason=str(exc))
        if outcome.kind != OutcomeKind.RUNNING:
            break
        elapsed = _seconds_since(creation.get("startedAt"), services)
        estimate = estimate_progress(elapsed, settings.veo_expected_seconds)
        delay = next_poll_delay(elapsed, settings.veo_expected_seconds, settings.poll_interval_s,
                                settings.poll_coarse_interval_s)
        handing_over = clock() + delay > deadline
        # The progress transaction also tells whether the creation is still ours to finish
        # (not swept or deleted): write it on a step, and look at least once a minute and
        # before handing over, so a stuck operation is not polled for ever.
        if estimate >= shown + settings.progress_step_pct or handing_over \
                or clock() - last_look >= STATUS_LOOK_SECONDS:
            last_look = clock()
            if estimate >= shown + settings.progress_step_pct:
                shown = estimate
            if store.record_progress(creation_id, shown) != Status.PROCESSING:
                return FinalizeOutcome.ENDED_MEANWHILE
        if handing_over:
            # Hand over to a fresh task instead of holding this one past its timeout.
            services.tasks.enqueue_finalize(creation_id, job, delay_seconds=int(delay))
            return FinalizeOutcome.CONTINUED
        sleep(delay)

    problem = outcome_failure(outcome)
    if problem:
        return _fail(creation_id, creation, problem, services, reason=outcome.reason)

    media_key = creation.get("mediaKey")
    if not isinstance(media_key, str) or not media_key:
        log.malformed_set_aside(creation_id, "finalizegeneration", "no mediaKey")
        return _fail(creation_id, creation, failure(ErrorCode.GENERATION_FAILED), services,
                     reason="malformed: no mediaKey")
    try:
        with_retries(lambda: _copy_to_media(outcome, media_key, services), settings.retry)
    except ExternalServiceError as exc:
        return _fail(creation_id, creation, failure(ErrorCode.GENERATION_FAILED), services, reason=str(exc))

    completion = store.complete_draft(creation_id, services.media.public_url(media_key),
                                      settings.veo_usd_per_video_second)
    if not completion:
        # Someone else ended it first. If that was a draft of this document, the object is
        # theirs too (same key); otherwise our copy must not outlive a failed or deleted
        # creation (nor sit under an id re-created since: the key's secret is ours alone).
        current = store.load_creation(creation_id)
        if current is None or current.get("status") == Status.FAILED or current.get("mediaKey") != media_key:
            common.delete_media(creation_id, media_key, services)
        common.remove_temp(creation_id, services)
        return FinalizeOutcome.ENDED_MEANWHILE
    if completion.user_gone:
        log.user_gone(creation_id, creation.get("userId"))
    log.state_change(creation_id, creation.get("userId"), Status.PROCESSING, Status.DRAFT,
                     duration_ms=int(_seconds_since(creation.get("startedAt"), services) * 1000))
    common.remove_temp(creation_id, services)
    return FinalizeOutcome.DRAFT


def _copy_to_media(outcome: VeoOutcome, media_key: str, services: Services) -> None:
    if outcome.video_uri:
        reader = services.temp_storage.open_read(outcome.video_uri)
        try:
            services.media.upload_stream(reader, media_key)
        finally:
            reader.close()
    elif outcome.video_bytes:
        services.media.upload_bytes(outcome.video_bytes, media_key)
    else:
        raise ExternalServiceError("veo", "finished without a video location", transient=False)


def _fail(creation_id: str, creation: dict, problem: Failure, services: Services,
          reason: str | None) -> FinalizeOutcome:
    """`reason` (Veo's or R2's own text) goes to the logs only: the user reads our message."""
    try:
        settlement = services.store.fail_and_refund(creation_id, problem)
    except MalformedDocument as exc:
        common.set_aside(creation_id, "finalizegeneration", str(exc), services, counter="user")
        return FinalizeOutcome.SET_ASIDE
    if not settlement.changed:
        # Another finalizer got there first (e.g. it made the draft and removed the temp
        # copy we were about to read): its outcome stands.
        return FinalizeOutcome.ENDED_MEANWHILE
    # A failed creation keeps no video: the upload may have landed before the failure.
    if isinstance(creation.get("mediaKey"), str) and creation.get("mediaKey"):
        common.delete_media(creation_id, creation["mediaKey"], services)
    common.failure_settled(creation_id, creation.get("userId"), Status.PROCESSING, problem.code.value, settlement,
                           duration_ms=int(_seconds_since(creation.get("startedAt"), services) * 1000),
                           reason=reason)
    common.remove_temp(creation_id, services)
    return FinalizeOutcome.FAILED


def _seconds_since(moment, services: Services) -> float:
    if not isinstance(moment, datetime):
        return 0.0
    return max(0.0, (services.clock.now() - moment).total_seconds())
