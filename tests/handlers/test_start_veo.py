"""startveo (issue #14): a queued request started on Veo, a quota refusal that waits in the
queue, Veo's final refusals, and a creation that ended or was re-created while it waited —
against fakes, Given / When / Then."""

from __future__ import annotations

import pytest

from adapters.gcs import temp_prefix_uri
from domain.errors import ErrorCode, ExternalServiceError, failure
from handlers import start_generation
from handlers.start_veo import RetryLater, StartVeoOutcome, handle
from tests.handlers.conftest import TEMP_BUCKET, USER, dispatch_start, request
from tests.handlers.fakes import permanent


def queued(world, cid="c1"):
    """Given: a request charged 40 of 100 tokens and waiting in the startveo queue."""
    world.store.grant(USER, 100)
    inc = world.store.create(cid, request())
    assert start_generation.handle(cid, request(), world.services, inc) == start_generation.StartOutcome.QUEUED
    return inc


def quota() -> ExternalServiceError:
    return ExternalServiceError("veo", "429 RESOURCE_EXHAUSTED", transient=True, status=429)


def test_a_queued_request_is_started_and_handed_to_its_first_poll(world):
    queued(world)
    # When Cloud Tasks dispatches its start
    outcome = dispatch_start(world)
    # Then Veo writes to the temp bucket, it is processing, and the first poll is due at Veo's
    # shortest time (coarse polls before it)
    assert outcome == StartVeoOutcome.PROCESSING
    creation = world.store.creations["c1"]
    assert creation["status"] == "processing" and creation["tokenCost"] == 40
    assert world.veo.started[0][3] == temp_prefix_uri(TEMP_BUCKET, "c1")
    ((cid, job, delay),) = world.tasks.enqueued
    assert cid == "c1" and job["operationName"] == creation["operationName"] and delay == 10.0
    assert job["mediaKey"] == creation["mediaKey"]


def test_without_a_temp_bucket_veo_returns_the_video_inline(world):
    world.with_settings(gcs_temp_bucket="")
    queued(world)
    dispatch_start(world)
    assert world.veo.started[0][3] is None


def test_a_quota_refusal_waits_in_the_queue_charged_never_failed_nor_refunded(world):
    # Given Veo refuses the start for quota, once
    queued(world)
    world.veo.fail("start", quota())
    # When the start is dispatched
    # Then the task fails so that Cloud Tasks dispatches it again; nothing else moves
    with pytest.raises(RetryLater):
        dispatch_start(world)
    assert world.veo.calls["start"] == 1  # one try: the waiting is the queue's
    creation = world.store.creations["c1"]
    assert creation["status"] == "pending" and "error" not in creation
    assert world.store.tokens(USER) == 60 and world.store.entry(USER, "refund_c1") is None
    # And when quota frees, the retried task starts it
    assert dispatch_start(world) == StartVeoOutcome.PROCESSING


def test_a_policy_refusal_from_veo_fails_as_content_policy_and_refunds(world):
    queued(world)
    world.veo.fail("start", permanent("veo", 400, "The prompt violates our Usage Guidelines"))
    assert dispatch_start(world) == StartVeoOutcome.VEO_REFUSED
    assert world.store.creations["c1"]["error"]["code"] == ErrorCode.CONTENT_POLICY
    assert world.store.tokens(USER) == 100 and world.store.in_flight(USER) == 0
    assert world.store.creations["c1"]["refunded"] is True


def test_a_start_that_may_have_reached_veo_fails_and_refunds_rather_than_start_twice(world):
    # Given Veo answers 503 to a start (the adapter marks it not safe to retry)
    queued(world)
    world.veo.fail("start", permanent("veo", 503, "unavailable"))
    # When the start is dispatched
    # Then it fails as generation_failed, refunded; it is not left to a retry
    assert dispatch_start(world) == StartVeoOutcome.VEO_REFUSED
    assert world.store.creations["c1"]["error"]["code"] == ErrorCode.GENERATION_FAILED
    assert world.store.tokens(USER) == 100


def test_a_request_swept_or_deleted_while_queued_is_not_started(world):
    queued(world, "c1")
    queued(world, "c2")
    world.store.fail_and_refund("c1", failure(ErrorCode.TIMEOUT))
    world.store.delete("c2")
    assert dispatch_start(world, "c1") == StartVeoOutcome.NOT_PENDING
    assert dispatch_start(world, "c2") == StartVeoOutcome.NOT_PENDING
    assert not world.veo.started


def test_a_start_task_of_an_earlier_document_of_the_id_starts_nothing(world):
    # Given an id queued, deleted (refunded by cleanup) and created again
    queued(world)
    job = world.tasks.starts[-1][1]
    world.store.delete("c1")
    world.store.create("c1", request())
    # When the old document's start task is dispatched
    # Then Veo is not asked for the new document (it has its own event and debit)
    assert handle("c1", job, world.services) == StartVeoOutcome.NOT_PENDING and not world.veo.started


def test_a_creation_swept_while_veo_starts_keeps_its_refund(world):
    queued(world)
    world.store.before("mark_processing", lambda: world.store.fail_and_refund("c1", failure(ErrorCode.TIMEOUT)))
    assert dispatch_start(world) == StartVeoOutcome.ENDED_MEANWHILE
    assert world.store.creations["c1"]["status"] == "failed" and world.store.tokens(USER) == 100
    assert not world.tasks.enqueued


def test_a_start_task_without_its_fields_is_set_aside(world):
    queued(world)
    assert handle("c1", {"creationId": "c1"}, world.services) == StartVeoOutcome.MALFORMED
    assert not world.veo.started
