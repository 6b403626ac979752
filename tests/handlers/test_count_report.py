"""countreport: distinct reporters counted once each; the threshold hides the entry — against fakes."""

from __future__ import annotations

from handlers import count_report
from tests.handlers.conftest import USER, request


def published_entry(world, cid="c1"):
    world.store.create(cid, {**request(), "status": "published", "mediaKey": f"drafts/{USER}/{cid}/s.mp4"})
    world.store.feed[cid] = {"displayName": "Ana", "visible": True}


def reported_by(world, *uids, cid="c1"):
    for uid in uids:
        world.feed.reports[(cid, uid)] = {"reason": "spam"}


def test_the_threshold_th_distinct_reporter_hides_the_entry_and_redeliveries_count_nothing(world):
    published_entry(world)
    reported_by(world, "r1", "r2", "r3")
    assert not count_report.handle("c1", "r1", world.services, threshold=3)
    assert not count_report.handle("c1", "r1", world.services, threshold=3)  # the same event again
    assert not count_report.handle("c1", "r2", world.services, threshold=3)
    assert world.store.feed["c1"]["visible"] is True and world.feed.reviews["c1"]["reports"] == 2
    assert count_report.handle("c1", "r3", world.services, threshold=3)
    assert world.store.feed["c1"]["visible"] is False and world.feed.reviews["c1"]["reports"] == 3


def test_the_owners_own_report_is_not_counted(world):
    published_entry(world)
    reported_by(world, USER)
    assert not count_report.handle("c1", USER, world.services, threshold=1)
    assert world.store.feed["c1"]["visible"] is True and "c1" not in world.feed.reviews


def test_a_cleared_entry_takes_threshold_new_reporters_to_hide_again():
    from domain import moderation

    review = None
    for _ in range(3):
        review = moderation.count_report(review, 3).review
    review = moderation.cleared(review, 3)
    assert review["hidden"] is False and review["hideAt"] == 6
    for expected in (False, False, True):
        counted = moderation.count_report(review, 3)
        review = counted.review
        assert counted.newly_hidden is expected
