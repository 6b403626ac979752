"""Task `finalizegeneration`: poll Veo once; when done store the video in R2 and make the draft.

Runs any number of times for one creation (task retries, re-delivered create events, a
continuation task): every write is guarded by the creation's state, so only the first
to finish counts and a late result never revives a failed or deleted creation.
"""
from __future__ import annotations

import time
from datetime import datetime, timezone

from adapters import log, store, tasks, upload_intents
from adapters.gcs import temp_prefix_uri
from adapters.retry import with_retries
from domain.errors import ErrorCode, ExternalServiceError, failure
from domain.admission import poll_delay, task_id
from domain.generation import OutcomeKind, VeoOutcome, estimate_progress, outcome_failure
from domain.states import Status
from handlers.services import Services


JOB_FIELDS = ("operationName", "mediaKey", "userId", "startedAt")
STATUS_LOOK_SECONDS = 60
# Longest wait for a poll's due time in one task (the emulator's accommodation, below).
MAX_ETA_WAIT_SECONDS = 120


def handle(creation_id: str, services: Services, job: dict | None = None, sleep=time.sleep) -> str:
    """One poll of the creation's Veo operation. Still running: the next poll is a new task,
    scheduled by the poll schedule, and this one returns at once (no instance waits for Veo).
    `job` is what startveo (or the previous poll) put in the task; with it no read is needed
    up front (a creation that ended meanwhile is caught by the guarded writes below)."""
    settings = services.settings
    _wait_until_due(job, sleep)
    if job and all(job.get(f) for f in JOB_FIELDS):
        creation = {**job, "startedAt": datetime.fromisoformat(job["startedAt"]),
                    "progress": job.get("shown") if type(job.get("shown")) is int else 0}
    else:
        creation = store.load_creation(creation_id)
        if creation is None or creation.get("status") != Status.PROCESSING:
            return "not_processing"
        job = None
    user_id = creation.get("userId")
    operation = creation.get("operationName")
    if not operation:
        return "no_operation"

    try:
        outcome = with_retries(lambda: services.veo.poll(operation), settings.retry)
    except ExternalServiceError as exc:
        return _fail(creation_id, creation, failure(ErrorCode.GENERATION_FAILED), services,
                     reason=str(exc))
    if outcome.kind == OutcomeKind.RUNNING:
        return _poll_later(creation_id, creation, job, services)

    problem = outcome_failure(outcome)
    if problem:
        return _fail(creation_id, creation, problem, services, reason=outcome.reason)

    media_key = creation.get("mediaKey")
    if not isinstance(media_key, str) or not media_key:
        log.warn("malformed document set aside", creationId=creation_id, where="finalizegeneration",
                 reason="no mediaKey")
        return _fail(creation_id, creation, failure(ErrorCode.GENERATION_FAILED), services,
                     reason="malformed: no mediaKey")
    # Noted before the upload: if this run dies before the draft commits, the media sweep
    # finds the object through the note (it never lists the bucket).
    upload_intents.record(media_key, creation_id)
    try:
        with_retries(lambda: _copy_to_media(outcome, media_key, services), settings.retry)
    except ExternalServiceError as exc:
        return _fail(creation_id, creation, failure(ErrorCode.GENERATION_FAILED), services,
                     reason=str(exc))

    completion = store.complete_draft(creation_id, services.media.public_url(media_key))
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
    _forget_upload(media_key)
    _remove_temp(creation_id, services)
    return "draft"


def _poll_later(creation_id: str, creation: dict, job: dict | None, services: Services) -> str:
    settings = services.settings
    now = datetime.now(timezone.utc)
    elapsed = _seconds_since(creation.get("startedAt"))
    estimate = estimate_progress(elapsed, settings.veo_expected_seconds)
    shown = creation.get("progress") if type(creation.get("progress")) is int else 0
    looked = _parse_time((job or {}).get("lookedAt"))
    # The progress transaction also tells whether the creation is still ours to finish (not
    # swept or deleted): written on a step, and looked at at least once a minute, so a stuck
    # operation is not polled for ever.
    stepped = estimate >= shown + settings.progress_step_pct
    if stepped or looked is None or (now - looked).total_seconds() >= STATUS_LOOK_SECONDS:
        if stepped:
            shown = estimate
        if store.record_progress(creation_id, shown) != Status.PROCESSING:
            return "ended_meanwhile"
        looked = now
    delay = poll_delay(elapsed, settings.veo_min_seconds, settings.poll_interval_s,
                       settings.poll_coarse_interval_s)
    seq = int((job or {}).get("poll") or 0) + 1
    next_job = {f: creation[f] for f in ("operationName", "mediaKey", "userId") if creation.get(f)}
    next_job.update(startedAt=creation["startedAt"].isoformat() if isinstance(creation.get("startedAt"), datetime)
                    else datetime.now(timezone.utc).isoformat(),
                    shown=shown, lookedAt=looked.isoformat(), poll=seq)
    # The id names this poll: a task delivered twice schedules the next one once.
    tasks.enqueue_finalize(creation_id, next_job, delay_seconds=delay,
                           task_id=task_id("poll", creation_id, str(creation.get("operationName")), str(seq)))
    return "polling"


def _wait_until_due(job: dict | None, sleep) -> None:
    """The one emulator accommodation: the Cloud Tasks emulator dispatches a scheduled task at
    once, so a poll waits here until its due time (`eta`). Cloud Tasks dispatches it at that
    time, so in production this waits nothing."""
    due = _parse_time((job or {}).get("eta"))
    if due is None:
        return
    wait = (due - datetime.now(timezone.utc)).total_seconds()
    if wait > 0:
        sleep(min(wait, MAX_ETA_WAIT_SECONDS))


def _parse_time(value) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


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
        # Its upload intent stays: the media sweep deletes the object later.
        log.warn("media not removed", creationId=creation_id, reason=str(exc))
        return
    _forget_upload(media_key)


def _forget_upload(media_key: str) -> None:
    try:
        upload_intents.forget(media_key)
    except Exception as exc:  # noqa: BLE001 — a note left behind only costs the sweep one look
        log.warn("upload intent not removed", key=media_key, reason=str(exc))


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
