"""onDelete of creations/{id}: a deleted creation is settled and leaves nothing behind.

Whoever deleted it (the owner, an operator, a GDPR erasure), at any status:
- money: the debit of THIS document (its incarnation: the deleted snapshot's create_time),
  if still in flight and not refunded, is refunded (reason "deleted") and its in-flight
  slot freed, in one transaction; a delivered video is never refunded;
- work: nothing to stop here: finalize and the start handler find the document gone and
  remove their own copies;
- media: this document's draft and public copy, and Veo's temp output, are deleted;
- feed: feed/{id} is removed unless the id holds a newer published document.
A re-delivered event for an id re-created since touches nothing of the newer document.
"""
from __future__ import annotations

from adapters import log, store
from adapters.gcs import temp_prefix_uri
from adapters.retry import with_retries
from domain import contract, media
from handlers.services import Services


def handle(creation_id: str, deleted: dict | None, services: Services, incarnation: str | None = None) -> str:
    deleted = deleted or {}
    user_id = deleted.get("userId")
    # The feed entry first: it is public (prompt, uid), the rest is not.
    store.remove_from_feed(creation_id)
    try:
        settled = store.settle_deletion(creation_id, deleted, incarnation)
    except store.MalformedDocument as exc:
        log.warn("malformed document set aside", creationId=creation_id, where="cleanupcreation",
                 reason=str(exc))
        store.count_malformed("user")
        settled = store.DeletionSettlement()
    if settled.refunded_tokens:
        log.ledger_movement(creation_id, user_id, "refund", settled.refunded_tokens)
    if settled.user_gone:
        log.warn("user gone", creationId=creation_id, userId=user_id, event="user_gone")
    for key in media.keys_of(creation_id, deleted):
        with_retries(lambda: services.media.delete(key), services.settings.retry)
    if not settled.recreated and contract.is_valid_creation_id(creation_id):
        # The older per-id public key is shared by every document of the id: only when no
        # newer document holds the id.
        with_retries(lambda: services.media.delete(media.legacy_published_key(creation_id)),
                     services.settings.retry)
    if services.settings.gcs_temp_bucket and not settled.recreated:
        with_retries(lambda: services.temp_storage.delete_prefix(
            temp_prefix_uri(services.settings.gcs_temp_bucket, creation_id)), services.settings.retry)
    log.info("creation deleted", creationId=creation_id, userId=user_id if isinstance(user_id, str) else None,
             state=deleted.get("status") if isinstance(deleted.get("status"), str) else None,
             refundedTokens=settled.refunded_tokens, incarnation=incarnation, recreated=settled.recreated)
    return "cleaned"
