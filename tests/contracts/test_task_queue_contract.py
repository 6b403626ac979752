"""The TaskQueue port's contract, asserted on the handler tier's fake (tests/handlers/fakes.py)
and on adapters/tasks.py against the stack's Cloud Tasks emulator alike. The tasks enqueued here
name creations that do not exist: the functions they reach find nothing to do."""

from __future__ import annotations

import pytest

from tests.handlers.fakes import FakeClock, FakeTasks


@pytest.fixture(params=["fake", "emulator"])
def tasks(request):
    if request.param == "fake":
        return FakeTasks(FakeClock())
    request.getfixturevalue("stack")
    from adapters import tasks

    return tasks


def test_a_start_task_id_is_taken_once(tasks, ids):
    cid = f"missing-{ids['creation']}"
    assert tasks.enqueue_start(cid, {}, f"start-{cid}") is True
    assert tasks.enqueue_start(cid, {}, f"start-{cid}") is False


def test_a_poll_with_a_task_id_is_taken_once_and_polls_without_one_each_count(tasks, ids):
    cid = f"missing-{ids['creation']}"
    assert tasks.enqueue_finalize(cid, None, 0, f"poll-{cid}-1") is True
    assert tasks.enqueue_finalize(cid, None, 0, f"poll-{cid}-1") is False
    assert tasks.enqueue_finalize(cid, None, 30) is True
    assert tasks.enqueue_finalize(cid, None, 30) is True


def test_the_start_queue_and_the_poll_queues_keep_their_own_task_ids(tasks, ids):
    cid = f"missing-{ids['creation']}"
    same = f"task-{cid}"
    assert tasks.enqueue_start(cid, {}, same) is True
    assert tasks.enqueue_finalize(cid, None, 0, same) is True
