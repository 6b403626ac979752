"""The FeedStore port's contract, asserted on the handler tier's fake feed and on
adapters/feed_store.py alike: what the handler tests believe about the feed, names, posters,
reports and cursors is what the deployed adapter does."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from domain import media, moderation, profiles
from domain.states import Status

T1 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
T2 = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)


def creation(user_id: str, status: Status = Status.PUBLISHED, **fields) -> dict:
    data = {
        "userId": user_id,
        "status": status.value,
        "prompt": "a paper boat on a puddle",
        "aspectRatio": "16:9",
        "duration": 4,
        "mediaKey": "drafts/key/video.mp4",
    }
    if status == Status.PUBLISHED:
        data["publishedAt"] = T1
    return {**data, **fields}


def test_publishing_a_published_creation_writes_a_visible_entry_with_the_accepted_name(feed_side, ids):
    cid, uid = ids["creation"], ids["user"]
    name = f"Mara {ids['user'][-6:]}"
    feed_side.ask_name(uid, name)
    assert feed_side.feed.accept_name(uid) is True
    feed_side.put_creation(cid, creation(uid))

    assert (
        feed_side.feed.publish_to_feed(cid, "https://media/v.mp4", "https://media/p.jpg") == media.FeedWrite.PUBLISHED
    )

    data = creation(uid)
    assert feed_side.entry(cid) == media.feed_entry(data, "https://media/v.mp4", name, "https://media/p.jpg")


def test_an_entry_is_refused_for_a_draft_and_for_a_taken_down_creation(feed_side, ids):
    cid, other = ids["creation"], ids["other"]
    feed_side.put_creation(cid, creation(ids["user"], Status.DRAFT))
    feed_side.put_creation(other, creation(ids["user"], moderation={"state": moderation.TAKEN_DOWN}))

    assert feed_side.feed.publish_to_feed(cid, "https://media/v.mp4") == media.FeedWrite.REFUSED
    assert feed_side.feed.publish_to_feed(other, "https://media/v.mp4") == media.FeedWrite.REFUSED
    assert feed_side.entry(cid) is None and feed_side.entry(other) is None


def test_an_entry_hidden_by_reports_stays_hidden_when_published_again(feed_side, ids):
    cid = ids["creation"]
    feed_side.put_creation(cid, creation(ids["user"]))
    feed_side.put_review(cid, {"hidden": True, "reports": 3})

    assert feed_side.feed.publish_to_feed(cid, "https://media/v.mp4") == media.FeedWrite.HIDDEN
    assert feed_side.entry(cid)["visible"] is False


def test_a_republish_keeps_the_first_publication_time(feed_side, ids):
    cid = ids["creation"]
    feed_side.put_creation(cid, creation(ids["user"]))
    feed_side.feed.publish_to_feed(cid, "https://media/v.mp4")
    assert feed_side.creation(cid)["firstPublishedAt"] == T1

    feed_side.put_creation(cid, {**feed_side.creation(cid), "publishedAt": T2})
    feed_side.feed.publish_to_feed(cid, "https://media/v.mp4")

    assert feed_side.entry(cid)["publishedAt"] == T1


def test_removing_spares_a_published_creations_entry_and_takes_an_unpublished_ones_with_its_publication(feed_side, ids):
    cid = ids["creation"]
    feed_side.put_creation(cid, creation(ids["user"]))
    feed_side.feed.publish_to_feed(cid, "https://media/v.mp4")
    feed_side.put_publication(cid)

    assert feed_side.feed.remove_from_feed(cid) is False
    assert feed_side.entry(cid) is not None and feed_side.has_publication(cid)

    feed_side.put_creation(cid, creation(ids["user"], Status.DRAFT))
    assert feed_side.feed.remove_from_feed(cid) is True
    assert feed_side.entry(cid) is None and not feed_side.has_publication(cid)


def test_a_poster_lands_only_on_the_document_that_holds_its_video(feed_side, ids):
    cid, other = ids["creation"], ids["other"]
    feed_side.put_creation(cid, creation(ids["user"], Status.DRAFT))
    feed_side.put_creation(other, creation(ids["user"], Status.PROCESSING))

    assert feed_side.feed.set_poster(cid, "drafts/another/video.mp4", "https://p") is None
    assert "posterUrl" not in feed_side.creation(cid)
    assert feed_side.feed.set_poster(other, "drafts/key/video.mp4", "https://p") is None
    assert feed_side.feed.set_poster(cid, "drafts/key/video.mp4", "https://p") == Status.DRAFT
    assert feed_side.creation(cid)["posterUrl"] == "https://p"


def test_a_users_published_creations_come_in_pages_of_id_order(feed_side, ids):
    uid = ids["user"]
    for suffix, status in (
        ("c", Status.PUBLISHED),
        ("a", Status.PUBLISHED),
        ("b", Status.DRAFT),
        ("d", Status.PUBLISHED),
    ):
        feed_side.put_creation(f"{ids['creation']}-{suffix}", creation(uid, status))
    feed_side.put_creation(f"{ids['other']}-x", creation(ids["other"]))

    first = feed_side.feed.published_by(uid, None, 2)
    rest = feed_side.feed.published_by(uid, first[-1], 2)

    assert (first, rest) == ([f"{ids['creation']}-a", f"{ids['creation']}-c"], [f"{ids['creation']}-d"])


def test_the_feed_is_walked_in_id_order_after_a_cursor(feed_side, ids):
    base = ids["creation"]
    for suffix in ("b", "a", "c"):
        feed_side.put_entry(f"{base}-{suffix}", {"visible": True, "prompt": suffix})

    page = feed_side.feed.feed_page(f"{base}-a", 2)

    assert [(cid, e["prompt"]) for cid, e in page] == [(f"{base}-b", "b"), (f"{base}-c", "c")]
    assert set(feed_side.feed.feed_entries([f"{base}-a", f"{base}-missing"])) == {f"{base}-a"}


def test_a_cursor_reads_back_what_was_set_and_none_before(feed_side, ids):
    name = f"cursor-{ids['creation']}"
    assert feed_side.feed.get_cursor(name) is None
    feed_side.feed.set_cursor(name, "c-42")
    assert feed_side.feed.get_cursor(name) == "c-42"
    feed_side.feed.set_cursor(name, None)
    assert feed_side.feed.get_cursor(name) is None


def test_decisions_since_a_time_come_oldest_first_up_to_the_limit(feed_side, ids):
    # A time of this test's own: the emulator's moderation collection is shared by the suite.
    base = datetime(2090, 1, 1, tzinfo=UTC) + timedelta(seconds=int(ids["creation"][2:], 16) % 10**8)
    at = {"late": base + timedelta(seconds=2), "early": base + timedelta(seconds=1), "before": base - timedelta(1)}
    for suffix, when in at.items():
        feed_side.put_review(f"{ids['creation']}-{suffix}", {moderation.DECIDED_AT: when})

    found = feed_side.feed.decided_since(base, 1)
    both = feed_side.feed.decided_since(base, 10)

    assert [cid for cid, _ in found] == [f"{ids['creation']}-early"]
    assert [cid for cid, _ in both][:2] == [f"{ids['creation']}-early", f"{ids['creation']}-late"]


def test_a_name_someone_else_shows_is_refused_and_the_shown_name_stays(feed_side, ids):
    uid, other = ids["user"], ids["other"]
    name = f"Lind {ids['user'][-6:]}"
    feed_side.ask_name(uid, name)
    feed_side.feed.accept_name(uid)
    feed_side.ask_name(other, name)

    assert feed_side.feed.accept_name(other) is False

    shown = feed_side.shown_name(other)
    assert shown.get("name") is None and shown.get("error")
    assert profiles.display_name_of(shown) == profiles.FALLBACK_NAME
    assert feed_side.shown_name(uid)["name"] == name


def test_a_rename_reaches_the_owners_entry_once_and_no_one_elses(feed_side, ids):
    cid, uid = ids["creation"], ids["user"]
    feed_side.put_creation(cid, creation(uid))
    feed_side.feed.publish_to_feed(cid, "https://media/v.mp4")
    assert feed_side.entry(cid)["displayName"] == profiles.FALLBACK_NAME
    name = f"Ada {ids['user'][-6:]}"
    feed_side.ask_name(uid, name)
    feed_side.feed.accept_name(uid)

    assert feed_side.feed.rename_in_feed(cid, ids["other"]) is False
    assert feed_side.feed.rename_in_feed(cid, uid) is True
    assert feed_side.feed.rename_in_feed(cid, uid) is False
    assert feed_side.entry(cid)["displayName"] == name


def test_a_paying_reporters_report_counts_once_and_hides_at_the_threshold(feed_side, ids):
    cid, reporter = ids["creation"], ids["other"]
    feed_side.put_creation(cid, creation(ids["user"]))
    feed_side.feed.publish_to_feed(cid, "https://media/v.mp4")
    feed_side.paid(reporter)
    feed_side.file_report(cid, reporter, "spam")

    assert feed_side.feed.count_report(cid, reporter, 1) == (1, True)
    assert feed_side.feed.count_report(cid, reporter, 1) is None

    assert feed_side.report(cid, reporter)["weight"] == 1.0
    assert feed_side.entry(cid)["visible"] is False
    assert feed_side.creation(cid)["moderation"]["state"] == moderation.UNDER_REVIEW
    assert feed_side.review(cid)["hidden"] is True


def test_a_report_of_someone_who_never_paid_is_counted_at_no_weight(feed_side, ids):
    cid, reporter = ids["creation"], ids["other"]
    feed_side.put_creation(cid, creation(ids["user"]))
    feed_side.feed.publish_to_feed(cid, "https://media/v.mp4")
    feed_side.file_report(cid, reporter, "spam")

    assert feed_side.feed.count_report(cid, reporter, 1) == (1, False)
    assert feed_side.report(cid, reporter)["weight"] == 0
    assert feed_side.entry(cid)["visible"] is True


def test_the_owners_own_report_and_a_missing_one_count_nothing(feed_side, ids):
    cid, owner = ids["creation"], ids["user"]
    feed_side.put_creation(cid, creation(owner))
    feed_side.paid(owner)
    feed_side.file_report(cid, owner, "spam")

    assert feed_side.feed.count_report(cid, owner, 1) is None
    assert feed_side.feed.count_report(cid, ids["other"], 1) is None
    assert feed_side.report(cid, owner)["countedAt"]
    assert feed_side.review(cid) is None
