"""onDelete of creations/{id}: no stored video and no feed entry outlives its document."""
from __future__ import annotations

from adapters import log, store
from adapters.gcs import temp_prefix_uri
from adapters.retry import with_retries
from domain import media
from handlers.services import Services


def handle(creation_id: str, deleted: dict | None, services: Services) -> str:
    deleted = deleted or {}
    store.remove_from_feed(creation_id)
    for key in media.keys_of(creation_id, deleted):
        with_retries(lambda: services.media.delete(key), services.settings.retry)
    if services.settings.gcs_temp_bucket:
        with_retries(lambda: services.temp_storage.delete_prefix(
            temp_prefix_uri(services.settings.gcs_temp_bucket, creation_id)), services.settings.retry)
    # A finalize still copying will find the document gone and delete its own copy.
    log.info("creation deleted", creationId=creation_id, userId=deleted.get("userId"),
             state=deleted.get("status"))
    return "cleaned"
