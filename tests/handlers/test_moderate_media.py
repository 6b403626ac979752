"""moderatemedia: a takedown makes the draft and public media unreachable and keeps the bytes;
a restore brings every held object back to its own key; a hide removes the public copies; and
events delivered twice, late or out of order never leave the media in a state the creation's
moderation mark no longer asks for — against fakes.

The decisions are played as adapters/feed_store.take_down and restore write them: the
creation's moderation mark and moderation/{id} in one step, then the event of that write."""

from __future__ import annotations

from domain import media, moderation
from domain.states import Status
from handlers import moderate_media, publish_creation
from tests.handlers.conftest import USER, request

KEY = f"drafts/{USER}/c1/s3cret.mp4"
POSTER = media.poster_key(KEY)
SECRET = "held-secret"
DRAFT = {KEY: b"the video", POSTER: b"the poster"}


def published_with_poster(world, key: str = KEY):
    world.store.create("c1", {**request(), "status": "published", "mediaKey": key, "posterUrl": "p"})
    world.media.put(key, b"the video")
    world.media.put(media.poster_key(key), b"the poster")
    assert publish_creation.handle("c1", True, world.services) == publish_creation.PublishOutcome.PUBLISHED
    assert set(media.public_keys_of("c1", world.store.creations["c1"])) <= set(world.media.objects)


def take_down(world, cid: str = "c1") -> tuple[dict, dict]:
    """As feed_store.take_down: the owner's mark, back to draft, moderation/{id} with the held
    secret it keeps (or a new one). The (before, after) of the moderation/{id} write."""
    before = dict(world.feed.reviews.get(cid) or {})
    creation = world.store.creations[cid]
    creation["moderation"] = {"state": moderation.TAKEN_DOWN, "reason": "r"}
    if creation.get("status") == Status.PUBLISHED:
        creation["status"] = Status.DRAFT.value
    world.store.feed.pop(cid, None)
    after = {
        **before,
        "heldSecret": moderation.held_secret(before) or SECRET,
        "takenDown": {"reason": "r", "by": "op"},
        "hidden": False,
    }
    world.feed.reviews[cid] = after
    return before, after


def restore(world, cid: str = "c1") -> tuple[dict, dict]:
    """As feed_store.restore: the mark removed, the review cleared (the held secret kept)."""
    before = dict(world.feed.reviews.get(cid) or {})
    world.store.creations[cid].pop("moderation", None)
    after = {k: v for k, v in moderation.cleared(before, 3).items() if k != "takenDown"}
    after["restored"] = {"by": "op"}
    world.feed.reviews[cid] = after
    if cid in world.store.feed and world.store.creations[cid].get("status") == Status.PUBLISHED:
        world.store.feed[cid]["visible"] = True
    return before, after


def hide(world, cid: str = "c1") -> tuple[dict, dict]:
    """As feed_store.count_report when a report hides the entry."""
    before = dict(world.feed.reviews.get(cid) or {})
    after = {**before, "hidden": True}
    world.feed.reviews[cid] = after
    world.store.creations[cid]["moderation"] = {"state": moderation.UNDER_REVIEW}
    if cid in world.store.feed:
        world.store.feed[cid]["visible"] = False
    return before, after


def handle(world, event: tuple[dict, dict]) -> str:
    return moderate_media.handle("c1", event[0], event[1], world.services)


def draft_served(world) -> dict[str, bytes]:
    return {k: world.media.objects[k][0] for k in DRAFT if k in world.media.objects}


def held(world) -> list[str]:
    return sorted(k for k in world.media.objects if k.startswith(media.HELD_PREFIX))


def public(world) -> list[str]:
    return sorted(k for k in world.media.objects if k.startswith(media.PUBLISHED_PREFIX))


def test_a_takedown_holds_the_draft_video_and_poster_removes_the_public_copies_and_keeps_the_bytes(world):
    published_with_poster(world)
    event = take_down(world)
    # A re-delivered event (twice) changes nothing more
    for _ in range(2):
        assert handle(world, event) == moderation.MediaChange.HOLD
    assert draft_served(world) == {} and public(world) == []
    assert world.media.objects[media.held_key("c1", SECRET, KEY)][0] == b"the video"
    assert world.media.objects[media.held_key("c1", SECRET, POSTER)][0] == b"the poster"
    assert len(held(world)) == 2


def test_a_restore_brings_every_held_object_back_to_its_own_key_with_its_type_even_when_run_twice(world):
    published_with_poster(world)
    handle(world, take_down(world))
    event = restore(world)
    for _ in range(2):
        assert handle(world, event) == moderation.MediaChange.SHOW
    assert draft_served(world) == DRAFT and held(world) == []
    assert world.media.content_types[POSTER] == "image/jpeg" and world.media.content_types[KEY] == "video/mp4"


def test_the_poster_goes_first_and_comes_back_first_so_the_video_answering_means_the_poster_does(world):
    published_with_poster(world)
    seen: list[tuple[str, str]] = []
    copy = world.media.copy

    def recording_copy(source, target, **kw):
        seen.append((source, target))
        copy(source, target, **kw)

    world.media.copy = recording_copy  # type: ignore[method-assign]
    handle(world, take_down(world))
    assert [s for s, _ in seen] == [POSTER, KEY]
    seen.clear()
    handle(world, restore(world))
    assert [t for _, t in seen] == [POSTER, KEY]


def test_a_takedown_event_delivered_after_its_restore_leaves_the_media_served(world):
    published_with_poster(world)
    takedown_event = take_down(world)
    handle(world, takedown_event)
    handle(world, restore(world))
    # The takedown's event again, late: it must not hold what the restore gave back
    assert handle(world, takedown_event) == moderation.MediaChange.SHOW
    assert draft_served(world) == DRAFT and held(world) == []


def test_a_restore_while_the_takedown_still_moves_the_media_ends_with_everything_back(world):
    published_with_poster(world)
    takedown_event = take_down(world)
    # The operator restores after the poster was held and before the video is
    restored: list[tuple[dict, dict]] = []
    world.media.before("copy", lambda: None)  # the poster's copy
    world.media.before("copy", lambda: restored.append(restore(world)))  # the video's
    handle(world, takedown_event)
    assert restored, "the restore did not happen during the takedown's moves"
    handle(world, restored[0])
    assert draft_served(world) == DRAFT and held(world) == []


def test_a_restore_event_delivered_before_its_takedown_event_ends_with_everything_back(world):
    published_with_poster(world)
    takedown_event = take_down(world)
    restore_event = restore(world)
    handle(world, restore_event)
    handle(world, takedown_event)
    assert draft_served(world) == DRAFT and held(world) == []


def test_a_second_takedown_holds_at_the_same_keys_and_its_restore_gives_everything_back(world):
    published_with_poster(world)
    handle(world, take_down(world))
    first = restore(world)
    handle(world, first)
    second = take_down(world)
    assert moderation.held_secret(second[1]) == moderation.held_secret(first[0]) == SECRET
    handle(world, second)
    handle(world, first)  # the first restore's event again, late: the second takedown stands
    assert draft_served(world) == {} and len(held(world)) == 2
    handle(world, restore(world))
    assert draft_served(world) == DRAFT and held(world) == []


def test_a_later_document_with_the_same_id_never_gets_an_earlier_ones_held_bytes(world):
    published_with_poster(world)
    handle(world, take_down(world))
    # The owner deletes it (the held bytes stay for an appeal); the id is used again
    del world.store.creations["c1"]
    world.media.objects.pop(KEY, None)
    later = f"drafts/{USER}/c1/l4ter.mp4"
    published_with_poster(world, key=later)
    world.media.objects[later] = (b"the new video", world.clock.now())
    handle(world, hide(world))
    handle(world, restore(world))
    assert world.media.objects[later][0] == b"the new video"
    assert media.held_key("c1", SECRET, later) != media.held_key("c1", SECRET, KEY)
    assert media.held_key("c1", SECRET, KEY) in world.media.objects  # still held, never served


def test_an_entry_hidden_by_reports_stops_serving_its_public_copies_and_gets_them_back_when_restored(world):
    published_with_poster(world)
    event = hide(world)
    for _ in range(2):
        assert handle(world, event) == moderation.MediaChange.HIDE
    assert public(world) == [] and draft_served(world) == DRAFT  # the owner's draft stays
    assert handle(world, restore(world)) == moderation.MediaChange.SHOW
    assert set(media.public_keys_of("c1", world.store.creations["c1"])) == set(public(world))
    assert len(public(world)) == 2 and held(world) == []


def test_a_hide_event_delivered_after_the_restore_keeps_the_public_copies(world):
    published_with_poster(world)
    hide_event = hide(world)
    handle(world, hide_event)
    handle(world, restore(world))
    handle(world, hide_event)
    assert len(public(world)) == 2 and world.store.feed["c1"]["visible"] is True


def test_writes_that_change_neither_takedown_nor_hidden_do_nothing(world):
    published_with_poster(world)
    copies = dict(world.media.calls)
    change = moderate_media.handle("c1", {"weight": 1.0}, {"weight": 2.0}, world.services)
    assert change == moderation.MediaChange.NONE and dict(world.media.calls) == copies


def test_a_decision_for_a_deleted_creation_moves_nothing(world):
    published_with_poster(world)
    event = take_down(world)
    del world.store.creations["c1"]
    calls = dict(world.media.calls)
    assert handle(world, event) == moderation.MediaChange.NONE and dict(world.media.calls) == calls


def test_a_record_written_before_the_secret_moved_up_still_releases_what_it_held(world):
    published_with_poster(world)
    old = {"takenDown": {"reason": "r", "by": "op", "heldSecret": "old-secret"}, "hidden": False}
    world.store.creations["c1"].update(status="draft", moderation={"state": moderation.TAKEN_DOWN})
    handle(world, ({}, old))
    assert len(held(world)) == 2 and draft_served(world) == {}
    world.store.creations["c1"].pop("moderation")
    handle(world, (old, {"hidden": False, "restored": {"by": "op"}}))
    assert draft_served(world) == DRAFT and held(world) == []
