"""onUpdate of creations/{id}: a draft the owner published gets a public copy and a feed entry."""
from __future__ import annotations

from adapters import log, store
from adapters.retry import with_retries
from domain import media
from handlers.services import Services


def handle(creation_id: str, before: dict | None, after: dict | None, services: Services) -> str:
    if not media.is_publish(before, after):
        return "ignored"  # the server's own progress and state writes land here too
    public_key = media.published_key(creation_id)
    # Copying again on a re-delivered event rewrites the same object: harmless.
    with_retries(lambda: services.media.copy(after["mediaKey"], public_key), services.settings.retry)
    if not store.publish_to_feed(creation_id, services.media.public_url(public_key)):
        # Deleted (or changed) meanwhile: the delete trigger may already have run, so this
        # copy is ours to remove.
        services.media.delete(public_key)
        return "not_published"
    log.state_change(creation_id, after.get("userId"), before.get("status"), after.get("status"))
    return "published"
