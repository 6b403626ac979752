"""Cloud Tasks: schedules the finalize step of a creation."""
from __future__ import annotations

from adapters.firebase_app import app

FINALIZE_QUEUE = "finalizegeneration"
# As long as the function may run (its timeout): one task polls for POLL_BUDGET_SECONDS and
# then copies the video. Left unset, the emulator gives up (and dispatches again) after 60 s.
DISPATCH_DEADLINE_SECONDS = 600


def enqueue_finalize(creation_id: str, job: dict | None = None, delay_seconds: int = 0) -> None:
    """`job` carries what finalize needs (operation name, media key, ...) so it need not
    read the creation first; without it finalize loads the creation."""
    from firebase_admin import functions

    options = functions.TaskOptions(dispatch_deadline_seconds=DISPATCH_DEADLINE_SECONDS,
                                    schedule_delay_seconds=delay_seconds or None)
    # Task functions only accept a body of exactly {"data": ...}.
    functions.task_queue(FINALIZE_QUEUE, app=app()).enqueue(
        {"data": {**(job or {}), "creationId": creation_id}}, options)
