"""Cloud Tasks: schedules the finalize step of a creation."""
from __future__ import annotations

from adapters.firebase_app import app

FINALIZE_QUEUE = "finalizegeneration"


def enqueue_finalize(creation_id: str, delay_seconds: int = 0) -> None:
    from firebase_admin import functions

    options = functions.TaskOptions(schedule_delay_seconds=delay_seconds) if delay_seconds else None
    # Task functions only accept a body of exactly {"data": ...}.
    functions.task_queue(FINALIZE_QUEUE, app=app()).enqueue({"data": {"creationId": creation_id}}, options)
