"""creations/{id} update and delete: the client publishes its own draft (in one batch with
publications/{id}) and deletes its own finished creations; every other change is the server's."""

from __future__ import annotations

import datetime as dt

import pytest

from domain import contract
from tests.support.firestore_rest import SERVER_TIME, outcome

PUBLISH = {"status": "published", "publishedAt": SERVER_TIME}


def doc_of(admin_db, cid: str) -> dict | None:
    snap = admin_db.collection("creations").document(cid).get()
    return snap.to_dict() if snap.exists else None


@pytest.fixture(scope="session")
def bob_finished(seed, bob) -> dict[str, str]:
    return {status: seed.finished(bob.uid, status) for status in ("draft", "failed", "published")}


# ---- publish: the one client update ---------------------------------------------------------


def test_owner_publishes_own_draft_stamping_request_time_and_nothing_else(alice, seed, admin_db):
    cid = seed.finished(alice.uid, "draft")
    before = doc_of(admin_db, cid)
    assert outcome(lambda: alice.client.publish_with(cid, PUBLISH)) == "allowed"
    after = doc_of(admin_db, cid)
    assert after["status"] == "published"
    assert abs((after["publishedAt"] - dt.datetime.now(dt.UTC)).total_seconds()) < 60

    # publishcreation runs on this publish and may already have added its own fields.
    server_added = {k for k in contract.FEED_SERVER_FIELDS if k in after and k not in before}

    def unchanged(doc):
        return {k: v for k, v in doc.items() if k not in PUBLISH and k not in server_added}

    assert unchanged(after) == unchanged(before)


@pytest.mark.parametrize("status", ["pending", "processing"])
def test_publishing_an_in_flight_creation_is_denied(alice, alice_in_flight, seed, status):
    cid = alice_in_flight[status]
    assert outcome(lambda: alice.client.publish_with(cid, PUBLISH)) == "denied"
    assert seed.status(cid) == status


@pytest.mark.parametrize("status", ["failed", "published"])
def test_publishing_a_failed_or_already_published_creation_is_denied(alice, alice_finished, seed, status):
    cid = alice_finished[status]
    assert outcome(lambda: alice.client.publish_with(cid, PUBLISH)) == "denied"
    assert seed.status(cid) == status


def test_publishing_someone_elses_draft_is_denied(alice, bob_finished, seed):
    cid = bob_finished["draft"]
    assert outcome(lambda: alice.client.publish_with(cid, PUBLISH)) == "denied"
    assert seed.status(cid) == "draft"


def test_unauthenticated_publish_is_denied(anon, alice_finished, seed):
    assert outcome(lambda: anon.update(f"creations/{alice_finished['draft']}", PUBLISH)) == "denied"
    assert seed.status(alice_finished["draft"]) == "draft"


@pytest.mark.parametrize(
    "change",
    [
        pytest.param({"status": "draft"}, id="status-back-to-draft"),
        pytest.param({"status": "draft", "publishedAt": None}, id="status-draft-and-publishedAt-null"),
        pytest.param({"publishedAt": SERVER_TIME}, id="new-publishedAt"),
    ],
)
def test_unpublishing_or_republishing_is_denied(alice, alice_finished, seed, change):
    cid = alice_finished["published"]
    assert outcome(lambda: alice.client.update(f"creations/{cid}", change)) == "denied"
    assert seed.status(cid) == "published"


# Unpublishing by removing publishedAt is allowed since unpublishing exists: tests/rules/test_rules_feed.py
# (test_owner_unpublishes_removing_publishedAt_and_changing_nothing_else).


@pytest.mark.parametrize(
    "published_at",
    [
        pytest.param("client-now", id="client-clock"),
        pytest.param(dt.datetime(2020, 1, 1, tzinfo=dt.UTC), id="backdated"),
        pytest.param("2026-01-01T00:00:00Z", id="string"),
        pytest.param(None, id="null"),
        pytest.param("missing", id="missing"),
    ],
)
def test_publishing_with_a_publishedAt_other_than_request_time_is_denied(alice, alice_finished, seed, published_at):
    cid = alice_finished["draft"]
    change: dict = {"status": "published"}
    if published_at == "client-now":
        change["publishedAt"] = dt.datetime.now(dt.UTC)
    elif published_at != "missing":
        change["publishedAt"] = published_at
    assert outcome(lambda: alice.client.publish_with(cid, change)) == "denied"
    assert seed.status(cid) == "draft"


@pytest.mark.parametrize(
    "extra",
    [
        pytest.param({"prompt": "something else"}, id="prompt"),
        pytest.param({"mediaUrl": "https://evil.example/v.mp4"}, id="mediaUrl"),
        pytest.param({"userId": "OTHER"}, id="userId"),
        pytest.param({"tokenCost": 0}, id="tokenCost"),
        pytest.param({"refunded": True}, id="refunded"),
        pytest.param({"duration": 8}, id="duration"),
        pytest.param({"featured": True}, id="new-field"),
    ],
)
def test_publishing_while_changing_another_field_is_denied(alice, bob, alice_finished, seed, extra):
    cid = alice_finished["draft"]
    extra = {k: (bob.uid if v == "OTHER" else v) for k, v in extra.items()}
    assert outcome(lambda: alice.client.publish_with(cid, {**PUBLISH, **extra})) == "denied"
    assert seed.status(cid) == "draft"


def test_publishing_while_deleting_a_field_is_denied(alice, alice_finished, admin_db):
    cid = alice_finished["draft"]

    def call():
        return alice.client.publish_with(cid, PUBLISH, mask=["status", "publishedAt", "mediaUrl"])

    assert outcome(call) == "denied"
    assert doc_of(admin_db, cid)["mediaUrl"]


@pytest.mark.parametrize("status", ["pending", "processing", "draft"])
def test_changing_the_prompt_after_create_is_denied(alice, alice_in_flight, alice_finished, admin_db, status):
    cid = {**alice_in_flight, **alice_finished}[status]
    before = doc_of(admin_db, cid)["prompt"]
    assert outcome(lambda: alice.client.update(f"creations/{cid}", {"prompt": "new prompt"})) == "denied"
    assert doc_of(admin_db, cid)["prompt"] == before


@pytest.mark.parametrize(
    "source, target",
    [
        ("pending", "processing"),
        ("processing", "draft"),
        ("draft", "failed"),
        ("failed", "pending"),
    ],
)
def test_the_client_cannot_make_a_server_move(alice, alice_in_flight, alice_finished, seed, source, target):
    cid = {**alice_in_flight, **alice_finished}[source]
    assert outcome(lambda: alice.client.update(f"creations/{cid}", {"status": target})) == "denied"
    assert seed.status(cid) == source


def test_a_full_overwrite_that_only_publishes_is_allowed(alice, seed, admin_db):
    """setData() of the whole document with just status/publishedAt changed is the same publish."""
    cid = seed.finished(alice.uid, "draft")
    doc = {**doc_of(admin_db, cid), **PUBLISH}
    batch = [alice.client.write_op(f"creations/{cid}", doc, exists=None), alice.client.publication_op(cid)]
    assert outcome(lambda: alice.client.commit(batch)) == "allowed"
    assert doc_of(admin_db, cid)["status"] == "published"


# ---- publications/{id}: the publish batch ----------------------------------------------------


def test_a_publish_without_its_publication_is_denied(alice, seed):
    # The publication is what wakes the server: a publish that skips it would never reach the feed
    cid = seed.finished(alice.uid, "draft")
    assert outcome(lambda: alice.client.update(f"creations/{cid}", PUBLISH)) == "denied"
    assert seed.status(cid) == "draft"


def test_a_publication_without_the_publish_is_denied(alice, seed, admin_db):
    cid = seed.finished(alice.uid, "draft")
    assert outcome(lambda: alice.client.commit([alice.client.publication_op(cid)])) == "denied"
    assert doc_of(admin_db, cid)["status"] == "draft"


def test_a_publication_of_someone_elses_creation_is_denied(alice, bob_finished):
    cid = bob_finished["draft"]
    assert outcome(lambda: alice.client.commit([alice.client.publication_op(cid)])) == "denied"
    forged = {"userId": alice.uid, "createdAt": SERVER_TIME}
    assert outcome(lambda: alice.client.commit([alice.client.publication_op(bob_finished["published"], forged)])) == (
        "denied"
    )


@pytest.mark.parametrize(
    "data",
    [
        pytest.param({"createdAt": SERVER_TIME}, id="no-userId"),
        pytest.param({"userId": "OTHER", "createdAt": SERVER_TIME}, id="other-userId"),
        pytest.param({"userId": "ME", "createdAt": dt.datetime(2020, 1, 1, tzinfo=dt.UTC)}, id="backdated"),
        pytest.param({"userId": "ME", "createdAt": SERVER_TIME, "publishedAt": SERVER_TIME}, id="extra-field"),
    ],
)
def test_a_malformed_publication_is_denied_with_the_publish(alice, bob, seed, data):
    cid = seed.finished(alice.uid, "draft")
    data = {k: {"OTHER": bob.uid, "ME": alice.uid}.get(v, v) if isinstance(v, str) else v for k, v in data.items()}
    change = alice.client.write_op(f"creations/{cid}", PUBLISH, exists=True, mask=list(PUBLISH))
    assert outcome(lambda: alice.client.commit([change, alice.client.publication_op(cid, data)])) == "denied"
    assert seed.status(cid) == "draft"


def test_the_owner_publishes_and_unpublishes_with_the_batches_and_nobody_else_touches_them(alice, bob, seed, admin_db):
    cid = seed.finished(alice.uid, "draft")
    assert outcome(lambda: alice.client.publish(cid)) == "allowed"
    assert doc_of(admin_db, cid)["status"] == "published"
    assert alice.client.get(f"publications/{cid}")["userId"] == alice.uid
    assert outcome(lambda: bob.client.get(f"publications/{cid}")) == "denied"
    assert outcome(lambda: bob.client.delete(f"publications/{cid}")) == "denied"
    # Deleting the publication while the creation stays published is denied; so is an
    # unpublish that keeps the publication
    assert outcome(lambda: alice.client.delete(f"publications/{cid}")) == "denied"
    assert outcome(
        lambda: alice.client.update_masked(f"creations/{cid}", {"status": "draft"}, ["status", "publishedAt"])
    ) == ("denied")
    assert outcome(lambda: alice.client.unpublish(cid)) == "allowed"
    assert doc_of(admin_db, cid)["status"] == "draft"
    assert admin_db.document(f"publications/{cid}").get().exists is False


# ---- delete ---------------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["draft", "failed", "published"])
def test_owner_deletes_own_finished_creation(alice, seed, admin_db, status):
    cid = seed.finished(alice.uid, status)
    assert outcome(lambda: alice.client.delete(f"creations/{cid}")) == "allowed"
    assert doc_of(admin_db, cid) is None


@pytest.mark.parametrize("status", ["pending", "processing"])
def test_deleting_own_creation_while_in_flight_is_denied(alice, alice_in_flight, seed, status):
    cid = alice_in_flight[status]
    assert outcome(lambda: alice.client.delete(f"creations/{cid}")) == "denied"
    assert seed.status(cid) == status


@pytest.mark.parametrize("status", ["draft", "failed", "published"])
def test_deleting_someone_elses_creation_is_denied(alice, bob_finished, seed, status):
    cid = bob_finished[status]
    assert outcome(lambda: alice.client.delete(f"creations/{cid}")) == "denied"
    assert seed.status(cid) == status


def test_unauthenticated_delete_is_denied(anon, bob_finished, seed):
    assert outcome(lambda: anon.delete(f"creations/{bob_finished['failed']}")) == "denied"
    assert seed.status(bob_finished["failed"]) == "failed"
