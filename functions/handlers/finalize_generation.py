"""Task `finalizegeneration`: poll Veo, then store the video in R2 and make the draft.

Runs any number of times for one creation (task retries, re-delivered create events, a
continuation task): every write is guarded by the creation's state, so only the first
to finish counts and a late result never revives a failed or deleted creation.
"""
from __future__ import annotations

import time
from datetime import datetime, timezone

from adapters import log, store, tasks
from adapters.gcs import temp_prefix_uri
from adapters.retry import with_retries
from domain.errors import ErrorCode, ExternalServiceError, failure
from domain.generation import (OutcomeKind, VeoOutcome, estimate_progress, next_poll_delay,
                               outcome_failure)
from domain.states import Status
from handlers.services import Services


JOB_FIELDS = ("operationName", "mediaKey", "userId", "startedAt")
STATUS_LOOK_SECONDS = 60


def handle(creation_id: str, services: Services, job: dict | None = None, clock=time.monotonic,
           sleep=time.sleep) -> str:
    """`job` is what startgeneration put in the task; with it no read is needed up front
    (a creation that ended meanwhile is caught by the guarded writes below)."""
    settings = services.settings
    if job and all(job.get(f) for f in JOB_FIELDS):
        creation = {**job, "startedAt": datetime.fromisoformat(job["startedAt"]), "progress": 0}
    else:
        creation = store.load_creation(creation_id)
        if creation is None or creation.get("status") != Status.PROCESSING:
            return "not_processing"
    user_id = creation.get("userId")
    operation = creation.get("operationName")
    if not operation:
        return "no_operation"

    deadline = clock() + settings.poll_budget_s
    shown = creation.get("progress") if type(creation.get("progress")) is int else 0
    last_look = clock()
    while True:
        try:
            outcome = with_retries(lambda: services.veo.poll(operation), settings.retry)
        except ExternalServiceError as exc:
            return _fail(creation_id, creation, failure(ErrorCode.GENERATION_FAILED), services,
                         reason=str(exc))
        if outcome.kind != OutcomeKind.RUNNING:
            break
        estimate = estimate_progress(_seconds_since(creation.get("startedAt")), settings.veo_expected_seconds)
        delay = next_poll_delay(_seconds_since(creation.get("startedAt")), settings.veo_expected_seconds,
                                settings.poll_interval_s, settings.poll_coarse_interval_s)
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
                return "ended_meanwhile"
        if handing_over:
            # Hand over to a fresh task instead of holding this one past its timeout.
            tasks.enqueue_finalize(creation_id, job, delay_seconds=int(delay))
            return "continued"
        sleep(delay)

    problem = outcome_failure(outcome)
    if problem:
        return _fail(creation_id, creation, problem, services, reason=outcome.reason)

    media_key = creation.get("mediaKey")
    if not isinstance(media_key, str) or not media_key:
        log.warn("malformed document set aside", creationId=creation_id, where="finalizegeneration",
                 reason="no mediaKey")
        return _fail(creation_id, creation, failure(ErrorCode.GENERATION_FAILED), services,
                     reason="malformed: no mediaKey")
    try:
        with_retries(lambda: _copy_to_media(outcome, media_key, services), settings.retry)
    except ExternalServiceError as exc:
        return _fail(creation_id, creation, failure(ErrorCode.GENERATION_FAILED), services,
                     reason=str(exc))

    completion = store.complete_draft(creation_id, services.media.public_url(media_key),
                                      settings.veo_usd_per_video_second)
    if not completion:
        # Someone else ended it first. If that was a draft of this document, the object is
        # theirs too (same key); otherwise our copy must not outlive a failed or deleted
        # creation (nor sit under an id re-created since: the key's secret is ours alone).
        current = store.load_creation(creation_id)
        if current is None or current.get("status") == Status.FAILED or current.get("mediaKey") != media_key:
            _delete_media(creation_id, media_key, services)
        _remove_temp(creation_id, services)
        return "ended_meanwhile"
    if completion.user_gone:
        log.warn("user gone", creationId=creation_id, userId=user_id, event="user_gone")
    log.state_change(creation_id, user_id, Status.PROCESSING, Status.DRAFT,
                     duration_ms=int(_seconds_since(creation.get("startedAt")) * 1000))
    _remove_temp(creation_id, services)
    return "draft"


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


def _fail(creation_id: str, creation: dict, problem, services: Services, reason: str | None) -> str:
    """`reason` (Veo's or R2's own text) goes to the logs only: the user reads our message."""
    try:
        settlement = store.fail_and_refund(creation_id, problem)
    except store.MalformedDocument as exc:
        log.warn("malformed document set aside", creationId=creation_id, where="finalizegeneration",
                 reason=str(exc))
        store.count_malformed("user")
        return "set_aside"
    if not settlement.changed:
        # Another finalizer got there first (e.g. it made the draft and removed the temp
        # copy we were about to read): its outcome stands.
        return "ended_meanwhile"
    if settlement.user_gone:
        log.warn("user gone", creationId=creation_id, userId=creation.get("userId"), event="user_gone")
    # A failed creation keeps no video: the upload may have landed before the failure.
    if isinstance(creation.get("mediaKey"), str) and creation.get("mediaKey"):
        _delete_media(creation_id, creation["mediaKey"], services)
    log.state_change(creation_id, creation.get("userId"), Status.PROCESSING, Status.FAILED,
                     duration_ms=int(_seconds_since(creation.get("startedAt")) * 1000),
                     error_code=problem.code.value, reason=reason)
    if settlement.refunded_tokens:
        log.ledger_movement(creation_id, creation.get("userId"), "refund", settlement.refunded_tokens)
    _remove_temp(creation_id, services)
    return "failed"


def _delete_media(creation_id: str, media_key: str, services: Services) -> None:
    try:
        with_retries(lambda: services.media.delete(media_key), services.settings.retry)
    except ExternalServiceError as exc:
        # The orphan sweep deletes objects of failed or missing creations later.
        log.warn("media not removed", creationId=creation_id, reason=str(exc))


def _remove_temp(creation_id: str, services: Services) -> None:
    bucket = services.settings.gcs_temp_bucket
    if not bucket:
        return
    try:
        services.temp_storage.delete_prefix(temp_prefix_uri(bucket, creation_id))
    except ExternalServiceError as exc:
        # Not worth failing a finished video over: the orphan sweep retries the clean-up.
        log.warn("temp media not removed", creationId=creation_id, reason=str(exc))


def _seconds_since(moment) -> float:
    if not isinstance(moment, datetime):
        return 0.0
    return max(0.0, (datetime.now(timezone.utc) - moment).total_seconds())
