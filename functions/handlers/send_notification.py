"""onCreate of notifications/{outboxId}: push "your video is ready" (or "could not be made") to
every registered device of the creation's owner, one FCM message each.

The outbox document was written by the transaction that made the draft or the failure, so the
creation and its money are settled before anything here runs, and nothing here can change
them: an FCM outage only costs notifications (logged and counted), never a creation.

Delivery is at least once. A device is marked in the outbox document once FCM accepted its
message, and a re-delivered event skips it; a duplicate still happens when FCM accepted a
message but its answer was lost (a network error or a 5xx after the fact, then a retry), or
when the run died between FCM's answer and the mark. Every message carries one collapse key per
creation, so a duplicate replaces the shown notification instead of adding one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from adapters import log
from domain import contract
from domain.notifications import (
    NOTIFIED,
    Device,
    SendKind,
    SendResult,
    SendRetryPolicy,
    keep_newest,
    message_for,
    next_wait,
    wants,
)
from ports import Services

POLICY = SendRetryPolicy()


@dataclass
class Outcome:
    sent: int = 0
    stale: int = 0  # devices removed: FCM answered their token unregistered or invalid
    pruned: int = 0  # devices removed: beyond the newest MAX_DEVICES
    failed: int = 0  # given up on (retries spent, or refused)
    skipped: str = ""  # why nothing was sent ("preference", "no_devices", "malformed")
    codes: dict[str, int] = field(default_factory=dict)

    def as_document(self) -> dict:
        doc: dict = {"sent": self.sent, "stale": self.stale, "pruned": self.pruned, "failed": self.failed}
        if self.skipped:
            doc["skipped"] = self.skipped
        if self.codes:
            doc["codes"] = dict(self.codes)
        return doc


def handle(outbox_id: str, outbox: dict | None, services: Services, policy: SendRetryPolicy = POLICY) -> Outcome:
    outcome = Outcome()
    user_id = (outbox or {}).get("userId")
    creation_id = (outbox or {}).get("creationId")
    if (
        outbox is None
        or not contract.is_safe_user_id(user_id)
        or not contract.is_valid_creation_id(creation_id)
        or outbox.get("status") not in NOTIFIED
    ):
        log.notification_skipped(outbox_id, "malformed")
        outcome.skipped = "malformed"
        return outcome
    uid = str(user_id)
    store = services.notifications
    if not wants(store.preferences(uid), str(outbox["status"])):
        outcome.skipped = "preference"
        return _done(outbox_id, outbox, outcome, services)
    keep, beyond = keep_newest(store.devices(uid))
    for device in beyond:
        if store.remove_device(uid, device.device_id, device.token):
            outcome.pruned += 1
            log.device_removed(uid, device.device_id, "beyond_limit")
    if not keep:
        outcome.skipped = "no_devices"
        return _done(outbox_id, outbox, outcome, services)
    sent = outbox.get("sent")
    already: dict = sent if isinstance(sent, dict) else {}
    # One budget for the whole run, so that ten devices backing off still end well inside the
    # function's timeout (each device is tried at least once).
    started = services.clock.monotonic()
    for device in keep:
        if device.device_id in already:
            continue  # a re-delivered event: this device has its message
        result = _send_with_retries(message_for(device, outbox), services, policy, started)
        _apply(outbox_id, uid, device, result, outcome, services)
    return _done(outbox_id, outbox, outcome, services)


def _send_with_retries(message: dict, services: Services, policy: SendRetryPolicy, started: float) -> SendResult:
    attempt = 1
    while True:
        result = services.notifier.send(message)
        wait = next_wait(result, attempt, services.clock.monotonic() - started, policy)
        if wait is None:
            return result
        services.clock.sleep(wait)
        attempt += 1


def _apply(outbox_id: str, uid: str, device: Device, result: SendResult, outcome: Outcome, services: Services):
    if result.kind == SendKind.SENT:
        outcome.sent += 1
        services.notifications.mark_sent(outbox_id, device.device_id, result.message_name)
        return
    outcome.codes[result.code] = outcome.codes.get(result.code, 0) + 1
    if result.kind == SendKind.STALE_TOKEN:
        if services.notifications.remove_device(uid, device.device_id, device.token):
            outcome.stale += 1
            log.device_removed(uid, device.device_id, result.code)
        return
    outcome.failed += 1
    log.notification_not_sent(outbox_id, device.device_id, result.kind.value, result.code, result.detail)


def _done(outbox_id: str, outbox: dict, outcome: Outcome, services: Services) -> Outcome:
    try:
        services.notifications.record_outcome(outbox_id, outcome.as_document())
    except Exception as exc:  # noqa: BLE001 — the messages went out; a lost summary only costs a metric
        log.notification_not_recorded(outbox_id, str(exc))
    log.notification_done(outbox_id, outbox.get("creationId"), outbox.get("status"), **outcome.as_document())
    return outcome
