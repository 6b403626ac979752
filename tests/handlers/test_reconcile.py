"""The reconciliation finishes a moderatemedia run that died midway (the trigger is never
retried): taken down -> held and unserved, restored -> served again, hidden -> public copies
gone; a poster written to the draft after the hold is held too; and a second run changes
nothing — against fakes. The decisions are played as in test_moderate_media."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain import media, moderation
from handlers import reconcile
from tests.handlers.fakes import transient
from tests.handlers.test_moderate_media import (
    DRAFT,
    KEY,
    POSTER,
    SECRET,
    draft_served,
    handle,
    held,
    hide,
    public,
    published_with_poster,
    restore,
    take_down,
)


def run_reconcile(world) -> int:
    return reconcile.handle(world.services, world.clock.now())["moderationRepaired"]


def dies_on_copy(world, event) -> None:
    """A moderatemedia run whose R2 copy fails every attempt: it stops before moving anything."""
    world.media.fail("copy", *[transient()] * world.services.settings.retry.attempts)
    with pytest.raises(Exception, match="unavailable"):
        handle(world, event)


def test_a_takedown_whose_media_run_died_is_held_and_unserved_after_one_reconcile_and_a_second_changes_nothing(
    world,
):
    published_with_poster(world)
    dies_on_copy(world, take_down(world))
    assert draft_served(world) == DRAFT  # the dead run left the video served
    world.clock.advance(300)
    assert run_reconcile(world) == 1
    assert draft_served(world) == {} and public(world) == []
    assert world.media.objects[media.held_key("c1", SECRET, KEY)][0] == b"the video"
    objects = dict(world.media.objects)
    assert run_reconcile(world) == 0
    assert world.media.objects == objects


def test_a_restore_whose_media_run_died_is_served_again_after_one_reconcile(world):
    published_with_poster(world)
    handle(world, take_down(world))
    world.clock.advance(60)
    dies_on_copy(world, restore(world))
    assert draft_served(world) == {}  # the dead run left it 404
    world.clock.advance(300)
    assert run_reconcile(world) == 1
    assert draft_served(world) == DRAFT and held(world) == []
    assert run_reconcile(world) == 0


def test_a_hide_whose_public_copies_were_not_deleted_stops_serving_them_after_one_reconcile(world):
    published_with_poster(world)
    # R2 refuses the deletes: the run logs it and ends, the public copies still served
    world.media.fail("delete", *[transient()] * (2 * world.services.settings.retry.attempts))
    handle(world, hide(world))
    assert len(public(world)) == 2
    world.clock.advance(300)
    assert run_reconcile(world) == 1
    assert public(world) == [] and draft_served(world) == DRAFT
    assert run_reconcile(world) == 0


def test_a_poster_written_to_the_draft_after_the_hold_is_held_by_the_next_reconcile(world):
    published_with_poster(world)
    handle(world, take_down(world))
    # The poster step uploads to the draft's poster key after the media were held
    world.media.put(POSTER, b"a late poster")
    world.clock.advance(300)
    assert run_reconcile(world) == 1
    assert draft_served(world) == {}
    assert world.media.objects[media.held_key("c1", SECRET, POSTER)][0] == b"a late poster"
    assert run_reconcile(world) == 0


def test_a_decision_older_than_the_window_is_not_looked_at_again(world):
    published_with_poster(world)
    dies_on_copy(world, take_down(world))
    world.clock.advance(timedelta(minutes=world.services.settings.reconcile_window_minutes + 1).total_seconds())
    assert run_reconcile(world) == 0
    assert world.feed.calls["decided_since"] == 1 and draft_served(world) == DRAFT


def test_a_restored_entry_already_served_is_not_copied_again_by_the_repair(world):
    published_with_poster(world)
    handle(world, hide(world))
    handle(world, restore(world))
    copies = world.media.calls["copy"]
    assert run_reconcile(world) == 0
    assert world.media.calls["copy"] == copies
    assert moderation.media_target(world.store.creations["c1"]) == moderation.MediaChange.SHOW
