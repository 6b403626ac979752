"""Push notifications on the emulator stack, as the app registers for them: the finishing
transaction's outbox document wakes sendnotification, which talks to the strict FCM stand-in
with the functions' own OAuth credentials."""

from __future__ import annotations

import uuid

import pytest
from google.cloud.firestore_v1.base_query import FieldFilter

from devstack.stack import FCM_URL
from domain.notifications import TEXTS
from standins.fcm_server import FcmControl
from tests.flows.helpers import submit, wait_status
from tests.support.firestore_rest import SERVER_TIME
from tests.support.waiting import wait_until


@pytest.fixture
def fcm():
    control = FcmControl(FCM_URL)
    control.reset()
    yield control
    control.reset()


def fcm_token() -> str:
    return f"flow-{uuid.uuid4().hex}:APA91b{uuid.uuid4().hex}"


def register(client, uid: str, n: int, locale: str = "en-US") -> dict[str, str]:
    """Device id → token, registered through the rules as the app does."""
    devices = {f"install-{uuid.uuid4().hex[:8]}": fcm_token() for _ in range(n)}
    for device_id, token in devices.items():
        doc = {"token": token, "platform": "android", "locale": locale, "updatedAt": SERVER_TIME}
        client.set(f"users/{uid}/devices/{device_id}", doc)
    return devices


def outcome_of(admin_db, cid: str) -> dict:
    """The sender's summary on the creation's outbox document, once its run has ended."""

    def check():
        docs = admin_db.collection("notifications").where(filter=FieldFilter("creationId", "==", cid)).get()
        done = [d.to_dict()["outcome"] for d in docs if "outcome" in (d.to_dict() or {})]
        return done[0] if done else None

    return wait_until(check, what=f"the notification of {cid} to be sent")


def messages_for(fcm, cid: str) -> list[dict]:
    return [m for m in fcm.messages() if m["message"]["data"]["creationId"] == cid]


def test_a_draft_sends_exactly_one_message_to_each_of_two_devices(new_user, fcm, admin_db):
    user, client = new_user(tokens=200)
    devices = register(client, user.uid, 2)
    cid = submit(client, user.uid, "a paper boat on a rainy street")
    assert wait_status(client, cid)["status"] == "draft"
    assert outcome_of(admin_db, cid)["sent"] == 2
    sent = messages_for(fcm, cid)
    assert sorted(m["token"] for m in sent) == sorted(devices.values())
    assert all(m["message"]["data"] == {"creationId": cid, "status": "draft"} for m in sent)
    assert all(m["message"]["notification"]["title"] == TEXTS["en"].ready_title for m in sent)


def test_a_refunded_failure_sends_one_message_per_device_saying_so(new_user, fcm, admin_db):
    user, client = new_user(tokens=200)
    register(client, user.uid, 2, locale="fr-FR")
    cid = submit(client, user.uid, "a gore scene")  # the Veo stand-in's content filter
    failed = wait_status(client, cid)
    assert failed["status"] == "failed" and failed["refunded"] is True
    assert outcome_of(admin_db, cid)["sent"] == 2
    sent = messages_for(fcm, cid)
    assert len(sent) == 2
    assert all(m["message"]["data"]["status"] == "failed" for m in sent)
    assert all(TEXTS["fr"].refunded in m["message"]["notification"]["body"] for m in sent)


def test_an_unregistered_tokens_device_is_removed_after_one_send(new_user, fcm, admin_db):
    user, client = new_user(tokens=200)
    devices = register(client, user.uid, 2)
    gone_id, gone_token = next(iter(devices.items()))
    fcm.unregister([gone_token])
    cid = submit(client, user.uid, "a fox in the snow")
    wait_status(client, cid)
    result = outcome_of(admin_db, cid)
    assert (result["sent"], result["stale"]) == (1, 1)
    assert not admin_db.document(f"users/{user.uid}/devices/{gone_id}").get().exists
    assert [m["token"] for m in messages_for(fcm, cid)] == [devices[d] for d in devices if d != gone_id]


def test_beyond_ten_devices_the_oldest_are_removed_and_the_newest_get_the_message(new_user, fcm, admin_db):
    from domain.notifications import MAX_DEVICES

    user, client = new_user(tokens=200)
    ordered = [register(client, user.uid, 1) for _ in range(MAX_DEVICES + 2)]  # one at a time: oldest first
    cid = submit(client, user.uid, "a kite over the dunes")
    wait_status(client, cid)
    result = outcome_of(admin_db, cid)
    assert (result["sent"], result["pruned"]) == (MAX_DEVICES, 2)
    oldest = [device_id for devices in ordered[:2] for device_id in devices]
    assert all(not admin_db.document(f"users/{user.uid}/devices/{d}").get().exists for d in oldest)
    newest = {token for devices in ordered[2:] for token in devices.values()}
    assert {m["token"] for m in messages_for(fcm, cid)} == newest
