"""Event `finishgeneration`: Veo's output object was finalized in the temp bucket.

Vertex writes the finished video under the creation's `storageUri` prefix
(`creations/{id}/…`); the object's finalize event finishes the generation at once, so a
delivered video waits for no poll. The operation is still asked once (`finalize_generation.look`):
Veo, not the bucket, says which video belongs to which operation (an object left by an
earlier document of a re-used id must not finish the new one), and whether it was filtered.

At least once, in any order with the polls: the event may come twice, a poll may find the
operation done at the same moment. All of them go through the same guarded transactions
(`complete_draft`, `fail_and_refund`), so a creation is finished once, refunded once or not
at all, whoever comes first.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from adapters import log
from domain.admission import task_id
from domain.media import creation_of_temp_object
from domain.states import Status
from handlers import finalize_generation
from handlers.finalize_generation import FinalizeOutcome
from ports import Services

# Vertex may write the object a moment before it marks the operation done: one more look
# this much later (the poll chain goes on regardless).
FOLLOW_UP_SECONDS = 2.0


class FinishOutcome(StrEnum):
    NOT_OURS = "not_ours"  # an object outside the creations' prefix (or a folder marker)
    NOT_PROCESSING = "not_processing"  # gone, finished or failed already, or not started
    NOT_DONE_YET = "not_done_yet"  # Veo says running: one follow-up look queued


def creation_of(name: str) -> str | None:
    """The creation an object of the temp bucket belongs to (for metering the invocation)."""
    return creation_of_temp_object(name)


def handle(bucket: str, name: str, generation: str | None, services: Services) -> FinishOutcome | FinalizeOutcome:
    creation_id = creation_of_temp_object(name)
    if creation_id is None or bucket != services.settings.gcs_temp_bucket:
        return FinishOutcome.NOT_OURS
    creation = services.store.load_creation(creation_id)
    if creation is None or creation.get("status") != Status.PROCESSING or not creation.get("operationName"):
        log.output_event(creation_id, name, FinishOutcome.NOT_PROCESSING)
        return FinishOutcome.NOT_PROCESSING
    outcome: FinishOutcome | FinalizeOutcome = finalize_generation.look(creation_id, creation, services, checked=True)
    if outcome == FinalizeOutcome.RUNNING:
        _follow_up(creation_id, creation, name, generation, services)
        outcome = FinishOutcome.NOT_DONE_YET
    log.output_event(creation_id, name, outcome)
    return outcome


def _follow_up(creation_id: str, creation: dict, name: str, generation: str | None, services: Services) -> None:
    started = creation.get("startedAt")
    started_at = started.isoformat() if isinstance(started, datetime) else services.clock.now().isoformat()
    job = {
        "operationName": creation["operationName"],
        "mediaKey": creation.get("mediaKey"),
        "userId": creation.get("userId"),
        "startedAt": started_at,
        "once": True,
    }
    # Named by the object's generation: the same event delivered twice queues one look.
    services.tasks.enqueue_finalize(
        creation_id,
        job,
        delay_seconds=FOLLOW_UP_SECONDS,
        task_id=task_id("event", creation_id, str(creation["operationName"]), name, str(generation or "")),
    )
