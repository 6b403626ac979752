"""Scheduled `sweeporphans`: fail and refund creations stuck in flight past the limit, remove
media nobody uses, and reconcile the feed (handlers/reconcile.py).

One bad document must never block the others: each creation is settled on its own, and one
that cannot be (malformed) is set aside with a log line and a `malformed_*` counter.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import partial

from adapters import log
from adapters.gcs import temp_prefix_uri
from adapters.retry import with_retries
from domain import admission, contract, media, uploads
from domain.errors import ErrorCode, ExternalServiceError, failure
from handlers import common, reconcile
from ports import MalformedDocument, Services


def handle(services: Services, now: datetime | None = None) -> dict:
    settings, store = services.settings, services.store
    now = now or services.clock.now()
    cutoff = now - timedelta(minutes=settings.orphan_after_minutes)
    swept = refunded_tokens = set_aside = 0
    stuck = store.in_flight_older_than(cutoff) + store.in_flight_without_a_time(cutoff)
    for creation_id, creation in stuck:
        if not admission.overdue(creation, now, settings.orphan_after_minutes, settings.queue_max_wait_minutes):
            continue  # waiting for Veo quota, or started recently after a wait: not stuck
        user_id = creation.get("userId") if isinstance(creation.get("userId"), str) else None
        try:
            settlement = store.fail_and_refund(creation_id, failure(ErrorCode.TIMEOUT))
        except MalformedDocument as exc:
            set_aside += 1
            log.malformed_set_aside(creation_id, "sweeporphans", str(exc), severe=True)
            _count_malformed(services)
            continue
        except Exception as exc:  # noqa: BLE001 — one document must not stop the sweep
            set_aside += 1
            log.creation_not_settled(creation_id, "sweeporphans", f"{type(exc).__name__}: {exc}")
            continue
        if not settlement.changed:
            continue  # finalized or swept by someone else meanwhile
        swept += 1
        refunded_tokens += settlement.refunded_tokens
        common.failure_settled(creation_id, user_id, settlement.status_before, ErrorCode.TIMEOUT.value, settlement)
        if settlement.malformed:
            log.malformed_failed_without_money(creation_id, "sweeporphans")
        _remove_media(creation_id, creation, services)
    try:
        media_removed = sweep_media(services, now)
    except Exception as exc:  # noqa: BLE001 — R2 or the intents' query: the next run goes on
        # The refunds above are done; stray objects wait for the next run.
        log.media_sweep_skipped(f"{type(exc).__name__}: {exc}")
        media_removed = None
    try:
        uploads_removed = sweep_uploads(services, now)
    except Exception as exc:  # noqa: BLE001 — Storage or the query: the next run goes on
        log.upload_sweep_skipped(f"{type(exc).__name__}: {exc}")
        uploads_removed = None
    try:
        reconciled = reconcile.handle(services, now)
    except Exception as exc:  # noqa: BLE001 — the next run picks up where this one stopped
        log.reconciliation_skipped(f"{type(exc).__name__}: {exc}")
        reconciled = None
    summary = {
        "swept": swept,
        "refundedTokens": refunded_tokens,
        "setAside": set_aside,
        "mediaRemoved": media_removed,
        "uploadsRemoved": uploads_removed,
        "reconciled": reconciled,
    }
    log.orphan_sweep_done(**summary)
    return summary


def _count_malformed(services: Services) -> None:
    try:
        services.store.count_malformed("sweep")
    except Exception as exc:  # noqa: BLE001 — a counter is not worth stopping for
        log.malformed_counter_not_written(str(exc))


def _remove_media(creation_id: str, creation: dict, services: Services) -> None:
    try:
        if services.settings.gcs_temp_bucket:
            services.temp_storage.delete_prefix(temp_prefix_uri(services.settings.gcs_temp_bucket, creation_id))
        if isinstance(creation.get("mediaKey"), str) and creation["mediaKey"]:
            services.media.delete(creation["mediaKey"])
    except ExternalServiceError as exc:
        log.orphan_media_not_removed(creation_id, str(exc))


MEDIA_PAGE = 300  # upload intents read per page (one get_all of their creations)
MEDIA_PAGES_PER_RUN = 20  # bounds one run; the next one goes on


def sweep_media(services: Services, now: datetime) -> int:
    """Deletes R2 objects whose upload was never claimed by a creation that still uses it
    (a crash between upload and the Firestore write, a failed creation's upload, a public
    copy of a creation deleted meanwhile). It pages over the upload intents left older than
    a safe age (a younger one may belong to a finalize that has not committed yet), not over
    the bucket: the work follows the traffic, not the library."""
    store = services.store
    cutoff = now - timedelta(minutes=services.settings.orphan_media_minutes)
    removed = 0
    for _ in range(MEDIA_PAGES_PER_RUN):
        intents = store.upload_intents_older_than(cutoff, MEDIA_PAGE)
        # An id that cannot name a document is no creation's (and must not crash the read).
        creations = store.existing_creations(sorted({cid for _, cid in intents if contract.is_safe_user_id(cid)}))
        for key, creation_id in intents:
            if not media.object_is_live(key, creations.get(creation_id)):
                with_retries(partial(services.media.delete, key), services.settings.retry)
                removed += 1
                log.orphan_media_removed(creation_id, key)
            store.forget_upload(key)
        if len(intents) < MEDIA_PAGE:
            break
    return removed


UPLOADS_PAGE = 200  # uploads listed per page (one `in` query per 30 of them)
UPLOADS_PAGES_PER_RUN = 10  # bounds one run; the next one goes on from the cursor
UPLOADS_CURSOR = "uploadsSweep"


def sweep_uploads(services: Services, now: datetime) -> int:
    """Deletes photos no creation uses within UNUSED_UPLOAD_TTL of their upload: never named,
    or named only by creations that failed. Pages through `uploads/` by name from a cursor kept
    in system/{UPLOADS_CURSOR}, starting over once it reaches the end, so each run does a
    bounded amount of work however many photos are kept by drafts."""
    if services.uploads is None:
        return 0
    cutoff = now - uploads.UNUSED_UPLOAD_TTL
    after = services.feed.get_cursor(UPLOADS_CURSOR)
    removed = 0
    for _ in range(UPLOADS_PAGES_PER_RUN):
        page = services.uploads.page(after, UPLOADS_PAGE)
        old = [path for path, created in page if created is not None and created < cutoff]
        in_use = services.store.uploads_in_use(old) if old else set()
        for path in old:
            if path in in_use:
                continue
            store = services.uploads
            with_retries(partial(store.delete, path), services.settings.retry)
            removed += 1
            log.upload_removed(path, "unused")
        after = page[-1][0] if len(page) == UPLOADS_PAGE else None
        if after is None:
            break
    services.feed.set_cursor(UPLOADS_CURSOR, after)
    return removed
