"""Cloud Tasks: the `startveo` admission queue and the finalize polls of a creation, each
creation's polls on its own shard of the finalize queues (domain/shards.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from adapters.firebase_app import app
from domain.shards import queue_for

START_QUEUE = "startveo"
# As long as the function may run (its timeout): the last poll copies the video to R2.
# Left unset, the emulator gives up (and dispatches again) after 60 s.
DISPATCH_DEADLINE_SECONDS = 600
START_DISPATCH_DEADLINE_SECONDS = 120


def _enqueue(
    queue: str, data: dict, *, deadline_s: int, eta: datetime | None = None, task_id: str | None = None
) -> bool:
    """False when a task of this id exists already (a repeated event: its work is queued)."""
    from firebase_admin import exceptions, functions

    # schedule_time, not schedule_delay_seconds: fine polls are a second apart, and the
    # latter takes whole seconds only.
    options = functions.TaskOptions(dispatch_deadline_seconds=deadline_s, schedule_time=eta, task_id=task_id)
    try:
        # Task functions only accept a body of exactly {"data": ...}.
        functions.task_queue(queue, app=app()).enqueue({"data": data}, options)
    except ValueError as exc:
        # firebase-admin 6.x against the Cloud Tasks emulator: with a task id, the task IS
        # queued, then the SDK cuts the first letter off the name the emulator answers and
        # cannot parse it. Anything else is a real error.
        if not (task_id and "Invalid resource name format" in str(exc)):
            raise
    except exceptions.AlreadyExistsError:
        return False
    except exceptions.FirebaseError as exc:
        # The emulator answers a duplicate id with a generic error naming it.
        if task_id and "already" in str(exc).lower():
            return False
        raise
    return True


def enqueue_start(creation_id: str, job: dict, task_id: str) -> bool:
    return _enqueue(
        START_QUEUE, {**job, "creationId": creation_id}, deadline_s=START_DISPATCH_DEADLINE_SECONDS, task_id=task_id
    )


def enqueue_finalize(
    creation_id: str, job: dict | None = None, delay_seconds: float = 0, task_id: str | None = None
) -> bool:
    """`job` carries what finalize needs (operation name, media key, ...) so it need not
    read the creation first; without it finalize loads the creation. `eta` in the payload
    is when this poll is due: Cloud Tasks dispatches it then; the emulator, which ignores
    schedule delays, dispatches at once and the handler waits for it (handlers/finalize)."""
    data = {**(job or {}), "creationId": creation_id}
    eta = datetime.now(UTC) + timedelta(seconds=delay_seconds) if delay_seconds > 0 else None
    if eta:
        data["eta"] = eta.isoformat()
    else:
        data.pop("eta", None)
    return _enqueue(queue_for(creation_id), data, deadline_s=DISPATCH_DEADLINE_SECONDS, eta=eta, task_id=task_id)
