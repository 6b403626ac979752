"""Reconciliation of the feed, run by sweeporphans after its refunds.

Triggers are never retried (firebase-functions cannot declare retries on Firestore
triggers), so a publishcreation or cleanupcreation that dies midway leaves the feed and R2
out of step with the creations. Each run repairs both directions, with bounded work:
- published creations of the last RECONCILE_WINDOW_MINUTES (by publishedAt, a cursor
  through the window, RECONCILE_PAGE_SIZE at a time) without their feed entry or public
  object: the publish is redone (copy + feed write, both idempotent);
- feed entries, RECONCILE_PAGE_SIZE per run with a stored cursor that wraps around, whose
  creation is gone or no longer published: the entry and every public object of the id go.
- moderation decisions (takedown, hide by reports, restore) of the last
  RECONCILE_WINDOW_MINUTES (moderation/{id}.decidedAt, a cursor through the window like the
  first pass): the media step of moderatemedia is run again (handlers/moderate_media.repair,
  the same idempotent step), so a run that died midway (an R2 error, a timeout) is finished
  within one reconcile period, and a poster written to the draft after the media were held
  is held too. Only the decisions of the window, not every creation ever held: a decision
  applied once stays applied (nothing but a new decision moves the media back), and the ones
  whose run failed are recent; each look costs a few R2 listings.
The first and third passes cost what recent publishing and moderation cost; the second a
constant page per run.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import partial

from adapters import log
from adapters.retry import with_retries
from domain import media, metrics, moderation
from domain.errors import ExternalServiceError
from domain.states import Status
from handlers import moderate_media, publish_creation
from handlers.publish_creation import PublishOutcome
from ports import Services

PUBLISH_CURSOR = "reconcile-published"
FEED_CURSOR = "reconcile-feed"
MODERATION_CURSOR = "reconcile-moderation"


def handle(services: Services, now: datetime) -> dict:
    return {
        "republished": _republish_missing(services, now),
        "feedOrphans": _remove_feed_orphans(services),
        "moderationRepaired": _repair_moderation_media(services, now),
    }


def _repair_moderation_media(services: Services, now: datetime) -> int:
    """Each decision of the window: its media made what the creation's mark asks for now.
    How many were out of step (the step logs each repair)."""
    settings, feed = services.settings, services.feed
    window_start = now - timedelta(minutes=settings.reconcile_window_minutes)
    cursor = _as_time(feed.get_cursor(MODERATION_CURSOR))
    since = max(window_start, cursor) if cursor else window_start
    page = feed.decided_since(since, settings.reconcile_page_size)
    repaired = 0
    for creation_id, review in page:
        try:
            if moderate_media.repair(creation_id, review, services):
                repaired += 1
        except ExternalServiceError as exc:
            # R2 still failing for this one: the next run tries again (it is still in the window).
            log.moderation_media_not_repaired(creation_id, str(exc))
    last = page[-1][1].get(moderation.DECIDED_AT) if len(page) >= settings.reconcile_page_size else None
    feed.set_cursor(MODERATION_CURSOR, last.isoformat() if isinstance(last, datetime) else None)
    return repaired


def _republish_missing(services: Services, now: datetime) -> int:
    settings = services.settings
    window_start = now - timedelta(minutes=settings.reconcile_window_minutes)
    store, feed = services.store, services.feed
    cursor = _as_time(feed.get_cursor(PUBLISH_CURSOR))
    since = max(window_start, cursor) if cursor else window_start
    page = store.published_since(since, settings.reconcile_page_size)
    candidates = [(cid, c) for cid, c in page if c.get("status") == Status.PUBLISHED]
    entries = feed.feed_entries([cid for cid, _ in candidates])
    repaired = 0
    for creation_id, creation in candidates:
        try:
            expected = media.published_key(creation_id, creation.get("mediaKey"))
        except ValueError:
            continue  # malformed: publishcreation set it aside and counted it
        entry = entries.get(creation_id)
        if entry and entry.get("visible") is False:
            continue  # hidden by reports: no public copy is served while hidden (moderate_media)
        if (
            entry
            and entry.get("mediaUrl") == services.media.public_url(expected)
            and _object_exists(expected, services)
        ):
            continue
        outcome = publish_creation.publish(creation_id, creation, services)
        if outcome == PublishOutcome.PUBLISHED:
            repaired += 1
            store.count_now(metrics.republished())
            log.publish_repaired(creation_id, bool(entry))
    # A full page may hide more: resume after it next time; otherwise start from the window.
    last = page[-1][1].get("publishedAt") if len(page) >= settings.reconcile_page_size else None
    feed.set_cursor(PUBLISH_CURSOR, last.isoformat() if isinstance(last, datetime) else None)
    return repaired


def _remove_feed_orphans(services: Services) -> int:
    size, feed = services.settings.reconcile_page_size, services.feed
    page = feed.feed_page(feed.get_cursor(FEED_CURSOR), size)
    creations = services.store.existing_creations([cid for cid, _ in page])
    removed = 0
    for creation_id, _ in page:
        creation = creations.get(creation_id)
        if creation is not None and creation.get("status") == Status.PUBLISHED:
            continue
        if feed.remove_from_feed(creation_id):
            removed += 1
            services.store.count_now(metrics.unpublished_orphan())
            log.feed_orphan_removed(creation_id)
        _remove_public_objects(creation_id, services)
    feed.set_cursor(FEED_CURSOR, page[-1][0] if len(page) >= size else None)
    return removed


def _remove_public_objects(creation_id: str, services: Services) -> None:
    """No document of this id was published when its entry was judged an orphan; the owner may
    have published it again since (the entry is then kept): checked again right before the
    delete, and a public copy the current document uses is never removed."""
    current = services.store.load_creation(creation_id)
    if current is not None and current.get("status") == Status.PUBLISHED:
        return
    prefix = media.published_key(creation_id)[: -len(media.VIDEO_SUFFIX)] + "/"
    keys = [key for key, _ in with_retries(partial(services.media.list_keys, prefix), services.settings.retry)]
    for key in keys + [media.legacy_published_key(creation_id)]:
        if media.object_is_live(key, services.store.load_creation(creation_id)):
            continue
        with_retries(partial(services.media.delete, key), services.settings.retry)


def _object_exists(key: str, services: Services) -> bool:
    return any(k == key for k, _ in with_retries(lambda: services.media.list_keys(key), services.settings.retry))


def _as_time(value) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None
