"""users/{uid}, the token ledger and the feed are written by the server only; everything the
rules do not mention is denied."""

from __future__ import annotations

import pytest
import requests

from tests.support.firestore_rest import SERVER_TIME, encode, outcome


def ledger_path(uid: str, entry: str = "") -> str:
    return f"users/{uid}/transactions" + (f"/{entry}" if entry else "")


@pytest.fixture(scope="session")
def feed_entry(admin_db, alice_finished, new_id) -> str:
    """A feed entry as the server writes it for a published creation (id = the creation's)."""
    from domain import media

    cid = alice_finished["published"]
    creation = admin_db.collection("creations").document(cid).get().to_dict()
    admin_db.collection("feed").document(cid).set(
        media.feed_entry(creation, f"http://127.0.0.1:9000/phoenix-media/{media.published_key(cid)}")
    )
    return cid


# ---- users/{uid}: the balance -----------------------------------------------------------------


def test_a_user_reads_their_own_balance(alice):
    assert isinstance(alice.client.get(f"users/{alice.uid}")["tokens"], int)


def test_a_new_user_reading_their_missing_user_document_gets_not_found(player):
    newcomer = player(0)
    with pytest.raises(requests.HTTPError) as missing:
        newcomer.client.get(f"users/{newcomer.uid}")
    assert missing.value.response.status_code == 404


def test_another_users_balance_is_not_readable(alice, bob):
    assert outcome(lambda: bob.client.get(f"users/{alice.uid}")) == "denied"


def test_unauthenticated_cannot_read_a_balance(anon, alice):
    assert outcome(lambda: anon.get(f"users/{alice.uid}")) == "denied"


def test_listing_users_is_denied(alice):
    assert outcome(lambda: alice.client.query("users", limit=5)) == "denied"


@pytest.mark.parametrize(
    "write",
    [
        pytest.param(lambda c, uid: c.update(f"users/{uid}", {"tokens": 10**9}), id="update-tokens"),
        pytest.param(lambda c, uid: c.update(f"users/{uid}", {"inFlight": 0}), id="update-inFlight"),
        pytest.param(lambda c, uid: c.set(f"users/{uid}", {"tokens": 10**9, "inFlight": 0}), id="overwrite"),
        pytest.param(
            lambda c, uid: c.commit(
                [
                    {
                        "update": {"name": f"users/{uid}", "fields": {}},
                        "updateMask": {"fieldPaths": []},
                        "updateTransforms": [{"fieldPath": "tokens", "increment": encode(1000)}],
                        "currentDocument": {"exists": True},
                    }
                ]
            ),
            id="increment-tokens",
        ),
        pytest.param(lambda c, uid: c.delete(f"users/{uid}"), id="delete"),
    ],
)
def test_a_user_cannot_write_their_own_user_document(alice, admin_db, write):
    before = admin_db.collection("users").document(alice.uid).get().to_dict()
    assert outcome(lambda: write(alice.client, alice.uid)) == "denied"
    assert admin_db.collection("users").document(alice.uid).get().to_dict() == before


def test_a_new_user_cannot_create_their_own_user_document(player, admin_db):
    newcomer = player(0)
    assert outcome(lambda: newcomer.client.create(f"users/{newcomer.uid}", {"tokens": 1000, "inFlight": 0})) == "denied"
    assert not admin_db.collection("users").document(newcomer.uid).get().exists


def test_a_user_cannot_write_someone_elses_user_document(alice, bob):
    assert outcome(lambda: alice.client.update(f"users/{bob.uid}", {"tokens": 0})) == "denied"


# ---- users/{uid}/transactions: the ledger ---------------------------------------------------


def test_a_user_lists_their_own_ledger_newest_first(alice):
    rows = alice.client.query(
        "transactions", order_by=[("createdAt", "DESCENDING")], limit=100, parent=f"users/{alice.uid}"
    )
    assert "grant_initial" in {eid for eid, _ in rows}
    times = [entry["createdAt"] for _, entry in rows]
    assert times == sorted(times, reverse=True)


def test_a_user_reads_one_of_their_ledger_entries(alice):
    entry = alice.client.get(ledger_path(alice.uid, "grant_initial"))
    assert entry["type"] == "grant" and entry["amount"] > 0


def test_another_users_ledger_entry_is_not_readable(alice, bob):
    assert outcome(lambda: bob.client.get(ledger_path(alice.uid, "grant_initial"))) == "denied"


def test_another_users_ledger_is_not_listable(alice, bob):
    assert outcome(lambda: bob.client.query("transactions", parent=f"users/{alice.uid}", limit=10)) == "denied"


def test_unauthenticated_cannot_read_a_ledger(anon, alice):
    assert outcome(lambda: anon.query("transactions", parent=f"users/{alice.uid}", limit=10)) == "denied"


def test_a_collection_group_query_over_metric_shards_is_denied(alice):
    assert outcome(lambda: alice.client.collection_group_query("shards", limit=5)) == "denied"


def test_a_collection_group_query_over_all_ledgers_is_denied(alice):
    assert outcome(lambda: alice.client.collection_group_query("transactions", limit=5)) == "denied"


@pytest.mark.parametrize(
    "write",
    [
        pytest.param(
            lambda c, uid, n: c.create(
                ledger_path(uid, n),
                {
                    "type": "grant",
                    "amount": 10**6,
                    "balanceAfter": 10**6,
                    "creationId": None,
                    "reason": "gift",
                    "createdAt": SERVER_TIME,
                },
            ),
            id="create-grant",
        ),
        pytest.param(
            lambda c, uid, n: c.create(
                ledger_path(uid, f"refund_{n}"),
                {
                    "type": "refund",
                    "amount": 80,
                    "balanceAfter": 80,
                    "creationId": n,
                    "reason": "timeout",
                    "createdAt": SERVER_TIME,
                },
            ),
            id="create-refund",
        ),
        pytest.param(
            lambda c, uid, n: c.update(ledger_path(uid, "grant_initial"), {"amount": 10**9}), id="update-amount"
        ),
        pytest.param(lambda c, uid, n: c.delete(ledger_path(uid, "grant_initial")), id="delete"),
    ],
)
def test_a_user_cannot_write_or_delete_ledger_entries(alice, admin_db, new_id, write):
    ref = admin_db.collection("users").document(alice.uid).collection("transactions")
    before = {s.id: s.to_dict() for s in ref.stream()}
    assert outcome(lambda: write(alice.client, alice.uid, new_id())) == "denied"
    assert {s.id: s.to_dict() for s in ref.stream()} == before


# ---- feed/{creationId} ------------------------------------------------------------------------


def test_a_signed_in_user_reads_a_feed_entry(bob, feed_entry):
    entry = bob.client.get(f"feed/{feed_entry}")
    assert entry["mediaUrl"].endswith(f"{feed_entry}.mp4")


def test_a_signed_in_user_lists_the_feed_newest_first(bob, feed_entry):
    rows = bob.client.query("feed", where=[("visible", "==", True)], order_by=[("publishedAt", "DESCENDING")], limit=50)
    times = [entry["publishedAt"] for _, entry in rows]
    assert rows and times == sorted(times, reverse=True)


def test_unauthenticated_cannot_read_a_feed_entry(anon, feed_entry):
    assert outcome(lambda: anon.get(f"feed/{feed_entry}")) == "denied"


def test_unauthenticated_cannot_list_the_feed(anon, feed_entry):
    assert (
        outcome(
            lambda: anon.query(
                "feed", where=[("visible", "==", True)], order_by=[("publishedAt", "DESCENDING")], limit=5
            )
        )
        == "denied"
    )


@pytest.mark.parametrize(
    "write",
    [
        pytest.param(
            lambda c, cid, fresh: c.create(f"feed/{fresh}", {"creationId": fresh, "publishedAt": SERVER_TIME}),
            id="create-entry",
        ),
        pytest.param(lambda c, cid, fresh: c.update(f"feed/{cid}", {"prompt": "defaced"}), id="update-entry"),
        pytest.param(lambda c, cid, fresh: c.set(f"feed/{cid}", {"creationId": cid}), id="overwrite-entry"),
        pytest.param(lambda c, cid, fresh: c.delete(f"feed/{cid}"), id="delete-entry"),
    ],
)
def test_a_client_cannot_write_the_feed_even_for_its_own_published_creation(alice, feed_entry, admin_db, new_id, write):
    fresh = new_id()
    before = admin_db.collection("feed").document(feed_entry).get().to_dict()
    assert outcome(lambda: write(alice.client, feed_entry, fresh)) == "denied"
    assert admin_db.collection("feed").document(feed_entry).get().to_dict() == before
    assert not admin_db.collection("feed").document(fresh).get().exists


# ---- everything else ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "config/app",
        "admin/settings",
        "users/{uid}/private/notes",
        "creations/{draft}/comments/c1",
        "feed/{draft}/likes/{uid}",
        "metrics/20260101-000/shards/0",
        "metrics/20260101-000",
    ],
)
def test_any_other_path_is_denied_for_reading_and_writing(alice, alice_finished, path):
    path = path.format(uid=alice.uid, draft=alice_finished["draft"])
    assert outcome(lambda: alice.client.get(path)) == "denied"
    assert outcome(lambda: alice.client.set(path, {"x": 1})) == "denied"
