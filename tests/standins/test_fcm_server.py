"""The FCM stand-in refuses what FCM HTTP v1 refuses, in FCM's error shape (docs checked
2026-12-04), and records what it accepts."""

from __future__ import annotations

import json

import pytest
import requests
from google.auth.transport.requests import AuthorizedSession
from google.oauth2 import service_account

from standins.fcm_server import FcmControl, make_service_account_key
from tests.support.fcm import PROJECT, TOKEN, running_fcm

SCOPE = "https://www.googleapis.com/auth/firebase.messaging"


@pytest.fixture
def fcm(tmp_path):
    with running_fcm(tmp_path) as (server, key):
        creds = service_account.Credentials.from_service_account_file(str(key), scopes=[SCOPE])
        yield server, AuthorizedSession(creds), FcmControl(server.base_url)


def url(server, project: str = PROJECT) -> str:
    return f"{server.base_url}/v1/projects/{project}/messages:send"


def message(**overrides) -> dict:
    base = {
        "token": TOKEN,
        "notification": {"title": "t", "body": "b"},
        "data": {"creationId": "c1", "status": "draft"},
    }
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def error_of(resp) -> tuple[int, str, str | None, str | None]:
    error = resp.json()["error"]
    fcm = [d.get("errorCode") for d in error.get("details", []) if d["@type"].endswith("FcmError")]
    fields = [v["field"] for d in error.get("details", []) if "fieldViolations" in d for v in d["fieldViolations"]]
    return resp.status_code, error["status"], fcm[0] if fcm else None, fields[0] if fields else None


def test_an_accepted_message_is_named_and_listed_oldest_first(fcm):
    server, session, control = fcm
    first = session.post(url(server), json={"message": message()})
    second = session.post(url(server), json={"message": message(data={"creationId": "c2", "status": "failed"})})
    assert first.status_code == second.status_code == 200
    assert first.json()["name"].startswith(f"projects/{PROJECT}/messages/")
    listed = control.messages()
    assert [m["message"]["data"]["creationId"] for m in listed] == ["c1", "c2"]
    assert listed[0]["token"] == TOKEN


def test_a_send_without_a_bearer_or_with_a_made_up_one_is_unauthenticated(fcm):
    server, _, control = fcm
    for headers in ({}, {"Authorization": "Bearer ya29.made-up"}):
        resp = requests.post(url(server), json={"message": message()}, headers=headers, timeout=5)
        assert error_of(resp)[:2] == (401, "UNAUTHENTICATED")
    assert control.messages() == []


def test_a_token_without_the_messaging_scope_is_refused(fcm, tmp_path):
    server, _, _ = fcm
    creds = service_account.Credentials.from_service_account_file(
        str(tmp_path / "fcm-key.json"), scopes=["https://www.googleapis.com/auth/devstorage.read_only"]
    )
    resp = AuthorizedSession(creds).post(url(server), json={"message": message()})
    assert error_of(resp)[:2] == (403, "PERMISSION_DENIED")


def test_a_key_the_stand_in_does_not_trust_gets_no_token(fcm, tmp_path):
    server, _, _ = fcm
    other = tmp_path / "other.json"
    make_service_account_key(str(other), PROJECT, server.token_uri)
    creds = service_account.Credentials.from_service_account_file(str(other), scopes=[SCOPE])
    with pytest.raises(Exception, match="invalid_grant|Invalid JWT"):
        AuthorizedSession(creds).post(url(server), json={"message": message()})


def test_another_project_in_the_path_is_permission_denied(fcm):
    server, session, _ = fcm
    resp = session.post(url(server, "someone-else"), json={"message": message()})
    assert error_of(resp)[:2] == (403, "PERMISSION_DENIED")


@pytest.mark.parametrize(
    "body, field",
    [
        ({"message": message(token=None)}, "message"),  # no target
        ({"message": message(topic="news")}, "message"),  # two targets
        ({"message": message(data={"creationId": 12})}, "message.data[0].value"),  # a number
        ({"message": message(data={"google.x": "y"})}, "message.data"),  # a reserved key
        ({"message": message(colour="red")}, "message"),  # an unknown field
        ({"message": message(), "dry": True}, None),  # an unknown top-level field
        ({"message": message(android={"priority": "URGENT"})}, "message.android.priority"),
        ({"message": message(android={"ttl": "10"})}, "message.android.ttl"),
        ({"message": message(apns={"headers": {"apns-collapse-id": "x" * 65}})}, "message.apns.headers"),
        ({"message": message(apns={"headers": {"apns-priority": 10}})}, "message.apns.headers[0].value"),
        ({"message": message(webpush={"fcm_options": {"link": "http://x.test"}})}, "message.webpush.fcm_options.link"),
        ({"message": message(data={"k": "v" * 4100})}, "message"),  # over 4096 bytes of payload
    ],
)
def test_a_malformed_message_is_invalid_argument_on_its_field_and_not_delivered(fcm, body, field):
    server, session, control = fcm
    resp = session.post(url(server), json=body)
    code, status, fcm_code, violated = error_of(resp)
    assert (code, status, violated) == (400, "INVALID_ARGUMENT", field)
    assert fcm_code is None or "registration token" not in resp.json()["error"]["message"]
    assert control.messages() == []


def test_a_token_not_of_fcms_shape_is_an_invalid_registration_token(fcm):
    server, session, _ = fcm
    resp = session.post(url(server), json={"message": message(token="short")})
    assert error_of(resp)[:3] == (400, "INVALID_ARGUMENT", "INVALID_ARGUMENT")
    assert "not a valid FCM registration token" in resp.json()["error"]["message"]


def test_an_unregistered_token_answers_404_unregistered(fcm):
    server, session, control = fcm
    control.unregister([TOKEN])
    resp = session.post(url(server), json={"message": message()})
    assert error_of(resp)[:3] == (404, "NOT_FOUND", "UNREGISTERED")
    assert control.messages() == []


@pytest.mark.parametrize(
    "kind, expected",
    [
        ("quota", (429, "RESOURCE_EXHAUSTED", "QUOTA_EXCEEDED")),
        ("unavailable", (503, "UNAVAILABLE", "UNAVAILABLE")),
        ("internal", (500, "INTERNAL", "INTERNAL")),
        ("sender_id_mismatch", (403, "PERMISSION_DENIED", "SENDER_ID_MISMATCH")),
    ],
)
def test_a_queued_fault_answers_once_as_fcm_then_sends_go_through(fcm, kind, expected):
    server, session, control = fcm
    control.faults([{"kind": kind, "times": 1, "retryAfter": 7}])
    refused = session.post(url(server), json={"message": message()})
    assert error_of(refused)[:3] == expected
    if kind == "quota":
        assert refused.headers["Retry-After"] == "7"
    assert session.post(url(server), json={"message": message()}).status_code == 200
    assert len(control.messages()) == 1


def test_validate_only_checks_without_delivering(fcm):
    server, session, control = fcm
    resp = session.post(url(server), json={"message": message(), "validate_only": True})
    assert resp.status_code == 200 and control.messages() == []


def test_a_bad_fault_spec_is_refused(fcm):
    _, _, control = fcm
    with pytest.raises(RuntimeError, match="400"):
        control.faults([{"kind": "meteor"}])
    with pytest.raises(RuntimeError, match="400"):
        control._call("POST", "unregistered", {"tokens": "abc"})
    assert json.loads(json.dumps(control.stats()))["messages"] == 0
