"""Scheduled `sweeporphans`: fail and refund creations stuck in flight past the limit, remove
media nobody uses, and reconcile the feed (handlers/reconcile.py).

One bad document must never block the others: each creation is settled on its own, and one
that cannot be (malformed) is set aside with a log line and a `malformed_*` counter.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from adapters import log, store, upload_intents
from adapters.gcs import temp_prefix_uri
from adapters.retry import with_retries
from domain import admission, contract, media
from domain.errors import ErrorCode, ExternalServiceError, failure
from domain.states import Status
from handlers import reconcile
from handlers.services import Services


def handle(services: Services, now: datetime | None = None) -> dict:
    settings = services.settings
    now = now or datetime.now(timezone.utc)
    cutoff = now - timedelta(minutes=settings.orphan_after_minutes)
    swept = refunded_tokens = set_aside = 0
    stuck = store.in_flight_older_than(cutoff) + store.in_flight_without_a_time(cutoff)
    for creation_id, creation in stuck:
        if not admission.overdue(creation, now, settings.orphan_after_minutes, settings.queue_max_wait_minutes):
            continue  # waiting for Veo quota, or started recently after a wait: not stuck
        user_id = creation.get("userId") if isinstance(creation.get("userId"), str) else None
        try:
            settlement = store.fail_and_refund(creation_id, failure(ErrorCode.TIMEOUT))
        except store.MalformedDocument as exc:
            set_aside += 1
            log.error("malformed document set aside", creationId=creation_id, where="sweeporphans",
                      reason=str(exc))
            _count_malformed()
            continue
        except Exception as exc:  # noqa: BLE001 — one document must not stop the sweep
            set_aside += 1
            log.error("creation not settled, the next sweep retries", creationId=creation_id,
                      where="sweeporphans", reason=f"{type(exc).__name__}: {exc}")
            continue
        if not settlement.changed:
            continue  # finalized or swept by someone else meanwhile
        swept += 1
        refunded_tokens += settlement.refunded_tokens
        log.state_change(creation_id, user_id, settlement.status_before, Status.FAILED,
                         error_code=ErrorCode.TIMEOUT.value)
        if settlement.refunded_tokens:
            log.ledger_movement(creation_id, user_id, "refund", settlement.refunded_tokens)
        if settlement.user_gone:
            log.warn("user gone", creationId=creation_id, userId=user_id, event="user_gone")
        if settlement.malformed:
            log.warn("malformed document failed without money", creationId=creation_id, where="sweeporphans")
        _remove_media(creation_id, creation, services)
    try:
        media_removed = sweep_media(services, now)
    except ExternalServiceError as exc:
        # The refunds above are done; stray objects wait for the next run.
        log.warn("media sweep skipped", reason=str(exc))
        media_removed = None
    try:
        reconciled = reconcile.handle(services, now)
    except Exception as exc:  # noqa: BLE001 — the next run picks up where this one stopped
        log.error("reconciliation skipped", reason=f"{type(exc).__name__}: {exc}")
        reconciled = None
    summary = {"swept": swept, "refundedTokens": refunded_tokens, "setAside": set_aside,
               "mediaRemoved": media_removed, "reconciled": reconciled}
    log.info("orphan sweep done", **summary)
    return summary


def _count_malformed() -> None:
    try:
        store.count_malformed("sweep")
    except Exception as exc:  # noqa: BLE001 — a counter is not worth stopping for
        log.warn("malformed counter not written", reason=str(exc))


def _remove_media(creation_id: str, creation: dict, services: Services) -> None:
    try:
        if services.settings.gcs_temp_bucket:
            services.temp_storage.delete_prefix(
                temp_prefix_uri(services.settings.gcs_temp_bucket, creation_id))
        if isinstance(creation.get("mediaKey"), str) and creation["mediaKey"]:
            services.media.delete(creation["mediaKey"])
    except ExternalServiceError as exc:
        log.warn("orphan media not removed", creationId=creation_id, reason=str(exc))


MEDIA_PAGE = 300  # intents read per page (one get_all of their creations)
MEDIA_PAGES_PER_RUN = 20  # bounds one run; the next one goes on


def sweep_media(services: Services, now: datetime) -> int:
    """Deletes R2 objects whose upload was never claimed by a creation that still uses it
    (a crash between upload and the Firestore write, a failed creation's upload, a public
    copy of a creation deleted meanwhile). It pages over the upload intents left older than
    a safe age (a younger one may belong to a finalize that has not committed yet), not over
    the bucket: the work follows the traffic, not the library."""
    cutoff = now - timedelta(minutes=services.settings.orphan_media_minutes)
    removed = 0
    for _ in range(MEDIA_PAGES_PER_RUN):
        intents = upload_intents.older_than(cutoff, MEDIA_PAGE)
        ids = sorted({cid for _, cid in intents if contract.is_safe_user_id(cid)})
        creations = store.existing_creations(ids)
        for key, creation_id in intents:
            if not media.object_is_live(key, creations.get(creation_id)):
                with_retries(lambda: services.media.delete(key), services.settings.retry)
                removed += 1
                log.info("orphan media removed", creationId=creation_id, key=key)
            upload_intents.forget(key)
        if len(intents) < MEDIA_PAGE:
            break
    return removed
