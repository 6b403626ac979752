"""sweeporphans (and the reconciliation it runs): creations stuck in flight, malformed and
transient failures one by one, the media sweep, and the feed repairs — against fakes,
Given / When / Then."""

from __future__ import annotations

from datetime import timedelta

from adapters.gcs import temp_prefix_uri
from domain import media
from domain.errors import ErrorCode
from domain.pricing import price
from handlers import reconcile, start_generation
from handlers.sweep_orphans import handle
from tests.handlers.conftest import OTHER, TEMP_BUCKET, USER, request, start_and_dispatch
from tests.handlers.fakes import T0, permanent

COST = price(4)  # what a default 4 s request costs: the table's, never a literal

LONG_AGO = T0 - timedelta(hours=1)


def stuck(world, cid="c1", user=USER, created_at=LONG_AGO):
    """A creation charged its price, queued, started at once, processing since `created_at`."""
    if user not in world.store.users:
        world.store.grant(user, 100)
    start_and_dispatch(world, cid, request(user=user))
    world.store.creations[cid].update(createdAt=created_at, startedAt=created_at)
    return world.store.creations[cid]


def queued(world, cid="c1", queued_at=LONG_AGO):
    """A creation charged its price and waiting in the startveo queue since `queued_at`."""
    world.store.grant(USER, 100)
    inc = world.store.create(cid, request())
    assert start_generation.handle(cid, request(), world.services, inc) == start_generation.StartOutcome.QUEUED
    world.store.creations[cid].update(createdAt=queued_at, queuedAt=queued_at)
    return world.store.creations[cid]


def test_a_creation_stuck_past_the_limit_fails_as_timeout_and_is_refunded(world):
    # Given a creation processing for an hour (limit 15 minutes) with an upload and temp output
    creation = stuck(world)
    world.media.put(creation["mediaKey"])
    world.temp.objects[temp_prefix_uri(TEMP_BUCKET, "c1") + "x.mp4"] = b"v"
    # When the sweep runs
    summary = handle(world.services)
    # Then it fails (timeout), the 40 tokens come back, its media is removed
    assert summary["swept"] == 1 and summary["refundedTokens"] == COST
    assert world.store.creations["c1"]["error"]["code"] == ErrorCode.TIMEOUT
    assert world.store.tokens(USER) == 100 and world.store.in_flight(USER) == 0
    assert not world.media.objects and not world.temp.objects


def test_a_young_creation_is_left_alone(world):
    stuck(world, created_at=T0 - timedelta(minutes=5))
    assert handle(world.services, T0)["swept"] == 0
    assert world.store.creations["c1"]["status"] == "processing"


def test_a_creation_whose_created_at_is_text_is_aged_by_its_create_time(world):
    # Given an in-flight creation whose createdAt is a string, created an hour ago
    stuck(world, created_at="yesterday")
    # When the sweep runs an hour later
    summary = handle(world.services, T0 + timedelta(hours=1))
    # Then it is swept like any other
    assert summary["swept"] == 1 and world.store.tokens(USER) == 100


def test_a_creation_finalized_meanwhile_is_not_counted(world):
    # Given a stuck creation that another worker fails just before the sweep does
    stuck(world)
    world.store.before("fail_and_refund", lambda: world.store.creations["c1"].update(status="draft"))
    # When the sweep runs
    summary = handle(world.services)
    # Then it is skipped (its outcome stands)
    assert summary["swept"] == 0 and world.store.creations["c1"]["status"] == "draft"


def test_one_malformed_balance_is_set_aside_and_the_others_are_swept(world):
    # Given two stuck creations, one whose user's balance is text
    stuck(world, "c1", USER)
    stuck(world, "c2", OTHER)
    world.store.users[USER]["tokens"] = "60"
    # When the sweep runs
    summary = handle(world.services)
    # Then c1 is set aside (counted), c2 is swept and refunded
    assert summary["setAside"] == 1 and summary["swept"] == 1
    assert world.store.creations["c1"]["status"] == "processing"
    assert world.store.counters["malformed_sweep"] == 1 and world.store.tokens(OTHER) == 100


def test_a_counter_that_cannot_be_written_does_not_stop_the_sweep(world):
    stuck(world, "c1", USER)
    world.store.users[USER]["tokens"] = "60"
    world.store.fail("count_malformed", RuntimeError("quota"))
    assert handle(world.services)["setAside"] == 1


def test_a_transient_store_error_on_one_creation_leaves_it_for_the_next_sweep(world):
    # Given two stuck creations; settling the first one errors (e.g. contention)
    stuck(world, "c1", USER)
    stuck(world, "c2", OTHER)
    world.store.fail("fail_and_refund", RuntimeError("aborted"))
    # When the sweep runs
    summary = handle(world.services)
    # Then the other one is still swept; the first waits
    assert summary["setAside"] == 1 and summary["swept"] == 1


def test_a_stuck_creation_of_a_deleted_user_fails_without_money(world):
    stuck(world)
    del world.store.users[USER]
    summary = handle(world.services)
    assert summary["swept"] == 1 and summary["refundedTokens"] == 0 and USER not in world.store.users


def test_a_stuck_creation_without_a_usable_owner_fails_without_money(world):
    # Given an in-flight creation whose userId was overwritten with a non-id
    stuck(world)
    world.store.creations["c1"]["userId"] = 42
    # When the sweep runs
    summary = handle(world.services)
    # Then it fails, counted as malformed, and no ledger is touched
    assert summary["swept"] == 1 and world.store.creations["c1"]["status"] == "failed"
    assert world.store.counters["malformed_creation"] == 1 and world.store.tokens(USER) == 100 - COST


def test_media_that_cannot_be_removed_waits_for_the_next_run(world):
    stuck(world)
    world.temp.fail("delete_prefix", permanent("gcs"))
    assert handle(world.services)["swept"] == 1


def test_without_a_temp_bucket_the_sweep_does_not_ask_gcs(world):
    world.with_settings(gcs_temp_bucket="")
    stuck(world)
    handle(world.services)
    assert not world.temp.calls["delete_prefix"]


# ---- the media sweep --------------------------------------------------------------------------


def intent(world, key, cid, at):
    """An upload that was noted and never claimed (or whose note was left behind)."""
    world.store.uploads[key] = {"creationId": cid, "createdAt": at}
    world.media.put(key, modified=at)


def test_old_upload_intents_no_creation_uses_are_deleted_and_young_or_live_ones_kept(world):
    # Given the intents of an old draft of a deleted creation, a young one and a live draft,
    # and an object nobody noted (not ours to judge: the sweep never lists the bucket)
    old, young = T0 - timedelta(hours=2), T0 - timedelta(minutes=5)
    world.store.create("live", {**request(), "status": "draft", "mediaKey": "drafts/alice/live/s.mp4"})
    intent(world, "drafts/alice/gone/s.mp4", "gone", old)
    intent(world, "drafts/alice/young/s.mp4", "young", young)
    intent(world, "drafts/alice/live/s.mp4", "live", old)
    world.media.put("drafts/alice/unnoted/s.mp4", modified=old)
    # When the sweep runs
    summary = handle(world.services)
    # Then only the old orphan goes; each old intent is judged once; the bucket is never listed
    assert summary["mediaRemoved"] == 1
    assert set(world.media.objects) == {
        "drafts/alice/young/s.mp4",
        "drafts/alice/live/s.mp4",
        "drafts/alice/unnoted/s.mp4",
    }
    assert set(world.store.uploads) == {"drafts/alice/young/s.mp4"}
    assert not world.media.calls["list_keys"]


def test_the_media_sweep_pages_over_intents_until_none_are_left(world):
    # Given more old orphan intents than one page holds
    from handlers import sweep_orphans

    for n in range(sweep_orphans.MEDIA_PAGE + 5):
        intent(world, f"drafts/alice/gone{n}/s.mp4", f"gone{n}", T0 - timedelta(hours=2))
    # When the sweep runs
    summary = handle(world.services)
    # Then every page is judged in the same run
    assert summary["mediaRemoved"] == sweep_orphans.MEDIA_PAGE + 5 and not world.store.uploads


def test_a_media_sweep_that_fails_skips_the_media_sweep_only(world):
    # Given a stuck creation, and the intents' query failing
    stuck(world)
    world.store.fail("upload_intents_older_than", RuntimeError("deadline exceeded"))
    # When the sweep runs
    summary = handle(world.services)
    # Then the refund is done and the media sweep is reported skipped
    assert summary["swept"] == 1 and summary["mediaRemoved"] is None


def test_a_queued_request_waits_for_quota_and_is_swept_only_after_the_queue_wait(world):
    # Given a request queued 30 minutes ago (orphan limit 15, queue wait 60)
    queued(world, queued_at=T0 - timedelta(minutes=30))
    # When the sweep runs now, and again 31 minutes later
    first = handle(world.services, T0)
    # Then it is left alone first (waiting for Veo is not being stuck), swept and refunded after
    assert first["swept"] == 0 and world.store.creations["c1"]["status"] == "pending"
    later = handle(world.services, T0 + timedelta(minutes=31))
    assert later["swept"] == 1 and world.store.tokens(USER) == 100
    assert world.store.creations["c1"]["error"]["code"] == ErrorCode.TIMEOUT


def test_a_generation_started_after_a_long_wait_is_aged_from_its_start(world):
    # Given a creation created 50 minutes ago that started 2 minutes ago
    stuck(world, created_at=T0 - timedelta(minutes=50))
    world.store.creations["c1"]["startedAt"] = T0 - timedelta(minutes=2)
    # When the sweep runs
    # Then it is not stuck
    assert handle(world.services, T0)["swept"] == 0


def test_a_reconciliation_that_fails_is_reported_and_the_sweep_still_ends(world):
    world.feed.fail("feed_page", RuntimeError("deadline exceeded"))
    summary = handle(world.services)
    assert summary["reconciled"] is None


# ---- the reconciliation ----------------------------------------------------------------------


def published(world, cid="c1", key="drafts/alice/c1/s.mp4", at=T0 - timedelta(minutes=10)):
    world.store.create(cid, {**request(), "status": "published", "mediaKey": key, "publishedAt": at})
    world.media.put(key)
    return media.published_key(cid, key)


def test_a_publish_that_died_before_the_feed_write_is_redone(world):
    # Given a published creation with neither its public copy nor its feed entry
    public = published(world)
    # When the reconciliation runs
    result = reconcile.handle(world.services, T0)
    # Then the publish is redone and counted
    assert result["republished"] == 1 and public in world.media.objects and "c1" in world.store.feed
    assert world.store.counters["reconciled_published"] == 1


def test_a_complete_publish_is_left_alone(world):
    public = published(world)
    world.media.put(public)
    world.store.feed["c1"] = {"mediaUrl": world.media.public_url(public)}
    assert reconcile.handle(world.services, T0)["republished"] == 0
    assert not world.media.calls["copy"]


def test_a_feed_entry_whose_public_object_is_missing_is_repaired(world):
    public = published(world)
    world.store.feed["c1"] = {"mediaUrl": world.media.public_url(public)}
    assert reconcile.handle(world.services, T0)["republished"] == 1 and public in world.media.objects


def test_a_published_creation_with_a_bad_media_key_is_skipped(world):
    world.store.create(
        "c1",
        {**request(), "status": "published", "mediaKey": "elsewhere/x.mp4", "publishedAt": T0 - timedelta(minutes=10)},
    )
    assert reconcile.handle(world.services, T0)["republished"] == 0


def test_a_republish_refused_by_a_delete_meanwhile_is_not_counted(world):
    published(world)
    world.feed.before("publish_to_feed", lambda: world.store.delete("c1"))
    assert reconcile.handle(world.services, T0)["republished"] == 0


def test_a_full_page_of_publishes_leaves_a_cursor_and_the_next_run_resumes_after_it(world):
    # Given three published creations and a page size of two
    world.with_settings(reconcile_page_size=2)
    for i, minutes in enumerate((30, 20, 10)):
        published(world, f"c{i}", f"drafts/alice/c{i}/s.mp4", T0 - timedelta(minutes=minutes))
    # When the reconciliation runs twice
    first = reconcile.handle(world.services, T0)["republished"]
    cursor = world.store.cursors[reconcile.PUBLISH_CURSOR]
    second = reconcile.handle(world.services, T0)["republished"]
    # Then the first run stops at the second publish and the next one goes on from there (the
    # cursor's own publish is read again: `>=`), until a page that is not full resets the cursor
    assert first == 2 and cursor == (T0 - timedelta(minutes=20)).isoformat()
    assert second == 1 and world.store.cursors[reconcile.PUBLISH_CURSOR] == (T0 - timedelta(minutes=10)).isoformat()
    assert reconcile.handle(world.services, T0)["republished"] == 0
    assert world.store.cursors[reconcile.PUBLISH_CURSOR] is None


def test_an_unreadable_cursor_starts_from_the_window(world):
    published(world)
    world.store.cursors[reconcile.PUBLISH_CURSOR] = "not a time"
    assert reconcile.handle(world.services, T0)["republished"] == 1


def test_a_feed_entry_whose_creation_is_gone_or_unpublished_is_removed_with_its_public_copies(world):
    # Given feed entries of a deleted creation and of a creation back to draft, and one live
    world.store.feed["gone"] = {"mediaUrl": "x"}
    world.media.put("published/gone/s.mp4")
    world.media.put(media.legacy_published_key("gone"))
    world.store.create("back", {**request(), "status": "draft"})
    world.store.feed["back"] = {"mediaUrl": "x"}
    live_public = published(world, "live", "drafts/alice/live/s.mp4")
    world.media.put(live_public)
    world.store.feed["live"] = {"mediaUrl": world.media.public_url(live_public)}
    # When the reconciliation runs
    result = reconcile.handle(world.services, T0)
    # Then the two orphans and their public objects go, the live entry stays
    assert result["feedOrphans"] == 2 and set(world.store.feed) == {"live"}
    assert "published/gone/s.mp4" not in world.media.objects and live_public in world.media.objects
    assert world.store.counters["reconciled_feed_orphan"] == 2


def test_a_feed_entry_re_published_meanwhile_is_not_counted_as_removed(world):
    world.store.create("c1", {**request(), "status": "draft"})
    world.store.feed["c1"] = {"mediaUrl": "x"}
    world.feed.before("remove_from_feed", lambda: world.store.creations["c1"].update(status="published"))
    assert reconcile.handle(world.services, T0)["feedOrphans"] == 0


def test_a_full_page_of_feed_entries_leaves_a_cursor(world):
    world.with_settings(reconcile_page_size=1)
    world.store.feed["a"] = {"mediaUrl": "x"}
    world.store.feed["b"] = {"mediaUrl": "x"}
    reconcile.handle(world.services, T0)
    assert world.store.cursors[reconcile.FEED_CURSOR] == "a"
    reconcile.handle(world.services, T0)
    assert not world.store.feed


def test_a_charged_creation_stuck_before_veo_started_is_refunded_and_has_no_media_to_remove(world):
    # Given a creation charged but still pending an hour later (its start run died)
    world.store.grant(USER, 100)
    inc = world.store.create("c1", {**request(), "createdAt": LONG_AGO})
    world.store.debit("c1", USER, COST, 3, inc)
    # When the sweep runs
    summary = handle(world.services)
    # Then it fails as timeout and is refunded
    assert summary["swept"] == 1 and world.store.tokens(USER) == 100 and world.store.in_flight(USER) == 0


def test_a_feed_entry_kept_because_the_owner_republished_keeps_its_public_copies(world):
    # Given an entry judged an orphan (its creation back to draft) that the owner publishes
    # again while the reconciliation runs: the entry is kept, so must be its public copies
    public = published(world, "c1", "drafts/alice/c1/s.mp4")
    world.media.put(public)
    world.store.feed["c1"] = {"mediaUrl": world.media.public_url(public)}
    world.store.creations["c1"]["status"] = "draft"
    world.feed.before("remove_from_feed", lambda: world.store.creations["c1"].update(status="published"))
    reconcile.handle(world.services, T0)
    assert "c1" in world.store.feed and public in world.media.objects


def test_an_entry_hidden_by_reports_gets_no_public_copy_back_from_the_reconciliation(world):
    public = published(world)
    world.store.feed["c1"] = {"mediaUrl": world.media.public_url(public), "visible": False}
    assert reconcile.handle(world.services, T0)["republished"] == 0
    assert public not in world.media.objects
