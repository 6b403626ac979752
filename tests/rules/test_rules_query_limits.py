"""List queries are bounded: the feed at 50 documents, the user's own creations and ledger at
100. A query without a limit, with a larger one or with an offset (billed as reads of every
skipped document) is refused as a whole; single-document gets are not limited."""

from __future__ import annotations

import pytest

from tests.support.firestore_rest import outcome

FEED_MAX, CREATIONS_MAX, LEDGER_MAX = 50, 100, 100


def feed(client, **kwargs):
    # The app's feed query: hidden entries are filtered out, as the rules require.
    return client.query("feed", where=[("visible", "==", True)], order_by=[("publishedAt", "DESCENDING")], **kwargs)


def own_creations(player, uid=None, **kwargs):
    return player.client.query(
        "creations", where=[("userId", "==", uid or player.uid)], order_by=[("createdAt", "DESCENDING")], **kwargs
    )


def own_ledger(player, uid=None, **kwargs):
    return player.client.query(
        "transactions", order_by=[("createdAt", "DESCENDING")], parent=f"users/{uid or player.uid}", **kwargs
    )


# ---- feed: at most 50 --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs, expected",
    [
        pytest.param({}, "denied", id="no-limit"),
        pytest.param({"limit": FEED_MAX + 1}, "denied", id="limit-51"),
        pytest.param({"limit": 1000}, "denied", id="limit-1000"),
        pytest.param({"limit": FEED_MAX}, "allowed", id="limit-50"),
        pytest.param({"limit": 1}, "allowed", id="limit-1"),
        pytest.param({"limit": FEED_MAX, "offset": 10}, "denied", id="limit-50-offset-10"),
        pytest.param({"limit": FEED_MAX, "offset": 0}, "allowed", id="limit-50-offset-0"),
    ],
)
def test_the_feed_is_listed_50_at_most_per_query(bob, kwargs, expected):
    assert outcome(lambda: feed(bob.client, **kwargs)) == expected


def test_an_anonymous_user_lists_the_feed_within_the_limit(anonymous_user):
    assert outcome(lambda: feed(anonymous_user, limit=FEED_MAX)) == "allowed"
    assert outcome(lambda: feed(anonymous_user)) == "denied"


def test_an_unauthenticated_feed_list_is_denied_even_within_the_limit(anon):
    assert outcome(lambda: feed(anon, limit=5)) == "denied"


def test_counting_the_whole_feed_without_a_limit_is_denied(bob):
    visible = [("visible", "==", True)]
    assert outcome(lambda: bob.client.count("feed", where=visible)) == "denied"
    assert outcome(lambda: bob.client.count("feed", where=visible, limit=FEED_MAX)) == "allowed"


# ---- own creations: at most 100 ---------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs, expected",
    [
        pytest.param({}, "denied", id="no-limit"),
        pytest.param({"limit": CREATIONS_MAX + 1}, "denied", id="limit-101"),
        pytest.param({"limit": CREATIONS_MAX}, "allowed", id="limit-100"),
        pytest.param({"limit": 20}, "allowed", id="limit-20"),
        pytest.param({"limit": CREATIONS_MAX, "offset": 5}, "denied", id="limit-100-offset-5"),
    ],
)
def test_own_creations_are_listed_100_at_most_per_query(alice, alice_finished, kwargs, expected):
    assert outcome(lambda: own_creations(alice, **kwargs)) == expected


def test_another_users_creations_are_denied_within_the_limit(alice, bob, alice_finished):
    assert outcome(lambda: own_creations(bob, uid=alice.uid, limit=5)) == "denied"


def test_own_creations_without_the_userId_filter_are_denied_within_the_limit(alice, alice_finished):
    assert outcome(lambda: alice.client.query("creations", limit=5)) == "denied"


def test_counting_own_creations_needs_a_limit(alice, alice_finished):
    assert outcome(lambda: alice.client.count("creations", where=[("userId", "==", alice.uid)])) == "denied"
    assert alice.client.count("creations", where=[("userId", "==", alice.uid)], limit=CREATIONS_MAX) >= 3


# ---- own ledger: at most 100 --------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs, expected",
    [
        pytest.param({}, "denied", id="no-limit"),
        pytest.param({"limit": LEDGER_MAX + 1}, "denied", id="limit-101"),
        pytest.param({"limit": LEDGER_MAX}, "allowed", id="limit-100"),
        pytest.param({"limit": 20}, "allowed", id="limit-20"),
        pytest.param({"limit": LEDGER_MAX, "offset": 1}, "denied", id="limit-100-offset-1"),
    ],
)
def test_the_own_ledger_is_listed_100_at_most_per_query(alice, kwargs, expected):
    assert outcome(lambda: own_ledger(alice, **kwargs)) == expected


def test_another_users_ledger_is_denied_within_the_limit(alice, bob):
    assert outcome(lambda: own_ledger(bob, uid=alice.uid, limit=5)) == "denied"


# ---- gets are not lists -------------------------------------------------------------------------


def test_single_gets_stay_allowed_without_any_limit(alice, alice_finished, bob):
    assert alice.client.get(f"creations/{alice_finished['draft']}")["status"] == "draft"
    assert alice.client.get(f"users/{alice.uid}/transactions/grant_initial")["type"] == "grant"
    assert "tokens" in alice.client.get(f"users/{alice.uid}")


# ---- paging with a cursor reaches everything, a page at a time -----------------------------------


def test_the_ledger_pages_past_the_limit_with_a_cursor(player, seed):
    owner = player(10_000)
    for _ in range(4):
        seed.finished(owner.uid, "draft")
    seen, after = [], None
    while True:
        rows = own_ledger(owner, limit=2, start_after=after)
        if not rows:
            break
        seen += [eid for eid, _ in rows]
        after = [rows[-1][1]["createdAt"]]
    assert len(seen) == 5 and seen[-1] == "grant_initial"


def test_list_all_reads_a_whole_ledger_in_capped_pages_by_document_name(player, seed):
    """The helper other suites use to read a whole ledger through the rules."""
    owner = player(10_000)
    charged = [seed.finished(owner.uid, "draft") for _ in range(4)]
    entries = owner.client.list_all("transactions", parent=f"users/{owner.uid}", page=2)
    assert sorted(eid for eid, _ in entries) == sorted(["grant_initial"] + [f"debit_{c}" for c in charged])
    assert (
        outcome(lambda: owner.client.list_all("transactions", parent=f"users/{owner.uid}", page=LEDGER_MAX + 1))
        == "denied"
    )
