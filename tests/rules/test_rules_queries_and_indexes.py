"""The queries the app and the server run: each works through the rules and returns what it
should. The indexes they need are checked without the emulator (which never asks for one) by
`python -m ops indexes --check`: tests/ops/test_indexes.py.
"""

from __future__ import annotations

import datetime as dt
import random

import pytest

from tests.support.firestore_rest import outcome

# ---- the app's queries, run as the app runs them: through the rules -----------------------


@pytest.fixture(scope="module")
def carol(player):
    return player(1_000_000)


@pytest.fixture(scope="module")
def carol_drafts(seed, carol) -> list[str]:
    """Five finished creations one minute apart, newest last."""
    base = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    statuses = ["draft", "failed", "published", "draft", "draft"]
    return [seed.finished(carol.uid, s, created_at=base + dt.timedelta(minutes=i)) for i, s in enumerate(statuses)]


def test_drafts_list_pages_newest_first_with_a_cursor(carol, carol_drafts):
    def page(after=None):
        return carol.client.query(
            "creations",
            where=[("userId", "==", carol.uid)],
            order_by=[("createdAt", "DESCENDING")],
            limit=2,
            start_after=after,
        )

    pages, after = [], None
    while True:
        rows = page(after)
        if not rows:
            break
        pages.append([cid for cid, _ in rows])
        after = [rows[-1][1]["createdAt"]]
    assert pages == [carol_drafts[4:2:-1], carol_drafts[2:0:-1], carol_drafts[0:1]]


def test_drafts_list_of_another_user_is_denied(bob, carol, carol_drafts):
    assert (
        outcome(
            lambda: bob.client.query(
                "creations", where=[("userId", "==", carol.uid)], order_by=[("createdAt", "DESCENDING")], limit=2
            )
        )
        == "denied"
    )


def test_single_creation_read_returns_the_document(carol, carol_drafts):
    doc = carol.client.get(f"creations/{carol_drafts[-1]}")
    assert doc["status"] == "draft" and doc["mediaUrl"]


def test_balance_read_returns_tokens_and_in_flight(carol, carol_drafts):
    doc = carol.client.get(f"users/{carol.uid}")
    from domain.pricing import token_cost

    assert doc["tokens"] == 1_000_000 - 4 * token_cost(4)  # four of the five were charged (4 s each)
    assert doc["inFlight"] == 0


def test_ledger_pages_newest_first(carol, carol_drafts):
    rows = carol.client.query(
        "transactions", order_by=[("createdAt", "DESCENDING")], limit=3, parent=f"users/{carol.uid}"
    )
    more = carol.client.query(
        "transactions",
        order_by=[("createdAt", "DESCENDING")],
        limit=3,
        start_after=[rows[-1][1]["createdAt"]],
        parent=f"users/{carol.uid}",
    )
    ids = [eid for eid, _ in rows + more]
    charged = [cid for cid in carol_drafts if cid != carol_drafts[1]]  # the failed one was not
    assert sorted(ids) == sorted(["grant_initial"] + [f"debit_{cid}" for cid in charged])
    assert ids[-1] == "grant_initial"
    times = [e["createdAt"] for _, e in rows + more]
    assert times == sorted(times, reverse=True)


def test_feed_lists_newest_first_for_any_signed_in_user(bob, admin_db, new_id):
    from domain import media

    base = dt.datetime(2001, 1, 1, tzinfo=dt.UTC) + dt.timedelta(days=random.randrange(3000))
    ids = [new_id() for _ in range(3)]
    for i, cid in enumerate(ids):
        creation = {
            "userId": "someone",
            "prompt": f"video {i}",
            "aspectRatio": "16:9",
            "duration": 4,
            "publishedAt": base + dt.timedelta(seconds=i),
        }
        admin_db.collection("feed").document(cid).set(
            media.feed_entry(creation, f"http://127.0.0.1:9000/phoenix-media/published/{cid}.mp4")
        )
    assert bob.client.query(
        "feed", where=[("visible", "==", True)], order_by=[("publishedAt", "DESCENDING")], limit=3
    )  # first page

    # The next pages come from a cursor: start just after a moment 1 µs later than our newest.
    after = base + dt.timedelta(seconds=2, microseconds=1)
    rows = bob.client.query(
        "feed", where=[("visible", "==", True)], order_by=[("publishedAt", "DESCENDING")], limit=3, start_after=[after]
    )
    assert [cid for cid, _ in rows] == ids[::-1]
    # every field a feed entry has (no poster in this seeded entry)
    assert set(rows[0][1]) == set(media.feed_entry({}, "http://x"))


# ---- the server's queries, run as the server runs them --------------------------------------


@pytest.fixture(scope="module")
def sweep_owner(player):
    """Owns the in-flight fixtures of the server-query tests, so that carol's list holds only
    carol_drafts whatever order the tests run in."""
    return player(1_000_000)


def test_orphan_sweep_query_finds_in_flight_creations_created_before_the_cutoff(seed, sweep_owner, carol_drafts):
    from adapters import store

    created = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=2)
    pending, processing = seed.in_flight(sweep_owner.uid, ["pending", "processing"], created_at=created)
    mine = {pending, processing, *carol_drafts}

    found = {cid for cid, _ in store.in_flight_older_than(created + dt.timedelta(seconds=1))} & mine
    assert found == {pending, processing}
    assert not {cid for cid, _ in store.in_flight_older_than(created)} & mine


def test_in_flight_summary_counts_and_finds_the_oldest(seed, sweep_owner):
    from adapters import store

    oldest = dt.datetime(2000, 1, 1, tzinfo=dt.UTC) + dt.timedelta(seconds=random.randrange(10**6))
    count_before, _ = store.in_flight_summary()
    (cid,) = seed.in_flight(sweep_owner.uid, ["processing"], created_at=oldest)
    try:
        count, found_oldest = store.in_flight_summary()
        assert count >= 1 and found_oldest <= oldest
    finally:
        seed.remove(cid)  # a creation stuck since 2000 would trip the stalled-workers alert
