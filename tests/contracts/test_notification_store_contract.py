"""The NotificationStore port's contract, asserted on the handler tier's fake
(tests/handlers/fake_notify.py) and on adapters/notification_store.py on the emulator alike."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from domain.notifications import DEVICES, MAX_DEVICES, OUTBOX
from tests.handlers.fake_notify import FakeNotificationStore

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@dataclass
class FakeNotifySide:
    store: Any

    def register(self, uid: str, device_id: str, token: str, at: datetime, platform: str = "android") -> None:
        self.store.register(uid, device_id, token, at, platform=platform)

    def set_profile(self, uid: str, profile: dict) -> None:
        self.store.profiles[uid] = dict(profile)

    def has_device(self, uid: str, device_id: str) -> bool:
        return device_id in self.store.user_devices.get(uid, {})

    def outbox(self, outbox_id: str) -> dict:
        return {**self.store.outbox.get(outbox_id, {}), "outcome": self.store.recorded.get(outbox_id)}


@dataclass
class FirestoreNotifySide:
    store: Any
    db: Any

    def register(self, uid: str, device_id: str, token: str, at: datetime, platform: str = "android") -> None:
        self.db.document("users", uid, DEVICES, device_id).set({"token": token, "platform": platform, "updatedAt": at})

    def set_profile(self, uid: str, profile: dict) -> None:
        self.db.document("profiles", uid).set(profile)

    def has_device(self, uid: str, device_id: str) -> bool:
        return self.db.document("users", uid, DEVICES, device_id).get().exists

    def outbox(self, outbox_id: str) -> dict:
        return self.db.document(OUTBOX, outbox_id).get().to_dict() or {}


@pytest.fixture(params=["fake", "firestore"])
def notify_side(request, monkeypatch):
    if request.param == "fake":
        return FakeNotifySide(FakeNotificationStore())
    db = request.getfixturevalue("contract_db")
    from adapters import firestore_tx, notification_store

    monkeypatch.setattr(firestore_tx, "firestore_client", lambda: db)
    return FirestoreNotifySide(notification_store, db)


def test_preferences_are_the_profiles_notify_map_or_none(notify_side, ids):
    uid, other, third = ids["user"], ids["other"], ids["creation"]
    notify_side.set_profile(uid, {"notify": {"ready": False, "failed": True}})
    notify_side.set_profile(other, {"notify": "off"})

    assert notify_side.store.preferences(uid) == {"ready": False, "failed": True}
    assert notify_side.store.preferences(other) is None
    assert notify_side.store.preferences(third) is None


def test_devices_are_at_most_three_times_the_kept_number_the_newest(notify_side, ids):
    uid = ids["user"]
    total = MAX_DEVICES * 3 + 4
    for n in range(total):
        notify_side.register(uid, f"d{n:02d}", f"token-{n}", T0 + timedelta(minutes=n))

    found = notify_side.store.devices(uid)

    newest = {f"d{n:02d}" for n in range(total - MAX_DEVICES * 3, total)}
    assert {d.device_id for d in found} == newest
    assert {d.token for d in found if d.device_id == f"d{total - 1:02d}"} == {f"token-{total - 1}"}


def test_a_device_document_of_an_unknown_platform_is_never_sent_to(notify_side, ids):
    uid = ids["user"]
    notify_side.register(uid, "phone", "token-1", T0)
    notify_side.register(uid, "odd", "token-2", T0 + timedelta(minutes=1), platform="symbian")

    assert [d.device_id for d in notify_side.store.devices(uid)] == ["phone"]


def test_a_device_is_removed_only_while_it_holds_the_token_that_was_found_stale(notify_side, ids):
    uid = ids["user"]
    notify_side.register(uid, "phone", "old-token", T0)

    assert notify_side.store.remove_device(uid, "phone", "new-token") is False
    assert notify_side.has_device(uid, "phone")
    assert notify_side.store.remove_device(uid, "phone", "old-token") is True
    assert not notify_side.has_device(uid, "phone")
    assert notify_side.store.remove_device(uid, "phone") is False


def test_sends_and_the_outcome_accumulate_on_the_outbox_document(notify_side, ids):
    box = f"{ids['creation']}_draft"
    notify_side.store.mark_sent(box, "phone", "projects/p/messages/1")
    notify_side.store.mark_sent(box, "tablet", None)
    notify_side.store.record_outcome(box, {"sent": 2, "failed": 0})

    doc = notify_side.outbox(box)

    assert doc["sent"] == {"phone": "projects/p/messages/1", "tablet": ""}
    assert doc["outcome"] == {"sent": 2, "failed": 0}
