"""onWrite of moderation/{id}: a moderation decision reaches the media.

- taken down: the draft video and poster are moved to a held key (domain/media.held_key) whose
  secret only the server-only moderation/{id} holds, so the owner's mediaUrl/posterUrl and the
  public copies answer 404 to everyone; the bytes are kept for an appeal;
- restored from a takedown: the held objects come back to the draft's own keys (same URLs);
- hidden by reports (pending review): the public copies are deleted, the draft stays;
- visible again: the publish is redone (public copies and feed entry) if still published.
Acts only when the takenDown or hidden state changes (domain/moderation.media_change); every
step is safe to repeat. The documented delay before nothing is served is this run (seconds)
plus the CDN's cache time of a public copy (Cache-Control max-age=300, adapters/r2.py).
"""

from __future__ import annotations

from functools import partial

from adapters import log
from adapters.retry import with_retries
from domain import media, moderation
from domain.states import Status
from handlers import common, publish_creation
from ports import Services


def handle(creation_id: str, before: dict | None, after: dict | None, services: Services) -> str:
    change = moderation.media_change(before, after)
    if change == moderation.MediaChange.NONE:
        return change
    creation = services.store.load_creation(creation_id)
    if creation is None:
        return moderation.MediaChange.NONE  # deleted: cleanupcreation removed its media
    if change == moderation.MediaChange.HOLD:
        secret = moderation.held_secret(after)
        if secret is None:
            return moderation.MediaChange.NONE
        _remove_public(creation_id, creation, services)
        for key in media.draft_keys_of(creation):
            _move(key, media.held_key(creation_id, secret, key), services)
    elif change == moderation.MediaChange.RELEASE:
        secret = moderation.held_secret(before)
        if secret is None:
            return moderation.MediaChange.NONE
        for key in media.draft_keys_of(creation):
            _move(media.held_key(creation_id, secret, key), key, services)
    elif change == moderation.MediaChange.HIDE:
        _remove_public(creation_id, creation, services)
    elif change == moderation.MediaChange.SHOW and creation.get("status") == Status.PUBLISHED:
        publish_creation.publish(creation_id, creation, services)
    log.moderation_media(creation_id, change)
    return change


def _remove_public(creation_id: str, creation: dict, services: Services) -> None:
    for key in media.public_keys_of(creation_id, creation):
        common.delete_media(creation_id, key, services)


def _exists(key: str, services: Services) -> bool:
    return any(k == key for k, _ in with_retries(partial(services.media.list_keys, key), services.settings.retry))


def _move(source: str, target: str, services: Services) -> None:
    """Copy then delete, each safe to repeat: a source already moved (a repeated event) is skipped."""
    if _exists(source, services):
        content_type = "image/jpeg" if source.endswith(media.POSTER_SUFFIX) else "video/mp4"
        with_retries(partial(services.media.copy, source, target, content_type=content_type), services.settings.retry)
        with_retries(partial(services.media.delete, source), services.settings.retry)
