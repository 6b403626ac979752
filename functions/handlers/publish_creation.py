"""onWrite of publications/{id}: a draft the owner published gets a public copy and a feed
entry; an unpublished one loses both.

The app writes publications/{id} in the batch that publishes the creation, and deletes it in
the batch that unpublishes it (firestore.rules requires both): this function runs on those two
writes only, not on every update of every creation (progress, posters, states). Triggers are
not retried: if this run dies between the copy and the feed write, the reconciliation pass of
sweeporphans redoes the publish (see handlers/reconcile.py).
"""

from __future__ import annotations

from enum import StrEnum

from adapters import log
from adapters.retry import with_retries
from domain import media
from domain.errors import ExternalServiceError
from domain.states import Status
from handlers import common
from ports import Services


class PublishOutcome(StrEnum):
    IGNORED = "ignored"  # not a publish (the server's own progress and state writes land here too)
    SET_ASIDE = "set_aside"  # no usable mediaKey
    NOT_PUBLISHED = "not_published"  # deleted or unpublished meanwhile: the public copy is removed
    PUBLISHED = "published"
    HIDDEN = "hidden"  # published while hidden by reports: the entry is written, no public copy stays
    UNPUBLISHED = "unpublished"  # back to draft (the owner, or a takedown): feed entry and public copies gone


def handle(creation_id: str, published: bool, services: Services) -> PublishOutcome:
    """`published`: the publication was created (True) or deleted (False). What is done is
    decided from the creation as it is now (events may come late or twice)."""
    creation = services.store.load_creation(creation_id)
    if creation is None:
        # Deleted: cleanupcreation removes its media; a feed entry left behind goes here.
        services.feed.remove_from_feed(creation_id)
        return PublishOutcome.NOT_PUBLISHED
    if published:
        if creation.get("status") != Status.PUBLISHED:
            return PublishOutcome.IGNORED
        return publish(creation_id, creation, services)
    if creation.get("status") == Status.PUBLISHED:
        return PublishOutcome.IGNORED  # published again since: that publication's event publishes
    return unpublish(creation_id, creation, services)


def _copy_poster(creation_id: str, creation: dict, services: Services) -> str | None:
    """The public copy of the draft's poster, if it has one. A failure publishes
    the video without its poster rather than not at all."""
    if not creation.get("posterUrl"):
        return None
    source = media.poster_key(creation["mediaKey"])
    target = media.published_poster_key(creation_id, creation["mediaKey"])
    services.store.record_upload(target, creation_id)
    try:
        with_retries(
            lambda: services.media.copy(source, target, content_type=media.POSTER_CONTENT_TYPE), services.settings.retry
        )
    except ExternalServiceError as exc:
        log.poster_skipped(creation_id, f"public copy: {exc}")
        return None
    return target


def unpublish(creation_id: str, creation: dict, services: Services) -> PublishOutcome:
    """published -> draft: the feed entry and every public copy of this document go; the draft
    (private video and poster) stays. Safe to repeat. If the owner published again while this
    ran, the publish is redone at the end: its copy may have landed before our delete."""
    removed = services.feed.remove_from_feed(creation_id)
    for key in media.public_keys_of(creation_id, creation):
        # Noted first: if R2 refuses the delete, the media sweep removes the copy later (it is
        # no longer live: the creation is a draft). The note goes once the delete succeeds.
        services.store.record_upload(key, creation_id)
        common.delete_media(creation_id, key, services)
    log.unpublished(creation_id, creation.get("userId"), removed)
    current = services.store.load_creation(creation_id)
    if (
        current is not None
        and current.get("status") == Status.PUBLISHED
        and current.get("mediaKey") == creation.get("mediaKey")
    ):
        return publish(creation_id, current, services)
    return PublishOutcome.UNPUBLISHED


def publish(creation_id: str, creation: dict, services: Services) -> PublishOutcome:
    """Copies the draft to its public key and writes the feed entry; safe to repeat."""
    try:
        public_key = media.published_key(creation_id, creation.get("mediaKey"))
    except ValueError as exc:
        common.set_aside(creation_id, "publishcreation", str(exc), services, counter="creation")
        return PublishOutcome.SET_ASIDE
    # Noted first: a copy this run leaves behind is found by the media sweep.
    services.store.record_upload(public_key, creation_id)
    # Copying again on a re-delivered event rewrites the same object: harmless.
    with_retries(lambda: services.media.copy(creation["mediaKey"], public_key), services.settings.retry)
    poster_key = _copy_poster(creation_id, creation, services)
    poster_url = services.media.public_url(poster_key) if poster_key else None
    written = services.feed.publish_to_feed(creation_id, services.media.public_url(public_key), poster_url)
    if written != media.FeedWrite.PUBLISHED:
        # Deleted (or changed) meanwhile: the delete trigger may already have run, so this
        # copy is ours to remove. Hidden by reports: no public copy is served while hidden.
        for key in filter(None, (public_key, poster_key)):
            services.media.delete(key)
            common.forget_upload(key, services)
        return PublishOutcome.HIDDEN if written == media.FeedWrite.HIDDEN else PublishOutcome.NOT_PUBLISHED
    for key in filter(None, (public_key, poster_key)):
        common.forget_upload(key, services)
    log.state_change(creation_id, creation.get("userId"), Status.DRAFT, Status.PUBLISHED)
    return PublishOutcome.PUBLISHED
