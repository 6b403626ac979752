"""moderatemedia: a takedown makes the draft and public media unreachable and keeps the bytes;
a restore brings them back; a hide removes the public copies — against fakes."""

from __future__ import annotations

from domain import media, moderation
from handlers import moderate_media, publish_creation
from tests.handlers.conftest import USER, request

KEY = f"drafts/{USER}/c1/s3cret.mp4"
POSTER = media.poster_key(KEY)


def published_with_poster(world):
    world.store.create("c1", {**request(), "status": "published", "mediaKey": KEY, "posterUrl": "p"})
    world.media.put(KEY, b"the video")
    world.media.put(POSTER, b"the poster")
    assert publish_creation.handle("c1", True, world.services) == publish_creation.PublishOutcome.PUBLISHED
    assert set(media.public_keys_of("c1", world.store.creations["c1"])) <= set(world.media.objects)


def taken_down(secret="held-secret"):
    return {"takenDown": {"reason": "r", "by": "op", "heldSecret": secret}, "hidden": False}


def test_a_takedown_leaves_no_draft_or_public_object_reachable_and_keeps_the_bytes_held(world):
    published_with_poster(world)
    world.store.creations["c1"].update(status="draft")
    # When the moderation record says taken down (twice: a re-delivered event)
    for _ in range(2):
        moderate_media.handle("c1", {"hidden": False}, taken_down(), world.services)
    # Then neither the owner's URLs nor the public copies answer; the bytes are held
    keys = set(world.media.objects)
    assert KEY not in keys and POSTER not in keys
    assert not any(k.startswith("published/") for k in keys)
    assert world.media.objects[media.held_key("c1", "held-secret", KEY)][0] == b"the video"
    assert world.media.objects[media.held_key("c1", "held-secret", POSTER)][0] == b"the poster"


def test_a_restore_after_a_takedown_brings_the_draft_back_at_its_own_urls(world):
    published_with_poster(world)
    world.store.creations["c1"].update(status="draft")
    moderate_media.handle("c1", {}, taken_down(), world.services)
    moderate_media.handle("c1", taken_down(), {"restored": {"by": "op"}}, world.services)
    assert world.media.objects[KEY][0] == b"the video" and world.media.objects[POSTER][0] == b"the poster"
    assert not any(k.startswith(media.HELD_PREFIX) for k in world.media.objects)


def test_an_entry_hidden_by_reports_stops_serving_its_public_copies_and_gets_them_back_when_cleared(world):
    published_with_poster(world)
    moderate_media.handle("c1", {"hidden": False}, {"hidden": True}, world.services)
    assert not any(k.startswith("published/") for k in world.media.objects)
    assert KEY in world.media.objects  # the owner's draft stays
    world.feed.reviews["c1"] = {"hidden": False}
    moderate_media.handle("c1", {"hidden": True}, {"hidden": False}, world.services)
    assert set(media.public_keys_of("c1", world.store.creations["c1"])) <= set(world.media.objects)


def test_writes_that_change_neither_takedown_nor_hidden_do_nothing(world):
    published_with_poster(world)
    copies = dict(world.media.calls)
    change = moderate_media.handle("c1", {"weight": 1.0}, {"weight": 2.0}, world.services)
    assert change == moderation.MediaChange.NONE and dict(world.media.calls) == copies
