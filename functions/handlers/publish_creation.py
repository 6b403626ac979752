"""onUpdate of creations/{id}: a draft the owner published gets a public copy and a feed entry.

Triggers are not retried: if this run dies between the copy and the feed write, the
reconciliation pass of sweeporphans redoes the publish (see handlers/reconcile.py).
"""
from __future__ import annotations

from adapters import log, store, upload_intents
from adapters.retry import with_retries
from domain import media
from handlers.services import Services


def handle(creation_id: str, before: dict | None, after: dict | None, services: Services) -> str:
    if not media.is_publish(before, after):
        return "ignored"  # the server's own progress and state writes land here too
    return publish(creation_id, after, services)


def publish(creation_id: str, creation: dict, services: Services) -> str:
    """Copies the draft to its public key and writes the feed entry; safe to repeat."""
    try:
        public_key = media.published_key(creation_id, creation.get("mediaKey"))
    except ValueError as exc:
        log.warn("malformed document set aside", creationId=creation_id, where="publishcreation",
                 reason=str(exc))
        store.count_malformed("creation")
        return "set_aside"
    # Noted first: a copy this run leaves behind is found by the media sweep (issue #14).
    upload_intents.record(public_key, creation_id)
    # Copying again on a re-delivered event rewrites the same object: harmless.
    with_retries(lambda: services.media.copy(creation["mediaKey"], public_key), services.settings.retry)
    if not store.publish_to_feed(creation_id, services.media.public_url(public_key)):
        # Deleted (or changed) meanwhile: the delete trigger may already have run, so this
        # copy is ours to remove.
        services.media.delete(public_key)
        upload_intents.forget(public_key)
        return "not_published"
    upload_intents.forget(public_key)
    log.state_change(creation_id, creation.get("userId"), "draft", creation.get("status"))
    return "published"
