"""Push notification documents through the real rules engine: a user's devices
(users/{uid}/devices/{deviceId}) and preferences (profiles/{uid}.notify), attacked by other users,
anonymous callers and forged fields."""

from __future__ import annotations

import pytest

from domain.notifications import MAX_DEVICES, PLATFORMS, TOKEN_MAX_CHARS
from tests.support.firestore_rest import SERVER_TIME, outcome


def device(**overrides) -> dict:
    doc = {"token": "fcm-token-abc:APA91b", "platform": "android", "locale": "fr-FR", "updatedAt": SERVER_TIME}
    doc.update(overrides)
    return {k: v for k, v in doc.items() if v is not None}


def path(uid: str, device_id: str = "install-1") -> str:
    return f"users/{uid}/devices/{device_id}"


def test_a_user_registers_refreshes_reads_lists_and_deletes_their_own_device(player):
    me = player(0)
    for platform in PLATFORMS:
        assert outcome(lambda p=platform: me.client.set(path(me.uid, p), device(platform=p))) == "allowed"
    assert outcome(lambda: me.client.set(path(me.uid, "ios"), device(platform="ios", token="fresh-token"))) == "allowed"
    assert me.client.get(path(me.uid, "ios"))["token"] == "fresh-token"
    listed = me.client.query("devices", parent=f"users/{me.uid}", limit=50)
    assert {doc_id for doc_id, _ in listed} == set(PLATFORMS)
    assert outcome(lambda: me.client.delete(path(me.uid, "web"))) == "allowed"


def test_no_one_else_reads_writes_or_deletes_a_users_devices(player, anon):
    me, other = player(0), player(0)
    me.client.set(path(me.uid), device())
    assert outcome(lambda: other.client.get(path(me.uid))) == "denied"
    assert outcome(lambda: anon.get(path(me.uid))) == "denied"
    assert outcome(lambda: other.client.query("devices", parent=f"users/{me.uid}", limit=10)) == "denied"
    assert outcome(lambda: other.client.set(path(me.uid), device(token="attacker"))) == "denied"
    assert outcome(lambda: other.client.set(path(me.uid, "planted"), device(token="attacker"))) == "denied"
    assert outcome(lambda: anon.set(path(me.uid, "planted"), device())) == "denied"
    assert outcome(lambda: other.client.delete(path(me.uid))) == "denied"
    assert me.client.get(path(me.uid))["token"] == device()["token"]


def test_an_unbounded_list_of_devices_is_refused(player):
    me = player(0)
    me.client.set(path(me.uid), device())
    assert outcome(lambda: me.client.query("devices", parent=f"users/{me.uid}")) == "denied"


@pytest.mark.parametrize(
    "forged",
    [
        device(platform="symbian"),  # unknown platform
        device(platform=None),
        device(token=""),
        device(token="x" * (TOKEN_MAX_CHARS + 1)),  # oversized token
        device(token=12345),
        device(token=None),
        device(locale="not a locale!"),
        device(locale=7),
        device(updatedAt="2020-01-01"),  # not the request time
        device(updatedAt=None),
        device(userId="someone-else"),  # a field the contract does not have
        device(tokens=0),
    ],
)
def test_a_forged_or_malformed_device_is_refused(player, forged):
    me = player(0)
    assert outcome(lambda: me.client.set(path(me.uid), forged)) == "denied"


@pytest.mark.parametrize("device_id", ["a" * 129, "has.dot", "has space"])
def test_a_device_id_outside_the_id_alphabet_is_refused(player, device_id):
    me = player(0)
    assert outcome(lambda: me.client.set(path(me.uid, device_id), device())) == "denied"


def test_the_rules_cannot_count_devices_so_the_server_keeps_the_newest(player):
    # An eleventh registration is a valid write (rules cannot count documents): the sender
    # keeps the newest MAX_DEVICES and removes the rest (tests/flows/test_notifications.py).
    me = player(0)
    for n in range(MAX_DEVICES + 1):
        assert outcome(lambda n=n: me.client.set(path(me.uid, f"d{n}"), device(token=f"t{n}"))) == "allowed"


def test_the_user_sets_notification_preferences_with_or_without_a_display_name(player):
    me = player(0)
    notify = {"ready": False, "failed": True}
    assert (
        outcome(lambda: me.client.set(f"profiles/{me.uid}", {"notify": notify, "updatedAt": SERVER_TIME})) == "allowed"
    )
    both = {"displayName": "Ana", "notify": {"ready": True}, "updatedAt": SERVER_TIME}
    assert outcome(lambda: me.client.set(f"profiles/{me.uid}", both)) == "allowed"
    assert me.client.get(f"profiles/{me.uid}")["notify"] == {"ready": True}


@pytest.mark.parametrize(
    "notify",
    [{"ready": "no"}, {"ready": True, "marketing": True}, "off", {"failed": 0}],
)
def test_malformed_preferences_are_refused(player, notify):
    me = player(0)
    doc = {"notify": notify, "updatedAt": SERVER_TIME}
    assert outcome(lambda: me.client.set(f"profiles/{me.uid}", doc)) == "denied"


def test_another_users_preferences_cannot_be_set_and_a_profile_needs_a_name_or_preferences(player):
    me, other = player(0), player(0)
    off = {"notify": {"ready": False}, "updatedAt": SERVER_TIME}
    assert outcome(lambda: other.client.set(f"profiles/{me.uid}", off)) == "denied"
    assert outcome(lambda: me.client.set(f"profiles/{me.uid}", {"updatedAt": SERVER_TIME})) == "denied"


def test_the_outbox_is_invisible_to_clients(player, admin_db):
    me = player(0)
    admin_db.document("notifications/c1_draft_x").set({"userId": me.uid, "creationId": "c1", "status": "draft"})
    assert outcome(lambda: me.client.get("notifications/c1_draft_x")) == "denied"
    assert outcome(lambda: me.client.set("notifications/forged", {"userId": me.uid})) == "denied"
