"""Deleting creations and re-using their ids: no free videos, no lost tokens, no lost slots.

Acts as the client where the client can act; where the rules already refuse (re-creating an
id the user was charged for), writes as the admin SDK would (an operator, or a race), since
the server must hold on its own.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid

from devstack.stack import MEDIA_BUCKET, s3_client
from tests.flows.helpers import (
    OWNER,
    assert_ledger_ok,
    balance,
    cost,
    ledger_of,
    new_id,
    publish,
    request_doc,
    run_scheduled,
    submit,
    wait_status,
)
from tests.support.waiting import wait_until


def services(**settings):
    import config
    from bootstrap import bootstrap

    svc = bootstrap(config.settings())
    return dataclasses.replace(svc, settings=dataclasses.replace(svc.settings, **settings))


def r2_keys(prefix: str) -> list[str]:
    listed = s3_client().list_objects_v2(Bucket=MEDIA_BUCKET, Prefix=prefix)
    return [o["Key"] for o in listed.get("Contents", [])]


def incarnation(cid: str) -> str:
    from adapters import store
    from adapters.firestore_tx import incarnation_of

    return incarnation_of(store.creation_ref(cid).get().create_time)


def feed_entry(cid: str) -> dict | None:
    import requests

    try:
        return OWNER.get(f"feed/{cid}")
    except requests.HTTPError as exc:
        if exc.response.status_code == 404:
            return None
        raise


def in_flight(client, uid: str) -> int:
    return client.get(f"users/{uid}").get("inFlight", 0)


def pending_and_charged(user, client, prompt: str) -> tuple[str, dict]:
    """A pending creation whose debit is taken and whose start handler is not running (it
    died after the debit, or Veo is still being asked): written as a request the server
    refuses at once, restored to pending once refused, then charged as the start handler does."""
    from adapters import store

    cid = new_id()
    OWNER.create(f"creations/{cid}", request_doc(user.uid, "forbiddenword " + prompt))
    wait_status(client, cid, statuses=("failed",))
    data = request_doc(user.uid, prompt) | {"createdAt": dt.datetime.now(dt.UTC)}
    OWNER.set(f"creations/{cid}", data)
    charged = store.debit(cid, user.uid, cost(4), 3, incarnation(cid))
    assert charged.result == store.DebitResult.DEBITED
    return cid, data


def test_a_deleted_and_recreated_id_is_refused_and_its_delivered_video_never_refunded(new_user, veo):
    user, client = new_user(tokens=100)
    cid = submit(client, user.uid, f"{uuid.uuid4().hex[:8]} a paper boat")
    assert wait_status(client, cid)["status"] == "draft"
    client.delete(f"creations/{cid}")  # the owner may delete a finished creation
    wait_until(lambda: not r2_keys(f"drafts/{user.uid}/{cid}/"), what="cleanup of the draft")

    # The same id again (the rules deny this create to the client; the server holds anyway).
    OWNER.create(f"creations/{cid}", request_doc(user.uid, "a paper boat again"))
    doc = wait_status(client, cid, statuses=("failed",))
    assert doc["error"]["code"] == "invalid_request"
    assert "already used" in doc["error"]["message"] and doc["refunded"] is False
    # Even if it had stayed in flight long enough for the sweep, nothing is given back.
    OWNER.update(f"creations/{cid}", {"createdAt": dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)})
    run_scheduled("sweeporphans")
    entries = ledger_of(client, user.uid)
    assert f"refund_{cid}" not in entries and entries[f"debit_{cid}"]["deliveredAt"]
    assert balance(client, user.uid) == 100 - cost(4) and in_flight(client, user.uid) == 0
    assert_ledger_ok(user.uid)


def test_an_operator_deleting_a_processing_creation_refunds_it_and_frees_the_slot(new_user, veo):
    veo.config(delaySeconds=20)
    user, client = new_user(tokens=100)
    cid = submit(client, user.uid, f"{uuid.uuid4().hex[:8]} slow lighthouse")
    doc = wait_status(client, cid, statuses=("processing",))
    assert in_flight(client, user.uid) == 1

    OWNER.delete(f"creations/{cid}")

    refund = wait_until(lambda: ledger_of(client, user.uid).get(f"refund_{cid}"), what="the deletion refund")
    assert refund["amount"] == cost(4) and refund["reason"] == "deleted"
    assert balance(client, user.uid) == 100 and in_flight(client, user.uid) == 0
    veo.config(delaySeconds=0)  # finalize now finds it gone and removes its own copy
    wait_until(
        lambda: not r2_keys(doc["mediaKey"]) if doc.get("mediaKey") else True,
        what="no video of a deleted creation",
    )
    assert_ledger_ok(user.uid)


def test_a_late_delete_event_of_an_old_document_spares_the_new_owners_feed_entry_and_video(new_user, veo):
    from handlers import cleanup_creation

    alice, alice_client = new_user(tokens=100)
    bob, bob_client = new_user(tokens=100)
    cid = submit(alice_client, alice.uid, f"{uuid.uuid4().hex[:8]} alice's")
    wait_status(alice_client, cid)
    old = alice_client.get(f"creations/{cid}")
    old_incarnation = incarnation(cid)
    alice_client.delete(f"creations/{cid}")
    wait_until(lambda: not r2_keys(f"drafts/{alice.uid}/{cid}/"), what="cleanup of alice's draft")

    # Bob was never charged for this id: he may use it.
    submit(bob_client, bob.uid, f"{uuid.uuid4().hex[:8]} bob's", cid=cid)
    assert wait_status(bob_client, cid)["status"] == "draft"
    wait_until(lambda: bob_client.get(f"creations/{cid}").get("posterUrl"), what="bob's poster")
    publish(bob_client, cid)
    entry = wait_until(lambda: feed_entry(cid), what="bob's feed entry")
    bobs_objects = r2_keys(f"drafts/{bob.uid}/{cid}/") + r2_keys(f"published/{cid}/")

    # alice's delete event, delivered again now
    cleanup_creation.handle(cid, old, services(), old_incarnation)

    assert feed_entry(cid) == entry and "userId" not in entry  # names, not uids
    assert r2_keys(f"drafts/{bob.uid}/{cid}/") + r2_keys(f"published/{cid}/") == bobs_objects
    assert len(bobs_objects) == 4  # his draft and public copy, each a video and a poster
    assert_ledger_ok(alice.uid, bob.uid)
