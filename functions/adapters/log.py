"""Every log event of the backend, one named function each (firestore-send-email's logs.ts).

Structured JSON via the firebase-functions logger, so an operator filters on the fields.
The message texts are what docs/operations.md (runbook) and the log-based alert policies
match on: change one here and there together. Handlers call these functions, never the
logger with a free text.
"""

from __future__ import annotations

from firebase_functions import logger


def _info(message: str, **fields) -> None:
    logger.info(message, **_clean(fields))


def _warn(message: str, **fields) -> None:
    logger.warn(message, **_clean(fields))


def _error(message: str, **fields) -> None:
    logger.error(message, **_clean(fields))


# ---- a creation's life and its money ----------------------------------------------------------


def state_change(
    creation_id: str,
    user_id: str | None,
    from_state: str | None,
    to_state: str,
    duration_ms: int | None = None,
    error_code: str | None = None,
    **extra,
) -> None:
    _info(
        "creation state change",
        creationId=creation_id,
        userId=user_id,
        **{"from": from_state},
        to=to_state,
        durationMs=duration_ms,
        errorCode=error_code,
        **extra,
    )


def ledger_movement(
    creation_id: str | None, user_id: str | None, kind: str, amount: int, balance_after: int | None = None
) -> None:
    _info(
        "ledger movement", creationId=creation_id, userId=user_id, type=kind, amount=amount, balanceAfter=balance_after
    )


def output_event(creation_id: str, name: str, outcome: str) -> None:
    """Veo's output object was finalized in the temp bucket (the finalize event) and what it did."""
    _info("veo output finalized", creationId=creation_id, object=name, outcome=str(outcome))


def user_gone(creation_id: str, user_id: object) -> None:
    """Charged, but the user document is gone: no refund entry could be written."""
    _warn("user gone", creationId=creation_id, userId=user_id, event="user_gone")


def malformed_set_aside(creation_id: str, where: str, reason: str, *, severe: bool = False) -> None:
    (_error if severe else _warn)("malformed document set aside", creationId=creation_id, where=where, reason=reason)


def malformed_failed_without_money(creation_id: str, where: str) -> None:
    _warn("malformed document failed without money", creationId=creation_id, where=where)


def generation_queued(
    creation_id: str, user_id: str, position: int, estimated_start_at: str, duration_ms: int | None = None
) -> None:
    _info(
        "generation queued",
        creationId=creation_id,
        userId=user_id,
        queuePosition=position,
        estimatedStartAt=estimated_start_at,
        durationMs=duration_ms,
    )


def queue_estimate_unavailable(creation_id: str, reason: str) -> None:
    _warn("queue estimate unavailable", creationId=creation_id, reason=reason)


def veo_start_deferred(creation_id: str, status: int | None, reason: str) -> None:
    """Veo refused a start for quota (or it never reached Veo): the queue retries it."""
    _info("veo start deferred", creationId=creation_id, status=status, reason=reason)


def finish_deferred(creation_id: str, step: str, reason: str) -> None:
    """Veo (`poll`) or GCS/R2 (`copy`) kept failing transiently past the retries: the creation
    stays processing and the next poll tries again."""
    _warn("finish deferred", creationId=creation_id, step=step, reason=reason)


def start_task_malformed(creation_id: str) -> None:
    _warn("malformed start task set aside", creationId=creation_id, where="startveo")


def ended_before_veo_started(creation_id: str, operation: str) -> None:
    _warn("creation ended before Veo started", creationId=creation_id, operation=operation)


def creation_deleted(
    creation_id: str,
    user_id: str | None,
    state: str | None,
    refunded_tokens: int,
    incarnation: str | None,
    recreated: bool,
) -> None:
    _info(
        "creation deleted",
        creationId=creation_id,
        userId=user_id,
        state=state,
        refundedTokens=refunded_tokens,
        incarnation=incarnation,
        recreated=recreated,
    )


# ---- media ------------------------------------------------------------------------------------


def media_not_removed(creation_id: str, reason: str) -> None:
    _warn("media not removed", creationId=creation_id, reason=reason)


def temp_media_not_removed(creation_id: str, reason: str) -> None:
    _warn("temp media not removed", creationId=creation_id, reason=reason)


def orphan_media_not_removed(creation_id: str, reason: str) -> None:
    _warn("orphan media not removed", creationId=creation_id, reason=reason)


def upload_intent_not_removed(key: str, reason: str) -> None:
    _warn("upload intent not removed", key=key, reason=reason)


def orphan_media_removed(creation_id: str, key: str) -> None:
    _info("orphan media removed", creationId=creation_id, key=key)


# ---- the sweep and the reconciliation -----------------------------------------------------------


def creation_not_settled(creation_id: str, where: str, reason: str) -> None:
    _error("creation not settled, the next sweep retries", creationId=creation_id, where=where, reason=reason)


def malformed_counter_not_written(reason: str) -> None:
    _warn("malformed counter not written", reason=reason)


def media_sweep_skipped(reason: str) -> None:
    _warn("media sweep skipped", reason=reason)


def reconciliation_skipped(reason: str) -> None:
    _error("reconciliation skipped", reason=reason)


def orphan_sweep_done(**summary) -> None:
    _info("orphan sweep done", **summary)


def publish_repaired(creation_id: str, had_feed_entry: bool) -> None:
    _warn("publish repaired", creationId=creation_id, hadFeedEntry=had_feed_entry)


def feed_orphan_removed(creation_id: str) -> None:
    _warn("feed orphan removed", creationId=creation_id)


# ---- alerts and metering ------------------------------------------------------------------------


def alert(message: str, code: str, **details) -> None:
    """ERROR with the alert's own stable message: what a log-based alert policy pages on."""
    _error(message, alert=code, **details)


def alert_check_done(**fields) -> None:
    _info("alert check done", **fields)


def invocation_usage(function: str, creation_id: str | None, reads: int, writes: int, duration_ms: int) -> None:
    _info(
        "invocation usage",
        function=function,
        creationId=creation_id,
        reads=reads,
        writes=writes,
        durationMs=duration_ms,
    )


def _clean(fields: dict) -> dict:
    return {k: v for k, v in fields.items() if v is not None}


# ---- the feed: names, unpublish, posters, reports and takedown --------------------


def profile_renamed(user_id: str, feed_entries: int) -> None:
    _info("profile renamed", userId=user_id, feedEntries=feed_entries)


def unpublished(creation_id: str, user_id: object, feed_entry_removed: bool) -> None:
    _info(
        "creation unpublished",
        creationId=creation_id,
        userId=user_id if isinstance(user_id, str) else None,
        feedEntryRemoved=feed_entry_removed,
    )


def poster_made(creation_id: str, key: str) -> None:
    _info("poster made", creationId=creation_id, key=key)


def poster_skipped(creation_id: str, reason: str) -> None:
    """The draft stands without a poster (a video the decoder cannot read, R2 down...)."""
    _warn("poster skipped", creationId=creation_id, reason=reason)


def report_counted(creation_id: str, reports: int, hidden: bool) -> None:
    _info("report counted", creationId=creation_id, reports=reports, hidden=hidden)


def feed_entry_hidden(creation_id: str, reports: int) -> None:
    """What the moderation queue (docs/operations.md) is searched by."""
    _warn("feed entry hidden pending review", creationId=creation_id, reports=reports)


# ---- push notifications -----------------------------------------------------------------------


def notification_done(outbox_id: str, creation_id: object, status: object, **outcome) -> None:
    _info("notification done", outboxId=outbox_id, creationId=creation_id, status=status, **outcome)


def notification_skipped(outbox_id: str, reason: str) -> None:
    _warn("notification skipped", outboxId=outbox_id, reason=reason)


def notification_not_sent(outbox_id: str, device_id: str, kind: str, code: str, detail: str) -> None:
    _warn("notification not sent", outboxId=outbox_id, deviceId=device_id, kind=kind, code=code, detail=detail)


def notification_not_recorded(outbox_id: str, reason: str) -> None:
    _warn("notification outcome not recorded", outboxId=outbox_id, reason=reason)


def device_removed(user_id: str, device_id: str, reason: str) -> None:
    _info("device removed", userId=user_id, deviceId=device_id, reason=reason)


def moderation_media(creation_id: str, change: str) -> None:
    """A moderation decision applied to the media (held, released, public copies hidden or back)."""
    _info("moderation media", creationId=creation_id, change=change)


def moderation_media_repaired(creation_id: str, change: str) -> None:
    """The reconciliation finished a moderation media step whose run had died midway (the
    trigger is never retried), or moved a poster written after the media were held."""
    _warn("moderation media repaired", creationId=creation_id, change=change)


def moderation_media_not_repaired(creation_id: str, reason: str) -> None:
    """The reconciliation could not finish a moderation media step; its next run tries again."""
    _error("moderation media not repaired", creationId=creation_id, reason=reason)


def brigade_flagged(creation_id: str, reporters: list[str]) -> None:
    """Reporters who hid other entries together: flagged, the entry sent to review instead."""
    _warn("report brigade flagged", creationId=creation_id, reporters=reporters)


def name_refused(user_id: str, code: str) -> None:
    _info("display name refused", userId=user_id, code=code)


# ---- start from a photo ------------------------------------------------------------


def image_unreadable(creation_id: str, field: str, reason: str) -> None:
    _warn("image unreadable", creationId=creation_id, field=field, reason=reason)


def upload_removed(path: str, reason: str) -> None:
    # The path names the uid: logs are operators' only (the feed never shows a source image).
    _info("upload removed", path=path, reason=reason)


def upload_sweep_skipped(reason: str) -> None:
    _warn("upload sweep skipped", reason=reason)
