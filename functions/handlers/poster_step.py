"""The poster of a new draft: one JPEG frame of the video, beside it in R2, and
`posterUrl` on the creation. Called by finalizegeneration once the draft is committed, so the
money is settled before this starts: nothing here can fail the draft or move a token. Any
failure (a video the decoder cannot read, R2 or Firestore down) leaves the draft without a
poster, logged; the upload intent lets the media sweep remove a poster left half-made.
"""

from __future__ import annotations

import tempfile

from adapters import log
from domain import media
from domain.states import Status
from handlers import common
from ports import Services


def add_poster(creation_id: str, media_key: str, services: Services) -> str | None:
    """The poster's URL, or None when the draft stays without one. Never raises."""
    try:
        return _add_poster(creation_id, media_key, services)
    except Exception as exc:  # noqa: BLE001 — a poster is never worth failing a paid draft
        log.poster_skipped(creation_id, f"{type(exc).__name__}: {exc}")
        return None


def _add_poster(creation_id: str, media_key: str, services: Services) -> str | None:
    from adapters.poster import PosterError, jpeg_frame

    key = media.poster_key(media_key)
    with tempfile.TemporaryFile() as video:
        services.media.download_to(media_key, video)
        video.seek(0)
        try:
            jpeg = jpeg_frame(video)
        except PosterError as exc:
            log.poster_skipped(creation_id, str(exc))
            return None
    services.store.record_upload(key, creation_id)
    services.media.upload_bytes(jpeg, key, content_type=media.POSTER_CONTENT_TYPE)
    url = services.media.public_url(key)
    status = services.feed.set_poster(creation_id, media_key, url)
    if status is None:
        # Deleted (or failed, or re-created) meanwhile: the poster is nobody's.
        common.delete_media(creation_id, key, services)
        return None
    common.forget_upload(key, services)
    log.poster_made(creation_id, key)
    if status == Status.PUBLISHED:
        # Published before its poster existed: publish again (idempotent) to add the public copy.
        from handlers import publish_creation

        current = services.store.load_creation(creation_id)
        if current is not None and current.get("status") == Status.PUBLISHED:
            publish_creation.publish(creation_id, current, services)
    return url
