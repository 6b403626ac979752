"""cleanupcreation: a deleted creation at every status, a user gone, a malformed balance, an id
re-created since, and late (repeated) delete events — against fakes, Given / When / Then."""

from __future__ import annotations

from adapters.gcs import temp_prefix_uri
from domain import ledger, media
from domain.generation import OutcomeKind, VeoOutcome
from domain.pricing import price
from handlers import finalize_generation, start_generation
from handlers.cleanup_creation import CleanupOutcome, handle
from tests.handlers.conftest import TEMP_BUCKET, USER, request, start_and_dispatch

COST = price(4)  # what a default 4 s request costs: the table's, never a literal


def started(world, cid="c1"):
    """A creation charged its price (of 100 tokens) and processing."""
    world.store.grant(USER, 100)
    start_and_dispatch(world, cid)
    return world.tasks.enqueued[-1][1]


def delete(world, cid="c1"):
    deleted, incarnation = world.store.delete(cid)
    return handle(cid, deleted, world.services, incarnation), deleted, incarnation


def test_a_processing_creation_deleted_is_refunded_once_and_its_media_removed(world):
    # Given a processing creation with an upload already in R2 and Veo's temp output
    job = started(world)
    world.media.put(job["mediaKey"])
    world.temp.objects[temp_prefix_uri(TEMP_BUCKET, "c1") + "out.mp4"] = b"v"
    # When it is deleted, and the delete event comes twice
    outcome, deleted, incarnation = delete(world)
    handle("c1", deleted, world.services, incarnation)
    # Then its tokens come back once, the slot is freed, the draft and temp output are gone
    assert outcome == CleanupOutcome.CLEANED
    assert world.store.tokens(USER) == 100 and world.store.in_flight(USER) == 0
    refund = world.store.entry(USER, ledger.refund_id("c1"))
    assert refund["amount"] == COST and refund["reason"] == "deleted"
    assert not world.media.objects and not world.temp.objects


def test_a_pending_creation_deleted_after_its_charge_is_refunded(world):
    # Given a creation charged but still pending (Veo not started yet)
    world.store.grant(USER, 100)
    inc = world.store.create("c1", request())
    world.store.debit("c1", USER, COST, 3, inc)
    # When it is deleted
    delete(world)
    # Then the charge comes back
    assert world.store.tokens(USER) == 100 and world.store.in_flight(USER) == 0


def test_a_pending_creation_never_charged_moves_no_money(world):
    world.store.grant(USER, 100)
    world.store.create("c1", request())
    delete(world)
    assert world.store.tokens(USER) == 100 and not world.store.entry(USER, ledger.refund_id("c1"))


def test_a_deleted_draft_is_not_refunded_but_its_video_goes(world):
    # Given a delivered draft
    job = started(world)
    finalize_generation.handle("c1", world.services, job=job)
    # When it is deleted
    delete(world)
    # Then the tokens stay spent and the video is removed
    assert world.store.tokens(USER) == 100 - COST and job["mediaKey"] not in world.media.objects


def test_a_deleted_published_creation_leaves_the_feed_and_its_public_copies(world):
    # Given a published creation with its public copy and feed entry (and an old shared public key)
    job = started(world)
    finalize_generation.handle("c1", world.services, job=job)
    world.store.creations["c1"]["status"] = "published"
    public = media.published_key("c1", job["mediaKey"])
    world.media.put(public)
    world.media.put(media.legacy_published_key("c1"))
    world.store.feed["c1"] = {"mediaUrl": world.media.public_url(public)}
    # When it is deleted
    delete(world)
    # Then the feed entry and every object of it are gone, no refund
    assert "c1" not in world.store.feed and not world.media.objects
    assert world.store.tokens(USER) == 100 - COST


def test_a_deleted_failed_creation_is_not_refunded_twice(world):
    # Given a creation that failed and was refunded
    job = started(world)
    world.veo.answers = [VeoOutcome(OutcomeKind.FAILED)]
    finalize_generation.handle("c1", world.services, job=job)
    assert world.store.tokens(USER) == 100
    # When it is deleted
    delete(world)
    # Then the balance does not move again
    assert world.store.tokens(USER) == 100


def test_a_deletion_whose_user_is_gone_refunds_nothing(world):
    # Given a processing creation whose user document was deleted
    started(world)
    del world.store.users[USER]
    # When the creation is deleted
    outcome, _, _ = delete(world)
    # Then nothing is written for the user (no ghost document)
    assert outcome == CleanupOutcome.CLEANED and USER not in world.store.users


def test_a_deletion_with_an_unreadable_balance_is_set_aside_but_the_media_still_goes(world):
    # Given a processing creation with an upload, and the user's balance turned to text
    job = started(world)
    world.media.put(job["mediaKey"])
    world.store.users[USER]["tokens"] = "60"
    # When it is deleted
    outcome, _, _ = delete(world)
    # Then the money waits (counted as malformed) and the media is removed anyway
    assert outcome == CleanupOutcome.CLEANED
    assert world.store.counters["malformed_user"] == 1 and not world.media.objects


def test_a_late_delete_event_after_the_id_was_re_created_touches_nothing_of_the_new_document(world):
    # Given a processing creation deleted (and settled), then the id re-created and published
    started(world)
    _, deleted, incarnation = delete(world)
    world.store.create("c1", {**request(), "status": "published", "mediaKey": "drafts/alice/c1/new.mp4"})
    new_public = media.published_key("c1", "drafts/alice/c1/new.mp4")
    world.media.put(new_public)
    world.media.put(media.legacy_published_key("c1"))
    world.store.feed["c1"] = {"mediaUrl": world.media.public_url(new_public)}
    world.temp.objects[temp_prefix_uri(TEMP_BUCKET, "c1") + "new.mp4"] = b"v"
    # When the old delete event comes again, late
    outcome = handle("c1", deleted, world.services, incarnation)
    # Then the new document's feed entry, public copies and temp output stay, no second refund
    assert outcome == CleanupOutcome.CLEANED
    assert "c1" in world.store.feed and new_public in world.media.objects
    assert media.legacy_published_key("c1") in world.media.objects and world.temp.objects
    assert world.store.tokens(USER) == 100


def test_a_delete_event_without_an_incarnation_settles_the_debit_no_live_document_owns(world):
    # Given a processing creation deleted; its event carries no create time (an older event format)
    started(world)
    deleted, _ = world.store.delete("c1")
    # When it is handled
    handle("c1", deleted, world.services, None)
    # Then its debit is refunded
    assert world.store.tokens(USER) == 100


def test_a_delete_event_without_an_incarnation_leaves_the_debit_of_a_live_document(world):
    # Given an id deleted and created again, whose live document holds the debit
    world.store.grant(USER, 100)
    world.store.create("c1", request())
    old, _ = world.store.delete("c1")
    inc = world.store.create("c1", request())
    start_generation.handle("c1", request(), world.services, inc)
    # When the old delete event (without incarnation) is handled
    handle("c1", {**old, "status": "processing"}, world.services, None)
    # Then the live document's debit is not refunded
    assert world.store.tokens(USER) == 100 - COST


def test_a_delete_event_of_an_earlier_incarnation_leaves_the_current_debit(world):
    world.store.grant(USER, 100)
    old_inc = world.store.create("c1", request())
    world.store.delete("c1")
    inc = world.store.create("c1", request())
    start_generation.handle("c1", request(), world.services, inc)
    handle("c1", {**request(), "status": "processing"}, world.services, old_inc)
    assert world.store.tokens(USER) == 100 - COST


def test_an_event_without_a_document_or_a_temp_bucket_still_cleans_the_feed(world):
    # Given no temp bucket and a delete event without data for an id that has a feed entry
    world.with_settings(gcs_temp_bucket="")
    world.store.feed["c1"] = {"mediaUrl": "x"}
    # When it is handled
    outcome = handle("c1", None, world.services, None)
    # Then the feed entry is gone and GCS is not asked
    assert outcome == CleanupOutcome.CLEANED and "c1" not in world.store.feed
    assert not world.temp.calls["delete_prefix"]


def test_an_id_that_cannot_name_an_object_is_not_used_to_build_a_key(world):
    # Given a delete event for an id outside the id alphabet
    # When it is handled
    outcome = handle("bad id!", {"status": "draft"}, world.services, None)
    # Then no R2 key is derived from it
    assert outcome == CleanupOutcome.CLEANED and not world.media.calls["delete"]
