"""onDelete of creations/{id}: a deleted creation is settled and leaves nothing behind.

Whoever deleted it (the owner, an operator, a GDPR erasure), at any status:
- money: the debit of THIS document (its incarnation: the deleted snapshot's create_time),
  if still in flight and not refunded, is refunded (reason "deleted") and its in-flight
  slot freed, in one transaction; a delivered video is never refunded;
- work: nothing to stop here: finalize and the start handler find the document gone and
  remove their own copies;
- media: this document's draft and public copy, and Veo's temp output, are deleted;
- feed: feed/{id} is removed unless the id holds a newer published document;
- photos: the uploads it named as image / lastFrame are deleted, unless another creation
  (not failed) still names one.
A re-delivered event for an id re-created since touches nothing of the newer document.
"""

from __future__ import annotations

from enum import StrEnum
from functools import partial

from adapters import log
from adapters.gcs import temp_prefix_uri
from adapters.retry import with_retries
from domain import contract, media, uploads
from handlers import common
from ports import DeletionSettlement, MalformedDocument, Services


class CleanupOutcome(StrEnum):
    CLEANED = "cleaned"  # whatever the deleted document held is settled and removed


def handle(
    creation_id: str, deleted: dict | None, services: Services, incarnation: str | None = None
) -> CleanupOutcome:
    store = services.store
    deleted = deleted or {}
    user_id = deleted.get("userId")
    # The feed entry first: it is public (prompt, uid), the rest is not.
    services.feed.remove_from_feed(creation_id)
    try:
        settled = store.settle_deletion(creation_id, deleted, incarnation)
    except MalformedDocument as exc:
        common.set_aside(creation_id, "cleanupcreation", str(exc), services, counter="user")
        settled = DeletionSettlement()
    if settled.refunded_tokens:
        log.ledger_movement(creation_id, user_id, "refund", settled.refunded_tokens)
    if settled.user_gone:
        log.user_gone(creation_id, user_id)
    for key in media.keys_of(creation_id, deleted):
        with_retries(partial(services.media.delete, key), services.settings.retry)
    if not settled.recreated and contract.is_valid_creation_id(creation_id):
        # The older per-id public key is shared by every document of the id: only when no
        # newer document holds the id.
        with_retries(lambda: services.media.delete(media.legacy_published_key(creation_id)), services.settings.retry)
    if services.settings.gcs_temp_bucket and not settled.recreated:
        with_retries(
            lambda: services.temp_storage.delete_prefix(
                temp_prefix_uri(services.settings.gcs_temp_bucket, creation_id)
            ),
            services.settings.retry,
        )
    _remove_photos(deleted, services)
    status = deleted.get("status")
    log.creation_deleted(
        creation_id,
        user_id if isinstance(user_id, str) else None,
        status if isinstance(status, str) else None,
        settled.refunded_tokens,
        incarnation,
        settled.recreated,
    )
    return CleanupOutcome.CLEANED


def _remove_photos(deleted: dict, services: Services) -> None:
    named = uploads.referenced_uploads(deleted)
    if not named or services.uploads is None:
        return
    kept = services.store.uploads_in_use(named)
    for path in named:
        if path in kept:
            continue
        store = services.uploads
        with_retries(partial(store.delete, path), services.settings.retry)
        log.upload_removed(path, "creation deleted")
