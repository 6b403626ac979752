"""startgeneration: every refusal, the re-used id, the wrong owner, Veo's refusals, a creation
ended meanwhile, and repeated events — against fakes, Given / When / Then."""
from __future__ import annotations

from adapters.gcs import temp_prefix_uri
from domain import ledger
from domain.errors import ErrorCode, failure
from handlers.start_generation import StartOutcome, handle
from tests.handlers.conftest import OTHER, TEMP_BUCKET, USER, request
from tests.handlers.fakes import permanent, transient


def start(world, cid="c1", data=None, incarnation=None, **req):
    data = data if data is not None else request(**req)
    inc = world.store.create(cid, data)
    return handle(cid, dict(data), world.services, inc if incarnation is None else incarnation)


def test_an_event_without_a_document_does_nothing(world):
    # Given a create event whose document is already gone
    # When it is handled
    outcome = handle("c1", None, world.services, None)
    # Then nothing is charged or started
    assert outcome == StartOutcome.GONE
    assert not world.veo.started and not world.store.entries


def test_a_request_that_breaks_the_contract_fails_without_a_charge(world):
    # Given a user with tokens and a request with a 5-second duration
    world.store.grant(USER, 100)
    # When it is handled
    outcome = start(world, duration=5)
    # Then it fails as invalid_request, nothing moves, Veo is never asked
    assert outcome == StartOutcome.REJECTED
    assert world.store.creations["c1"]["error"]["code"] == ErrorCode.INVALID_REQUEST
    assert world.store.tokens(USER) == 100 and not world.veo.started
    assert world.store.counters["refused_invalid_request"] == 1


def test_a_request_with_an_unusable_user_id_fails_without_reading_any_ledger(world):
    # Given a request whose userId cannot name a user document
    data = request(user="../x")
    # When it is handled
    outcome = start(world, data=data)
    # Then it fails (invalid_request) and no money record is touched
    assert outcome == StartOutcome.REJECTED
    assert world.store.creations["c1"]["status"] == "failed" and not world.store.entries


def test_a_blocked_prompt_fails_as_content_policy_before_any_charge(world):
    # Given a prompt with a blocked word
    world.store.grant(USER, 100)
    # When it is handled
    outcome = start(world, prompt="some GORE please")
    # Then it fails as content_policy with the word named, and nothing is charged
    assert outcome == StartOutcome.REJECTED
    assert world.store.creations["c1"]["error"]["code"] == ErrorCode.CONTENT_POLICY
    assert world.store.tokens(USER) == 100 and not world.veo.started


def test_a_refusal_repeated_after_a_charge_refunds_the_charge(world):
    # Given a request that was charged (an earlier configuration allowed the word) and is still pending
    world.store.grant(USER, 100)
    inc = world.store.create("c1", request(prompt="gore"))
    world.store.debit("c1", USER, 40, 3, inc)
    # When its create event comes again under a configuration that blocks the word
    outcome = handle("c1", request(prompt="gore"), world.services, inc)
    # Then it fails and the charge is given back exactly once
    assert outcome == StartOutcome.REJECTED
    assert world.store.tokens(USER) == 100 and world.store.in_flight(USER) == 0
    assert world.store.entry(USER, ledger.refund_id("c1"))["amount"] == 40


def test_a_refusal_for_a_document_no_longer_pending_changes_nothing(world):
    # Given a creation that already failed
    world.store.grant(USER, 100)
    inc = world.store.create("c1", request(duration=5))
    world.store.creations["c1"]["status"] = "failed"
    # When its (invalid) create event comes again
    outcome = handle("c1", request(duration=5), world.services, inc)
    # Then it is reported rejected but nothing is written
    assert outcome == StartOutcome.REJECTED
    assert "error" not in world.store.creations["c1"]


def test_a_refusal_event_of_an_earlier_document_of_the_id_leaves_the_new_one_alone(world):
    # Given an id deleted and created again (pending)
    start_inc = world.store.create("c1", request(duration=5))
    world.store.delete("c1")
    world.store.create("c1", request())
    # When the first document's late create event comes
    outcome = handle("c1", request(duration=5), world.services, start_inc)
    # Then the new document stays pending
    assert outcome == StartOutcome.REJECTED
    assert world.store.creations["c1"]["status"] == "pending"


def test_a_malformed_balance_sets_the_request_aside_without_a_charge(world):
    # Given a user document whose balance is text
    world.store.users[USER] = {"tokens": "100", "inFlight": 0}
    # When a request is handled
    outcome = start(world)
    # Then it is set aside and counted; nothing is charged or started
    assert outcome == StartOutcome.SET_ASIDE
    assert world.store.counters["malformed_user"] == 1
    assert world.store.creations["c1"]["status"] == "pending" and not world.veo.started


def test_too_few_tokens_is_refused(world):
    # Given a user with 30 tokens
    world.store.grant(USER, 30)
    # When a 4-second video (40 tokens) is requested
    outcome = start(world)
    # Then it is refused as insufficient_tokens and nothing moves
    assert outcome == StartOutcome.REFUSED
    assert world.store.creations["c1"]["error"]["code"] == ErrorCode.INSUFFICIENT_TOKENS
    assert world.store.tokens(USER) == 30 and not world.veo.started


def test_too_many_in_flight_is_refused(world):
    # Given a user at the in-flight limit
    world.store.grant(USER, 500, in_flight=3)
    # When one more is requested
    outcome = start(world)
    # Then it is refused as too_many_in_flight
    assert outcome == StartOutcome.REFUSED
    assert world.store.creations["c1"]["error"]["code"] == ErrorCode.TOO_MANY_IN_FLIGHT


def test_a_re_used_id_is_refused_and_the_old_debit_is_not_touched(world):
    # Given an id whose first document was charged, then deleted and created again
    world.store.grant(USER, 100)
    first = start(world)
    assert first == StartOutcome.PROCESSING
    world.store.delete("c1")
    # When the new document's create event is handled
    outcome = start(world)
    # Then it is refused (invalid_request: re-used id) and no second debit is made
    assert outcome == StartOutcome.REFUSED
    assert ledger.REUSED_ID_DETAIL in world.store.creations["c1"]["error"]["message"]
    assert world.store.tokens(USER) == 60


def test_a_document_owned_by_someone_else_is_refused(world):
    # Given a document whose stored owner differs from the event's userId
    world.store.grant(USER, 100)
    inc = world.store.create("c1", request(user=OTHER))
    # When the event says USER
    outcome = handle("c1", request(user=USER), world.services, inc)
    # Then nothing is charged to USER
    assert outcome == StartOutcome.REFUSED
    assert world.store.tokens(USER) == 100


def test_a_request_is_charged_started_and_handed_to_finalize(world):
    # Given a user with 100 tokens
    world.store.grant(USER, 100)
    # When a 4-second video is requested
    outcome = start(world)
    # Then 40 tokens are taken, Veo writes to the temp bucket, and a finalize task carries the job
    assert outcome == StartOutcome.PROCESSING
    assert world.store.tokens(USER) == 60 and world.store.in_flight(USER) == 1
    creation = world.store.creations["c1"]
    assert creation["status"] == "processing" and creation["tokenCost"] == 40
    assert world.veo.started[0][3] == temp_prefix_uri(TEMP_BUCKET, "c1")
    (cid, job, delay), = world.tasks.enqueued
    assert cid == "c1" and job["operationName"] == creation["operationName"] and job["mediaKey"] == creation["mediaKey"]


def test_without_a_temp_bucket_veo_returns_the_video_inline(world):
    # Given no temp bucket configured
    world.with_settings(gcs_temp_bucket="")
    world.store.grant(USER, 100)
    # When a request is handled
    start(world)
    # Then Veo is given no output location
    assert world.veo.started[0][3] is None


def test_a_policy_refusal_from_veo_fails_as_content_policy_and_refunds(world):
    # Given Veo refuses the prompt under its usage guidelines
    world.store.grant(USER, 100)
    world.veo.fail("start", permanent("veo", 400, "The prompt violates our Usage Guidelines"))
    # When the request is handled
    outcome = start(world)
    # Then it fails as content_policy and the 40 tokens come back
    assert outcome == StartOutcome.VEO_REFUSED
    assert world.store.creations["c1"]["error"]["code"] == ErrorCode.CONTENT_POLICY
    assert world.store.tokens(USER) == 100 and world.store.in_flight(USER) == 0
    assert world.store.creations["c1"]["refunded"] is True


def test_veo_errors_that_are_not_policy_fail_as_generation_failed_and_refund(world):
    # Given Veo answers 400 for another reason, and (second case) stays unavailable past the retries
    world.store.grant(USER, 100)
    world.veo.fail("start", permanent("veo", 400, "bad aspect"))
    world.veo.fail("start", transient("veo"), transient("veo"), transient("veo"))
    # When two requests are handled
    first, second = start(world, "c1"), start(world, "c2")
    # Then both fail as generation_failed, refunded
    assert first == second == StartOutcome.VEO_REFUSED
    assert {world.store.creations[c]["error"]["code"] for c in ("c1", "c2")} == {ErrorCode.GENERATION_FAILED}
    assert world.store.tokens(USER) == 100


def test_a_transient_veo_error_is_retried(world):
    # Given Veo fails once, transiently
    world.store.grant(USER, 100)
    world.veo.fail("start", transient("veo"))
    # When the request is handled
    outcome = start(world)
    # Then the retry starts it
    assert outcome == StartOutcome.PROCESSING and world.veo.calls["start"] == 2


def test_a_creation_swept_while_veo_starts_keeps_its_refund(world):
    # Given the sweep fails and refunds the creation while Veo is being asked
    world.store.grant(USER, 100)
    world.store.before("mark_processing", lambda: world.store.fail_and_refund("c1", failure(ErrorCode.TIMEOUT)))
    # When the handler then tries to mark it processing
    outcome = start(world)
    # Then it stops there: failed (timeout), refunded once, no finalize task
    assert outcome == StartOutcome.ENDED_MEANWHILE
    assert world.store.creations["c1"]["status"] == "failed" and world.store.tokens(USER) == 100
    assert not world.tasks.enqueued


def test_a_repeated_event_after_veo_started_reschedules_finalize(world):
    # Given a request already processing
    world.store.grant(USER, 100)
    inc = world.store.create("c1", request())
    handle("c1", request(), world.services, inc)
    # When its create event comes again
    outcome = handle("c1", request(), world.services, inc)
    # Then a finalize task is enqueued again (harmless) and nothing is charged twice
    assert outcome == StartOutcome.FINALIZE_RESCHEDULED
    assert len(world.tasks.enqueued) == 2 and world.store.tokens(USER) == 60 and len(world.veo.started) == 1


def test_a_repeated_event_while_the_first_run_is_still_before_veo_is_a_duplicate(world):
    # Given a request charged but not yet processing (the first run is asking Veo)
    world.store.grant(USER, 100)
    inc = world.store.create("c1", request())
    world.store.debit("c1", USER, 40, 3, inc)
    # When the event comes again
    outcome = handle("c1", request(), world.services, inc)
    # Then it leaves the work to the first run
    assert outcome == StartOutcome.DUPLICATE
    assert not world.veo.started and world.store.tokens(USER) == 60


def test_an_event_of_an_earlier_document_of_the_id_charges_nothing(world):
    # Given an id deleted and created again
    world.store.grant(USER, 100)
    old = world.store.create("c1", request())
    world.store.delete("c1")
    world.store.create("c1", request())
    # When the first document's create event comes late
    outcome = handle("c1", request(), world.services, old)
    # Then nothing is charged (the new document has its own event)
    assert outcome == StartOutcome.DUPLICATE and world.store.tokens(USER) == 100


def test_a_repeated_event_after_the_creation_finished_schedules_nothing(world):
    # Given a request that went through Veo and has since finished (a draft keeps its operation name)
    world.store.grant(USER, 100)
    inc = world.store.create("c1", request())
    handle("c1", request(), world.services, inc)
    world.store.complete_draft("c1", "https://media.test/x", 0.15)
    # When its create event comes again, late
    outcome = handle("c1", request(), world.services, inc)
    # Then no finalize task is added for a finished creation
    assert outcome == StartOutcome.DUPLICATE and len(world.tasks.enqueued) == 1
