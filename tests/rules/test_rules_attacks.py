"""Attacks across the rules that the per-operation files do not cover: type confusion in every
field a client writes, anonymous users, one commit that deletes and re-creates an id, and the
paths no rule names."""

from __future__ import annotations

import pytest
import requests

from tests.support.firestore_rest import SERVER_TIME, Denied, encode, outcome

PUBLISH = {"status": "published", "publishedAt": SERVER_TIME}
CONFUSED = [
    pytest.param(None, id="null"),
    pytest.param(True, id="boolean"),
    pytest.param(7, id="integer"),  # no field takes 7: not even duration
    pytest.param(4.0, id="double"),
    pytest.param([], id="empty-array"),
    pytest.param({}, id="empty-map"),
    pytest.param(b"\x00", id="bytes"),
    pytest.param("x" * 200_000, id="huge-string"),
]


def create(player, request_doc, new_id, **overrides) -> str:
    return outcome(lambda: player.client.create(f"creations/{new_id()}", request_doc(player.uid, **overrides)))


# ---- type confusion: every client-written field, every wrong type ------------------------------


@pytest.mark.parametrize("field", ["userId", "prompt", "aspectRatio", "duration", "status", "createdAt"])
@pytest.mark.parametrize("value", CONFUSED)
def test_a_create_with_a_field_of_the_wrong_type_is_denied(alice, request_doc, new_id, field, value):
    assert create(alice, request_doc, new_id, **{field: value}) == "denied"


@pytest.mark.parametrize("field", ["status", "publishedAt"])
@pytest.mark.parametrize(
    "value",
    CONFUSED
    + [
        pytest.param(["published"], id="array-of-the-value"),
        pytest.param({"status": "published"}, id="map-of-the-value"),
    ],
)
def test_a_publish_with_a_field_of_the_wrong_type_is_denied(alice, seed, field, value):
    cid = seed.finished(alice.uid, "draft")
    assert outcome(lambda: alice.client.update(f"creations/{cid}", {**PUBLISH, field: value})) == "denied"
    assert seed.status(cid) == "draft"


def test_a_create_with_dozens_of_extra_fields_is_denied(alice, request_doc, new_id):
    extra = {f"f{i}": i for i in range(60)}
    assert create(alice, request_doc, new_id, **extra) == "denied"


# ---- anonymous users: signed in, so held to the same contract -----------------------------------


def test_an_anonymous_user_without_tokens_cannot_create(anonymous_player, request_doc, new_id):
    assert create(anonymous_player, request_doc, new_id) == "denied"


def test_an_anonymous_user_with_tokens_creates_like_anyone(stack, request_doc, new_id):
    from types import SimpleNamespace

    from adapters import store
    from tests.support.firestore_rest import UserClient, sign_in_anonymously

    user = sign_in_anonymously()
    store.grant(user.uid, 100, "rules test grant", grant_id="grant_initial")
    guest = SimpleNamespace(uid=user.uid, client=UserClient(user.id_token))
    assert create(guest, request_doc, new_id) == "allowed"


@pytest.mark.parametrize("status", ["draft", "published", "failed"])
def test_an_anonymous_user_cannot_read_publish_or_delete_someone_elses_creation(
    anonymous_user, alice_finished, seed, status
):
    cid = alice_finished[status]
    assert outcome(lambda: anonymous_user.get(f"creations/{cid}")) == "denied"
    assert outcome(lambda: anonymous_user.update(f"creations/{cid}", PUBLISH)) == "denied"
    assert outcome(lambda: anonymous_user.delete(f"creations/{cid}")) == "denied"
    assert seed.status(cid) == status


def test_an_anonymous_user_cannot_read_someone_elses_balance_or_ledger(anonymous_user, alice):
    assert outcome(lambda: anonymous_user.get(f"users/{alice.uid}")) == "denied"
    assert outcome(lambda: anonymous_user.query("transactions", parent=f"users/{alice.uid}", limit=5)) == "denied"


# ---- one commit: delete a charged creation and create its id again ------------------------------


def test_a_commit_that_deletes_and_recreates_a_charged_id_is_refused(alice, seed, request_doc, admin_db):
    cid = seed.finished(alice.uid, "draft")
    doc = {k: v for k, v in request_doc(alice.uid).items() if k != "createdAt"}
    writes = [
        {"delete": f"creations/{cid}"},
        {
            "update": {"name": f"creations/{cid}", "fields": {k: encode(v) for k, v in doc.items()}},
            "updateTransforms": [{"fieldPath": "createdAt", "setToServerValue": "REQUEST_TIME"}],
        },
    ]
    try:
        alice.client.commit(writes)
        verdict = "allowed"
    except Denied:
        verdict = "denied"
    except requests.HTTPError as err:  # Firestore may refuse two writes to one document itself
        verdict = f"http-{err.response.status_code}"
    assert verdict != "allowed"
    assert admin_db.collection("creations").document(cid).get().to_dict()["status"] == "draft"


# ---- paths no rule names -------------------------------------------------------------------------


@pytest.mark.parametrize("collection", ["config", "admin", "metrics", "usedIds", "creations_v2"])
def test_listing_a_collection_no_rule_names_is_denied_even_with_a_limit(alice, collection):
    assert outcome(lambda: alice.client.query(collection, limit=5)) == "denied"


@pytest.mark.parametrize("collection", ["feed", "users"])
def test_a_collection_group_query_over_feed_or_users_is_denied(alice, collection):
    assert outcome(lambda: alice.client.collection_group_query(collection, limit=5)) == "denied"


def test_a_client_cannot_pre_write_a_ledger_entry_for_an_id(alice, admin_db, new_id):
    """Neither to spend someone's id nor to pretend one was charged."""
    cid = new_id()
    entry = {
        "type": "debit",
        "amount": 40,
        "balanceAfter": 0,
        "creationId": cid,
        "reason": "generation",
        "createdAt": SERVER_TIME,
    }
    assert outcome(lambda: alice.client.create(f"users/{alice.uid}/transactions/debit_{cid}", entry)) == "denied"
    assert (
        not admin_db.collection("users")
        .document(alice.uid)
        .collection("transactions")
        .document(f"debit_{cid}")
        .get()
        .exists
    )
