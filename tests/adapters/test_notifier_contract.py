"""One contract for the Notifier port, run on the FCM adapter against the strict stand-in
(the real client path: a service account's OAuth token, then HTTP v1) and on the handler
tier's fake, so the fake cannot drift from what the stand-in (and FCM) answers."""

from __future__ import annotations

import pytest

from adapters.fcm import Fcm
from domain.notifications import Device, SendKind, message_for
from standins.fcm_server import FcmControl
from tests.handlers.fake_notify import FakeFcm
from tests.support.fcm import PROJECT, TOKEN, running_fcm, token

OUTBOX = {"creationId": "c1", "userId": "u1", "status": "draft"}


@pytest.fixture(params=["fcm-adapter-on-stand-in", "fake"])
def notifier(request, tmp_path):
    if request.param == "fake":
        fake = FakeFcm()
        yield fake, fake
        return
    with running_fcm(tmp_path) as (server, key):
        yield Fcm(PROJECT, server.base_url, str(key)), FcmControl(server.base_url)


def msg(tok: str = TOKEN) -> dict:
    return message_for(Device("d1", tok, "android", "fr-FR"), OUTBOX)


def test_an_accepted_message_comes_back_sent_and_is_delivered_as_built(notifier):
    port, control = notifier
    result = port.send(msg())
    assert result.kind == SendKind.SENT and result.message_name
    [delivered] = control.messages()
    assert delivered["token"] == TOKEN and delivered["message"] == msg()


def test_an_unregistered_token_comes_back_stale(notifier):
    port, control = notifier
    control.unregister([TOKEN])
    result = port.send(msg())
    assert (result.kind, result.code) == (SendKind.STALE_TOKEN, "UNREGISTERED")
    assert control.messages() == []


def test_a_token_fcm_calls_invalid_comes_back_stale(notifier):
    port, _ = notifier
    result = port.send(msg("not-a-token"))
    assert (result.kind, result.code) == (SendKind.STALE_TOKEN, "INVALID_ARGUMENT")


def test_quota_comes_back_retry_with_fcms_retry_after(notifier):
    port, control = notifier
    control.faults([{"kind": "quota", "retryAfter": 3}])
    result = port.send(msg())
    assert (result.kind, result.code, result.retry_after_s) == (SendKind.RETRY, "QUOTA_EXCEEDED", 3.0)
    assert port.send(msg()).kind == SendKind.SENT


@pytest.mark.parametrize("kind", ["unavailable", "internal"])
def test_a_server_error_comes_back_retry_without_a_wait(notifier, kind):
    port, control = notifier
    control.faults([{"kind": kind}])
    result = port.send(msg())
    assert result.kind == SendKind.RETRY and result.retry_after_s is None


def test_sender_id_mismatch_and_a_malformed_message_are_refused_not_stale(notifier):
    port, control = notifier
    control.faults([{"kind": "sender_id_mismatch"}])
    assert (port.send(msg()).kind, port.send(msg()).kind) == (SendKind.REFUSED, SendKind.SENT)
    bad = dict(msg(token(2)), data={"creationId": 1})
    assert port.send(bad).kind == SendKind.REFUSED
