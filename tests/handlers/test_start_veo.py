"""startveo: a queued request started on Veo, a quota refusal that waits in the
queue, Veo's final refusals, and a creation that ended or was re-created while it waited —
against fakes, Given / When / Then."""

from __future__ import annotations

import pytest

from adapters.gcs import temp_prefix_uri
from domain.errors import ErrorCode, ExternalServiceError, failure
from domain.pricing import price
from handlers import start_generation
from handlers.start_veo import RetryLater, StartVeoOutcome, handle
from tests.handlers.conftest import TEMP_BUCKET, USER, dispatch_start, request
from tests.handlers.fakes import permanent

COST = price(4)  # what a default 4 s request costs: the table's, never a literal


def queued(world, cid="c1"):
    """Given: a request charged its price (of 100 tokens) and waiting in the startveo queue."""
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
    assert creation["status"] == "processing" and creation["tokenCost"] == COST
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
    assert world.store.tokens(USER) == 100 - COST and world.store.entry(USER, "refund_c1") is None
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


# ----- one start per creation, whatever Cloud Tasks delivers twice


def test_a_twin_delivery_during_the_veo_call_starts_nothing_and_comes_back_later(world):
    # Given a queued request whose start task Cloud Tasks delivers twice at once: the twin
    # runs while the first delivery waits for Veo's answer
    queued(world)
    twin: list[str] = []

    def twin_delivery():
        with pytest.raises(RetryLater):  # the claim is taken: this delivery stays queued
            dispatch_start(world)
        twin.append("deferred")

    world.veo.before("start", twin_delivery)
    # When the first delivery runs
    assert dispatch_start(world) == StartVeoOutcome.PROCESSING
    # Then Veo was asked once, one chain of polls exists, and the twin deferred
    assert twin == ["deferred"] and len(world.veo.started) == 1 and world.veo.calls["start"] == 1
    assert len(world.tasks.enqueued) == 1
    # And when the twin comes back it finds the creation started: it is done, nothing twice
    assert dispatch_start(world) == StartVeoOutcome.NOT_PENDING
    assert len(world.veo.started) == 1 and world.store.tokens(USER) == 100 - COST


def queued_now(world, cid="c1"):
    """queued(), with the create time Firestore would have stamped (the sweep's query reads it)."""
    inc = queued(world, cid)
    world.store.creations[cid]["createdAt"] = world.clock.now()
    return inc


def sweep_after(world, minutes: float):
    from handlers import sweep_orphans

    world.clock.advance(minutes * 60)
    return sweep_orphans.handle(world.services)


def test_a_run_dead_between_its_claim_and_the_veo_call_is_never_retried_on_veo_and_is_refunded_once(world):
    # Given the first delivery claimed the start and its instance died before asking Veo
    queued_now(world)
    world.veo.fail("start", SystemExit("instance stopped"))
    with pytest.raises(SystemExit):
        dispatch_start(world)
    assert not world.veo.started
    # When Cloud Tasks delivers the task again
    # Then it does not ask Veo (the claim cannot tell whether Veo was asked) and stays queued
    with pytest.raises(RetryLater):
        dispatch_start(world)
    assert world.veo.calls["start"] == 1 and world.store.creations["c1"]["status"] == "pending"
    # And the sweep does not touch it before ORPHAN_AFTER_MINUTES from the claim ...
    sweep_after(world, 10)
    assert world.store.creations["c1"]["status"] == "pending"
    # ... then fails it and refunds its tokens, once, however often it sweeps
    sweep_after(world, 6)
    sweep_after(world, 5)
    creation = world.store.creations["c1"]
    assert creation["status"] == "failed" and creation["refunded"] is True
    assert world.store.tokens(USER) == 100 and world.store.entry(USER, "refund_c1") is not None
    # And a delivery after that finds it ended
    assert dispatch_start(world) == StartVeoOutcome.NOT_PENDING and world.veo.calls["start"] == 1


def test_a_run_dead_between_the_veo_call_and_recording_it_starts_veo_once_and_refunds_once(world):
    # Given Veo started (and bills) the generation, then the instance died before the creation
    # recorded the operation
    queued_now(world)
    world.store.fail("mark_processing", SystemExit("instance stopped"))
    with pytest.raises(SystemExit):
        dispatch_start(world)
    assert len(world.veo.started) == 1
    # When the task is delivered again, twice
    for _ in range(2):
        with pytest.raises(RetryLater):
            dispatch_start(world)
    # Then Veo was not asked again, and the sweep settles it: failed, refunded once
    assert len(world.veo.started) == 1
    sweep_after(world, 16)
    sweep_after(world, 5)
    assert world.store.creations["c1"]["status"] == "failed"
    assert world.store.tokens(USER) == 100 and world.store.in_flight(USER) == 0
    assert not world.tasks.enqueued  # no poll of an operation the user was refunded for


def test_a_quota_refusal_gives_the_claim_back_so_the_retry_can_start_it(world):
    queued(world)
    world.veo.fail("start", quota())
    with pytest.raises(RetryLater):
        dispatch_start(world)
    assert "startClaim" not in world.store.creations["c1"]
    assert dispatch_start(world) == StartVeoOutcome.PROCESSING and len(world.veo.started) == 1


def test_a_start_retried_after_its_first_poll_was_lost_queues_that_poll_and_starts_nothing(world):
    queued(world)
    # Given: Veo took the start and it was recorded, but queueing the first poll failed, so
    # Cloud Tasks dispatches the start again
    world.tasks.fail("enqueue_finalize", RuntimeError("503 from Cloud Tasks"))
    with pytest.raises(RuntimeError):
        dispatch_start(world)
    assert world.store.creations["c1"]["status"] == "processing" and world.tasks.enqueued == []
    # When it is dispatched again
    outcome = dispatch_start(world)
    # Then its first poll is queued, Veo is not asked again, and a third delivery adds nothing
    assert outcome == StartVeoOutcome.POLL_RESUMED
    assert len(world.veo.started) == 1
    ((cid, job, _),) = world.tasks.enqueued
    assert cid == "c1" and job["operationName"] == world.store.creations["c1"]["operationName"]
    dispatch_start(world)
    assert len(world.tasks.enqueued) == 1 and world.store.tokens(USER) == 100 - COST


def test_a_user_whose_prompts_veos_filter_keeps_refusing_is_refused_up_front_for_a_while(world):
    from domain.admission import POLICY_STRIKES

    # Given a funded user whose requests Veo's own filter refuses (charged, queued, refunded)
    world.store.grant(USER, 1000)
    for i in range(POLICY_STRIKES):
        world.veo.fail("start", permanent("veo", 400, "The prompt violates our Usage Guidelines"))
        inc = world.store.create(f"p{i}", request())
        assert start_generation.handle(f"p{i}", request(), world.services, inc) == start_generation.StartOutcome.QUEUED
        assert dispatch_start(world, f"p{i}") == StartVeoOutcome.VEO_REFUSED
    # When they send another request
    inc = world.store.create("next", request())
    outcome = start_generation.handle("next", request(), world.services, inc)
    # Then it is refused before any charge, with its own code, and holds no place in the queue
    assert outcome == start_generation.StartOutcome.REFUSED
    assert world.store.creations["next"]["error"]["code"] == ErrorCode.POLICY_COOLDOWN
    assert world.store.tokens(USER) == 1000 and not [c for c, _ in world.tasks.starts if c == "next"]
