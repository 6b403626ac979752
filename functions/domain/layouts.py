"""The fields each transition writes, declared once.

The Firestore adapter (adapters/store.py) and the handler tier's in-memory store
(tests/handlers/fake_store.py) both build their writes here, so the two cannot drift apart:
the contract suite (tests/contracts) runs the same assertions against both. `now` is what the
writer uses for the commit's time: `firestore.SERVER_TIMESTAMP` in the adapter, the fake
clock's time in the fake (this module stays pure: no SDK import).
"""

from __future__ import annotations

from typing import Any

from .errors import Failure
from .ledger import EntryType
from .states import Status

# Set on a debit once its video was delivered: that debit is never refunded (ledger-check).
DELIVERED_FIELD = "deliveredAt"


def processing(operation_name: str, cost: int, media_key: str, charged: dict | None, now: Any) -> dict:
    """pending → processing: Veo was asked; `charged` are the options as priced (may be absent
    on a task queued before they were recorded)."""
    return {
        **(charged or {}),
        "status": Status.PROCESSING.value,
        "operationName": operation_name,
        "tokenCost": cost,
        "refunded": False,
        "progress": 0,
        "mediaKey": media_key,
        "startedAt": now,
        "updatedAt": now,
    }


def progress(value: int, now: Any) -> dict:
    return {"progress": value, "updatedAt": now}


def draft(media_url: str, now: Any) -> dict:
    """processing → draft: the video is stored and shown to its owner."""
    return {"status": Status.DRAFT.value, "mediaUrl": media_url, "progress": 100, "completedAt": now, "updatedAt": now}


def failed(failure: Failure, *, refunded: bool, now: Any) -> dict:
    return {
        "status": Status.FAILED.value,
        "error": failure.to_document(),
        "refunded": refunded,
        "completedAt": now,
        "updatedAt": now,
    }


def delivered(now: Any) -> dict:
    """On the debit of a delivered video."""
    return {DELIVERED_FIELD: now}


def ledger_entry(
    kind: EntryType,
    amount: int,
    balance_after: int,
    creation_id: str | None,
    reason: str,
    incarnation: str | None,
    now: Any,
) -> dict:
    """users/{uid}/transactions/{id}. Debits and refunds name the creation document
    (incarnation) they belong to; a grant names none."""
    entry = {
        "type": kind.value,
        "amount": amount,
        "balanceAfter": balance_after,
        "creationId": creation_id,
        "reason": reason,
        "createdAt": now,
    }
    if incarnation is not None:
        entry["incarnation"] = incarnation
    return entry


def account(tokens: int, in_flight: int) -> dict:
    return {"tokens": tokens, "inFlight": in_flight}
