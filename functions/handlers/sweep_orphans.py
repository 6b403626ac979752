"""Scheduled `sweeporphans`: fail and refund creations stuck in flight past the limit."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from adapters import log, store
from adapters.gcs import temp_prefix_uri
from adapters.retry import with_retries
from domain import media
from domain.errors import ErrorCode, ExternalServiceError, failure
from domain.states import Status
from handlers.services import Services


def handle(services: Services, now: datetime | None = None) -> dict:
    settings = services.settings
    now = now or datetime.now(timezone.utc)
    cutoff = now - timedelta(minutes=settings.orphan_after_minutes)
    swept = refunded_tokens = 0
    for creation_id, creation in store.in_flight_older_than(cutoff):
        settlement = store.fail_and_refund(creation_id, failure(ErrorCode.TIMEOUT))
        if not settlement.changed:
            continue  # finalized or swept by someone else meanwhile
        swept += 1
        refunded_tokens += settlement.refunded_tokens
        log.state_change(creation_id, creation.get("userId"), settlement.status_before, Status.FAILED,
                         error_code=ErrorCode.TIMEOUT.value)
        if settlement.refunded_tokens:
            log.ledger_movement(creation_id, creation.get("userId"), "refund", settlement.refunded_tokens)
        _remove_media(creation_id, creation, services)
    try:
        media_removed = sweep_media(services, now)
    except ExternalServiceError as exc:
        # The refunds above are done; stray objects wait for the next run.
        log.warn("media sweep skipped", reason=str(exc))
        media_removed = None
    summary = {"swept": swept, "refundedTokens": refunded_tokens, "mediaRemoved": media_removed}
    log.info("orphan sweep done", **summary)
    return summary


def _remove_media(creation_id: str, creation: dict, services: Services) -> None:
    try:
        if services.settings.gcs_temp_bucket:
            services.temp_storage.delete_prefix(
                temp_prefix_uri(services.settings.gcs_temp_bucket, creation_id))
        if creation.get("mediaKey"):
            services.media.delete(creation["mediaKey"])
    except ExternalServiceError as exc:
        log.warn("orphan media not removed", creationId=creation_id, reason=str(exc))


def sweep_media(services: Services, now: datetime) -> int:
    """Deletes R2 videos whose creation is gone or no longer uses them (e.g. a crash between
    upload and the Firestore write). Only objects older than a safe age: a young one may
    belong to a finalize that has not committed yet."""
    cutoff = now - timedelta(minutes=services.settings.orphan_media_minutes)
    candidates = []
    for prefix in (media.DRAFTS_PREFIX, media.PUBLISHED_PREFIX):
        listed = with_retries(lambda: services.media.list_keys(prefix), services.settings.retry)
        for key, modified in listed:
            creation_id = media.creation_id_of(key)
            if creation_id and modified < cutoff:
                candidates.append((key, creation_id))
    creations = store.existing_creations(sorted({cid for _, cid in candidates}))
    removed = 0
    for key, creation_id in candidates:
        if not media.object_is_live(key, creations.get(creation_id)):
            with_retries(lambda: services.media.delete(key), services.settings.retry)
            removed += 1
            log.info("orphan media removed", creationId=creation_id, key=key)
    return removed
