"""sendnotification: one message per registered device of the owner, stale tokens removed,
preferences honoured, FCM's refusals retried as FCM asks, and nothing ever raised."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.errors import ErrorCode
from domain.notifications import MAX_DEVICES, TEXTS
from handlers import send_notification
from tests.handlers.conftest import OTHER, USER
from tests.handlers.fakes import T0
from tests.support.fcm import token

NID = "c1_draft_x"


def draft(**extra) -> dict:
    return {"creationId": "c1", "userId": USER, "status": "draft", **extra}


def failed(code: ErrorCode = ErrorCode.TIMEOUT, refunded: bool = True) -> dict:
    return {"creationId": "c1", "userId": USER, "status": "failed", "errorCode": code.value, "refunded": refunded}


def given_devices(world, n: int, uid: str = USER, **extra) -> list[str]:
    for i in range(n):
        world.notify.register(uid, f"dev{i}", token(i if uid == USER else 100 + i), T0 + timedelta(minutes=i), **extra)
    return [token(i if uid == USER else 100 + i) for i in range(n)]


def test_a_draft_sends_one_message_to_each_device_of_the_owner_only(world):
    mine = given_devices(world, 2)
    given_devices(world, 1, uid=OTHER)
    outcome = send_notification.handle(NID, draft(), world.services)
    assert outcome.sent == 2
    assert sorted(m["token"] for m in world.fcm.sent) == sorted(mine)
    assert all(m["data"] == {"creationId": "c1", "status": "draft"} for m in world.fcm.sent)
    assert world.notify.outbox[NID]["sent"].keys() == {"dev0", "dev1"}
    assert world.notify.recorded[NID]["sent"] == 2


def test_a_refunded_failure_tells_the_user_in_their_language(world):
    given_devices(world, 1, locale="es-ES")
    send_notification.handle(NID, failed(), world.services)
    [message] = world.fcm.sent
    assert message["notification"]["title"] == TEXTS["es"].failed_title
    assert TEXTS["es"].refunded in message["notification"]["body"]
    assert message["data"]["status"] == "failed"


@pytest.mark.parametrize("doc, switch", [(draft(), "ready"), (failed(), "failed")])
def test_a_preference_switched_off_sends_nothing(world, doc, switch):
    given_devices(world, 2)
    world.notify.profiles[USER] = {"notify": {switch: False}}
    outcome = send_notification.handle(NID, doc, world.services)
    assert world.fcm.calls == 0 and outcome.skipped == "preference"


def test_an_unregistered_token_removes_its_device_and_the_others_still_get_theirs(world):
    tokens = given_devices(world, 3)
    world.fcm.unregister([tokens[1]])
    outcome = send_notification.handle(NID, draft(), world.services)
    assert (outcome.sent, outcome.stale) == (2, 1)
    assert set(world.notify.user_devices[USER]) == {"dev0", "dev2"}


def test_a_token_refreshed_meanwhile_is_not_removed_for_the_old_ones_refusal(world):
    tokens = given_devices(world, 1)
    world.fcm.unregister([tokens[0]])
    real_send = world.fcm.send

    def send_then_refresh(message):
        result = real_send(message)
        world.notify.user_devices[USER]["dev0"]["token"] = token(50)  # the app registered anew
        return result

    world.fcm.send = send_then_refresh
    send_notification.handle(NID, draft(), world.services)
    assert "dev0" in world.notify.user_devices[USER]


def test_quota_is_retried_after_fcms_retry_after_and_then_sent(world):
    given_devices(world, 1)
    world.fcm.faults([{"kind": "quota", "times": 2, "retryAfter": 9}])
    outcome = send_notification.handle(NID, draft(), world.services)
    assert outcome.sent == 1 and world.clock.slept == [9, 9]


def test_server_errors_back_off_and_are_given_up_without_raising(world):
    given_devices(world, 2)
    world.fcm.faults([{"kind": "unavailable", "times": 50, "token": token(0)}])
    outcome = send_notification.handle(NID, draft(), world.services)
    assert (outcome.sent, outcome.failed) == (1, 1)
    assert world.clock.slept == [1, 2, 4, 8]  # five tries, doubling waits
    assert set(world.notify.user_devices[USER]) == {"dev0", "dev1"}  # a server error is no stale token


def test_a_redelivered_event_does_not_send_again_to_devices_already_sent(world):
    given_devices(world, 2)
    doc = draft(sent={"dev0": "projects/p/messages/1"})
    outcome = send_notification.handle(NID, doc, world.services)
    assert outcome.sent == 1 and [m["token"] for m in world.fcm.sent] == [token(1)]


def test_beyond_the_device_limit_the_oldest_are_removed_and_not_sent_to(world):
    tokens = given_devices(world, MAX_DEVICES + 2)
    outcome = send_notification.handle(NID, draft(), world.services)
    assert (outcome.sent, outcome.pruned) == (MAX_DEVICES, 2)
    assert {m["token"] for m in world.fcm.sent} == set(tokens[2:])
    assert {"dev0", "dev1"}.isdisjoint(world.notify.user_devices[USER])


@pytest.mark.parametrize(
    "doc",
    [
        None,
        {"creationId": "c1", "status": "draft"},
        {"creationId": "c/1", "userId": USER, "status": "draft"},
        {"creationId": "c1", "userId": USER, "status": "processing"},
    ],
)
def test_a_malformed_outbox_document_sends_nothing(world, doc):
    given_devices(world, 1)
    assert send_notification.handle(NID, doc, world.services).skipped == "malformed"
    assert world.fcm.calls == 0


def test_a_lost_summary_does_not_fail_the_run(world):
    given_devices(world, 1)

    def broken(*_):
        raise RuntimeError("firestore down")

    world.notify.record_outcome = broken
    assert send_notification.handle(NID, draft(), world.services).sent == 1


# ---- from the finishing transaction to the devices ----------------------------------------------


def test_a_draft_leaves_one_outbox_document_that_reaches_the_owners_devices(world):
    from tests.handlers.test_finalize_generation import finalize, processing

    given_devices(world, 2)
    job = processing(world)
    finalize(world, job)
    finalize(world, job)  # a task delivered twice: the draft is made once, so is its notification
    [(nid, doc)] = world.store.outbox.items()
    assert doc == {"creationId": "c1", "userId": USER, "status": "draft"}
    assert send_notification.handle(nid, doc, world.services).sent == 2


def test_a_filtered_video_leaves_one_failed_outbox_document_saying_refunded(world):
    from domain.generation import OutcomeKind, VeoOutcome
    from tests.handlers.test_finalize_generation import finalize, processing

    job = processing(world)
    world.veo.answers = [VeoOutcome(OutcomeKind.FILTERED, reason="raiMediaFilteredReasons")]
    finalize(world, job)
    [doc] = world.store.outbox.values()
    assert (doc["status"], doc["errorCode"], doc["refunded"]) == ("failed", "content_policy", True)


@pytest.mark.parametrize("prompt, tokens", [("a cat surfing", 0), ("a gore scene", 100)])
def test_a_request_refused_before_any_charge_is_not_notified(world, prompt, tokens):
    # No tokens, or our own blocked term: the app shows the refusal at once, no push for it.
    from handlers import start_generation
    from tests.handlers.conftest import request

    if tokens:
        world.store.grant(USER, tokens)
    data = request(prompt=prompt)
    inc = world.store.create("c1", data)
    start_generation.handle("c1", dict(data), world.services, inc)
    assert world.store.creations["c1"]["status"] == "failed"
    assert world.store.outbox == {}


def test_the_retry_budget_is_shared_by_the_run_and_every_device_is_still_tried(world):
    given_devices(world, 4)
    world.fcm.faults([{"kind": "quota", "times": 100, "retryAfter": 60}])
    outcome = send_notification.handle(NID, draft(), world.services)
    assert sum(world.clock.slept) <= send_notification.POLICY.budget_s
    assert world.fcm.calls >= 4 and outcome.failed == 4
