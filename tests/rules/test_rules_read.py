"""creations/{id} get and list: a user sees their own creations and nobody else's."""

from __future__ import annotations

import pytest
import requests

from tests.support.firestore_rest import outcome

STATUSES = ["pending", "processing", "draft", "failed", "published"]


@pytest.fixture(scope="session")
def alice_creations(alice_in_flight, alice_finished) -> dict[str, str]:
    return {**alice_in_flight, **alice_finished}


@pytest.mark.parametrize("status", STATUSES)
def test_owner_reads_their_creation_in_every_state(alice, alice_creations, status):
    doc = alice.client.get(f"creations/{alice_creations[status]}")
    assert doc["userId"] == alice.uid and doc["status"] == status


@pytest.mark.parametrize("status", STATUSES)
def test_another_user_cannot_read_a_creation_in_any_state(bob, alice_creations, status):
    assert outcome(lambda: bob.client.get(f"creations/{alice_creations[status]}")) == "denied"


def test_unauthenticated_cannot_read_a_creation(anon, alice_creations):
    assert outcome(lambda: anon.get(f"creations/{alice_creations['draft']}")) == "denied"


def test_a_signed_in_get_of_an_id_not_created_yet_answers_not_found(alice, new_id):
    with pytest.raises(requests.HTTPError) as missing:
        alice.client.get(f"creations/{new_id()}")
    assert missing.value.response.status_code == 404


def test_an_unauthenticated_get_of_a_missing_id_is_denied(anon, new_id):
    assert outcome(lambda: anon.get(f"creations/{new_id()}")) == "denied"


def test_owner_lists_own_creations_filtered_on_userId_and_sees_only_those(alice, alice_creations):
    rows = alice.client.query(
        "creations", where=[("userId", "==", alice.uid)], order_by=[("createdAt", "DESCENDING")], limit=100
    )
    assert set(alice_creations.values()) <= {cid for cid, _ in rows}
    assert {doc["userId"] for _, doc in rows} == {alice.uid}


def test_owner_lists_own_creations_of_one_status(alice, alice_creations):
    rows = alice.client.query("creations", where=[("userId", "==", alice.uid), ("status", "==", "draft")], limit=100)
    assert alice_creations["draft"] in {cid for cid, _ in rows}
    assert {doc["status"] for _, doc in rows} == {"draft"}


@pytest.mark.parametrize(
    "where",
    [
        pytest.param([], id="no-filter"),
        pytest.param([("status", "==", "draft")], id="status-only"),
        pytest.param([("userId", "==", "OTHER")], id="another-users-uid"),
        pytest.param([("userId", "in", ["SELF", "OTHER"])], id="userId-in-self-and-other"),
        pytest.param([("userId", "!=", "SELF")], id="userId-not-self"),
        pytest.param([("userId", ">=", "")], id="userId-range"),
    ],
)
def test_a_list_that_is_not_limited_to_own_creations_is_denied(alice, bob, where):
    swap = {"SELF": alice.uid, "OTHER": bob.uid}
    where = [(f, op, [swap[x] for x in v] if isinstance(v, list) else swap.get(v, v)) for f, op, v in where]
    assert outcome(lambda: alice.client.query("creations", where=where, limit=10)) == "denied"


def test_an_unauthenticated_list_is_denied_even_with_a_userId_filter(anon, alice):
    assert outcome(lambda: anon.query("creations", where=[("userId", "==", alice.uid)], limit=10)) == "denied"


def test_a_collection_group_query_over_creations_is_denied(alice):
    assert outcome(lambda: alice.client.collection_group_query("creations", limit=5)) == "denied"
