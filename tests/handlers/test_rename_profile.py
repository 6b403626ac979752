"""renameprofile: a rename reaches every feed entry of the user's published creations, and
only theirs — against fakes."""

from __future__ import annotations

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


def test_a_deleted_or_invalid_profile_shows_the_fallback_name(world):
    publish(world, "c1")
    world.feed.profiles[USER] = {"displayName": "evil\u202eeman"}
    rename_profile.handle(USER, world.services)
    assert world.store.feed["c1"]["displayName"] == FALLBACK_NAME


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
