"""countreport: reports that cannot be farmed — distinct qualified reporters, weights, a daily
cap, the brigade check and rounds after a restore — against fakes."""

from __future__ import annotations

from domain import moderation
from handlers import count_report
from tests.handlers.conftest import USER, request

THRESHOLD = 3


def published_entry(world, cid="c1"):
    world.store.create(cid, {**request(), "status": "published", "mediaKey": f"drafts/{USER}/{cid}/s.mp4"})
    world.store.feed[cid] = {"displayName": "Ana", "visible": True}


def paying(world, *uids):
    """Reporters who paid for a video (a debit in their ledger): the server's bar."""
    for uid in uids:
        world.store.entries[(uid, f"debit_paid-{uid}")] = {"type": "debit", "amount": 40}
    return uids


def report(world, uid, cid="c1", reason="spam"):
    world.feed.reports[(cid, uid)] = {"reason": reason}
    return count_report.handle(cid, uid, world.services, threshold=THRESHOLD)


def visible(world, cid="c1"):
    return world.store.feed[cid]["visible"]


def test_the_threshold_th_qualified_reporter_hides_the_entry_and_redeliveries_count_nothing(world):
    published_entry(world)
    r1, r2, r3 = paying(world, "r1", "r2", "r3")
    assert not report(world, r1)
    assert not count_report.handle("c1", r1, world.services, threshold=THRESHOLD)  # the same event again
    assert not report(world, r2)
    assert visible(world) and world.feed.reviews["c1"]["weight"] == 2
    assert report(world, r3)
    assert not visible(world)


def test_the_owners_own_report_is_not_counted(world):
    published_entry(world)
    paying(world, USER)
    assert not report(world, USER)
    assert visible(world) and "c1" not in world.feed.reviews


def test_reporters_who_never_paid_for_a_video_weigh_nothing_however_many(world):
    # Given throw-away accounts (verified free email, but never paid): the rules let them file
    published_entry(world)
    for i in range(20):
        assert not report(world, f"throwaway{i}")
    # Then the entry stays visible; the reports are recorded as weighing 0
    assert visible(world) and world.feed.reviews["c1"]["weight"] == 0
    assert world.feed.reports[("c1", "throwaway0")]["weight"] == 0


def test_a_reporter_counts_at_most_the_daily_cap(world):
    (r1,) = paying(world, "r1")
    for i in range(moderation.REPORTS_PER_DAY + 3):
        published_entry(world, f"c{i}")
        report(world, r1, f"c{i}")
    weights = [world.feed.reports[(f"c{i}", r1)]["weight"] for i in range(moderation.REPORTS_PER_DAY + 3)]
    assert weights[: moderation.REPORTS_PER_DAY] == [1.0] * moderation.REPORTS_PER_DAY
    assert weights[moderation.REPORTS_PER_DAY :] == [0.0] * 3
    world.clock.advance(24 * 3600)  # a new day
    published_entry(world, "tomorrow")
    report(world, r1, "tomorrow")
    assert world.feed.reports[("tomorrow", r1)]["weight"] == 1.0


def test_the_same_reporters_hiding_a_second_entry_are_flagged_and_the_entry_goes_to_review(world):
    crew = paying(world, "a1", "a2", "a3")
    for cid in ("first", "second", "third"):
        published_entry(world, cid)
    for uid in crew:
        report(world, uid, "first")
    assert not visible(world, "first")  # the first time, nothing tells them apart
    # When the same three report another entry
    for uid in crew:
        assert not report(world, uid, "second")
    # Then it is not hidden: it waits for review and the reporters are flagged
    assert visible(world, "second")
    review = world.feed.reviews["second"]
    assert review["needsReview"] is True and set(review["brigade"]) >= {"a1", "a2"}
    assert all(world.feed.standings[uid].get("flagged") for uid in review["brigade"])
    # And flagged reporters weigh nothing on any entry from then on
    for uid in crew:
        report(world, uid, "third")
    assert visible(world, "third") and world.feed.reviews["third"]["weight"] <= 1


def test_a_restored_entry_needs_new_and_more_reporters_and_rejected_reporters_weigh_less(world):
    published_entry(world)
    first = paying(world, "r1", "r2", "r3")
    for uid in first:
        report(world, uid)
    assert not visible(world)
    # An operator's restore: a new round, the round's reporters judged wrong
    world.feed.reviews["c1"] = moderation.cleared(world.feed.reviews["c1"], THRESHOLD)
    world.store.feed["c1"]["visible"] = True
    for uid in first:
        world.feed.standings[uid] = moderation.judged(world.feed.standings.get(uid), upheld=False)
    assert world.feed.reviews["c1"]["hideAt"] == 2 * THRESHOLD
    # Fresh qualified reporters: THRESHOLD of them no longer hide it
    fresh = paying(world, *[f"n{i}" for i in range(2 * THRESHOLD)])
    for uid in fresh[:THRESHOLD]:
        report(world, uid)
    assert visible(world)
    for uid in fresh[THRESHOLD:]:
        report(world, uid)
    assert not visible(world)
    # A reporter whose report was rejected weighs less next time
    assert moderation.reporter_weight(world.feed.standings["r1"], True, world.clock.now())[0] == 0.5
