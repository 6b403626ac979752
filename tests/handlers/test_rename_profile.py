"""renameprofile: a rename reaches every feed entry of the user's published creations, and
only theirs — against fakes."""

from __future__ import annotations

import pytest

from domain.profiles import FALLBACK_NAME
from handlers import rename_profile
from tests.handlers.conftest import OTHER, USER, request


def publish(world, cid, user=USER, name="Old Name"):
    world.store.create(cid, {**request(user), "status": "published", "mediaKey": f"drafts/{user}/{cid}/s.mp4"})
    world.store.feed[cid] = {"displayName": name, "visible": True}


def test_a_rename_updates_every_feed_entry_of_the_user_across_pages_and_only_theirs(world):
    for i in range(5):
        publish(world, f"c{i}")
    publish(world, "theirs", user=OTHER)
    world.feed.profiles[USER] = {"displayName": "New Name"}
    # When the trigger runs, two entries a page
    changed = rename_profile.handle(USER, world.services, page_size=2)
    # Then all five of the user's entries carry the new name; the other user's is untouched
    assert changed == 5
    assert {world.store.feed[f"c{i}"]["displayName"] for i in range(5)} == {"New Name"}
    assert world.store.feed["theirs"]["displayName"] == "Old Name"
    # And a re-delivered event changes nothing more
    assert rename_profile.handle(USER, world.services, page_size=2) == 0


def test_an_invalid_name_is_refused_with_its_error_and_the_accepted_name_stays(world):
    publish(world, "c1")
    world.feed.profiles[USER] = {"displayName": "Good Name"}
    rename_profile.handle(USER, world.services)
    world.feed.profiles[USER] = {"displayName": "evil\u202eeman"}
    assert rename_profile.handle(USER, world.services) == 0
    assert world.store.feed["c1"]["displayName"] == "Good Name"
    assert world.feed.accepted[USER]["error"]["code"] == "invalid_name"


def test_a_deleted_profile_shows_the_fallback_name_and_releases_the_name(world):
    publish(world, "c1")
    world.feed.profiles[USER] = {"displayName": "Good Name"}
    rename_profile.handle(USER, world.services)
    del world.feed.profiles[USER]
    rename_profile.handle(USER, world.services)
    assert world.store.feed["c1"]["displayName"] == FALLBACK_NAME
    # The name is free again: another user may take it
    world.feed.profiles[OTHER] = {"displayName": "Good Name"}
    rename_profile.handle(OTHER, world.services)
    assert world.feed.accepted[OTHER]["name"] == "Good Name"


@pytest.mark.parametrize("lookalike", ["Mara Lind", "MARA LIND", "M\u0430ra Lind", "Mara Lind\u034f"], ids=repr)
def test_a_second_user_cannot_take_a_name_another_creator_shows_or_a_lookalike(world, lookalike):
    publish(world, "hers", user=OTHER)
    world.feed.profiles[OTHER] = {"displayName": "Mara Lind"}
    rename_profile.handle(OTHER, world.services)
    publish(world, "mine", name="Phoenix creator")
    # When another user asks for the same name (or one that looks the same)
    world.feed.profiles[USER] = {"displayName": lookalike}
    rename_profile.handle(USER, world.services)
    # Then it is refused, their entries keep what they showed, and the error says why
    assert world.store.feed["mine"]["displayName"] == "Phoenix creator"
    assert world.feed.accepted[USER].get("name") is None
    code = world.feed.accepted[USER]["error"]["code"]
    assert code == ("invalid_name" if "\u034f" in lookalike else "name_taken")
    assert world.store.feed["hers"]["displayName"] == "Mara Lind"


def test_profile_writes_in_a_loop_walk_the_feed_only_within_the_daily_rename_limit(world):
    from domain.profiles import RENAMES_PER_DAY

    for i in range(3):
        publish(world, f"c{i}")
    walks = 0
    for i in range(RENAMES_PER_DAY + 5):
        world.feed.profiles[USER] = {"displayName": f"Name {chr(65 + i)}"}
        walks += bool(rename_profile.handle(USER, world.services))
    assert walks == RENAMES_PER_DAY
    assert world.feed.accepted[USER]["error"]["code"] == "rate_limited"
    world.clock.advance(24 * 3600)
    rename_profile.handle(USER, world.services)
    assert world.store.feed["c0"]["displayName"] == f"Name {chr(65 + RENAMES_PER_DAY + 4)}"


def test_a_rename_racing_a_publish_ends_with_the_new_name_either_way(world):
    from handlers.publish_creation import publish

    world.feed.profiles[USER] = {"displayName": "Old Name"}
    world.store.create("c1", {**request(), "status": "published", "mediaKey": f"drafts/{USER}/c1/s.mp4"})
    world.media.put(f"drafts/{USER}/c1/s.mp4")

    # The rename (and its trigger) land after the publish's copy but before its feed write:
    # the trigger finds no entry yet, and the publish's transaction reads the new name.
    def rename():
        world.feed.profiles[USER] = {"displayName": "New Name"}
        rename_profile.handle(USER, world.services)

    world.feed.before("publish_to_feed", rename)
    publish("c1", dict(world.store.creations["c1"]), world.services)
    assert world.store.feed["c1"]["displayName"] == "New Name"

    # The other order: the entry exists with the old name when the rename's trigger runs.
    world.feed.profiles[USER] = {"displayName": "Newer Name"}
    rename_profile.handle(USER, world.services)
    assert world.store.feed["c1"]["displayName"] == "Newer Name"
