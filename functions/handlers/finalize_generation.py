"""Task `finalizegeneration`: poll Veo once; when done store the video in R2 and make the draft.

One poll per task: still running, the next poll is a new task scheduled by the
poll schedule, and no instance waits for Veo.

Runs any number of times for one creation (task retries, re-delivered create events, a
continuation task): every write is guarded by the creation's state, so only the first
to finish counts and a late result never revives a failed or deleted creation.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from enum import StrEnum

from adapters import log
from adapters.retry import with_retries
from domain.admission import poll_delay, task_id
from domain.errors import ErrorCode, ExternalServiceError, Failure, failure
from domain.generation import OutcomeKind, VeoOutcome, estimate_progress, outcome_failure
from domain.states import Status
from handlers import common, poster_step
from ports import MalformedDocument, Services

JOB_FIELDS = ("operationName", "mediaKey", "userId", "startedAt")
STATUS_LOOK_SECONDS = 60
# Longest wait for a poll's due time in one task (the emulator's accommodation, below).
MAX_ETA_WAIT_SECONDS = 120


class FinalizeOutcome(StrEnum):
    NOT_PROCESSING = "not_processing"  # no job, and the creation is gone or not processing
    NO_OPERATION = "no_operation"
    ENDED_MEANWHILE = "ended_meanwhile"  # swept, deleted or finished by another finalizer (or the event)
    RUNNING = "running"  # Veo is not done (what `look` tells its caller; a poll then schedules the next)
    POLLING = "polling"  # still running: the next poll is scheduled as a new task
    DRAFT = "draft"
    FAILED = "failed"  # failed and refunded
    SET_ASIDE = "set_aside"  # could not be settled safely (malformed user document)


def handle(
    creation_id: str, services: Services, job: dict | None = None, sleep: Callable[[float], None] | None = None
) -> FinalizeOutcome:
    """`job` is what startveo (or the previous poll) put in the task; with it no read is
    needed up front (a creation that ended meanwhile is caught by the guarded writes below,
    and a done operation is checked against the creation before anything is copied).
    `sleep` defaults to the services' clock."""
    _wait_until_due(job, services, sleep or services.clock.sleep)
    if job and all(job.get(f) for f in JOB_FIELDS):
        shown = job.get("shown")
        creation = {
            **job,
            "startedAt": datetime.fromisoformat(job["startedAt"]),
            "progress": shown if type(shown) is int else 0,
        }
        checked = False
    else:
        loaded = services.store.load_creation(creation_id)
        if loaded is None or loaded.get("status") != Status.PROCESSING:
            return FinalizeOutcome.NOT_PROCESSING
        creation, job, checked = loaded, None, True
    if not creation.get("operationName"):
        return FinalizeOutcome.NO_OPERATION
    outcome = look(creation_id, creation, services, checked=checked)
    if outcome != FinalizeOutcome.RUNNING:
        return outcome
    if (job or {}).get("once"):
        # A follow-up of the finalize event (the object was there before Veo said done):
        # the poll chain started by startveo goes on by itself.
        return FinalizeOutcome.POLLING
    return _poll_later(creation_id, creation, job, services)


def look(creation_id: str, creation: dict, services: Services, *, checked: bool) -> FinalizeOutcome:
    """Asks Veo once about a processing creation's operation and settles what it says: a
    draft, a failure (refunded), or RUNNING for the caller to decide when to look again.
    `checked`: `creation` was read from the store just now (the event, a poll without a
    job); otherwise a done operation is checked against the store before the copy.
    Shared by the poll and the finalize event: both may run, twice each, for one creation,
    and only the guarded transactions (complete_draft, fail_and_refund) decide who counts."""
    operation = str(creation.get("operationName"))
    try:
        outcome = with_retries(lambda: services.veo.poll(operation), services.settings.retry)
    except ExternalServiceError as exc:
        if exc.transient:
            # Vertex unreachable for now, not the video failed: Veo goes on (and bills), so the
            # next poll asks again; the sweep's ORPHAN_AFTER_MINUTES bounds how long.
            log.finish_deferred(creation_id, "poll", str(exc))
            return FinalizeOutcome.RUNNING
        return _fail(creation_id, creation, failure(ErrorCode.GENERATION_FAILED), services, reason=str(exc))
    if outcome.kind == OutcomeKind.RUNNING:
        return FinalizeOutcome.RUNNING
    problem = outcome_failure(outcome)
    if problem:
        return _fail(creation_id, creation, problem, services, reason=outcome.reason)
    if not checked and not _still_ours(creation_id, creation, services):
        # The event (or a twin poll) finished it, or the sweep or a delete ended it: copying
        # the video again would only be undone.
        return FinalizeOutcome.ENDED_MEANWHILE
    return _deliver(creation_id, creation, outcome, services)


def _still_ours(creation_id: str, creation: dict, services: Services) -> bool:
    current = services.store.load_creation(creation_id)
    return (
        current is not None
        and current.get("status") == Status.PROCESSING
        and current.get("operationName") == creation.get("operationName")
    )


def _deliver(creation_id: str, creation: dict, outcome: VeoOutcome, services: Services) -> FinalizeOutcome:
    settings, store = services.settings, services.store
    media_key = creation.get("mediaKey")
    if not isinstance(media_key, str) or not media_key:
        log.malformed_set_aside(creation_id, "finalizegeneration", "no mediaKey")
        return _fail(
            creation_id, creation, failure(ErrorCode.GENERATION_FAILED), services, reason="malformed: no mediaKey"
        )
    # Noted before the upload: if this run dies before the draft commits, the media sweep
    # finds the object through the note (it never lists the bucket).
    store.record_upload(media_key, creation_id)
    try:
        with_retries(lambda: _copy_to_media(outcome, media_key, services), settings.retry)
    except ExternalServiceError as exc:
        if exc.transient:
            # R2 or GCS down for now: the video is still in the temp bucket, so the next poll
            # copies it again (same key: a partial object is overwritten) rather than throwing
            # away a video Veo billed; the sweep's ORPHAN_AFTER_MINUTES bounds how long.
            log.finish_deferred(creation_id, "copy", str(exc))
            return FinalizeOutcome.RUNNING
        return _fail(creation_id, creation, failure(ErrorCode.GENERATION_FAILED), services, reason=str(exc))

    completion = store.complete_draft(
        creation_id, services.media.public_url(media_key), operation=creation.get("operationName")
    )
    if not completion:
        # Someone else ended it first. If that was a draft of this document, the object is
        # theirs too (same key); otherwise our copy must not outlive a failed or deleted
        # creation (nor sit under an id re-created since: the key's secret is ours alone).
        current = store.load_creation(creation_id)
        if current is None or current.get("status") == Status.FAILED or current.get("mediaKey") != media_key:
            common.delete_media(creation_id, media_key, services)
        else:
            common.forget_upload(media_key, services)  # the other finalizer's draft holds it
        common.remove_temp(creation_id, services)
        return FinalizeOutcome.ENDED_MEANWHILE
    if completion.user_gone:
        log.user_gone(creation_id, creation.get("userId"))
    log.state_change(
        creation_id,
        creation.get("userId"),
        Status.PROCESSING,
        Status.DRAFT,
        duration_ms=int(_seconds_since(creation.get("startedAt"), services) * 1000),
    )
    common.forget_upload(media_key, services)
    common.remove_temp(creation_id, services)
    # The draft (and its money) is settled: a poster that cannot be made leaves it as it is.
    poster_step.add_poster(creation_id, media_key, services)
    return FinalizeOutcome.DRAFT


def _poll_later(creation_id: str, creation: dict, job: dict | None, services: Services) -> FinalizeOutcome:
    settings = services.settings
    now = services.clock.now()
    elapsed = _seconds_since(creation.get("startedAt"), services)
    estimate = estimate_progress(elapsed, settings.veo_expected_seconds)
    progress = creation.get("progress")
    shown: int = progress if type(progress) is int else 0
    looked = _parse_time((job or {}).get("lookedAt"))
    # The progress transaction also tells whether the creation is still ours to finish (not
    # swept or deleted): written on a step, and a look at least once a minute, so a stuck
    # operation is not polled for ever.
    stepped = estimate >= shown + settings.progress_step_pct
    if stepped or looked is None or (now - looked).total_seconds() >= STATUS_LOOK_SECONDS:
        if stepped:
            shown = estimate
        if services.store.record_progress(creation_id, shown) != Status.PROCESSING:
            return FinalizeOutcome.ENDED_MEANWHILE
        looked = now
    delay = poll_delay(elapsed, settings.veo_min_seconds, settings.poll_interval_s, settings.poll_coarse_interval_s)
    seq = int((job or {}).get("poll") or 0) + 1
    started = creation.get("startedAt")
    next_job = {f: creation[f] for f in ("operationName", "mediaKey", "userId") if creation.get(f)}
    next_job.update(
        startedAt=(started if isinstance(started, datetime) else now).isoformat(),
        shown=shown,
        lookedAt=looked.isoformat(),
        poll=seq,
    )
    # The id names this poll: a task delivered twice schedules the next one once.
    services.tasks.enqueue_finalize(
        creation_id,
        next_job,
        delay_seconds=delay,
        task_id=task_id("poll", creation_id, str(creation.get("operationName")), str(seq)),
    )
    return FinalizeOutcome.POLLING


def _wait_until_due(job: dict | None, services: Services, sleep: Callable[[float], None]) -> None:
    """The one emulator accommodation: the Cloud Tasks emulator dispatches a scheduled task at
    once, so a poll waits here until its due time (`eta`). Cloud Tasks dispatches it at that
    time, so in production this waits nothing."""
    due = _parse_time((job or {}).get("eta"))
    if due is None:
        return
    wait = (due - services.clock.now()).total_seconds()
    if wait > 0:
        sleep(min(wait, MAX_ETA_WAIT_SECONDS))


def _parse_time(value) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


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


def _fail(
    creation_id: str, creation: dict, problem: Failure, services: Services, reason: str | None
) -> FinalizeOutcome:
    """`reason` (Veo's or R2's own text) goes to the logs only: the user reads our message."""
    try:
        # Only this operation's document: a finalizer of an earlier document of the id (or
        # of a start given up) must not fail and refund the one there now.
        settlement = services.store.fail_and_refund(creation_id, problem, operation=creation.get("operationName"))
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
    common.failure_settled(
        creation_id,
        creation.get("userId"),
        Status.PROCESSING,
        problem.code.value,
        settlement,
        duration_ms=int(_seconds_since(creation.get("startedAt"), services) * 1000),
        reason=reason,
    )
    common.remove_temp(creation_id, services)
    return FinalizeOutcome.FAILED


def _seconds_since(moment, services: Services) -> float:
    if not isinstance(moment, datetime):
        return 0.0
    return max(0.0, (services.clock.now() - moment).total_seconds())
