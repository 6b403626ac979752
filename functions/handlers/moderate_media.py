"""onWrite of moderation/{id}: a moderation decision reaches the media.

- taken down: the draft poster and video are moved to held keys (domain/media.held_key) whose
  secret only the server-only moderation/{id} holds, so the owner's mediaUrl/posterUrl and the
  public copies answer 404 to everyone; the bytes are kept for an appeal;
- restored from a takedown: the held objects come back to the draft's own keys (same URLs);
- hidden by reports (pending review): the public copies are deleted, the draft stays;
- visible again: the publish is redone (public copies and feed entry) if still published.
The poster moves first and the video last, both ways (domain/media.draft_keys_of).

A write wakes the handler only when the takenDown or hidden state changes
(domain/moderation.media_change), but what it does follows the creation's moderation mark as it
is now (domain/moderation.media_target), read again after acting: events come at least once and
in any order, so a takedown's event delivered after its restore (or a restore running while the
takedown's moves still run) brings the media back instead of holding them for good. Every step
is safe to repeat. The documented delay before nothing is served is this run (seconds) plus the
CDN's cache time of a public copy (Cache-Control max-age=300, adapters/r2.py).
"""

from __future__ import annotations

from functools import partial

from adapters import log
from adapters.retry import with_retries
from domain import media, moderation
from domain.states import Status
from handlers import common, publish_creation
from ports import Services

# A decision taken while a run moves the media is applied by that run; more than this many
# decisions during one run are left to their own events.
MAX_ROUNDS = 3


def handle(creation_id: str, before: dict | None, after: dict | None, services: Services) -> str:
    """What the media were made to be (HOLD, HIDE or SHOW), or NONE: nothing to do."""
    if moderation.media_change(before, after) == moderation.MediaChange.NONE:
        return moderation.MediaChange.NONE
    # The same secret before and after (moderation/{id} keeps it across restores); either
    # side has it when the write was a takedown or its end.
    secret = moderation.held_secret(after) or moderation.held_secret(before)
    done = moderation.MediaChange.NONE
    creation = services.store.load_creation(creation_id)
    for _ in range(MAX_ROUNDS):
        if creation is None:
            break  # deleted: cleanupcreation removed its media
        target = moderation.media_target(creation)
        _converge(creation_id, creation, target, secret, services)
        done = target
        creation = services.store.load_creation(creation_id)
        if creation is None or moderation.media_target(creation) == target:
            break
    if done != moderation.MediaChange.NONE:
        log.moderation_media(creation_id, done)
    return done


def _converge(creation_id: str, creation: dict, target: str, secret: str | None, services: Services) -> None:
    if target == moderation.MediaChange.HOLD:
        _remove_public(creation_id, creation, services)
        if secret is not None:
            for key in media.draft_keys_of(creation):
                _move(key, media.held_key(creation_id, secret, key), services)
        return
    if secret is not None:  # no longer taken down: whatever is held comes back
        for key in media.draft_keys_of(creation):
            _move(media.held_key(creation_id, secret, key), key, services)
    if target == moderation.MediaChange.HIDE:
        _remove_public(creation_id, creation, services)
    elif creation.get("status") == Status.PUBLISHED:
        publish_creation.publish(creation_id, creation, services)


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
