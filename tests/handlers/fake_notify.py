"""In-memory FCM and notification store for the handler tier. The fake FCM answers as the
stand-in does (tests/adapters/test_notifier_contract.py runs the same contract on both)."""

from __future__ import annotations

from datetime import datetime

from domain.notifications import MAX_DEVICES, Device, SendKind, SendResult, device_from
from standins.fcm_server import FAULT_KINDS, FcmError, check_message


class FakeFcm:
    """The Notifier port: checks each message with the stand-in's own checks, then answers
    from the queued faults and the unregistered tokens, as the stand-in does."""

    def __init__(self) -> None:
        self.sent: list[dict] = []  # accepted messages, oldest first
        self.calls = 0
        self._unregistered: set[str] = set()
        self._faults: list[dict] = []

    # -- the controls the stand-in has --
    def messages(self) -> list[dict]:
        return [{"token": m["token"], "message": m} for m in self.sent]

    def unregister(self, tokens: list[str]) -> None:
        self._unregistered.update(tokens)

    def faults(self, faults: list[dict]) -> None:
        self._faults.extend(dict(f, times=f.get("times", 1)) for f in faults)

    # -- the port --
    def send(self, message: dict) -> SendResult:
        self.calls += 1
        try:
            token = check_message(message)
        except FcmError as exc:
            return _result(exc.http, exc.status, exc.fcm_code, exc.message, None)
        for fault in self._faults:
            if fault.get("token") in (None, token):
                fault["times"] -= 1
                if fault["times"] == 0:
                    self._faults.remove(fault)
                http, status, code, text = FAULT_KINDS[fault["kind"]]
                after = float(fault.get("retryAfter", 1.0)) if fault["kind"] == "quota" else None
                return _result(http, status, code, text, after)
        if token in self._unregistered:
            return _result(404, "NOT_FOUND", "UNREGISTERED", "Requested entity was not found.", None)
        self.sent.append(message)
        return SendResult(SendKind.SENT, message_name=f"projects/demo-phoenix/messages/{len(self.sent)}")


def _result(http: int, status: str, code: str | None, text: str, after: float | None) -> SendResult:
    from domain.notifications import classify

    return classify(http, status, code, text, after)


class FakeNotificationStore:
    def __init__(self) -> None:
        self.profiles: dict[str, dict] = {}
        self.user_devices: dict[str, dict[str, dict]] = {}
        self.outbox: dict[str, dict] = {}
        self.recorded: dict[str, dict] = {}

    def register(self, uid: str, device_id: str, token: str, updated_at: datetime, **extra) -> None:
        self.user_devices.setdefault(uid, {})[device_id] = {
            "token": token,
            "platform": extra.get("platform", "android"),
            "updatedAt": updated_at,
            **({"locale": extra["locale"]} if "locale" in extra else {}),
        }

    def preferences(self, user_id: str) -> dict | None:
        notify = self.profiles.get(user_id, {}).get("notify")
        return notify if isinstance(notify, dict) else None

    def devices(self, user_id: str) -> list[Device]:
        """As the adapter's query: the newest MAX_DEVICES * 3 documents, the usable ones of them."""
        docs = sorted(self.user_devices.get(user_id, {}).items(), key=lambda item: item[1]["updatedAt"], reverse=True)
        found = [device_from(d, data) for d, data in docs[: MAX_DEVICES * 3]]
        return [d for d in found if d is not None]

    def remove_device(self, user_id: str, device_id: str, token: str | None = None) -> bool:
        current = self.user_devices.get(user_id, {}).get(device_id)
        if current is None or (token is not None and current["token"] != token):
            return False
        del self.user_devices[user_id][device_id]
        return True

    def mark_sent(self, outbox_id: str, device_id: str, message_name: str | None) -> None:
        self.outbox.setdefault(outbox_id, {}).setdefault("sent", {})[device_id] = message_name or ""

    def record_outcome(self, outbox_id: str, outcome: dict) -> None:
        self.recorded[outbox_id] = outcome
