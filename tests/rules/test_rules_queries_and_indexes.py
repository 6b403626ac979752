"""The queries the app and the server run: each works through the rules and returns what it
should, and firestore.indexes.json declares exactly the indexes they need.

The emulator never asks for an index (it answers every query), so the index half is checked
against Firestore's own requirements, written down in `required_index` below.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.support.firestore_rest import outcome

ROOT = Path(__file__).resolve().parents[2]
ASC, DESC = "ASCENDING", "DESCENDING"


@dataclass(frozen=True)
class Query:
    """One query's shape: equality/in filters, at most one range filter, then orderings."""

    name: str
    collection: str
    equals: tuple[str, ...] = ()
    range_on: str | None = None
    order: tuple[tuple[str, str], ...] = ()
    group: bool = False  # a collection group query
    notes: list[str] = field(default_factory=list, compare=False)


# Every query run against Firestore. The app's are in docs/client-contract.md and
# clients/web/src/contract.js; the server's in functions/adapters/store.py and ops/.
QUERIES = [
    Query("app: drafts list, newest first, paged", "creations", equals=("userId",), order=(("createdAt", DESC),)),
    Query("app: feed, newest first, visible only", "feed", equals=("visible",), order=(("publishedAt", DESC),)),
    Query("server: a user's published creations (feed_store.published_by)", "creations", equals=("userId", "status")),
    Query("app: ledger, newest first", "transactions", order=(("createdAt", DESC),)),
    Query("server: orphan sweep (in_flight_older_than)", "creations", equals=("status",), range_on="createdAt"),
    Query("server: oldest in flight (in_flight_summary)", "creations", equals=("status",), order=(("createdAt", ASC),)),
    Query("server: in-flight count (in_flight_summary)", "creations", equals=("status",)),
    Query(
        "server: in flight with a non-timestamp createdAt (in_flight_without_a_time)",
        "creations",
        equals=("status",),
        range_on="createdAt",
    ),
    Query(
        "server: feed reconciliation, published creations (published_since)",
        "creations",
        range_on="publishedAt",
        order=(("publishedAt", ASC),),
    ),
    Query("server: feed reconciliation, feed page by name (feed_page)", "feed"),
    Query("ops: report since (python -m ops report)", "creations", range_on="createdAt"),
    Query(
        "ops: report, metric shards since (metrics_store.metric_shards_since)",
        "shards",
        range_on="bucketStart",
        group=True,
    ),
    Query("ops: ledger check of one user", "creations", equals=("userId",)),
    Query("ops: ledger check, one user's ledger", "transactions", order=(("__name__", ASC),)),
    Query(
        "ops: ledger check, users whose ledger moved (changed_users)",
        "transactions",
        range_on="createdAt",
        order=(("createdAt", ASC),),
        group=True,
    ),
    Query(
        "ops: ledger check, users whose debit was delivered (changed_users)",
        "transactions",
        range_on="deliveredAt",
        order=(("deliveredAt", ASC),),
        group=True,
    ),
    Query(
        "server: queue estimate (admission_store.queued_ahead)", "creations", equals=("status",), range_on="queuedAt"
    ),
    Query(
        "server: delivered in a window (metrics_store.totals_since)",
        "creations",
        equals=("status",),
        range_on="completedAt",
    ),
    Query(
        "server: delivered seconds per option in a window (metrics_store._seconds_by_option)",
        "creations",
        equals=("status", "quality", "resolution", "audio"),
        range_on="completedAt",
    ),
    Query(
        "server: failed or refused in a window (metrics_store.totals_since)",
        "creations",
        equals=("status", "refunded"),
        range_on="completedAt",
    ),
    Query(
        "server: failed or refused by code in a window (metrics_store.totals_since)",
        "creations",
        equals=("status", "refunded", "error.code"),
        range_on="completedAt",
    ),
    Query(
        "server: last finalized (metrics_store.last_finalized_at)",
        "creations",
        range_on="completedAt",
        order=(("completedAt", DESC),),
    ),
    Query(
        "server: upload intents to sweep (upload_intents.older_than)",
        "uploads",
        range_on="createdAt",
        order=(("createdAt", ASC),),
    ),
]


def required_index(q: Query) -> tuple | None:
    """The index Firestore needs beyond the automatic ones, or None.

    Automatic: every field has collection-scope single-field indexes (both directions), and
    equality filters on several fields are served by merging them. A collection group query
    gets no automatic single-field index (only document-name order). Anything that combines
    an equality filter with a range or an order on another field, or orders on two fields,
    needs a composite index: equality fields first, then the range/order field."""
    sort_fields = [f for f, _ in q.order]
    if q.range_on and q.range_on not in sort_fields:
        sort_fields.insert(0, q.range_on)
    directions = dict(q.order)
    composite = bool(q.equals and sort_fields) or len(sort_fields) > 1
    scope = "COLLECTION_GROUP" if q.group else "COLLECTION"
    if composite:
        return (
            "composite",
            q.collection,
            scope,
            tuple(sorted((f, ASC) for f in q.equals)) + tuple((f, directions.get(f, ASC)) for f in sort_fields),
        )
    if q.group and (q.equals or sort_fields):
        (fld,) = set(q.equals) | set(sort_fields)
        return ("single", q.collection, scope, ((fld, directions.get(fld, ASC)),))
    return None


def declared_indexes() -> set[tuple]:
    spec = json.loads((ROOT / "firestore.indexes.json").read_text())
    declared = set()
    for index in spec["indexes"]:
        fields = [(f["fieldPath"], f["order"]) for f in index["fields"]]
        equals = tuple(sorted(fields[:-1]))
        declared.add(("composite", index["collectionGroup"], index["queryScope"], equals + (fields[-1],)))
    for override in spec.get("fieldOverrides", []):
        for index in override["indexes"]:
            if index["queryScope"] == "COLLECTION_GROUP" and "order" in index:
                declared.add(
                    (
                        "single",
                        override["collectionGroup"],
                        "COLLECTION_GROUP",
                        ((override["fieldPath"], index["order"]),),
                    )
                )
    return declared


@pytest.mark.parametrize("query", QUERIES, ids=lambda q: q.name)
def test_every_query_has_the_index_it_needs(query):
    needed = required_index(query)
    assert needed is None or needed in declared_indexes(), f"{query.name} needs {needed}"


def test_no_index_is_declared_that_no_query_needs():
    assert declared_indexes() == {i for i in map(required_index, QUERIES) if i}


def test_a_field_override_keeps_the_automatic_collection_indexes_it_replaces():
    spec = json.loads((ROOT / "firestore.indexes.json").read_text())
    for override in spec.get("fieldOverrides", []):
        scoped = {(i["queryScope"], i.get("order") or i.get("arrayConfig")) for i in override["indexes"]}
        assert {("COLLECTION", ASC), ("COLLECTION", DESC), ("COLLECTION", "CONTAINS")} <= scoped


def test_the_index_requirements_model_knows_the_textbook_cases():
    assert required_index(Query("q", "c", equals=("a",), order=(("b", DESC),))) == (
        "composite",
        "c",
        "COLLECTION",
        (("a", ASC), ("b", DESC)),
    )
    assert required_index(Query("q", "c", equals=("a", "b"))) is None
    assert required_index(Query("q", "c", order=(("b", DESC),))) is None
    assert required_index(Query("q", "c", range_on="b", group=True)) == (
        "single",
        "c",
        "COLLECTION_GROUP",
        (("b", ASC),),
    )


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
    assert doc["tokens"] == 1_000_000 - 4 * 40  # four of the five were charged 40 tokens
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
