"""publishcreation (on publications/{id}): what is not a publish, a malformed document, a
publish, a repeat, a creation deleted meanwhile, and republishing — against fakes, Given / When
/ Then."""

from __future__ import annotations

import pytest

from domain import media
from domain.errors import ExternalServiceError
from handlers.publish_creation import PublishOutcome, handle
from tests.handlers.conftest import USER, request
from tests.handlers.fakes import permanent

KEY = "drafts/alice/c1/s3cret.mp4"


def draft(world, cid="c1", key=KEY):
    world.store.create(cid, {**request(), "status": "draft", "mediaKey": key})
    world.media.put(key, b"the video")
    return dict(world.store.creations[cid])


def published(world, cid="c1"):
    world.store.creations[cid]["status"] = "published"
    return dict(world.store.creations[cid])


def test_publication_events_that_do_not_match_the_creation_are_ignored(world):
    # Given a draft (a publication event came late, or before a batch the rules refused)
    draft(world)
    # When a "published" event comes for a creation that is not published, or an
    # "unpublished" one for a creation published again since
    # Then nothing is copied or written
    assert handle("c1", True, world.services) == PublishOutcome.IGNORED
    published(world)
    assert handle("c1", False, world.services) == PublishOutcome.IGNORED
    assert not world.media.calls["copy"] and not world.store.feed


def test_a_published_draft_gets_a_public_copy_and_a_feed_entry(world):
    # Given a draft the owner publishes
    draft(world)
    published(world)
    # When the update is handled
    outcome = handle("c1", True, world.services)
    # Then the video is copied to its public key and the feed shows it
    assert outcome == PublishOutcome.PUBLISHED
    public = media.published_key("c1", KEY)
    assert world.media.objects[public][0] == b"the video"
    assert world.store.feed["c1"]["mediaUrl"] == world.media.public_url(public)
    assert "userId" not in world.store.feed["c1"]  # the feed shows names, not uids
    assert world.store.feed["c1"]["displayName"] == "Phoenix creator"


def test_a_repeated_publish_event_rewrites_the_same_copy_and_entry(world):
    draft(world)
    published(world)
    handle("c1", True, world.services)
    # When the same event comes again
    # Then the outcome and the feed are the same
    assert handle("c1", True, world.services) == PublishOutcome.PUBLISHED
    assert list(world.store.feed) == ["c1"]


def test_a_published_creation_with_an_unusable_media_key_is_set_aside(world):
    # Given a published creation whose mediaKey is not one of ours
    draft(world, key="elsewhere/video.mp4")
    published(world)
    # When the update is handled
    outcome = handle("c1", True, world.services)
    # Then it is set aside and counted, nothing copied
    assert outcome == PublishOutcome.SET_ASIDE
    assert world.store.counters["malformed_creation"] == 1 and not world.media.calls["copy"]


def test_a_creation_deleted_during_the_copy_leaves_no_public_copy(world):
    # Given the owner deletes the creation while its video is copied
    draft(world)
    published(world)
    world.feed.before("publish_to_feed", lambda: world.store.delete("c1"))
    # When the publish tries to write the feed
    outcome = handle("c1", True, world.services)
    # Then no feed entry is written and the public copy is removed
    assert outcome == PublishOutcome.NOT_PUBLISHED
    assert "c1" not in world.store.feed and media.published_key("c1", KEY) not in world.media.objects


def test_a_public_copy_is_noted_before_the_copy_and_the_note_cleared_once_the_feed_holds_it(world):
    # Given a draft the owner publishes, and R2 failing the copy the first time
    draft(world)
    published(world)
    public = media.published_key("c1", KEY)
    world.media.fail("copy", permanent("r2"))
    # When the update is handled and dies at the copy (a trigger is not retried)
    with pytest.raises(ExternalServiceError):
        handle("c1", True, world.services)
    # Then the upload intent is left for the media sweep; a later publish clears it
    assert public in world.store.uploads
    assert handle("c1", True, world.services) == PublishOutcome.PUBLISHED
    assert public not in world.store.uploads


# ---- names and unpublish ---------------------------------------------------------


def test_the_feed_entry_carries_the_owners_display_name_and_no_uid(world):
    world.feed.accepted[USER] = {"name": "Alice W"}
    draft(world)
    published(world)
    handle("c1", True, world.services)
    entry = world.store.feed["c1"]
    assert entry["displayName"] == "Alice W" and USER not in entry.values() and entry["visible"] is True


def test_unpublish_removes_the_feed_entry_and_the_public_copy_and_keeps_the_draft(world):
    draft(world)
    published(world)
    handle("c1", True, world.services)
    world.store.creations["c1"]["status"] = "draft"
    world.store.creations["c1"].pop("publishedAt", None)
    # When the unpublish event comes (twice: a re-delivery changes nothing)
    for _ in range(2):
        assert handle("c1", False, world.services) == PublishOutcome.UNPUBLISHED
    # Then the feed entry and the public copy are gone, the private draft stays
    assert "c1" not in world.store.feed
    assert media.published_key("c1", KEY) not in world.media.objects
    assert world.media.objects[KEY][0] == b"the video"


def test_publish_again_while_an_unpublish_runs_ends_published_with_one_entry(world):
    draft(world)
    published(world)
    handle("c1", True, world.services)
    # Given the owner unpublished, then publishes again while the unpublish removes the copies
    world.store.creations["c1"].update(status="draft")
    world.media.before("delete", lambda: world.store.creations["c1"].update(status="published"))
    # When the unpublish event is handled
    outcome = handle("c1", False, world.services)
    # Then the publish is redone: entry and public copy are there
    assert outcome == PublishOutcome.PUBLISHED
    assert list(world.store.feed) == ["c1"]
    assert media.published_key("c1", KEY) in world.media.objects


def test_a_taken_down_creation_is_not_published_to_the_feed(world):
    draft(world)
    published(world)
    world.store.creations["c1"]["moderation"] = {"state": "taken_down", "reason": "x"}
    assert handle("c1", True, world.services) == PublishOutcome.NOT_PUBLISHED
    assert "c1" not in world.store.feed


def test_an_unpublish_r2_refuses_to_clean_leaves_the_public_copy_to_the_media_sweep(world):
    from handlers import sweep_orphans
    from tests.handlers.fakes import transient

    draft(world)
    published(world)
    handle("c1", True, world.services)
    world.store.creations["c1"]["status"] = "draft"
    public = media.published_key("c1", KEY)
    world.media.fail("delete", *[transient()] * 2)  # every attempt of the first delete
    # When the unpublish event is handled while R2 refuses
    assert handle("c1", False, world.services) == PublishOutcome.UNPUBLISHED
    # Then the feed entry is gone and the copy is noted; the media sweep removes it
    assert "c1" not in world.store.feed and public in world.media.objects and public in world.store.uploads
    world.clock.advance(3600 * 2)
    sweep_orphans.sweep_media(world.services, world.clock.now())
    assert public not in world.media.objects


def test_a_publish_r2_keeps_refusing_writes_no_entry_and_the_reconciliation_redoes_it(world):
    from handlers import reconcile
    from tests.handlers.fakes import transient

    # Given a draft just published, and R2 refusing every try of the public copy
    draft(world)
    published(world)
    world.store.creations["c1"]["publishedAt"] = world.clock.now()
    world.media.fail("copy", *[transient()] * world.services.settings.retry.attempts)
    # When the publication event is handled, it gives up (the trigger is not retried)
    with pytest.raises(ExternalServiceError):
        handle("c1", True, world.services)
    # Then nothing is in the feed; with R2 back, the reconciliation publishes it
    assert "c1" not in world.store.feed
    assert reconcile.handle(world.services, world.clock.now())["republished"] == 1
    public = media.published_key("c1", KEY)
    assert public in world.media.objects and world.store.feed["c1"]["mediaUrl"] == world.media.public_url(public)


def test_a_republished_entry_keeps_its_first_published_at_and_does_not_move_up_the_feed(world):
    import datetime as dt

    first = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    draft(world)
    world.store.creations["c1"].update(status="published", publishedAt=first)
    handle("c1", True, world.services)
    # When the owner unpublishes and publishes again later (the client stamps a new publishedAt)
    world.store.creations["c1"].update(status="draft")
    world.store.creations["c1"].pop("publishedAt")
    handle("c1", False, world.services)
    world.store.creations["c1"].update(status="published", publishedAt=first + dt.timedelta(days=30))
    assert handle("c1", True, world.services) == PublishOutcome.PUBLISHED
    # Then the entry is where it was first
    assert world.store.feed["c1"]["publishedAt"] == first


def test_a_creation_published_while_hidden_by_reports_keeps_no_public_copy(world):
    # Given an entry hidden pending review, then unpublished and published again by its owner
    draft(world)
    published(world)
    world.feed.reviews["c1"] = {"hidden": True}
    # When the publish is handled
    outcome = handle("c1", True, world.services)
    # Then the entry is there but hidden, and no public copy is served
    assert outcome == PublishOutcome.HIDDEN
    assert world.store.feed["c1"]["visible"] is False
    assert media.published_key("c1", KEY) not in world.media.objects
    assert media.published_poster_key("c1", KEY) not in world.media.objects
