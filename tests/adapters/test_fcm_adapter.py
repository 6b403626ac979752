"""What the FCM adapter does beyond the shared contract: credentials it cannot use, a network
that fails, and every message the domain builds passing FCM's checks."""

from __future__ import annotations

import pytest

from adapters.fcm import Fcm
from domain.errors import ErrorCode
from domain.notifications import TEXTS, Device, SendKind, message_for
from standins.fcm_server import check_message, make_service_account_key
from tests.support.fcm import PROJECT, TOKEN, running_fcm
from tests.support.ports import free_port


def msg() -> dict:
    return message_for(Device("d1", TOKEN, "ios"), {"creationId": "c1", "status": "draft"})


def test_a_key_fcm_does_not_know_is_refused_not_retried(tmp_path):
    with running_fcm(tmp_path) as (server, _):
        stranger = tmp_path / "stranger.json"
        make_service_account_key(str(stranger), PROJECT, server.token_uri)
        result = Fcm(PROJECT, server.base_url, str(stranger)).send(msg())
    assert (result.kind, result.code) == (SendKind.REFUSED, "AUTH")


def test_another_project_is_refused(tmp_path):
    with running_fcm(tmp_path) as (server, key):
        result = Fcm("someone-else", server.base_url, str(key)).send(msg())
    assert (result.kind, result.code) == (SendKind.REFUSED, "PERMISSION_DENIED")


def test_a_connection_refused_is_retried(tmp_path):
    port = free_port()  # nothing listens there
    with running_fcm(tmp_path) as (_, key):
        result = Fcm(PROJECT, f"http://127.0.0.1:{port}", str(key), timeout_s=2).send(msg())
    assert result.kind == SendKind.RETRY


@pytest.mark.parametrize("locale", [*TEXTS, "pt-BR", None])
@pytest.mark.parametrize("status, code", [("draft", None), *[("failed", c.value) for c in ErrorCode]])
def test_every_message_the_domain_builds_passes_fcms_checks(locale, status, code):
    outbox = {"creationId": "x" * 128, "status": status, "errorCode": code, "refunded": True}
    for platform in ("ios", "android", "web"):
        assert check_message(message_for(Device("d", TOKEN, platform, locale), outbox)) == TOKEN
